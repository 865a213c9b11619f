/**
 * The freshness window of the verified-state cache (`cache.freshnessMs`, spec §6.1): within it a verified state
 * (or a DID's verified absence) is served without asking the ledger; after it the ledger is read again; `noCache`
 * always reads; failures are never kept. Windows are either long (60 s: "within the window" holds on any machine)
 * or short (200 ms, and the tests wait until it has elapsed); no test asserts how long anything took.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { DidCityError } from '../src/errors.ts';
import { createCityResolver, HistoryCache, verifiedAt } from '../src/resolve.ts';
import type { LedgerHistory, LedgerReader } from '../src/types.ts';
import {
  BUREAU,
  cityScenario,
  deactivate,
  errorResult,
  FakeReader,
  REGISTRY,
  SJZ,
  type Scenario,
} from './fixtures/cities.ts';

const LONG = 60_000;
const SHORT = 200;

let scenario: Scenario;
beforeAll(async () => {
  scenario = await cityScenario();
});

const didsRead = (reader: FakeReader) => reader.reads.map((read) => read.did);

/** Waits until `ms` have passed on the clock the cache reads (Date.now), however the timers were scheduled. */
async function elapse(ms: number): Promise<void> {
  const until = Date.now() + ms + 1;
  while (Date.now() < until) await sleep(Math.max(1, until - Date.now()));
}

