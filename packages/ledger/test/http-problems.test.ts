// Which thrown errors are the client's fault. Only errors that name what the request got wrong become 4xx: a size
// beyond the anchored log is 400 MALFORMED_REQUEST naming the numbers, a tile beyond it 404. A RangeError thrown
// from deep in the store (here: the store lost a tree node) is the node's failure: 500 INTERNAL_ERROR with a fixed
// sentence, logged, its message never sent.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteLogStore } from '../src/index.ts';
import { call, type LedgerServer, problemCode, startLedger } from './http-fixtures.ts';
import { tempDir } from './fixtures.ts';

/** A real SQLite store whose proof reads fail the way a damaged database does. */
class LostNodeStore extends SqliteLogStore {
  override async consistencyProof(): Promise<Uint8Array[]> {
    throw new RangeError('tree node 3/7 is not stored');
  }
  override async inclusionProof(): Promise<Uint8Array[]> {
    throw new RangeError('tree node 0/12 is not stored');
  }
}

let ledger: LedgerServer;
let cleanup: () => void;

beforeAll(async () => {
  const temp = tempDir('ledger-problems-');
  cleanup = temp.cleanup;
  const store = new LostNodeStore({ file: join(temp.dir, 'ledger.db') });
  ledger = await startLedger({ store, checkOnStart: false }, temp.dir);
});

afterAll(async () => {
  await ledger?.stop();
  cleanup?.();
});

describe('a RangeError from deep code is a 500, not a 400', () => {
  it('GET /proofs/consistency whose store read fails: 500 INTERNAL_ERROR, no internal text, logged', async () => {
    const answer = await call(`${ledger.url}proofs/consistency?from=0&to=0`);
    expect(answer.status).toBe(500);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(problemCode(answer)).toBe('INTERNAL_ERROR');
    expect(answer.text).not.toMatch(/tree node|RangeError|not stored/);
    expect(ledger.logs.some((line) => line.includes('RangeError'))).toBe(true);
  });

  it('a size beyond the anchored log is still the client’s: 400 MALFORMED_REQUEST naming the numbers', async () => {
    const answer = await call(`${ledger.url}proofs/consistency?from=0&to=5`);
    expect(answer.status).toBe(400);
    expect(problemCode(answer)).toBe('MALFORMED_REQUEST');
    expect(JSON.parse(answer.text).detail).toBe('tree size 5 is outside the anchored log (0..0)');
  });

  it('GET /proofs/inclusion beyond the log: 400; a tile beyond it: 404 about:blank', async () => {
    const proof = await call(`${ledger.url}proofs/inclusion?index=0&size=1`);
    expect(proof.status).toBe(400);
    expect(problemCode(proof)).toBe('MALFORMED_REQUEST');
    const tile = await call(`${ledger.url}tile/0/000.p/1`);
    expect(tile.status).toBe(404);
    expect(JSON.parse(tile.text)).toMatchObject({ type: 'about:blank', title: 'Not Found', status: 404 });
  });
});

describe('plain HTTP failures', () => {
  it('an unknown route: 404 about:blank with the status phrase as title, as application/problem+json', async () => {
    const answer = await call(`${ledger.url}no/such/route`);
    expect(answer.status).toBe(404);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(answer.text)).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'no route GET /no/such/route',
    });
  });
});
