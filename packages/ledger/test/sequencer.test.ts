import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Operation, operationHash } from '@did-city/method';
import { decodeEntryBundle, evaluateCheckpoint, parsePolicy } from '@did-city/tlog';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LedgerNode, type LedgerNodeConfig } from '../src/node.ts';
import {
  CITY_KEY,
  cityCreate,
  deactivateAfter,
  departmentCreate,
  key,
  REGISTRY,
  registryGenesis,
  SJZ,
  tempDir,
  updateAfter,
} from './fixtures.ts';
import { checkpointSize, errorOf, verifyReceipt } from './helpers.ts';

let dir: string;
let cleanup: () => void;
let node: LedgerNode;
let genesis: Operation;
let city: Operation;

async function open(config: Partial<LedgerNodeConfig> = {}): Promise<LedgerNode> {
  return LedgerNode.open({ allowUnpinnedGenesis: true, dataDir: dir, sequencer: { batchIntervalMs: 20 }, ...config });
}

beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  node = await open();
  genesis = await registryGenesis();
  city = await cityCreate();
});

afterEach(async () => {
  await node.close();
  cleanup();
});

async function seed(): Promise<void> {
  await node.submitGovernance(genesis);
  await node.submit(city);
}

describe('Sequencer', () => {
  it('acknowledges with a receipt that verifies against a checkpoint cosigned by ≥ 2 witnesses', async () => {
    const g = await node.submitGovernance(genesis);
    expect(g.index).toBe(0);
    expect(g.operationHash).toBe(operationHash(genesis));
    expect(g.integratedTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    verifyReceipt(node, g, genesis);
    const c = await node.submit(city);
    expect(c.index).toBe(1);
    verifyReceipt(node, c, city);
    const verdict = evaluateCheckpoint(c.checkpoint, parsePolicy(node.policyText));
    expect(verdict.checkpoint.origin).toBe('city.ledger/prod');
    expect(verdict.cosigners.map((w) => w.witness).sort()).toEqual(['witness-a', 'witness-b', 'witness-c']);
    expect(await node.latestCheckpoint()).toBe(c.checkpoint);
  });

  it('accepts a country registry genesis only through the governance path (spec §3.5)', async () => {
    expect((await errorOf(node.submit(genesis))).code).toBe('UNAUTHORIZED_OPERATION');
    expect((await errorOf(node.submitGovernance(city))).code).toBe('INVALID_OPERATION');
    expect((await node.store.head()).size).toBe(0);
    await node.submitGovernance(genesis);
    // A second genesis for the registry is refused by the validator (a DID is never created twice).
    const other = { ...genesis, proof: genesis.proof.slice(0, 1) };
    expect((await errorOf(node.submitGovernance(other))).code).not.toBe(undefined);
  });

  it('refuses invalid operations with the method library codes and appends nothing', async () => {
    await seed();
    const forged = { ...(await departmentCreate('water')), did: `${SJZ}:fire` };
    expect((await errorOf(node.submit(forged))).code).toBe('INVALID_SIGNATURE');
    const stranger = await updateAfter(city, key('stranger'), 'x');
    expect((await errorOf(node.submit(stranger))).code).toBe('UNAUTHORIZED_OPERATION');
    expect((await errorOf(node.submit({ type: 'create' }))).code).toBe('INVALID_OPERATION');
    expect((await node.store.head()).size).toBe(2);
  });

  it('batches concurrent submissions into one append and one checkpoint', async () => {
    await seed();
    const ops = await Promise.all(Array.from({ length: 12 }, (_, i) => departmentCreate(`dept-${i}`)));
    const receipts = await Promise.all(ops.map((op) => node.submit(op)));
    expect(receipts.map((r) => r.index).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 2));
    expect(new Set(receipts.map((r) => r.checkpoint)).size).toBe(1);
    expect(new Set(receipts.map((r) => r.integratedTime)).size).toBe(1);
    for (const [i, r] of receipts.entries()) verifyReceipt(node, r, ops[i]!);
  });

  it('flushes as soon as maxBatch submissions are queued, without waiting for the interval', async () => {
    await node.close();
    node = await open({ sequencer: { batchIntervalMs: 60_000, maxBatch: 4 } });
    const ops = await Promise.all(Array.from({ length: 10 }, (_, i) => departmentCreate(`dept-${i}`)));
    const started = Date.now();
    const first = await Promise.all([
      node.submitGovernance(genesis),
      node.submit(city),
      node.submit(ops[0]!),
      node.submit(ops[1]!),
    ]);
    expect(first.map((r) => checkpointSize(r.checkpoint))).toEqual([4, 4, 4, 4]);
    const rest = await Promise.all(ops.slice(2).map((op) => node.submit(op)));
    // Two appends of 4; the cycle drains the queue before anchoring, so one or two checkpoints cover them.
    for (const r of rest) expect([8, 12]).toContain(checkpointSize(r.checkpoint));
    expect(Math.max(...rest.map((r) => checkpointSize(r.checkpoint)))).toBe(12);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('validates an operation against earlier operations of the same batch', async () => {
    await seed();
    const dept = await departmentCreate('water');
    const update = await updateAfter(dept, key('water'), 'v1');
    const [a, b] = await Promise.all([node.submit(dept), node.submit(update)]);
    expect(b.index).toBe(a.index + 1);
    expect(a.checkpoint).toBe(b.checkpoint);
    expect((await node.store.didState(`${SJZ}:water`))?.head.seq).toBe(1);
  });

  it('is idempotent by operation hash, concurrently, after anchoring and after a restart', async () => {
    await seed();
    const dept = await departmentCreate('water');
    const [a, b] = await Promise.all([node.submit(dept), node.submit(dept)]);
    expect(a.index).toBe(b.index);
    const again = await node.submit(dept);
    expect(again.index).toBe(a.index);
    verifyReceipt(node, again, dept);
    await node.close();
    node = await open();
    const afterRestart = await node.submit(structuredClone(dept));
    expect(afterRestart).toMatchObject({
      index: a.index,
      operationHash: a.operationHash,
      integratedTime: a.integratedTime,
    });
    expect((await node.store.head()).size).toBe(3);
    expect((await node.submitGovernance(genesis)).index).toBe(0);
  });

  it('lets exactly one of two concurrent operations on the same prev win; the other is STALE_OPERATION', async () => {
    await seed();
    for (let round = 0; round < 3; round++) {
      const head = (await node.store.entriesOfDid(SJZ)).at(-1)!;
      const prev = JSON.parse(new TextDecoder().decode(head.leaf)).operation as Operation;
      const a = await updateAfter(prev, CITY_KEY, `a${round}`);
      const b = await updateAfter(prev, CITY_KEY, `b${round}`);
      const results = await Promise.allSettled([node.submit(a), node.submit(b)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason.code).toBe('STALE_OPERATION');
    }
    expect((await node.store.entriesOfDid(SJZ)).map((e) => e.seq)).toEqual([0, 1, 2, 3]);
  });

  it('refuses an operation on a deactivated DID', async () => {
    await seed();
    const dept = await departmentCreate('water');
    await node.submit(dept);
    await node.submit(await deactivateAfter(dept, key('water')));
    const late = await updateAfter({ ...dept, seq: 1, prev: 'x' } as Operation, key('water'), 'late');
    expect(['DID_DEACTIVATED', 'STALE_OPERATION']).toContain((await errorOf(node.submit(late))).code);
  });

  it('serves a DID history with inclusion proofs against one co-signed checkpoint', async () => {
    await seed();
    const update = await updateAfter(city, CITY_KEY, 'v1');
    await node.submit(update);
    const history = await node.history(SJZ);
    expect(history.entries.map((e) => e.index)).toEqual([1, 2]);
    expect(history.checkpoint).toBe(await node.latestCheckpoint());
    expect(history.entries[1]!.operation).toEqual(update);
    expect((await node.history(REGISTRY)).entries).toHaveLength(1);
    expect((await node.history('did:city:cn:110000')).entries).toEqual([]);
  });

  it('serves C2SP tlog-tiles hash tiles and entry bundles of the anchored tree', async () => {
    await seed();
    await node.submit(await departmentCreate('water'));
    const entries = await node.store.entries(0, 3);
    const tile = await node.tile('tile/0/000.p/3');
    expect(Buffer.from(tile).equals(Buffer.concat(entries.map((e) => e.leafHash)))).toBe(true);
    const bundle = decodeEntryBundle(await node.tile('tile/entries/000.p/3'));
    expect(bundle).toEqual(entries.map((e) => e.leaf));
    await expect(node.tile('tile/0/000.p/4')).rejects.toThrow(RangeError);
    await expect(node.tile('tile/0/000')).rejects.toThrow(RangeError);
  });

  it('generates keys on first start with mode 0600 and keeps them across restarts; errors never echo a key', async () => {
    const files = ['keys/log.key', ...['witness-a', 'witness-b', 'witness-c'].map((w) => `witnesses/${w}/witness.key`)];
    for (const file of files) expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    const before = files.map((f) => readFileSync(join(dir, f), 'utf8'));
    const vkey = node.logVerifierKey;
    await node.close();
    node = await open();
    expect(files.map((f) => readFileSync(join(dir, f), 'utf8'))).toEqual(before);
    expect(node.logVerifierKey).toBe(vkey);
    await node.close();
    const secret = before[0]!.trim();
    writeFileSync(join(dir, 'keys/log.key'), `${secret.slice(0, -4)}AAA=\n`, { mode: 0o644 });
    const error = (await LedgerNode.open({ dataDir: dir }).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).not.toContain(secret.split('+').at(-1)!.slice(0, 20));
    writeFileSync(join(dir, 'keys/log.key'), before[0]!);
    node = await open();
  });
});
