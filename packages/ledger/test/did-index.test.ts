/**
 * The DID index on a ledger node (spec §7.9): every checkpoint commits the index root of its size, the embedded
 * witnesses check it against the log and refuse a wrong one (R-IDX-2), and the head and paged history endpoints
 * prove a DID's head (or its absence) against the checkpoint they serve.
 */
import { join } from 'node:path';
import {
  DidIndex,
  formatIndexExtension,
  indexRootOf,
  type Operation,
  operationHash,
  verifyIndexHead,
} from '@did-city/method';
import {
  evaluateCheckpoint,
  formatAddCheckpointRequest,
  formatCheckpoint,
  generateKeyPair,
  parseCheckpoint,
  parseNote,
  parsePolicy,
  signerFromKey,
  signNote,
} from '@did-city/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HISTORY_PAGE_SIZE, type ProvenHead, type ProvenHistory } from '../src/reader.ts';
import { Witness } from '../src/witness/witness.ts';
import { CITY_KEY, cityCreate, registryGenesis, SJZ, tempDir, updateAfter } from './fixtures.ts';
import { ADMIN_TOKEN, call, type LedgerServer, postJson, problemCode, startLedger } from './http-fixtures.ts';

const ORIGIN = 'city.ledger/prod';
const logKey = generateKeyPair(ORIGIN);
let ledger: LedgerServer;
/** Updates of Shijiazhuang after its create: more than one page of history. */
const UPDATES = HISTORY_PAGE_SIZE + 5;
let ops: Operation[];

function checkpointOf(note: string) {
  return parseCheckpoint(parseNote(note).text);
}

beforeAll(async () => {
  ledger = await startLedger({ logKey: logKey.signerKey });
  await postJson(`${ledger.url}governance/operations`, await registryGenesis(), {
    Authorization: `Bearer ${ADMIN_TOKEN}`,
  });
  const city = await cityCreate();
  ops = [city];
  for (let i = 0; i < UPDATES; i++) ops.push(await updateAfter(ops.at(-1)!, CITY_KEY, `v${i}`));
  // Submitted together: the sequencer validates each against the ones before it in the batch.
  const answers = await Promise.all(ops.map((op) => postJson(`${ledger.url}operations`, op)));
  expect(answers.map((a) => a.status)).toEqual(ops.map(() => 201));
}, 120_000);

afterAll(async () => {
  await ledger.stop();
});

async function entriesOfLog(size: number) {
  const stored = await ledger.node.store.entries(0, size);
  return stored.map((e) => ({ did: e.did, seq: e.seq, index: e.index, operationHash: e.operationHash }));
}

describe('checkpoints commit the DID index', () => {
  it('the latest checkpoint carries the index root of its size, vouched for by the index quorum', async () => {
    const note = (await ledger.node.latestCheckpoint())!;
    const checkpoint = checkpointOf(note);
    expect(checkpoint.size).toBe(ops.length + 1);
    expect(indexRootOf(checkpoint)).toEqual(
      DidIndex.empty()
        .apply(await entriesOfLog(checkpoint.size))
        .root(),
    );
    const policy = parsePolicy(ledger.node.policyText);
    expect(policy.index).toBe('institutes');
    expect(evaluateCheckpoint(note, policy)).toMatchObject({ ok: true, indexQuorum: true });
  });
});

describe('an index witness (R-IDX-2)', () => {
  async function request(extensions: string[], size: number): Promise<string> {
    const rootHash = await ledger.node.store.rootAt(size);
    const text = formatCheckpoint({ origin: ORIGIN, size, rootHash, extensions });
    const note = await signNote({ text }, [signerFromKey(logKey.signerKey)]);
    return formatAddCheckpointRequest({ oldSize: 0, proof: [], checkpoint: note });
  }

  it('refuses a checkpoint whose index root does not match the log entries, or that has none; co-signs the right one', async () => {
    const { dir, cleanup } = tempDir();
    const signerKey = generateKeyPair('witness-x').signerKey;
    const witness = new Witness({
      file: join(dir, 'w.db'),
      signerKey,
      logKeys: [logKey.verifierKey],
      replica: ledger.node.store,
    });
    try {
      expect(witness.checksIndex).toBe(true);
      const size = 3;
      const right = DidIndex.empty()
        .apply(await entriesOfLog(size))
        .root();
      const wrong = DidIndex.empty()
        .apply((await entriesOfLog(size)).slice(0, 2))
        .root(); // the last head left out
      const refused = await witness.addCheckpoint(await request([formatIndexExtension(wrong)], size));
      expect(refused).toMatchObject({
        status: 422,
        body: 'DID index not verified: the DID index root does not match the log entries\n',
      });
      expect((await witness.addCheckpoint(await request([], size))).status).toBe(422);
      expect(witness.latest(ORIGIN)).toBeUndefined(); // nothing co-signed, nothing stored
      const accepted = await witness.addCheckpoint(await request([formatIndexExtension(right)], size));
      expect(accepted.status).toBe(200);
      expect(witness.latest(ORIGIN)?.size).toBe(size);
    } finally {
      witness.close();
      cleanup();
    }
  });

  it('a witness without a replica makes no index statement and is not listed as an index witness', () => {
    const { dir, cleanup } = tempDir();
    const witness = new Witness({
      file: join(dir, 'w.db'),
      signerKey: generateKeyPair('w').signerKey,
      logKeys: [logKey.verifierKey],
    });
    expect(witness.checksIndex).toBe(false);
    witness.close();
    cleanup();
  });
});

