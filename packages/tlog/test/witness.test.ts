// C2SP tlog-witness add-checkpoint: request parsing (spec example in test/vectors/c2sp-tlog-witness.json)
// and every status code of the decision.
import { describe, expect, it } from 'vitest';
import {
  type AddCheckpointRequest,
  cosignerFromKey,
  decideAddCheckpoint,
  formatAddCheckpointRequest,
  formatCheckpoint,
  generateKeyPair,
  leafHash,
  MerkleTree,
  type NoteVerifier,
  openNote,
  parseAddCheckpointRequest,
  parseCosignature,
  parseNote,
  SIGNATURE_TYPE,
  signerFromKey,
  signNote,
  TlogError,
  verifierFromKey,
  verifierKeyOf,
  type WitnessState,
} from '../src/index.ts';
import { flipBit, utf8, vector } from './helpers.ts';

const spec = vector<{ request: string; response: string }>('c2sp-tlog-witness.json');

describe('add-checkpoint request body', () => {
  it('parses and re-formats the spec example', () => {
    const request = parseAddCheckpointRequest(spec.request);
    expect(request.oldSize).toBe(20852014);
    expect(request.proof).toHaveLength(4);
    expect(parseNote(request.checkpoint).text).toBe(
      'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
    );
    expect(formatAddCheckpointRequest(request)).toBe(spec.request);
    expect(parseAddCheckpointRequest(utf8(spec.request))).toEqual(request);
  });

  it('reads the spec example response as signature lines to append to the checkpoint', () => {
    const note = parseNote(
      `example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n${spec.response}`,
    );
    expect(note.signatures.map((s) => s.name)).toEqual([
      'witness.example/w1',
      'witness.example/w1',
      'witness.example/w2',
    ]);
    // Each is the size of a timestamped Ed25519 cosignature, but the example bytes are placeholders: their
    // "timestamps" are beyond 2^53 (the first even beyond the spec's 2^63 − 1), so none parses.
    for (const s of note.signatures) {
      expect(s.signature).toHaveLength(72);
      expect(parseCosignature(s.signature)).toBeUndefined();
    }
  });

  const hash = 'PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=';
  it.each([
    ['no blank line', 'old 0\nexample\n'],
    ['no old line', `${hash}\n\ncp\n`],
    ['leading zero', 'old 01\n\ncp\n'],
    ['negative size', 'old -1\n\ncp\n'],
    ['two spaces', 'old  1\n\ncp\n'],
    ['bad proof line', 'old 1\nnot base64!\n\ncp\n'],
    ['short proof hash', 'old 1\nAAAA\n\ncp\n'],
    ['64 proof lines', `old 1\n${`${hash}\n`.repeat(64)}\ncp\n`],
  ])('rejects %s', (_, body) => {
    expect(() => parseAddCheckpointRequest(body)).toThrow(expect.objectContaining({ code: 'MALFORMED_REQUEST' }));
  });

  it('accepts 63 proof lines', () => {
    expect(parseAddCheckpointRequest(`old 1\n${`${hash}\n`.repeat(63)}\ncp\n`).proof).toHaveLength(63);
  });
});

