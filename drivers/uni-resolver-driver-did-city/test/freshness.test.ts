/**
 * The freshness window (`freshness`, setting `uniresolver_driver_did_city_freshness`): the resolver serves a
 * verified state younger than it without reading the ledger, the driver keeps each reply's bytes and ETag for it,
 * `noCache=true` bypasses both, errors are never kept, and max-age is cacheTtl minus the seconds since the
 * verification. Windows are long (60 s: "within the window" holds on any machine) or short (200 ms, and the
 * tests wait until it has elapsed); nothing asserts how long anything took.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createCityResolver,
  deactivateOperation,
  type DIDResolutionOptions,
  DidCityError,
  type LedgerReader,
  type MemoryLedger,
  signOperation,
} from '@did-city/method';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DriverOptions } from '../src/app.ts';
import type { DriverResolver } from '../src/resolver.ts';
import {
  buildLedger,
  DIDS,
  encodedPath,
  type Fixture,
  identifierPath,
  type RunningDriver,
  rawRequest,
  startDriver,
} from './fixtures.ts';

const LONG = 60;
const SHORT = 0.2;

let fixture: Fixture;
const running: RunningDriver[] = [];

beforeAll(async () => {
  fixture = await buildLedger();
});
afterAll(async () => {
  await Promise.all(running.map((driver) => driver.close()));
});

async function driverWith(options: DriverOptions): Promise<RunningDriver> {
  const driver = await startDriver(options);
  running.push(driver);
  return driver;
}

/** A reader over `ledger` counting reads by DID, that can hide DIDs (not yet registered) or be down. */
function countingReader(ledger: MemoryLedger) {
  const state = { reads: [] as string[], hidden: new Set<string>(), down: false };
  const reader: LedgerReader = {
    history(did, options) {
      state.reads.push(did);
      if (state.down) return Promise.reject(new DidCityError('LEDGER_UNAVAILABLE', 'the ledger is down'));
      return state.hidden.has(did) ? Promise.resolve({ entries: [] }) : ledger.history(did, options);
    },
  };
  return { reader, state };
}

/** A resolver counting its calls, over a fresh resolver on the fixture ledger. */
function countingResolver(ledger: MemoryLedger) {
  const inner = createCityResolver({ reader: ledger });
  const calls: string[] = [];
  const resolver: DriverResolver = {
    resolve: (did: string, options?: DIDResolutionOptions) => {
      calls.push(did);
      return inner.resolve(did, options);
    },
    dereference: (url, options) => {
      calls.push(url);
      return inner.dereference(url, options);
    },
  };
  return { resolver, calls };
}

async function elapse(seconds: number): Promise<void> {
  const until = Date.now() + seconds * 1000 + 1;
  while (Date.now() < until) await sleep(Math.max(1, until - Date.now()));
}

const get = (driver: RunningDriver, path: string, headers: Record<string, string> = {}) =>
  rawRequest(driver.url, path, { headers });

