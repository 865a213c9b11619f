/**
 * Bounded histories (spec §9.7, R-LIM-1, R-LIM-2) through a real node over HTTP: the registry's
 * `CityHistoryLimits` service sets the bounds, a create or update past them is 413 HISTORY_TOO_LARGE and writes
 * nothing, a recover by the parent and a deactivate still go through; a malformed service, or one outside a
 * registry, is INVALID_OPERATION. And history reads go page by page: 20 concurrent reads of a long history leave
 * GET /health answering long before they finish (measured as a ratio, no absolute time).
 */
import {
  createOperation,
  type DocumentContent,
  type Operation,
  operationHash,
  recoverOperation,
  type UnsignedOperation,
} from '@did-city/method';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CITY_KEY,
  content,
  createOf,
  deactivateAfter,
  INSTITUTES,
  key,
  REGISTRY,
  SJZ,
  sign,
  updateAfter,
} from './fixtures.ts';
import { call, type LedgerServer, postJson, problemCode, startLedger } from './http-fixtures.ts';
import { HISTORY_PAGE_SIZE } from '../src/index.ts';

const servers: LedgerServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.stop();
});

/** `service` set after createOperation, which would refuse a bad one before the ledger could. */
function withService(unsigned: UnsignedOperation, endpoint: Record<string, unknown>): UnsignedOperation {
  const document = (unsigned as { document: DocumentContent }).document;
  document.service = [{ id: '#history-limits', type: 'CityHistoryLimits', serviceEndpoint: endpoint }];
  return unsigned;
}

function registryWith(limits: Record<string, unknown> | undefined): Promise<Operation> {
  const unsigned = createOperation({
    did: REGISTRY,
    updateKeys: INSTITUTES.map((k) => k.publicKeyMultibase),
    threshold: 2,
    document: content(INSTITUTES[0]),
  });
  return sign(limits === undefined ? unsigned : withService(unsigned, limits), [INSTITUTES[0], INSTITUTES[1]]);
}

async function ledgerWith(limits: Record<string, unknown> | undefined): Promise<LedgerServer> {
  const ledger = await startLedger();
  servers.push(ledger);
  await ledger.node.submitGovernance(await registryWith(limits));
  return ledger;
}

const submit = (ledger: LedgerServer, op: Operation) => postJson(`${ledger.url}operations`, op);

describe('per-DID bounds set by the registry (R-LIM-1)', () => {
  it('the 4th operation of a DID bounded at 3 is refused; recover and deactivate still go through', async () => {
    const ledger = await ledgerWith({ maxOperations: 3 });
    const city = await createOf(SJZ, CITY_KEY, [INSTITUTES[0], INSTITUTES[1]]);
    const one = await updateAfter(city, CITY_KEY, 'one');
    const two = await updateAfter(one, CITY_KEY, 'two');
    for (const op of [city, one, two]) expect((await submit(ledger, op)).status).toBe(201);
    const size = (await ledger.node.store.head()).size;

    const three = await updateAfter(two, CITY_KEY, 'three');
    const refused = await submit(ledger, three);
    expect(refused.status).toBe(413);
    expect(problemCode(refused)).toBe('HISTORY_TOO_LARGE');
    expect((refused.json() as { detail: string }).detail).toMatch(
      /would make its history 4 operations, over the bound of 3 .*R-LIM-1.*can still recover/,
    );
    expect((await ledger.node.store.head()).size).toBe(size);

    const fresh = key('sjz-recovered');
    const head = { did: SJZ, seq: two.seq, operationHash: operationHash(two) };
    const recover = await sign(
      recoverOperation(head, { updateKeys: [fresh.publicKeyMultibase], document: content(fresh) }),
      [INSTITUTES[0], INSTITUTES[1]],
    );
    expect((await submit(ledger, recover)).status).toBe(201);
    expect((await submit(ledger, await deactivateAfter(recover, fresh))).status).toBe(201);
  });

  it('the byte bound counts the leaves of the log: an update that would pass it is refused', async () => {
    const ledger = await ledgerWith({ maxBytes: 6000 });
    const city = await createOf(SJZ, CITY_KEY, [INSTITUTES[0], INSTITUTES[1]]);
    expect((await submit(ledger, city)).status).toBe(201);
    const usage = await ledger.node.store.didUsage(SJZ);
    expect(usage.operations).toBe(1);
    const big = await updateAfter(city, CITY_KEY, 'x'.repeat(6000 - usage.bytes));
    const refused = await submit(ledger, big);
    expect(problemCode(refused)).toBe('HISTORY_TOO_LARGE');
    expect((refused.json() as { detail: string }).detail).toMatch(/bytes of log entries, over the bound of 6000/);
    expect((await submit(ledger, await updateAfter(city, CITY_KEY, 'small'))).status).toBe(201);
  });
});

describe('history reads page (a long history does not hold the node)', () => {
  let ledger: LedgerServer;

  beforeAll(async () => {
    ledger = await ledgerWith(undefined);
    const city = await createOf(SJZ, CITY_KEY, [INSTITUTES[0], INSTITUTES[1]]);
    const chain: Operation[] = [city];
    for (let i = 1; i < 300; i++) chain.push(await updateAfter(chain.at(-1)!, CITY_KEY, `${i}-${'d'.repeat(4000)}`));
    await Promise.all(chain.map((op) => ledger.node.submit(op)));
  }, 120_000);

  it('GET /health is answered while 20 reads of a 300-operation history (one page each) are still being served', async () => {
    const history = `${ledger.url}dids/${encodeURIComponent(SJZ)}/history`;
    // One answer carries at most one page (spec §7.9) and names where the next one starts.
    const first = (await call(history)).json() as { entries: unknown[]; next?: { after: number } };
    expect(first.entries).toHaveLength(HISTORY_PAGE_SIZE);
    expect(first.next?.after).toBe(HISTORY_PAGE_SIZE - 1);
    expect((await call(`${ledger.url}health`)).status).toBe(200); // a connection ready for the second /health
    // The node's own calls, in the order they complete. A read that held the process from start to end would be
    // complete as soon as it started; reads that go page by page are still running when /health is answered.
    const events: string[] = [];
    const node = ledger.node;
    const read = node.history.bind(node);
    const health = node.health.bind(node);
    let started = 0;
    node.history = async (did) => {
      started += 1;
      const proven = await read(did);
      events.push('history');
      return proven;
    };
    node.health = () => {
      events.push('health');
      return health();
    };
    const reads = Array.from({ length: 20 }, () => call(history));
    // /health is asked once the node has started every read (they arrived first).
    while (started < 20) await new Promise((resume) => setImmediate(resume));
    const healthy = call(`${ledger.url}health`);
    const answers = await Promise.all(reads);
    expect((await healthy).status).toBe(200);
    for (const answer of answers) expect(answer.status).toBe(200);
    const before = events.indexOf('health');
    // Reads served whole, one after the other, would all complete first: a ratio of 1 (or near it).
    expect(before / 20).toBeLessThan(0.5);
  }, 120_000);
});
