/**
 * Failover of the ledger on PostgreSQL, the way Patroni or pg_auto_failover does it: institute A's node writes to
 * the primary, institute B's standby is synchronous. The primary is killed (`pg_ctl stop -m immediate`) while
 * operations are being submitted, the standby is promoted, and institute B's sequencer, which was waiting for
 * leadership on its standby, takes over with its own log key. No acknowledged operation may be lost, the next
 * checkpoint must be consistent with the last co-signed one, and the witnesses must cosign it.
 */
import { join } from 'node:path';
import { type Operation, operationHash } from '@did-city/method';
import { evaluateCheckpoint, parseNote, parsePolicy, verifyConsistency } from '@did-city/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerNode } from '../../src/node.ts';
import type { Receipt } from '../../src/receipt.ts';
import { PostgresLogStore } from '../../src/store/postgres.ts';
import type { Witness, WitnessClient } from '../../src/witness/witness.ts';
import { cityCreate, departmentCreate, registryGenesis, tempDir } from '../fixtures.ts';
import { verifyReceipt } from '../helpers.ts';
import { type PgCluster, postgresBin, startCluster } from './harness.ts';
import { type Institute, makeInstitutes, networkPolicy, ORIGIN, openWitness, signedBy } from './network.ts';

const bin = postgresBin();

describe.skipIf(bin === undefined)('failover to the synchronous standby', () => {
  let cluster: PgCluster;
  let dir: string;
  let cleanup: () => void;
  let institutes: Institute[];
  let witnesses: Witness[];
  let policy: string;

  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('ledger-failover-'));
    cluster = await startCluster({ bin: bin!, standby: true });
    await cluster.createDatabase('ledger');
    institutes = makeInstitutes();
    witnesses = institutes.map((i) => openWitness(dir, i, institutes));
    policy = networkPolicy(
      institutes,
      witnesses.map((w) => w.verifierKey),
    );
  });

  afterAll(async () => {
    for (const w of witnesses ?? []) w.close();
    await cluster?.destroy();
    cleanup?.();
  });

  function openNode(
    institute: Institute,
    store: PostgresLogStore,
    clients: readonly WitnessClient[],
  ): Promise<LedgerNode> {
    return LedgerNode.open({
      allowUnpinnedGenesis: true,
      dataDir: join(dir, institute.name),
      origin: ORIGIN,
      logKey: institute.logKey,
      witnesses: clients,
      policy,
      store,
      sequencer: { batchIntervalMs: 5, maxBatch: 16, ackTimeoutMs: 10_000, witnessTimeoutMs: 2000 },
    });
  }

  it('loses no acknowledged operation; the new sequencer continues the co-signed log under its own key', async () => {
    const [a, b] = institutes as [Institute, Institute, Institute];
    // The primary dies at the worst moment: a batch is appended and the witnesses have cosigned its checkpoint,
    // but institute A's node has not stored it (nor acknowledged anything of the batch).
    const killSwitch = new KillSwitch(() => cluster.primary.kill());
    const storeA = await PostgresLogStore.open({ connection: cluster.primary.connection('ledger') });
    const nodeA = await openNode(
      a,
      storeA,
      witnesses.map((w) => killSwitch.wrap(w)),
    );
    await nodeA.submitGovernance(await registryGenesis());
    await nodeA.submit(await cityCreate());

    // Institute B's sequencer waits for leadership on its standby: refused there until the promotion.
    const controller = new AbortController();
    const takeover = PostgresLogStore.open({
      connection: cluster.standby!.connection('ledger'),
      waitForLeadership: { retryMs: 50, signal: controller.signal },
    });

    const ops = await Promise.all(Array.from({ length: 240 }, (_, i) => departmentCreate(`d${i}`)));
    const run = submitUntilKilled(nodeA, ops, killSwitch);
    await until(() => run.acked.size >= 60);
    killSwitch.arm();
    await killSwitch.killed;
    const lastCosigned = new Map(witnesses.map((w) => [w.name, w.latest(ORIGIN)!]));
    await nodeA.close();
    await run.done;
    const { acked } = run;
    expect(run.pendingAtKill).toBeGreaterThan(0);

    await cluster.standby!.promote();
    const storeB = await takeover;
    expect(storeB.isWriter).toBe(true);
    // The promoted standby has entries no stored checkpoint covers, and witnesses ahead of its stored checkpoint.
    const storedAtTakeover = (await storeB.latestCheckpoint())!.size;
    expect((await storeB.head()).size).toBeGreaterThan(storedAtTakeover);
    for (const state of lastCosigned.values()) expect(state.size).toBeGreaterThan(storedAtTakeover);
    const nodeB = await openNode(b, storeB, witnesses);
    try {
      // Every acknowledged operation is at its acknowledged index, and its receipt still verifies.
      for (const [hash, receipt] of acked) {
        expect((await storeB.entryByOperationHash(hash))?.index).toBe(receipt.index);
        expect(Buffer.from(await storeB.rootAt(receiptSize(receipt))).toString('base64')).toBe(receiptRoot(receipt));
      }
      const receipt = await nodeB.submit(ops[ops.length - 1]!);
      verifyReceipt(nodeB, receipt, ops[ops.length - 1]!);

      // The next checkpoint: signed with B's key, quorum-cosigned, consistent with what each witness last cosigned.
      const next = (await storeB.latestCheckpoint())!;
      const verdict = evaluateCheckpoint(next.note, parsePolicy(policy));
      expect(verdict.ok).toBe(true);
      expect(parseNote(next.note).signatures.map((s) => s.name)).toContain(ORIGIN);
      expect(signedBy(next.note, b)).toBe(true);
      expect(signedBy(next.note, a)).toBe(false);
      for (const w of witnesses) {
        const before = lastCosigned.get(w.name)!;
        const proof = await storeB.consistencyProof(before.size, next.size);
        const check = { oldSize: before.size, newSize: next.size, oldRoot: before.rootHash, newRoot: next.root, proof };
        expect(verifyConsistency(check)).toBe(true);
        expect(w.latest(ORIGIN)?.size).toBe(next.size);
      }

      // Operations whose acknowledgement was lost are resubmitted through B: those the old sequencer had
      // appended keep their index (idempotent by operation hash), the others are appended now.
      const lost = ops.filter((op) => !acked.has(operationHash(op))).slice(0, 40);
      const appended = await Promise.all(lost.map((op) => storeB.entryByOperationHash(operationHash(op))));
      expect(appended.filter(Boolean).length).toBeGreaterThan(0);
      const again = await Promise.all(lost.map((op) => nodeB.submit(op)));
      for (const [i, r] of again.entries()) {
        verifyReceipt(nodeB, r, lost[i] as Operation);
        if (appended[i]) expect(r.index).toBe(appended[i].index);
      }
      expect((await nodeB.integrityCheck()).ok).toBe(true);
    } finally {
      controller.abort();
      await nodeB.close();
    }
  });
});