describe('the resolver behind the driver: the ledger is read once per window', () => {
  test('within the window the reader is not called again, for any representation or option', async () => {
    const { reader, state } = countingReader(fixture.ledger);
    const driver = await driverWith({ reader, freshness: LONG });
    expect((await get(driver, identifierPath(DIDS.city))).status).toBe(200);
    const first = state.reads.length;
    expect(first).toBeGreaterThan(0);
    for (const accept of ['application/did-resolution', 'application/did+json', 'application/did']) {
      expect((await get(driver, identifierPath(DIDS.city), { accept })).status).toBe(200);
    }
    expect((await get(driver, encodedPath(DIDS.city, 'versionId=0'))).status).toBe(200);
    expect((await get(driver, encodedPath(`${DIDS.city}#key-1`))).status).toBe(200);
    expect(state.reads.length).toBe(first);
  });

  test('after the window it is read again', async () => {
    const { reader, state } = countingReader(fixture.ledger);
    const driver = await driverWith({ reader, freshness: SHORT });
    await get(driver, identifierPath(DIDS.city));
    state.reads.length = 0;
    await elapse(SHORT);
    expect((await get(driver, identifierPath(DIDS.city))).status).toBe(200);
    expect(state.reads).toContain(DIDS.city);
  });

  test('noCache=true always reads, answers no-store, and leaves nothing in the response cache', async () => {
    const { reader, state } = countingReader(fixture.ledger);
    const driver = await driverWith({ reader, freshness: LONG });
    await get(driver, encodedPath(DIDS.city));
    for (let i = 0; i < 2; i++) {
      state.reads.length = 0;
      const res = await get(driver, encodedPath(DIDS.city, 'noCache=true'));
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(state.reads).toEqual(expect.arrayContaining([DIDS.city, DIDS.registry]));
    }
  });

  test('freshness 0 (the default of createDriverApp) reads the ledger on every request', async () => {
    const { reader, state } = countingReader(fixture.ledger);
    const driver = await driverWith({ reader });
    await get(driver, identifierPath(DIDS.city));
    state.reads.length = 0;
    await get(driver, identifierPath(DIDS.city));
    await get(driver, identifierPath(DIDS.city));
    expect(state.reads).toEqual([DIDS.city, DIDS.city]);
  });

  test('a deactivation on the ledger is answered (410) once the window has elapsed', async () => {
    const own = await buildLedger();
    const driver = await driverWith({ reader: own.ledger, freshness: SHORT });
    expect((await get(driver, identifierPath(DIDS.updated))).status).toBe(200);
    const deactivation = deactivateOperation(own.ledger.historyOf(DIDS.updated)!);
    await own.ledger.append(await signOperation(deactivation, [own.updateSigners[DIDS.updated]!]));
    await elapse(SHORT);
    const after = await get(driver, identifierPath(DIDS.updated));
    expect(after.status).toBe(410);
    expect(after.json().didDocumentMetadata.deactivated).toBe(true);
  });
});