describe('cache.freshnessMs: a verified state younger than the window is served without the reader', () => {
  it('within the window the reader is not called, and the result is the same', async () => {
    const reader = await FakeReader.of(scenario.ledger, [SJZ, REGISTRY]);
    const resolver = createCityResolver({ reader, cache: { freshnessMs: LONG } });
    const first = await resolver.resolve(SJZ);
    expect(didsRead(reader).sort()).toStrictEqual([REGISTRY, SJZ]);
    reader.reads.length = 0;
    for (let i = 0; i < 5; i++) expect(await resolver.resolve(SJZ)).toStrictEqual(first);
    expect(await resolver.resolve(SJZ, { versionId: '0' })).toMatchObject({ didDocumentMetadata: { versionId: '0' } });
    expect(reader.reads).toStrictEqual([]);
  });

  it('after the window the ledger is read again (the DID only, an unchanged head is not replayed)', async () => {
    const reader = await FakeReader.of(scenario.ledger, [SJZ, REGISTRY]);
    const resolver = createCityResolver({ reader, cache: { freshnessMs: SHORT } });
    const first = await resolver.resolve(SJZ);
    const firstVerified = verifiedAt(first)!;
    reader.reads.length = 0;
    await elapse(SHORT);
    const again = await resolver.resolve(SJZ);
    expect(again).toStrictEqual(first);
    expect(reader.reads).toStrictEqual([{ did: SJZ }]);
    expect(verifiedAt(again)).toBeGreaterThan(firstVerified);
  });

  it('noCache always reads the whole lineage, window or not', async () => {
    const reader = await FakeReader.of(scenario.ledger, [SJZ, REGISTRY]);
    const resolver = createCityResolver({ reader, cache: { freshnessMs: LONG } });
    await resolver.resolve(SJZ);
    reader.reads.length = 0;
    await resolver.resolve(SJZ, { noCache: true });
    await resolver.resolve(SJZ, { noCache: 'true' });
    expect(didsRead(reader)).toStrictEqual([SJZ, REGISTRY, SJZ, REGISTRY]);
  });

  it('default 0 is today’s behaviour: every resolution asks the ledger', async () => {
    for (const cache of [undefined, true, { maxEntries: 8 }, { freshnessMs: 0 }]) {
      const reader = await FakeReader.of(scenario.ledger, [SJZ, REGISTRY]);
      const resolver = createCityResolver(cache === undefined ? { reader } : { reader, cache });
      await resolver.resolve(SJZ);
      reader.reads.length = 0;
      await resolver.resolve(SJZ);
      await resolver.resolve(SJZ);
      expect(didsRead(reader)).toStrictEqual([SJZ, SJZ]);
    }
  });

  it('a deactivation on the ledger becomes visible once the window has elapsed', async () => {
    const own = await cityScenario();
    const resolver = createCityResolver({ reader: own.ledger, cache: { freshnessMs: SHORT } });
    expect((await resolver.resolve(SJZ)).didDocument).not.toBeNull();
    await deactivate(own);
    await elapse(SHORT);
    const after = await resolver.resolve(SJZ);
    expect(after.didDocument).toBeNull();
    expect(after.didDocumentMetadata.deactivated).toBe(true);
  });

  it('NOT_FOUND is kept for the window only: a newly registered DID is resolvable once it has elapsed', async () => {
    const reader = await FakeReader.of(scenario.ledger, [SJZ, REGISTRY, BUREAU]);
    const registered = await reader.history(BUREAU);
    reader.set(BUREAU, { entries: [] });
    const resolver = createCityResolver({ reader, cache: { freshnessMs: SHORT } });
    expect(await resolver.resolve(BUREAU)).toStrictEqual(errorResult('NOT_FOUND', 404));
    reader.set(BUREAU, registered);
    await elapse(SHORT);
    expect((await resolver.resolve(BUREAU)).didDocument?.id).toBe(BUREAU);
  });

  it('NOT_FOUND within the window is answered without the reader', async () => {
    const reader = await FakeReader.of(scenario.ledger, [REGISTRY]);
    const resolver = createCityResolver({ reader, cache: { freshnessMs: LONG } });
    expect(await resolver.resolve(BUREAU)).toStrictEqual(errorResult('NOT_FOUND', 404));
    reader.reads.length = 0;
    expect(await resolver.resolve(BUREAU)).toStrictEqual(errorResult('NOT_FOUND', 404));
    expect(reader.reads).toStrictEqual([]);
  });

  it('a ledger failure is never kept: the next resolution reads again and succeeds', async () => {
    const inner = await FakeReader.of(scenario.ledger, [SJZ, REGISTRY]);
    let down = true;
    let reads = 0;
    const reader: LedgerReader = {
      history(did, options) {
        reads++;
        if (down) return Promise.reject(new DidCityError('LEDGER_UNAVAILABLE', 'down'));
        return inner.history(did, options);
      },
    };
    const resolver = createCityResolver({ reader, cache: { freshnessMs: LONG } });
    expect(await resolver.resolve(SJZ)).toStrictEqual(errorResult('INTERNAL_ERROR', 500));
    expect(await resolver.resolve(SJZ)).toStrictEqual(errorResult('INTERNAL_ERROR', 500));
    expect(reads).toBe(2);
    down = false;
    expect((await resolver.resolve(SJZ)).didDocument?.id).toBe(SJZ);
  });

  it('an invalid history is never kept', async () => {
    const reader = await FakeReader.of(scenario.ledger, [SJZ, REGISTRY]);
    const { entries } = await reader.history(SJZ);
    reader.set(SJZ, { entries: entries.slice(1) });
    reader.reads.length = 0;
    const resolver = createCityResolver({ reader, cache: { freshnessMs: LONG } });
    expect(await resolver.resolve(SJZ)).toStrictEqual(errorResult('INVALID_DID_DOCUMENT', 500));
    reader.set(SJZ, { entries });
    expect((await resolver.resolve(SJZ)).didDocument?.id).toBe(SJZ);
  });

  it('concurrent resolutions of a DID outside the window share one ledger read', async () => {
    const reader = await FakeReader.of(scenario.ledger, [SJZ, REGISTRY]);
    const resolver = createCityResolver({ reader, cache: { freshnessMs: LONG } });
    const results = await Promise.all(Array.from({ length: 10 }, () => resolver.resolve(SJZ)));
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(didsRead(reader).sort()).toStrictEqual([REGISTRY, SJZ]);
  });

  it('the ledger metadata is that of the checkpoint the state was verified against', async () => {
    const ledger = { origin: 'city.ledger/prod', treeSize: '5', checkpoint: 'note 5' };
    const reader = await FakeReader.of(scenario.ledger, [SJZ, REGISTRY], ledger);
    const resolver = createCityResolver({ reader, cache: { freshnessMs: LONG } });
    await resolver.resolve(SJZ);
    const { entries } = (await reader.history(SJZ)) as LedgerHistory;
    reader.set(SJZ, { entries, ledger: { ...ledger, treeSize: '6', checkpoint: 'note 6' } });
    expect((await resolver.resolve(SJZ)).didResolutionMetadata.ledger).toStrictEqual(ledger);
  });

  it('verifiedAt: set for results built from verified state (dereferencing too), undefined for errors', async () => {
    const resolver = createCityResolver({ reader: scenario.ledger, cache: { freshnessMs: LONG } });
    const before = Date.now();
    const result = await resolver.resolve(SJZ);
    expect(verifiedAt(result)).toBeGreaterThanOrEqual(before);
    expect(verifiedAt(result)).toBeLessThanOrEqual(Date.now());
    // Within the window a later call reports the earlier verification.
    expect(verifiedAt(await resolver.resolve(SJZ))).toBe(verifiedAt(result));
    expect(verifiedAt(await resolver.dereference(`${SJZ}#key-3`))).toBe(verifiedAt(result));
    expect(verifiedAt(await resolver.resolve('did:city:CN'))).toBeUndefined();
    expect(Object.keys(result.didResolutionMetadata).sort()).toStrictEqual(['contentType']);
  });

  it('freshnessMs must be a non-negative number', () => {
    expect(() => new HistoryCache(10, -1)).toThrow(RangeError);
    expect(() => createCityResolver({ reader: scenario.ledger, cache: { freshnessMs: Number.NaN } })).toThrow(
      RangeError,
    );
  });
});
