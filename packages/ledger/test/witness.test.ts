import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Operation, parseOperationWithHash } from '@did-city/method';
import {
  formatAddCheckpointRequest,
  formatCheckpoint,
  generateKeyPair,
  parseCheckpoint,
  parseNote,
  signerFromKey,
  signNote,
} from '@did-city/tlog';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildBatch } from '../src/sequencer/batch.ts';
import { LedgerNode } from '../src/node.ts';
import { SqliteLogStore } from '../src/store/sqlite.ts';
import { WitnessStateStore } from '../src/witness/state-store.ts';
import type { Witness } from '../src/witness/witness.ts';
import { cityCreate, departmentCreate, registryGenesis, tempDir } from './fixtures.ts';

const T = '2026-11-21T08:00:00Z';
const ORIGIN = 'city.ledger/prod';

let dir: string;
let cleanup: () => void;
let node: LedgerNode;
let rogue: SqliteLogStore;
let logKey: string;
let honestSize: number;

async function appendAll(store: SqliteLogStore, ops: Operation[]): Promise<void> {
  const items = ops.map((op) => parseOperationWithHash(op));
  const { batch } = await buildBatch({ store, items, size: (await store.head()).size, integratedTime: T });
  await store.append(batch);
}

/** A checkpoint of the rogue tree, signed with the real log key, as an add-checkpoint request body. */
async function rogueRequest(options: {
  oldSize: number;
  size: number;
  proofFrom?: number;
  key?: string;
}): Promise<string> {
  const text = formatCheckpoint({
    origin: ORIGIN,
    size: options.size,
    rootHash: await rogue.rootAt(options.size),
    extensions: [],
  });
  const note = await signNote({ text }, [signerFromKey(options.key ?? logKey)]);
  const proof = options.proofFrom === undefined ? [] : await rogue.consistencyProof(options.proofFrom, options.size);
  return formatAddCheckpointRequest({ oldSize: options.oldSize, proof, checkpoint: note });
}

function witnessState(witness: Witness) {
  const state = witness.latest(ORIGIN)!;
  return { size: state.size, root: Buffer.from(state.rootHash).toString('base64') };
}

beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  node = await LedgerNode.open({
    allowUnpinnedGenesis: true,
    dataDir: join(dir, 'node'),
    sequencer: { batchIntervalMs: 10 },
  });
  logKey = readFileSync(join(dir, 'node', 'keys', 'log.key'), 'utf8').trim();
  const [genesis, city] = [await registryGenesis(), await cityCreate()];
  await node.submitGovernance(genesis);
  await node.submit(city);
  await Promise.all(['a', 'b', 'c'].map(async (n) => node.submit(await departmentCreate(`honest-${n}`))));
  honestSize = (await node.store.head()).size;
  // The rogue shares the log key and the first two entries, then forks.
  rogue = new SqliteLogStore({ file: join(dir, 'rogue.db') });
  await appendAll(rogue, [genesis, city]);
  await appendAll(rogue, await Promise.all(['x', 'y', 'z', 'w', 'v'].map((n) => departmentCreate(`rogue-${n}`))));
});

afterEach(async () => {
  await rogue.close();
  await node.close();
  cleanup();
});

describe('Witness (C2SP tlog-witness add-checkpoint)', () => {
  it('every embedded witness cosigned the honest head', () => {
    for (const w of node.embeddedWitnesses) expect(w.latest(ORIGIN)?.size).toBe(honestSize);
  });

  it('refuses a different root for the size it cosigned (409, answering its size) and never cosigns it', async () => {
    for (const witness of node.embeddedWitnesses) {
      const before = witnessState(witness);
      const response = await witness.addCheckpoint(await rogueRequest({ oldSize: honestSize, size: honestSize }));
      expect(response).toEqual({ status: 409, contentType: 'text/x.tlog.size', body: `${honestSize}\n` });
      expect(witnessState(witness)).toEqual(before);
    }
  });

  it('refuses a larger tree that is not consistent with the cosigned one (422)', async () => {
    for (const witness of node.embeddedWitnesses) {
      const before = witnessState(witness);
      // The rogue's own proof from honestSize proves its own tree, not the one the witness cosigned.
      const body = await rogueRequest({ oldSize: honestSize, size: 7, proofFrom: honestSize });
      expect((await witness.addCheckpoint(body)).status).toBe(422);
      expect(witnessState(witness)).toEqual(before);
    }
  });

  it('answers 409 with its size to a stale old size, 404 for an unknown origin, 403 for a wrong log key', async () => {
    const [witness] = node.embeddedWitnesses;
    const stale = await witness!.addCheckpoint(await rogueRequest({ oldSize: 2, size: 7, proofFrom: 2 }));
    expect(stale).toMatchObject({ status: 409, body: `${honestSize}\n` });
    const fresh = await witness!.addCheckpoint(await rogueRequest({ oldSize: 0, size: 7 }));
    expect(fresh.status).toBe(409);
    const impostor = generateKeyPair(ORIGIN).signerKey;
    expect(
      (await witness!.addCheckpoint(await rogueRequest({ oldSize: honestSize, size: 7, key: impostor }))).status,
    ).toBe(403);
    const unknown = formatAddCheckpointRequest({
      oldSize: 0,
      proof: [],
      checkpoint: await signNote(
        { text: formatCheckpoint({ origin: 'other.log/x', size: 1, rootHash: new Uint8Array(32), extensions: [] }) },
        [signerFromKey(generateKeyPair('other.log/x').signerKey)],
      ),
    });
    expect((await witness!.addCheckpoint(unknown)).status).toBe(404);
    expect((await witness!.addCheckpoint('old x\n\nnot a note')).status).toBe(400);
  });

  it('keeps cosigning the honest log after refusing the rogue, and persists one root per size', async () => {
    for (const w of node.embeddedWitnesses)
      await w.addCheckpoint(await rogueRequest({ oldSize: honestSize, size: honestSize }));
    const receipt = await node.submit(await departmentCreate('honest-d'));
    const size = receipt.index + 1;
    const cosigners = parseNote(receipt.checkpoint).signatures.length - 1;
    expect(cosigners).toBe(3);
    await node.close();
    for (const name of ['witness-a', 'witness-b', 'witness-c']) {
      const state = new WitnessStateStore({ file: join(dir, 'node', 'witnesses', name, 'state.db') });
      expect(state.get(ORIGIN)?.size).toBe(size);
      expect(state.cosignedRoots(ORIGIN, honestSize)).toHaveLength(1);
      const cosigned = parseCheckpoint(parseNote(state.get(ORIGIN)!.checkpoint).text);
      expect(cosigned.size).toBe(size);
      state.close();
    }
    node = await LedgerNode.open({ allowUnpinnedGenesis: true, dataDir: join(dir, 'node') });
  });
});