describe('the response cache: bytes and ETag per request target and Accept', () => {
  test('a warm hit answers identical bytes and ETag without calling the resolver', async () => {
    const { resolver, calls } = countingResolver(fixture.ledger);
    const driver = await driverWith({ resolver, freshness: LONG });
    const first = await get(driver, identifierPath(DIDS.city));
    const second = await get(driver, identifierPath(DIDS.city));
    const third = await get(driver, identifierPath(DIDS.city), { 'if-none-match': first.headers.etag! });
    expect(second.text).toBe(first.text);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.headers['content-type']).toBe(first.headers['content-type']);
    expect(third.status).toBe(304);
    expect(third.headers.etag).toBe(first.headers.etag);
    expect(calls).toEqual([DIDS.city]);
  });

  test('different options and representations never share an entry: each gets what a cache-less driver gives', async () => {
    const cached = await driverWith({ reader: fixture.ledger, freshness: LONG });
    const plain = await driverWith({ reader: fixture.ledger });
    const requests: Array<[string, Record<string, string>]> = [
      [identifierPath(DIDS.updated), {}],
      [identifierPath(DIDS.updated), { accept: 'application/did+json' }],
      [identifierPath(DIDS.updated), { accept: 'application/did' }],
      [identifierPath(DIDS.updated), { accept: 'application/did+ld+json' }],
      [identifierPath(DIDS.updated), { accept: 'application/did-resolution,application/did+json' }],
      [encodedPath(DIDS.updated, 'versionId=0'), {}],
      [encodedPath(DIDS.updated, 'versionId=1'), {}],
      [encodedPath(DIDS.updated, 'versionId=0'), { accept: 'application/did+json' }],
      [encodedPath(`${DIDS.updated}#key-1`), {}],
      [encodedPath(`${DIDS.updated}#key-1`), { accept: 'application/did+json' }],
      [identifierPath(`${DIDS.sub}?service=files&relativeRef=a.json`), { accept: 'text/uri-list' }],
      [identifierPath(`${DIDS.sub}?service=portal&relativeRef=a.json`), { accept: 'text/uri-list' }],
    ];
    // Twice round: the second round is served from the response cache.
    for (let round = 0; round < 2; round++) {
      for (const [path, headers] of requests) {
        const [got, expected] = await Promise.all([get(cached, path, headers), get(plain, path, headers)]);
        expect({
          path,
          headers,
          status: got.status,
          body: got.text,
          location: got.headers.location,
          etag: got.headers.etag,
        }).toEqual({
          path,
          headers,
          status: expected.status,
          body: expected.text,
          location: expected.headers.location,
          etag: expected.headers.etag,
        });
      }
    }
    // The representations of one request differ, so a shared entry would have shown above.
    const bodies = await Promise.all(requests.slice(0, 4).map(([path, headers]) => get(cached, path, headers)));
    expect(new Set(bodies.map((res) => res.headers.etag)).size).toBe(4);
  });

  test('errors are never kept: a ledger that was down answers 200 as soon as it is back', async () => {
    const { reader, state } = countingReader(fixture.ledger);
    const driver = await driverWith({ reader, freshness: LONG });
    state.down = true;
    const down = await get(driver, identifierPath(DIDS.city));
    expect(down.status).toBe(500);
    expect(down.headers['cache-control']).toBe('no-store');
    expect(down.headers.etag).toBeUndefined();
    state.down = false;
    expect((await get(driver, identifierPath(DIDS.city))).status).toBe(200);
  });

  test('NOT_FOUND is 404 no-store, kept by the resolver for the window only: a new DID resolves after it', async () => {
    const { reader, state } = countingReader(fixture.ledger);
    state.hidden.add(DIDS.sub);
    const driver = await driverWith({ reader, freshness: SHORT });
    const missing = await get(driver, identifierPath(DIDS.sub));
    expect(missing.status).toBe(404);
    expect(missing.headers['cache-control']).toBe('no-store');
    state.hidden.delete(DIDS.sub);
    await elapse(SHORT);
    const registered = await get(driver, identifierPath(DIDS.sub));
    expect(registered.status).toBe(200);
    expect(registered.json().didDocument.id).toBe(DIDS.sub);
  });

  test('NOT_FOUND within the window does not reach the ledger again', async () => {
    const { reader, state } = countingReader(fixture.ledger);
    const driver = await driverWith({ reader, freshness: LONG });
    expect((await get(driver, identifierPath(DIDS.absent))).status).toBe(404);
    state.reads.length = 0;
    expect((await get(driver, identifierPath(DIDS.absent))).status).toBe(404);
    expect(state.reads).toEqual([]);
  });

  test('406 and 400 are not kept either', async () => {
    const { resolver, calls } = countingResolver(fixture.ledger);
    const driver = await driverWith({ resolver, freshness: LONG });
    for (let i = 0; i < 2; i++) {
      expect((await get(driver, identifierPath(DIDS.city), { accept: 'text/html' })).status).toBe(406);
      expect((await get(driver, identifierPath('did:city:CN'))).status).toBe(400);
    }
    expect(calls).toEqual(['did:city:CN', 'did:city:CN']);
  });
});

describe('Cache-Control: max-age = cacheTtl minus the whole seconds since the state was verified', () => {
  test('a fresh verification gets the full cacheTtl; a reply served later gets less, never more', async () => {
    const driver = await driverWith({ reader: fixture.ledger, freshness: LONG, cacheTtl: 60 });
    expect((await get(driver, identifierPath(DIDS.city))).headers['cache-control']).toBe('public, max-age=60');
    await elapse(1);
    const later = await get(driver, identifierPath(DIDS.city));
    const maxAge = Number(/^public, max-age=(\d+)$/.exec(later.headers['cache-control']!)?.[1]);
    expect(maxAge).toBeLessThanOrEqual(59);
    expect(maxAge).toBeGreaterThan(0);
  });

  test('once cacheTtl has passed since the verification, a reply still inside the window is no-cache', async () => {
    const driver = await driverWith({ reader: fixture.ledger, freshness: LONG, cacheTtl: 1 });
    await get(driver, identifierPath(DIDS.city));
    await elapse(1);
    const later = await get(driver, identifierPath(DIDS.city));
    expect(later.status).toBe(200);
    expect(later.headers['cache-control']).toBe('no-cache');
  });

  test('the properties show the freshness', async () => {
    const driver = await driverWith({ reader: fixture.ledger, freshness: 5 });
    expect((await get(driver, '/1.0/properties')).json()).toMatchObject({ freshness: 5, cacheTtl: 60 });
  });

  test('a negative freshness is refused at construction', async () => {
    await expect(startDriver({ reader: fixture.ledger, freshness: -1 })).rejects.toThrow(RangeError);
  });
});
