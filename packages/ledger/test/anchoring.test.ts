import { join } from 'node:path';
import { type Operation, operationHash } from '@did-city/method';
import { generateKeyPair, verifierKeyOf } from '@did-city/tlog';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LedgerNode } from '../src/node.ts';
import { Witness, type WitnessClient, type WitnessResponse } from '../src/witness/witness.ts';
import { cityCreate, departmentCreate, registryGenesis, SJZ, tempDir } from './fixtures.ts';
import { checkpointSize, errorOf, verifyReceipt } from './helpers.ts';

const ORIGIN = 'city.ledger/test';

/** A real witness behind a switch that simulates its institute being unreachable. */
class Switchable implements WitnessClient {
  up = true;
  readonly witness: Witness;
  constructor(witness: Witness) {
    this.witness = witness;
  }
  get name(): string {
    return this.witness.name;
  }
  async addCheckpoint(body: string): Promise<WitnessResponse> {
    if (!this.up) throw new Error('connection refused');
    return this.witness.addCheckpoint(body);
  }
}

let dir: string;
let cleanup: () => void;
let logKey: string;
let witnesses: Switchable[];
let policy: string;

function open(): Promise<LedgerNode> {
  return LedgerNode.open({
    allowUnpinnedGenesis: true,
    dataDir: join(dir, 'node'),
    origin: ORIGIN,
    governanceDid: false,
    logKey,
    witnesses,
    policy,
    sequencer: { batchIntervalMs: 10, ackTimeoutMs: 400, retryMs: 20 },
  });
}

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  logKey = generateKeyPair(ORIGIN).signerKey;
  witnesses = ['institute-1', 'institute-2', 'institute-3'].map((name) => {
    const signerKey = generateKeyPair(name).signerKey;
    const file = join(dir, `${name}.db`);
    return new Switchable(new Witness({ file, signerKey, logKeys: [verifierKeyOf(logKey)] }));
  });
  const lines = [`log ${verifierKeyOf(logKey)}`, ...witnesses.map((w) => `witness ${w.name} ${w.witness.verifierKey}`)];
  policy = `${lines.join('\n')}\ngroup institutes 2 institute-1 institute-2 institute-3\nquorum institutes\n`;
});

afterEach(() => {
  for (const w of witnesses) w.witness.close();
  cleanup();
});

describe('anchoring with remote witnesses and a 2-of-3 policy', () => {
  let node: LedgerNode;
  let ops: Operation[];

  beforeEach(async () => {
    node = await open();
    ops = [await registryGenesis(), await cityCreate()];
    await node.submitGovernance(ops[0]);
  });

  afterEach(async () => {
    await node.close();
  });

  it('acknowledges with one witness down: the quorum is 2 of 3', async () => {
    witnesses[0]!.up = false;
    const receipt = await node.submit(ops[1]);
    verifyReceipt(node, receipt, ops[1]!);
  });

  it('acknowledges nothing without the quorum; the entry stays appended, unseen, until a later checkpoint', async () => {
    witnesses[0]!.up = false;
    witnesses[1]!.up = false;
    const error = await errorOf(node.submit(ops[1]));
    expect(error.code).toBe('LEDGER_UNAVAILABLE');
    // Appended, not anchored: readers do not see it and the latest checkpoint still has size 1.
    expect((await node.store.entryByOperationHash(operationHash(ops[1]!)))?.index).toBe(1);
    expect((await node.history(SJZ)).entries).toEqual([]);
    expect(checkpointSize((await node.latestCheckpoint())!)).toBe(1);
    await expect(node.inclusionProof(1, 2)).rejects.toThrow(RangeError);
    // A restart while the witnesses are still down keeps it appended and unacknowledged.
    await node.close();
    node = await open();
    expect(checkpointSize((await node.latestCheckpoint())!)).toBe(1);
    witnesses[1]!.up = true;
    const receipt = await node.submit(ops[1]);
    expect(receipt.index).toBe(1);
    verifyReceipt(node, receipt, ops[1]!);
    expect((await node.history(SJZ)).entries.map((e) => e.index)).toEqual([1]);
  });

  it('covers entries appended during an outage with the first checkpoint after it (retries on its own)', async () => {
    await node.submit(ops[1]);
    witnesses[1]!.up = false;
    witnesses[2]!.up = false;
    const dept = await departmentCreate('water');
    const pending = node.submit(dept);
    await new Promise((r) => setTimeout(r, 100));
    witnesses[2]!.up = true;
    const receipt = await pending;
    expect(receipt.index).toBe(2);
    verifyReceipt(node, receipt, dept);
  });
});

describe('tamper detection', () => {
  it('reports the index of an entry row edited directly in SQLite', async () => {
    const node = await open();
    await node.submitGovernance(await registryGenesis());
    await node.submit(await cityCreate());
    for (const n of ['a', 'b', 'c', 'd']) await node.submit(await departmentCreate(n));
    expect((await node.integrityCheck()).ok).toBe(true);

    const db = new Database(join(dir, 'node', 'ledger.db'));
    const row = db.prepare<[], { leaf: Buffer }>('SELECT leaf FROM entries WHERE leaf_index = 3').get()!;
    const edited = Buffer.from(row.leaf.toString('utf8').replace('#key-1', '#key-9'));
    db.prepare('UPDATE entries SET leaf = ? WHERE leaf_index = 3').run(edited);
    db.close();

    const report = await node.integrityCheck();
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'leaf-hash', index: 3 }));
    // Leaf 3 and nothing else is named: interior nodes are checked against their stored children.
    expect(new Set(report.problems.map((p) => p.index).filter((i) => i !== undefined))).toEqual(new Set([3]));
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'checkpoint-root' }));
    await node.close();
  });

  it('still names the leaf when the leaf hash column was rewritten to match, and flags the co-signed root', async () => {
    const node = await open();
    await node.submitGovernance(await registryGenesis());
    await node.submit(await cityCreate());
    await node.submit(await departmentCreate('a'));
    const db = new Database(join(dir, 'node', 'ledger.db'));
    const { createHash } = await import('node:crypto');
    const row = db.prepare<[], { leaf: Buffer }>('SELECT leaf FROM entries WHERE leaf_index = 0').get()!;
    const edited = Buffer.from(row.leaf.toString('utf8').replace('2026-', '2025-'));
    const hash = createHash('sha256')
      .update(Buffer.concat([Buffer.from([0]), edited]))
      .digest();
    db.prepare('UPDATE entries SET leaf = ?, leaf_hash = ? WHERE leaf_index = 0').run(edited, hash);
    db.close();
    const report = await node.integrityCheck();
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'node-hash', index: 0 }));
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'checkpoint-root' }));
    await node.close();
  });
});