describe('GET /dids/{did}/head and /dids/{did}/history?after=', () => {
  async function get<T>(path: string): Promise<T> {
    const answer = await call(`${ledger.url}${path}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-cache');
    return answer.json() as T;
  }

  it('proves the head of a DID against the index root of the served checkpoint', async () => {
    const served = await get<ProvenHead>(`dids/${SJZ}/head`);
    const root = indexRootOf(checkpointOf(served.checkpoint!))!;
    const head = verifyIndexHead({ did: SJZ, head: served.head, indexProof: served.indexProof, root });
    expect(head).toEqual({ seq: UPDATES, index: ops.length, operationHash: operationHash(ops.at(-1)!) });
  });

  it('proves the absence of a DID that has no entry', async () => {
    const served = await get<ProvenHead>('dids/did:city:cn:130200/head');
    expect(served.head).toBeNull();
    const root = indexRootOf(checkpointOf(served.checkpoint!))!;
    expect(verifyIndexHead({ did: 'did:city:cn:130200', head: null, indexProof: served.indexProof, root })).toBeNull();
  });

  it(`pages the history ${HISTORY_PAGE_SIZE} entries at a time against one checkpoint, and serves only entries after a seq`, async () => {
    const first = await get<ProvenHistory>(`dids/${SJZ}/history`);
    expect(first.entries.map((e) => e.operation.seq)).toEqual([...Array(HISTORY_PAGE_SIZE).keys()]);
    expect(first.next).toEqual({ after: HISTORY_PAGE_SIZE - 1, size: first.treeSize });
    expect(first.head?.seq).toBe(UPDATES);
    const second = await get<ProvenHistory>(`dids/${SJZ}/history?after=${first.next!.after}&size=${first.next!.size}`);
    expect(second.entries.map((e) => e.operation.seq)).toEqual(
      [...Array(UPDATES + 1 - HISTORY_PAGE_SIZE).keys()].map((i) => i + HISTORY_PAGE_SIZE),
    );
    expect(second.next).toBeUndefined();
    expect(second.checkpoint).toBe(first.checkpoint);
    const recent = await get<ProvenHistory>(`dids/${SJZ}/history?after=${UPDATES - 1}`);
    expect(recent.entries.map((e) => e.operation.seq)).toEqual([UPDATES]);
    expect((await get<ProvenHistory>(`dids/${SJZ}/history?after=${UPDATES}`)).entries).toEqual([]);
  });

  it('refuses a malformed after or size (400) and a size that is not a checkpoint (404)', async () => {
    for (const query of ['after=-1', 'after=x', 'after=1&after=2', 'size=01']) {
      const answer = await call(`${ledger.url}dids/${SJZ}/history?${query}`);
      expect([answer.status, problemCode(answer)]).toEqual([400, 'MALFORMED_REQUEST']);
    }
    // Sizes with no co-signed checkpoint: one past the log, and one inside it between two batches' checkpoints
    // (which sizes got one depends on how the sequencer batched the submissions).
    const latest = checkpointOf((await ledger.node.latestCheckpoint())!).size;
    const missing = [latest + 1];
    for (let size = 2; size < latest; size++) {
      if ((await ledger.node.store.checkpointAt(size)) === undefined) {
        missing.push(size);
        break;
      }
    }
    for (const size of missing) {
      const answer = await call(`${ledger.url}dids/${SJZ}/history?size=${size}`);
      expect([answer.status, problemCode(answer)]).toEqual([404, 'NOT_FOUND']);
    }
  });
});
