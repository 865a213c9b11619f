/**
 * Witnesses as separate processes, one per institute (own key, own state file), in front of a ledger node on
 * PostgreSQL with a synchronous standby. A witness killed with SIGKILL and restarted keeps its state; a witness
 * that is down does not stop the network while the quorum (2 of 3) holds; with the quorum lost, writes wait and
 * nothing is acknowledged that is not co-signed. The tests run in order on one network.
 */
import { join } from 'node:path';
import { operationHash } from '@did-city/method';
import { evaluateCheckpoint, parsePolicy, SIGNATURE_TYPE, verifierKeyOf } from '@did-city/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerNode } from '../../src/node.ts';
import type { Receipt } from '../../src/receipt.ts';
import { PostgresLogStore } from '../../src/store/postgres.ts';
import { cityCreate, departmentCreate, registryGenesis, SJZ, tempDir } from '../fixtures.ts';
import { checkpointSize, verifyReceipt } from '../helpers.ts';
import { type PgCluster, postgresBin, startCluster } from './harness.ts';
import { type Institute, makeInstitutes, networkPolicy, ORIGIN } from './network.ts';
import { WitnessProcess } from './witness-process.ts';

const bin = postgresBin();

describe.skipIf(bin === undefined)('witness processes in front of a PostgreSQL ledger', () => {
  let cluster: PgCluster;
  let dir: string;
  let cleanup: () => void;
  let witnesses: WitnessProcess[];
  let node: LedgerNode;
  let ops = 0;

  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('ledger-witnesses-'));
    cluster = await startCluster({ bin: bin!, standby: true });
    await cluster.createDatabase('ledger');
    const institutes = makeInstitutes();
    witnesses = institutes.map((i) => witnessProcess(dir, i, institutes));
    await Promise.all(witnesses.map((w) => w.start()));
    const cosignerKeys = institutes.map((i) => verifierKeyOf(i.witnessKey, SIGNATURE_TYPE.cosignatureV1));
    const [a] = institutes as [Institute];
    node = await LedgerNode.open({
      allowUnpinnedGenesis: true,
      dataDir: join(dir, 'node'),
      origin: ORIGIN,
      logKey: a.logKey,
      witnesses,
      policy: networkPolicy(institutes, cosignerKeys),
      store: await PostgresLogStore.open({ connection: cluster.primary.connection('ledger') }),
      sequencer: { batchIntervalMs: 5, retryMs: 50, ackTimeoutMs: 20_000, witnessTimeoutMs: 2000 },
    });
    await node.submitGovernance(await registryGenesis());
    await node.submit(await cityCreate());
  });

  afterAll(async () => {
    await node?.close();
    await Promise.all((witnesses ?? []).map((w) => w.kill()));
    await cluster?.destroy();
    cleanup?.();
  });

  async function submitDepartment(): Promise<{ receipt: Receipt; cosigners: string[] }> {
    const op = await departmentCreate(`w${ops++}`);
    const receipt = await node.submit(op);
    verifyReceipt(node, receipt, op);
    const verdict = evaluateCheckpoint(receipt.checkpoint, parsePolicy(node.policyText));
    return { receipt, cosigners: verdict.cosigners.map((c) => c.witness).sort() };
  }

  it('keeps acknowledging with one witness down while the quorum holds, and the killed witness keeps its state', async () => {
    const [, , c] = witnesses as [WitnessProcess, WitnessProcess, WitnessProcess];
    const before = await c.latest(ORIGIN);
    expect(before?.size).toBe(checkpointSize((await node.latestCheckpoint())!));
    await c.kill();
    for (let i = 0; i < 3; i++) {
      expect((await submitDepartment()).cosigners).toEqual(['institute-a', 'institute-b']);
    }
    await c.start();
    expect(await c.latest(ORIGIN)).toEqual(before);
    // Back in the quorum: it cosigns the next checkpoint, consistent with the one it remembered.
    const { receipt, cosigners } = await submitDepartment();
    expect(cosigners).toEqual(['institute-a', 'institute-b', 'institute-c']);
    expect((await c.latest(ORIGIN))?.size).toBe(checkpointSize(receipt.checkpoint));
  });

  it('with the quorum lost, writes wait and nothing is acknowledged that is not co-signed', async () => {
    const [, b, c] = witnesses as [WitnessProcess, WitnessProcess, WitnessProcess];
    const anchored = (await node.store.latestCheckpoint())!;
    await Promise.all([b.kill(), c.kill()]);
    const op = await departmentCreate(`w${ops++}`);
    let settled = false;
    const pending = node.submit(op).finally(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 1000));
    // Appended (durably, on both PostgreSQL servers) but neither acknowledged nor visible to readers.
    expect(settled).toBe(false);
    const entry = (await node.store.entryByOperationHash(operationHash(op)))!;
    expect(entry.index).toBeGreaterThanOrEqual(anchored.size);
    expect((await node.store.latestCheckpoint())?.size).toBe(anchored.size);
    expect((await node.history(`${SJZ}:w${ops - 1}`)).entries).toEqual([]);

    await b.start();
    const receipt = await pending;
    verifyReceipt(node, receipt, op);
    expect(receipt.index).toBe(entry.index);
    const verdict = evaluateCheckpoint(receipt.checkpoint, parsePolicy(node.policyText));
    expect(verdict.cosigners.map((x) => x.witness).sort()).toEqual(['institute-a', 'institute-b']);
    await c.start();
    expect((await submitDepartment()).cosigners).toHaveLength(3);
  });
});

function witnessProcess(dir: string, institute: Institute, all: readonly Institute[]): WitnessProcess {
  return new WitnessProcess({
    name: institute.name,
    file: join(dir, `${institute.name}.witness.db`),
    signerKey: institute.witnessKey,
    logKeys: all.map((i) => i.logVerifierKey),
  });
}