/** Kills the primary from inside a witness round once armed, and holds the cosignatures until it is dead. */
class KillSwitch {
  readonly killed: Promise<void>;
  #fire!: () => void;
  #armed = false;

  constructor(kill: () => Promise<void>) {
    this.killed = new Promise<void>((resolve) => {
      this.#fire = resolve;
    }).then(kill);
  }

  get armed(): boolean {
    return this.#armed;
  }

  arm(): void {
    this.#armed = true;
  }

  wrap(witness: WitnessClient): WitnessClient {
    return {
      name: witness.name,
      addCheckpoint: async (body) => {
        const response = await witness.addCheckpoint(body);
        if (this.#armed) {
          this.#fire();
          await this.killed;
        }
        return response;
      },
    };
  }
}

/** Eight submitters, each one operation at a time, until the kill switch is armed. */
function submitUntilKilled(node: LedgerNode, ops: readonly Operation[], killSwitch: KillSwitch) {
  const acked = new Map<string, Receipt>();
  const inFlight = new Set<string>();
  const run = { acked, pendingAtKill: 0, done: Promise.resolve() };
  void killSwitch.killed.then(() => {
    run.pendingAtKill = inFlight.size;
  });
  const submitter = async (worker: number): Promise<void> => {
    for (let i = worker; i < ops.length && !killSwitch.armed; i += 8) {
      const hash = operationHash(ops[i]!);
      inFlight.add(hash);
      try {
        acked.set(hash, await node.submit(ops[i]));
      } catch {
        // not acknowledged: the primary died under it
      }
      inFlight.delete(hash);
    }
  };
  run.done = Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(submitter)).then(() => undefined);
  return run;
}

async function until(check: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function receiptSize(receipt: Receipt): number {
  return Number(parseNote(receipt.checkpoint).text.split('\n')[1]);
}

function receiptRoot(receipt: Receipt): string {
  return parseNote(receipt.checkpoint).text.split('\n')[2]!;
}
