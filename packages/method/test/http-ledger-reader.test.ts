/**
 * HttpLedgerReader, LedgerClient and CheckpointTrust without a ledger node: stubbed fetch answers for the
 * failure mapping (LEDGER_UNAVAILABLE, never NOT_FOUND), and in-memory Merkle trees for the consistency rules.
 * The end-to-end tests against a real node over HTTP live in packages/ledger/test/http-*.test.ts.
 */
import {
  generateKeyPair,
  leafHash,
  MerkleTree,
  parseCheckpoint,
  signerFromKey,
  signNote,
  verifierKeyOf,
} from '@did-city/tlog';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CheckpointTrust, InconsistentCheckpointError, MemoryCheckpointStore } from '../src/checkpoint-trust.ts';
import { DidCityError, problem } from '../src/errors.ts';
import { HttpLedgerReader } from '../src/http-ledger-reader.ts';
import { LedgerClient } from '../src/ledger-client.ts';

const logKey = generateKeyPair('city.ledger/test').signerKey;
const witness = generateKeyPair('w1').signerKey;
const POLICY = `log ${verifierKeyOf(logKey)}\nwitness w1 ${verifierKeyOf(witness, 0x04)}\nquorum w1\n`;
const DID = 'did:city:cn:130100';

function answering(status: number, body: string, contentType = 'application/json'): typeof fetch {
  return async () => new Response(body, { status, headers: { 'Content-Type': contentType } });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DidCityError);
  return (error as DidCityError).code;
}

type Fetch = typeof globalThis.fetch;
const reader = (stub: Fetch, extra: object = {}) =>
  new HttpLedgerReader({ url: 'http://ledger.test/', policy: POLICY, fetch: stub, ...extra });

describe('HttpLedgerReader failure mapping', () => {
  it('refuses a non-http URL and a malformed policy at construction', () => {
    expect(() => new HttpLedgerReader({ url: 'ftp://x/', policy: POLICY })).toThrow(TypeError);
    expect(() => new HttpLedgerReader({ url: 'http://x/', policy: 'log nonsense\n' })).toThrow();
  });

  it('LEDGER_UNAVAILABLE for a failed connection, a 5xx, a 404 and a NOT_FOUND problem: never NOT_FOUND', async () => {
    const refused: typeof fetch = async () => {
      throw new TypeError('fetch failed');
    };
    expect(await codeOf(reader(refused).history(DID))).toBe('LEDGER_UNAVAILABLE');
    expect(await codeOf(reader(answering(502, 'bad gateway', 'text/html')).history(DID))).toBe('LEDGER_UNAVAILABLE');
    expect(await codeOf(reader(answering(404, 'no such route', 'text/plain')).history(DID))).toBe('LEDGER_UNAVAILABLE');
    const notFound = JSON.stringify(problem('NOT_FOUND', 'gone'));
    expect(await codeOf(reader(answering(404, notFound, 'application/problem+json')).history(DID))).toBe(
      'LEDGER_UNAVAILABLE',
    );
  });

  it('passes INVALID_DID through, and a body over the size cap is LEDGER_UNAVAILABLE', async () => {
    const invalid = JSON.stringify(problem('INVALID_DID', 'bad'));
    expect(await codeOf(reader(answering(400, invalid, 'application/problem+json')).history(DID))).toBe('INVALID_DID');
    const big = reader(answering(200, 'x'.repeat(2048)), { maxResponseBytes: 1024 });
    expect(await codeOf(big.history(DID))).toBe('LEDGER_UNAVAILABLE');
  });

  it('INVALID_LEDGER_PROOF for an answer that is not a proven history', async () => {
    expect(await codeOf(reader(answering(200, 'not json')).history(DID))).toBe('INVALID_LEDGER_PROOF');
    expect(await codeOf(reader(answering(200, '[]')).history(DID))).toBe('INVALID_LEDGER_PROOF');
    const entriesWithoutCheckpoint = JSON.stringify({ treeSize: 0, entries: [{ index: 0 }] });
    expect(await codeOf(reader(answering(200, entriesWithoutCheckpoint)).history(DID))).toBe('INVALID_LEDGER_PROOF');
  });

  it('an empty log before its first checkpoint has no entries; a malformed checkpoint is UNTRUSTED_CHECKPOINT', async () => {
    expect(await reader(answering(200, JSON.stringify({ treeSize: 0, entries: [] }))).history(DID)).toEqual({
      entries: [],
    });
    const junk = JSON.stringify({ treeSize: 1, checkpoint: 'junk', entries: [] });
    expect(await codeOf(reader(answering(200, junk)).history(DID))).toBe('UNTRUSTED_CHECKPOINT');
  });
});

