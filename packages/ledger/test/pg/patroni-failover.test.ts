/**
 * Failover decided by the real tool: a three-node etcd and three PostgreSQL 15 members under Patroni (patroni.ts),
 * one ledger node per member, each waiting for the sequencer lock on its own member (the deployment of
 * deploy/three-institutes). While operations are submitted to the sequencer at the leader, the leader's Patroni and
 * postmaster are killed with SIGKILL; Patroni promotes the synchronous standby once the leader key expires, and the
 * node on it takes the lock and continues the log under its institute's key. No acknowledged operation may be lost
 * and the witnesses must cosign the next checkpoint. Prints the time from the kill to the first new receipt.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Operation, operationHash } from '@did-city/method';
import { evaluateCheckpoint, parseNote, parsePolicy, verifyConsistency } from '@did-city/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerNode } from '../../src/node.ts';
import type { Receipt } from '../../src/receipt.ts';
import { PostgresLogStore } from '../../src/store/postgres.ts';
import type { Witness } from '../../src/witness/witness.ts';
import { cityCreate, departmentCreate, registryGenesis, tempDir } from '../fixtures.ts';
import { verifyReceipt } from '../helpers.ts';
import { postgresBin } from './harness.ts';
import { type Institute, makeInstitutes, networkPolicy, ORIGIN, openWitness, signedBy } from './network.ts';
import {
  createDatabase,
  DEPLOYED_DCS,
  DEPLOYED_PARAMETERS,
  PatroniCluster,
  patroniMissing,
  TEST_TIMERS,
} from './patroni.ts';

const bin = postgresBin();
const missing = bin === undefined ? 'PostgreSQL 15 not found' : patroniMissing();

describe('the Patroni settings of the deployment', () => {
  it('deploy/three-institutes/institute-X/patroni.yml state the failover settings and parameters the test runs', () => {
    for (const institute of ['a', 'b', 'c']) {
      const url = new URL(`../../../../deploy/three-institutes/institute-${institute}/patroni.yml`, import.meta.url);
      const yml = readFileSync(url, 'utf8');
      for (const [key, value] of Object.entries(DEPLOYED_DCS))
        expect(yml).toMatch(new RegExp(`^ {4}${key}: ${value}$`, 'm'));
      for (const [key, value] of Object.entries(DEPLOYED_PARAMETERS))
        expect(yml).toMatch(new RegExp(`^ {8}${key}: "?${value}"?$`, 'm'));
      expect(yml).toMatch(/^ {6}use_slots: true$/m);
      expect(yml).toMatch(/^etcd3:$/m);
    }
  });
});

describe.skipIf(missing !== undefined)(`failover by Patroni and etcd${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let cluster: PatroniCluster;
  let dir: string;
  let cleanup: () => void;
  let institutes: Institute[];
  let witnesses: Witness[];
  let policy: string;

  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('ledger-patroni-'));
    cluster = await PatroniCluster.start(bin!);
    await createDatabase(await cluster.leader(), 'ledger');
    institutes = makeInstitutes();
    witnesses = institutes.map((i) => openWitness(dir, i, institutes));
    policy = networkPolicy(
      institutes,
      witnesses.map((w) => w.verifierKey),
    );
  }, 120_000);

  afterAll(async () => {
    for (const w of witnesses ?? []) w.close();
    await cluster?.destroy();
    cleanup?.();
  });

  function openNode(institute: Institute, store: PostgresLogStore): Promise<LedgerNode> {
    return LedgerNode.open({
      allowUnpinnedGenesis: true,
      dataDir: join(dir, institute.name),
      origin: ORIGIN,
      logKey: institute.logKey,
      witnesses,
      policy,
      store,
      sequencer: { batchIntervalMs: 5, maxBatch: 16, ackTimeoutMs: 10_000, witnessTimeoutMs: 2000 },
    });
  }

  it('kill -9 of the leader: Patroni promotes, the sequencer there takes over, nothing acknowledged is lost', async () => {
    const leader = await cluster.leader();
    const first = cluster.members.indexOf(leader);
    // Every institute's node waits for the lock on its own member; only the leader's gets it.
    const controller = new AbortController();
    const stores = cluster.members.map((member) =>
      PostgresLogStore.open({
        connection: member.connection('ledger'),
        waitForLeadership: { retryMs: 100, signal: controller.signal },
      }),
    );
    for (const store of stores) store.catch(() => undefined);
    const storeA = await stores[first]!;
    const nodeA = await openNode(institutes[first]!, storeA);
    await nodeA.submitGovernance(await registryGenesis());
    await nodeA.submit(await cityCreate());

    const ops = await Promise.all(Array.from({ length: 160 }, (_, i) => departmentCreate(`p${i}`)));
    const run = submitContinuously(nodeA, ops);
    await until(() => run.acked.size >= 40);
    const killedAt = performance.now();
    cluster.kill(leader);
    run.stop();
    await run.done;
    await nodeA.close();
    const { acked } = run;
    const lastCosigned = new Map(witnesses.map((w) => [w.name, w.latest(ORIGIN)!]));

    // Whichever standby Patroni promotes, the node on it takes the lock; the other stays a waiting reader.
    const others = stores.map((store, i) => ({ store, i })).filter(({ i }) => i !== first);
    const { store: storeB, i: second } = await Promise.race(
      others.map(async ({ store, i }) => ({ store: await store, i })),
    );
    const lockedMs = performance.now() - killedAt;
    expect((await cluster.leader()).name).toBe(cluster.members[second]!.name);
    expect(storeB.isWriter).toBe(true);
    const nodeB = await openNode(institutes[second]!, storeB);
    try {
      const next = ops.find((op) => !acked.has(operationHash(op)))!;
      const receipt = await nodeB.submit(next);
      const failoverMs = performance.now() - killedAt;
      console.log(
        `Patroni failover: ${Math.round(failoverMs)} ms from kill -9 of the leader to the first receipt of the new sequencer ` +
          `(sequencer lock taken at ${Math.round(lockedMs)} ms; ttl ${TEST_TIMERS.ttl} s, loop_wait ${TEST_TIMERS.loop_wait} s)`,
      );
      verifyReceipt(nodeB, receipt, next);

      // Every acknowledged operation is at its acknowledged index, under the root its receipt names.
      expect(acked.size).toBeGreaterThanOrEqual(40);
      for (const [hash, r] of acked) {
        expect((await storeB.entryByOperationHash(hash))?.index).toBe(r.index);
        const [, size, root] = parseNote(r.checkpoint).text.split('\n');
        expect(Buffer.from(await storeB.rootAt(Number(size))).toString('base64')).toBe(root);
      }
      // The next checkpoint: B's key, not A's, quorum-cosigned, consistent with what each witness cosigned last.
      const checkpoint = (await storeB.latestCheckpoint())!;
      expect(evaluateCheckpoint(checkpoint.note, parsePolicy(policy)).ok).toBe(true);
      expect(signedBy(checkpoint.note, institutes[second]!)).toBe(true);
      expect(signedBy(checkpoint.note, institutes[first]!)).toBe(false);
      for (const w of witnesses) {
        const before = lastCosigned.get(w.name)!;
        const proof = await storeB.consistencyProof(before.size, checkpoint.size);
        expect(
          verifyConsistency({
            oldSize: before.size,
            newSize: checkpoint.size,
            oldRoot: before.rootHash,
            newRoot: checkpoint.root,
            proof,
          }),
        ).toBe(true);
        expect(w.latest(ORIGIN)?.size).toBe(checkpoint.size);
      }
      // Operations whose acknowledgement was lost are resubmitted: each gets a receipt, at its old index if it had one.
      const lost = ops.filter((op) => !acked.has(operationHash(op)) && op !== next).slice(0, 20);
      const again = await Promise.all(lost.map((op) => nodeB.submit(op)));
      for (const [i, r] of again.entries()) verifyReceipt(nodeB, r, lost[i] as Operation);
      expect((await nodeB.integrityCheck()).ok).toBe(true);
    } finally {
      controller.abort();
      await nodeB.close();
      for (const [i, store] of stores.entries())
        if (i !== first && i !== second)
          await store.then(
            (s) => s.close(),
            () => undefined,
          );
    }
  }, 150_000);
});

/** Eight submitters, one operation at a time each, until stopped. */
function submitContinuously(node: LedgerNode, ops: readonly Operation[]) {
  const acked = new Map<string, Receipt>();
  let stopped = false;
  const submitter = async (worker: number): Promise<void> => {
    for (let i = worker; i < ops.length && !stopped; i += 8) {
      try {
        acked.set(operationHash(ops[i]!), await node.submit(ops[i]));
      } catch {
        // not acknowledged: the leader died under it
      }
    }
  };
  const done = Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(submitter)).then(() => undefined);
  return {
    acked,
    done,
    stop: () => {
      stopped = true;
    },
  };
}

async function until(check: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