describe('decideAddCheckpoint', () => {
  const ORIGIN = 'ledger.example/cn';
  const log = generateKeyPair(ORIGIN);
  const logSigner = signerFromKey(log.signerKey);
  const logs = new Map<string, NoteVerifier[]>([[ORIGIN, [verifierFromKey(log.verifierKey)]]]);
  const witnessKey = generateKeyPair('witness.example/w1').signerKey;
  const cosigners = [cosignerFromKey(witnessKey, { now: () => 1_700_000_123_000 })];
  const witnessVerifier = verifierFromKey(verifierKeyOf(witnessKey, SIGNATURE_TYPE.cosignatureV1));

  const tree = MerkleTree.fromLeafHashes(Array.from({ length: 20 }, (_, i) => leafHash(utf8(`op ${i}`))));
  const forked = MerkleTree.fromLeafHashes(
    Array.from({ length: 20 }, (_, i) => leafHash(utf8(i === 3 ? 'evil' : `op ${i}`))),
  );
  const state = (size: number, t = tree): WitnessState => ({ size, rootHash: t.root(size) });

  async function request(
    oldSize: number,
    size: number,
    options: { proof?: Uint8Array[]; t?: MerkleTree; origin?: string; signer?: typeof logSigner } = {},
  ) {
    const t = options.t ?? tree;
    const text = formatCheckpoint({ origin: options.origin ?? ORIGIN, size, rootHash: t.root(size), extensions: [] });
    const checkpoint = await signNote({ text }, [options.signer ?? logSigner]);
    const req: AddCheckpointRequest = {
      oldSize,
      proof: options.proof ?? t.consistencyProof(oldSize, size),
      checkpoint,
    };
    return parseAddCheckpointRequest(formatAddCheckpointRequest(req));
  }

  const decide = (req: AddCheckpointRequest, known: WitnessState | undefined) =>
    decideAddCheckpoint({ request: req, logs, known, cosigners });

  it('cosigns the first checkpoint of a log (old size 0) and returns the state to persist', async () => {
    const req = await request(0, 10);
    const outcome = await decide(req, undefined);
    expect(outcome.status).toBe(200);
    if (outcome.status !== 200) return;
    expect(outcome.state).toEqual(state(10));
    const cosigned = `${req.checkpoint}${outcome.body}`;
    const opened = openNote(cosigned, [witnessVerifier]);
    expect(parseCosignature(opened.verified[0]!.signature)?.timestamp).toBe(1_700_000_123);
  });

  it('cosigns a consistent extension', async () => {
    expect((await decide(await request(10, 15), state(10))).status).toBe(200);
  });

  it('re-cosigns the same checkpoint', async () => {
    expect((await decide(await request(15, 15), state(15))).status).toBe(200);
  });

  it('404 for an unknown origin', async () => {
    expect(await decide(await request(0, 10, { origin: 'unknown.example' }), undefined)).toMatchObject({ status: 404 });
  });

  it('403 when no trusted key signed the checkpoint', async () => {
    const impostor = signerFromKey(generateKeyPair(ORIGIN).signerKey);
    expect(await decide(await request(0, 10, { signer: impostor }), undefined)).toMatchObject({ status: 403 });
    const req = await request(0, 10);
    const broken = req.checkpoint.replace(
      /— ledger\.example\/cn (.{10})/,
      (_, head: string) => `— ledger.example/cn ${head.slice(0, 6)}${head[6] === 'A' ? 'B' : 'A'}${head.slice(7)}`,
    );
    expect(await decide({ ...req, checkpoint: broken }, undefined)).toMatchObject({ status: 403 });
  });

  it('400 when the old size exceeds the checkpoint size, or the checkpoint is malformed', async () => {
    const req = await request(10, 10);
    expect(await decide({ ...req, oldSize: 11 }, state(11))).toMatchObject({ status: 400 });
    const bad = await signNote({ text: `${ORIGIN}\nten\n` }, [logSigner]);
    expect(await decide({ oldSize: 0, proof: [], checkpoint: bad }, undefined)).toMatchObject({ status: 400 });
  });

  it('409 with the known size when the old size is not the last cosigned size', async () => {
    const outcome = await decide(await request(5, 15), state(10));
    expect(outcome).toEqual({ status: 409, contentType: 'text/x.tlog.size', body: '10\n', reason: expect.any(String) });
    expect(await decide(await request(0, 15), state(10))).toMatchObject({ status: 409, body: '10\n' });
    expect(await decide(await request(10, 15), undefined)).toMatchObject({ status: 409, body: '0\n' });
  });

  it('409 when the size is unchanged but the root differs', async () => {
    expect(await decide(await request(10, 10, { t: forked }), state(10))).toMatchObject({ status: 409, body: '10\n' });
  });

  it('422 when the consistency proof does not verify', async () => {
    const good = tree.consistencyProof(10, 15);
    expect(
      await decide(await request(10, 15, { proof: [flipBit(good[0]!, 0), ...good.slice(1)] }), state(10)),
    ).toMatchObject({ status: 422 });
    expect(await decide(await request(10, 15, { proof: good.slice(1) }), state(10))).toMatchObject({ status: 422 });
    expect(await decide(await request(0, 15, { proof: good }), undefined)).toMatchObject({ status: 422 });
    expect(await decide(await request(10, 10, { proof: good }), state(10))).toMatchObject({ status: 422 });
  });

  it('422 when the log forked: a rewritten history cannot prove consistency with what was cosigned', async () => {
    expect(await decide(await request(10, 15, { t: forked }), state(10))).toMatchObject({ status: 422 });
  });

  it('MALFORMED_REQUEST errors are TlogErrors (the HTTP layer maps them to 400)', () => {
    expect(() => parseAddCheckpointRequest('garbage')).toThrow(TlogError);
  });
});