describe('LedgerClient failure mapping', () => {
  const client = (stub: Fetch) => new LedgerClient({ url: 'http://ledger.test', policy: POLICY, fetch: stub });
  const op = { type: 'create' } as never;

  it('maps a problem back to a DidCityError with the same code and detail', async () => {
    const stale = JSON.stringify(problem('STALE_OPERATION', 'seq: taken'));
    const error = await client(answering(409, stale, 'application/problem+json'))
      .submit(op)
      .catch((e: DidCityError) => e);
    expect(error).toMatchObject({ code: 'STALE_OPERATION', detail: 'seq: taken' });
  });

  it('an unknown problem type or a non-problem error is LEDGER_UNAVAILABLE; a garbled 201 is INVALID_LEDGER_PROOF', async () => {
    const foreign = JSON.stringify({ type: 'https://example.com/oops', title: 'x', status: 400 });
    expect(await codeOf(client(answering(400, foreign, 'application/problem+json')).submit(op))).toBe(
      'LEDGER_UNAVAILABLE',
    );
    expect(await codeOf(client(answering(201, '{"index":"one"}')).submit(op))).toBe('INVALID_LEDGER_PROOF');
  });

  it('needs an admin token for the governance path', async () => {
    expect(() => client(answering(201, '{}')).submitGovernance(op)).toThrow(DidCityError);
  });
});

describe('CheckpointTrust (spec §7.6 step 4, R-LED-3)', () => {
  const ORIGIN = 'city.ledger/test';
  const tree = (leaves: string[]) =>
    MerkleTree.fromLeafHashes(leaves.map((l) => leafHash(new TextEncoder().encode(l))));
  const textOf = (t: MerkleTree, size: number) =>
    `${ORIGIN}\n${size}\n${Buffer.from(t.root(size)).toString('base64')}\n`;
  /** A log-signed note and its parsed checkpoint (the trust takes both: the note is the evidence). */
  const signed = async (t: MerkleTree, size = t.size) => {
    const note = await signNote({ text: textOf(t, size) }, [signerFromKey(logKey)]);
    return [note, parseCheckpoint(textOf(t, size))] as const;
  };
  const honest = tree(['a', 'b', 'c', 'd', 'e']);
  const proofs = (t: MerkleTree) => async (from: number, to: number) => t.consistencyProof(from, to);

  it('remembers the larger of two consistent checkpoints and refuses a smaller one afterwards', async () => {
    const store = new MemoryCheckpointStore();
    const trust = new CheckpointTrust(store);
    const [n3, n4, n5] = await Promise.all([signed(honest, 3), signed(honest, 4), signed(honest, 5)]);
    await trust.accept(...n3, proofs(honest));
    await trust.accept(...n5, proofs(honest));
    expect(store.load(ORIGIN)).toBe(n5[0]);
    // Older but consistent: a replayed or stale answer, refused (R-LED-6); the memory keeps the larger one.
    expect(await codeOf(trust.accept(...n4, proofs(honest)))).toBe('UNTRUSTED_CHECKPOINT');
    expect(store.load(ORIGIN)).toBe(n5[0]);
    expect(await trust.trustedSize(ORIGIN)).toBe(5);
    await trust.accept(...n5, proofs(honest)); // the same checkpoint again is fine
  });

  it('same size, other root: InconsistentCheckpointError keeping both notes, recorded once', async () => {
    const trust = new CheckpointTrust(new MemoryCheckpointStore());
    const trusted = await signed(honest, 3);
    await trust.accept(...trusted, proofs(honest));
    const forked = tree(['a', 'b', 'X']);
    const other = await signed(forked);
    const error = await trust.accept(...other, proofs(forked)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InconsistentCheckpointError);
    expect((error as InconsistentCheckpointError).evidence).toMatchObject({
      trusted: trusted[0],
      conflicting: other[0],
    });
    await trust.accept(...other, proofs(forked)).catch(() => undefined);
    expect(trust.evidence.length).toBe(1);
    // A larger forked tree proves consistency with its own past, not with the trusted root.
    const bigger = tree(['a', 'b', 'X', 'd', 'e']);
    expect(await codeOf(trust.accept(...(await signed(bigger)), proofs(bigger)))).toBe('INCONSISTENT_CHECKPOINT');
  });

  it('a proof the ledger will not give is UNTRUSTED_CHECKPOINT; an unreachable ledger stays LEDGER_UNAVAILABLE', async () => {
    const trust = new CheckpointTrust(new MemoryCheckpointStore());
    await trust.accept(...(await signed(honest, 2)), proofs(honest));
    const five = await signed(honest, 5);
    const refuse = async (): Promise<Uint8Array[]> => {
      throw new DidCityError('MALFORMED_REQUEST', 'size beyond the tree');
    };
    expect(await codeOf(trust.accept(...five, refuse))).toBe('UNTRUSTED_CHECKPOINT');
    const down = async (): Promise<Uint8Array[]> => {
      throw new DidCityError('LEDGER_UNAVAILABLE', 'down');
    };
    expect(await codeOf(trust.accept(...five, down))).toBe('LEDGER_UNAVAILABLE');
  });

  it('serialises concurrent accepts so the memory never rolls back', async () => {
    const store = new MemoryCheckpointStore();
    const trust = new CheckpointTrust(store);
    const notes = await Promise.all([5, 1, 3, 2, 4].map((n) => signed(honest, n)));
    const outcomes = await Promise.allSettled(notes.map((n) => trust.accept(...n, proofs(honest))));
    // The first accepted is 5: every smaller one after it is refused, none replaces it.
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected', 'rejected']);
    expect(store.load(ORIGIN)).toBe(notes[0]![0]);
  });

  it('a damaged checkpoint store fails closed', async () => {
    const store = new MemoryCheckpointStore();
    store.save(ORIGIN, 'not a note');
    const trust = new CheckpointTrust(store);
    expect(await codeOf(trust.accept(...(await signed(honest)), proofs(honest)))).toBe('UNTRUSTED_CHECKPOINT');
  });
});

describe('HttpLedgerReader: entries already proven under the same checkpoint are not proven again', () => {
  type Json = Record<string, unknown> & { entries: Array<Record<string, unknown>> };
  const world = JSON.parse(
    readFileSync(new URL('../../../spec/vectors/ledger/world-checkpoint.json', import.meta.url), 'utf8'),
  ) as {
    policy: string;
    histories: Record<string, Json>;
    earlierCheckpoint: { note: string };
    consistencyProof: string[];
  };
  const SJZ = 'did:city:cn:130100';

  /** Answers the history the test sets, or the consistency proof of the vector; counts the requests. */
  function ledger() {
    const served = new Map<string, Json>(Object.entries(structuredClone(world.histories)));
    const requests: string[] = [];
    const stub: typeof fetch = async (input) => {
      const url = new URL(String(input));
      requests.push(url.pathname);
      if (url.pathname === '/proofs/consistency')
        return new Response(JSON.stringify({ proof: world.consistencyProof }));
      const did = decodeURIComponent(url.pathname.split('/')[2] ?? '');
      const history = served.get(did) ?? { entries: [] };
      const after = Number(url.searchParams.get('after') ?? -1);
      const entries = history.entries.filter((e) => (e['operation'] as { seq: number }).seq > after);
      return new Response(JSON.stringify({ ...history, entries }), { headers: { 'Content-Type': 'application/json' } });
    };
    return {
      served,
      requests,
      reader: new HttpLedgerReader({ url: 'http://ledger.test/', policy: world.policy, fetch: stub }),
    };
  }

  it('a second read under the same checkpoint needs no inclusion proofs for the leaves proven before', async () => {
    const { served, requests, reader } = ledger();
    const first = await reader.history(SJZ);
    for (const entry of served.get(SJZ)!.entries) entry['inclusionProof'] = [];
    // noCache: the whole history is read again (not only what follows the held entries), proven before.
    expect(await reader.history(SJZ, { noCache: true })).toStrictEqual(first);
    expect(requests).toStrictEqual([
      `/dids/${encodeURIComponent(SJZ)}/history`,
      `/dids/${encodeURIComponent(SJZ)}/history`,
    ]);
  });

  it('a changed entry is a new leaf: without its proof it fails', async () => {
    const { served, reader } = ledger();
    await reader.history(SJZ);
    const [entry] = served.get(SJZ)!.entries;
    entry!['integratedTime'] = '2030-01-01T00:00:00Z';
    expect(await codeOf(reader.history(SJZ, { noCache: true }))).toBe('INVALID_LEDGER_PROOF');
    entry!['inclusionProof'] = [];
    expect(await codeOf(reader.history(SJZ, { noCache: true }))).toBe('INVALID_LEDGER_PROOF');
  });

  it('a leaf of another DID, never proven, still needs its proof', async () => {
    const { served, reader } = ledger();
    await reader.history(SJZ);
    const registry = served.get('did:city:cn')!;
    for (const entry of registry.entries) entry['inclusionProof'] = [];
    expect(await codeOf(reader.history('did:city:cn'))).toBe('INVALID_LEDGER_PROOF');
  });

  it('an earlier checkpoint, consistent with the trusted one, is refused (R-LED-6), with or without noCache', async () => {
    const { served, requests, reader } = ledger();
    const registry = served.get('did:city:cn')!;
    await reader.history('did:city:cn');
    // An old answer replayed: the registry's genesis alone under the earlier checkpoint.
    served.set('did:city:cn', {
      ...registry,
      checkpoint: world.earlierCheckpoint.note,
      treeSize: 6,
      entries: registry.entries.slice(0, 1),
    });
    expect(await codeOf(reader.history('did:city:cn'))).toBe('UNTRUSTED_CHECKPOINT');
    expect(await codeOf(reader.history('did:city:cn', { noCache: true }))).toBe('UNTRUSTED_CHECKPOINT');
    expect(requests).toContain('/proofs/consistency');
  });
});
