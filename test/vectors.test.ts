/**
 * The shared vectors of spec/vectors/ run through the library (spec/README.md describes the format), and the check
 * that the committed vectors are exactly what the generator produces: any drift fails `pnpm test`.
 *
 * The harness here is written against the public APIs only (it does not reuse the generator's helpers), so a
 * generator bug cannot hide behind itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  applyOperation,
  canonicalBytes,
  canonicalize,
  createCityResolver,
  createProof,
  createSigner,
  decodeMultikey,
  type DidHistory,
  DidIndex,
  didIndexKey,
  indexHeadValue,
  indexRootOf,
  type GenesisPolicy,
  isCityDid,
  keyPairFromSecret,
  type LedgerReader,
  type LogEntry,
  operationHash,
  parentDid,
  parseDid,
  verifyIndexHead,
  sm2UncompressedKey,
  sm2Verify,
  sm2Z,
  sm3,
  verifyProof,
} from '@did-city/method';
import { HttpLedgerReader } from '@did-city/method/http';
import {
  evaluateCheckpoint,
  leafHash,
  parseCheckpoint,
  parseNote,
  parsePolicy,
  PrefixTree,
  quorumTime,
  verifyConsistency,
  verifyInclusion,
} from '@did-city/tlog';
import { describe, expect, it } from 'vitest';
import { buildVectors, differences, syncedSpec } from '../spec/scripts/vectors.ts';

const SPEC = join(import.meta.dirname, '..', 'spec');
const VECTORS = join(SPEC, 'vectors');

// biome-ignore lint/suspicious/noExplicitAny: vectors are JSON read from disk; each test reads the members it needs.
type Json = any;

function load(path: string): Json {
  return JSON.parse(readFileSync(join(VECTORS, path), 'utf8'));
}

const index = load('index.json');
const files: Array<{ path: string; kind: string; id: string }> = index.files;
const world = load('logs/world.json');
const worldEntries: LogEntry[] = world.entries.map(({ index, integratedTime, operation }: Json) => ({
  index,
  integratedTime,
  operation,
}));

function vectorsOf(kind: string, prefix: string): Json[] {
  return files.filter((f) => f.kind === kind && f.id.startsWith(prefix)).map((f) => load(f.path));
}

function title(vector: Json): string {
  return vector.rule === undefined
    ? `${vector.id}: ${vector.description}`
    : `${vector.rule} broken: ${vector.description}`;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

function bytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** A reader that trusts its log, as the vectors' expected results were produced. */
function reader(entries: readonly LogEntry[]): LedgerReader {
  return { history: async (did) => ({ entries: structuredClone(entries.filter((e) => e.operation?.did === did)) }) };
}

function resolver(entries: readonly LogEntry[], config: { genesis?: GenesisPolicy; refuseNoCache?: boolean } = {}) {
  return createCityResolver({ reader: reader(entries), cache: false, ...config });
}

/** Validates and applies entries in log order as a ledger does, parents taken from the state built so far. */
function apply(state: Map<string, DidHistory>, entry: LogEntry, genesis?: GenesisPolicy): void {
  const did = (entry.operation as { did?: unknown })?.did;
  const parent = isCityDid(did) ? parentDid(did) : undefined;
  const context = {
    ...(parent && state.has(parent) ? { parent: state.get(parent)! } : {}),
    ...(genesis ? { genesis } : {}),
  };
  const history = applyOperation(typeof did === 'string' ? state.get(did) : undefined, entry, context);
  state.set(history.did, history);
}

function replay(count: number, genesis?: GenesisPolicy): Map<string, DidHistory> {
  const state = new Map<string, DidHistory>();
  for (const entry of worldEntries.slice(0, count)) apply(state, entry, genesis);
  return state;
}

function errorCode(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe('spec/vectors is what spec/scripts/generate-vectors.ts produces', () => {
  it('every committed file is byte for byte the generator output (run `pnpm vectors` after a change)', async () => {
    expect(differences(await buildVectors())).toEqual([]);
  }, 120_000);

  it('the errors table of spec/did-city.md §8 is rendered from spec/errors.json', () => {
    expect(syncedSpec()).toBe(readFileSync(join(SPEC, 'did-city.md'), 'utf8'));
  });

  it('every key, hash and signature quoted in the spec appears in the vectors (examples are not stale)', () => {
    const spec = readFileSync(join(SPEC, 'did-city.md'), 'utf8');
    // Multibase keys, operation hashes and proof values (base58btc), checkpoint hashes, signatures and policy keys
    // (base64): any such string of 40 characters or more.
    const quoted = new Set(spec.match(/[A-Za-z0-9+/]{40,}={0,2}/g));
    const corpus = files.map((f) => readFileSync(join(VECTORS, f.path), 'utf8')).join('\n');
    expect([...quoted].filter((value) => !corpus.includes(value))).toEqual([]);
    expect(quoted.size).toBeGreaterThan(10);
  });

  it('index.json lists every rule of the spec with at least one vector or a reason', () => {
    const spec = readFileSync(join(SPEC, 'did-city.md'), 'utf8');
    const defined = [...spec.matchAll(/\*\*\[(R-[A-Z]+-\d+)\]\*\*/g)].map((m) => m[1]);
    expect(Object.keys(index.rules).sort()).toEqual([...defined].sort());
    for (const [id, rule] of Object.entries<Json>(index.rules)) {
      expect(rule.negative.length > 0 || typeof rule.noNegativeVector === 'string', id).toBe(true);
    }
  });
});

describe('logs/world.json', () => {
  const leaves: Array<[number, Json]> = world.entries.map((e: Json) => [e.index, e]);
  it.each(leaves)('leaf %i: operation hash (§3.3), leaf hash (§4) and validity', (_index, e) => {
    expect(operationHash(e.operation)).toBe(e.operationHash);
    expect(base64(leafHash(canonicalBytes({ integratedTime: e.integratedTime, operation: e.operation })))).toBe(
      e.leafHash,
    );
    expect(() => replay(e.index + 1, world.genesis)).not.toThrow();
  });
});

describe('did-syntax.json', () => {
  const syntax = load('did-syntax.json');
  const valid: Array<[string, Json]> = syntax.valid.map((v: Json) => [v.did, v]);
  const invalid: Array<[string, string, Json]> = syntax.invalid.map((v: Json) => [v.rule, v.did, v]);
  it.each(valid)('valid: %s', (did, v) => {
    const parsed = parseDid(did);
    expect({
      network: parsed.network ?? null,
      country: parsed.country,
      division: parsed.division ?? null,
      subIds: parsed.subIds,
    }).toEqual(v.parts);
    expect(parentDid(did) ?? null).toBe(v.parent);
    expect(did.length).toBe(v.length);
  });
  it.each(invalid)('%s broken: %s', async (_rule, did, v) => {
    expect(errorCode(() => parseDid(did))).toBe(v.expected.error.code);
    const result = await resolver(worldEntries).resolve(did);
    expect(result.didResolutionMetadata.error?.type).toBe(v.expected.error.type);
    expect(result.didDocument).toBeNull();
  });
});

describe('operations: one per operation type', () => {
  it.each(vectorsOf('operation', 'operations/').map((v) => [title(v), v]))('%s', async (_title, v: Json) => {
    const prefix = worldEntries.slice(0, v.entries);
    expect(prefix.at(-1)!.operation).toEqual(v.operation);
    expect(operationHash(v.operation)).toBe(v.operationHash);
    expect(() => replay(v.entries, v.resolver.genesis)).not.toThrow();
    expect(await resolver(prefix, v.resolver).resolve(v.did)).toEqual(v.expected.resolution);
  });
});

describe('append vectors: the next entry after the world log', () => {
  const appends = files.filter((f) => f.kind === 'append').map((f) => load(f.path));
  it.each(appends.map((v) => [title(v), v]))('%s', async (_title, v: Json) => {
    const state = replay(v.entries, v.genesis);
    const code = errorCode(() => apply(state, v.entry, v.genesis));
    if (v.expected.accepted === true) {
      expect(code).toBeUndefined();
      expect(canonicalBytes(v.entry.operation).length).toBe(v.expected.bytes);
      expect(operationHash(v.entry.operation)).toBe(v.expected.operationHash);
      return;
    }
    expect(code).toBe(v.expected.error.code);
    if (v.resolve !== undefined) {
      const log = [...worldEntries.slice(0, v.entries), v.entry];
      const result = await resolver(log, { genesis: v.genesis }).resolve(v.resolve.did);
      expect(result.didResolutionMetadata.error?.type).toBe(v.resolve.error.type);
      expect(result.didDocument).toBeNull();
      expect(result.didDocumentMetadata).toEqual({});
    }
  });
});

describe('cryptosuite vectors (sm2-jcs-2026)', () => {
  const suites = vectorsOf('cryptosuite', 'cryptosuites/');
  const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
  const utf8 = (text: string) => new TextEncoder().encode(text);

  it.each(suites.map((v) => [v.id, v]))("%s: the standards' SM3 and SM2 examples", (_id, v: Json) => {
    for (const e of v.standards.sm3) expect(hexOf(sm3(utf8(e.inputUtf8)))).toBe(e.digestHex);
    const s = v.standards.sm2Signature;
    const publicKey = Uint8Array.from(Buffer.from(s.publicKeyHex, 'hex'));
    expect(
      hexOf(
        sm2UncompressedKey(
          decodeMultikey(keyPairFromSecret('SM2', Buffer.from(s.secretKeyHex, 'hex')).publicKeyMultibase).publicKey,
        ),
      ),
    ).toBe(s.publicKeyHex);
    expect(hexOf(sm2Z(publicKey, { id: s.id }))).toBe(s.zaHex);
    expect(hexOf(sm3(new Uint8Array([...Buffer.from(s.zaHex, 'hex'), ...utf8(s.messageUtf8)])))).toBe(s.eHex);
    expect(sm2Verify(publicKey, utf8(s.messageUtf8), Buffer.from(s.signatureHex, 'hex'), { id: s.id })).toBe(true);
  });

  it.each(suites.map((v) => [v.id, v]))(
    '%s: every step of the worked example, and signing reproduces the proof',
    async (_id, v: Json) => {
      const x = v.example;
      expect(canonicalize(x.unsecuredDocument)).toBe(x.canonicalDocument);
      expect(canonicalize(x.proofOptions)).toBe(x.canonicalProofConfig);
      expect(hexOf(sm3(utf8(x.canonicalDocument)))).toBe(x.documentHashHex);
      expect(hexOf(sm3(utf8(x.canonicalProofConfig)))).toBe(x.proofConfigHashHex);
      expect(x.hashDataHex).toBe(x.proofConfigHashHex + x.documentHashHex);
      const publicKey = decodeMultikey(x.keyPair.publicKeyMultibase).publicKey;
      expect(hexOf(sm2Z(publicKey))).toBe(x.zaHex);
      expect(hexOf(sm3(new Uint8Array([...Buffer.from(x.zaHex, 'hex'), ...Buffer.from(x.hashDataHex, 'hex')])))).toBe(
        x.eHex,
      );
      expect(sm2Verify(publicKey, Buffer.from(x.hashDataHex, 'hex'), Buffer.from(x.signatureHex, 'hex'))).toBe(true);
      const { proof, ...unsecured } = x.signedDocument;
      expect(unsecured).toEqual(x.unsecuredDocument);
      expect(verifyProof(unsecured, proof, x.keyPair.publicKeyMultibase)).toBe(true);
      const pair = keyPairFromSecret('SM2', Buffer.from(x.keyPair.secretKeyHex, 'hex'));
      expect(pair.publicKeyMultibase).toBe(x.keyPair.publicKeyMultibase);
      const { proofValue: _value, ...options } = proof;
      expect(await createProof(unsecured, { ...options, signer: createSigner(pair) })).toEqual(proof);
    },
  );

  it.each(suites.flatMap((v) => v.rejected.map((r: Json) => [r.reason, r, v.example.keyPair.publicKeyMultibase])))(
    'rejected: %s',
    (_reason, r: Json, publicKeyMultibase: string) => {
      const { proof, ...unsecured } = r.signedDocument;
      expect(verifyProof(unsecured, proof, publicKeyMultibase)).toBe(false);
    },
  );
});

describe('resolution', () => {
  it.each(vectorsOf('resolution', 'resolution/').map((v) => [title(v), v]))('%s', async (_title, v: Json) => {
    const log = [...worldEntries.slice(0, v.entries), ...(v.extraEntries ?? [])];
    expect(await resolver(log, v.resolver).resolve(v.did, v.options)).toEqual(v.expected);
  });
});

describe('dereferencing', () => {
  it.each(vectorsOf('dereferencing', 'dereferencing/').map((v) => [title(v), v]))('%s', async (_title, v: Json) => {
    const log = worldEntries.slice(0, v.entries);
    expect(await resolver(log, v.resolver).dereference(v.didUrl, v.options)).toEqual(v.expected);
  });
});

/** What a resolver verifies about a ledger answer (spec §7.6), as an error code or undefined. */
function ledgerCheck(v: Json): string | undefined {
  if (v.check === 'index') {
    try {
      verifyIndexHead({ did: v.did, head: v.head, indexProof: v.indexProof, root: bytes(v.root) });
      return undefined;
    } catch (error) {
      return (error as { code?: string }).code;
    }
  }
  const policy = parsePolicy(v.policy);
  const trusted = (note: string) => evaluateCheckpoint(note, policy).ok;
  if (v.check === 'checkpoint') return trusted(v.checkpoint) ? undefined : 'UNTRUSTED_CHECKPOINT';
  if (v.check === 'inclusion') {
    if (!trusted(v.checkpoint)) return 'UNTRUSTED_CHECKPOINT';
    const { size, rootHash } = parseCheckpoint(parseNote(v.checkpoint).text);
    const entry = v.entry;
    const recomputed = leafHash(canonicalBytes({ integratedTime: entry.integratedTime, operation: entry.operation }));
    const proof = entry.inclusionProof.map(bytes);
    const ok = verifyInclusion({ leafIndex: entry.index, treeSize: size, leafHash: recomputed, proof, rootHash });
    return ok ? undefined : 'INVALID_LEDGER_PROOF';
  }
  if (v.check === 'history') return historyCheck(v.history, trusted);
  if (!trusted(v.seen) || !trusted(v.presented)) return 'UNTRUSTED_CHECKPOINT';
  const seen = parseCheckpoint(parseNote(v.seen).text);
  const presented = parseCheckpoint(parseNote(v.presented).text);
  const [older, newer] = seen.size <= presented.size ? [seen, presented] : [presented, seen];
  const ok = verifyConsistency({
    oldSize: older.size,
    newSize: newer.size,
    oldRoot: older.rootHash,
    newRoot: newer.rootHash,
    proof: v.consistencyProof.map(bytes),
  });
  if (!ok) return 'INCONSISTENT_CHECKPOINT';
  // R-LED-6: a consistent but smaller checkpoint than the one accepted before is a rollback.
  return presented.size < seen.size ? 'UNTRUSTED_CHECKPOINT' : undefined;
}

/** A proven history (spec §7.6, §7.9): head proven by the index, every entry included, the last one the head. */
function historyCheck(h: Json, trusted: (note: string) => boolean): string | undefined {
  if (!trusted(h.checkpoint)) return 'UNTRUSTED_CHECKPOINT';
  const checkpoint = parseCheckpoint(parseNote(h.checkpoint).text);
  const root = checkpoint.extensions.find((line: string) => line.startsWith('did-city-index/v1 '))!.split(' ')[1]!;
  let head: Json;
  try {
    head = verifyIndexHead({ did: h.did, head: h.head, indexProof: h.indexProof, root: bytes(root) });
  } catch (error) {
    return (error as { code?: string }).code;
  }
  for (const entry of h.entries) {
    const recomputed = leafHash(canonicalBytes({ integratedTime: entry.integratedTime, operation: entry.operation }));
    const proof = entry.inclusionProof.map(bytes);
    if (
      !verifyInclusion({
        leafIndex: entry.index,
        treeSize: checkpoint.size,
        leafHash: recomputed,
        proof,
        rootHash: checkpoint.rootHash,
      })
    )
      return 'INVALID_LEDGER_PROOF';
  }
  const last = h.entries.at(-1);
  if (head === null) return last === undefined ? undefined : 'INVALID_LEDGER_PROOF';
  const endsAtHead =
    last !== undefined &&
    last.operation.seq === head.seq &&
    last.index === head.index &&
    operationHash(last.operation) === head.operationHash;
  return endsAtHead ? undefined : 'INVALID_LEDGER_PROOF';
}

describe('ledger: checkpoint, witnesses, proofs (spec §7)', () => {
  const v = load('ledger/world-checkpoint.json');
  const policy = parsePolicy(v.policy);
  const checkpoint = parseCheckpoint(parseNote(v.checkpoint.note).text);

  it('the checkpoint is signed by the policy log and cosigned by all three witnesses (quorum 2)', () => {
    const verdict = evaluateCheckpoint(v.checkpoint.note, policy);
    expect(verdict).toMatchObject({ ok: true, logSigned: true, quorum: true, invalid: [] });
    expect(verdict.cosigners.map((c) => c.witness)).toEqual(['witness-a', 'witness-b', 'witness-c']);
    expect(checkpoint).toMatchObject({ origin: v.origin, size: v.checkpoint.size });
    expect(base64(checkpoint.rootHash)).toBe(v.checkpoint.rootHash);
  });

  it('every leaf of the world log is included at its index, from its recomputed leaf hash', () => {
    expect(v.leaves.map((l: Json) => l.leafHash)).toEqual(world.entries.map((e: Json) => e.leafHash));
    for (const leaf of v.leaves) {
      const check = {
        leafIndex: leaf.index,
        treeSize: checkpoint.size,
        leafHash: bytes(leaf.leafHash),
        proof: leaf.inclusionProof.map(bytes),
        rootHash: checkpoint.rootHash,
      };
      expect(verifyInclusion(check), `leaf ${leaf.index}`).toBe(true);
    }
  });

  it('the earlier checkpoint is consistent with the latest one', () => {
    const earlier = parseCheckpoint(parseNote(v.earlierCheckpoint.note).text);
    expect(evaluateCheckpoint(v.earlierCheckpoint.note, policy).ok).toBe(true);
    const proof = v.consistencyProof.map(bytes);
    expect(
      verifyConsistency({
        oldSize: earlier.size,
        newSize: checkpoint.size,
        oldRoot: earlier.rootHash,
        newRoot: checkpoint.rootHash,
        proof,
      }),
    ).toBe(true);
  });

  it('each proven history verifies and resolves like the world log', async () => {
    for (const [did, history] of Object.entries<Json>(v.histories)) {
      for (const entry of history.entries)
        expect(
          ledgerCheck({ check: 'inclusion', policy: v.policy, checkpoint: history.checkpoint, entry }),
          did,
        ).toBeUndefined();
      const own = history.entries.map(({ index, integratedTime, operation }: Json) => ({
        index,
        integratedTime,
        operation,
      }));
      expect(own).toEqual(worldEntries.filter((e) => e.operation.did === did));
    }
  });

  it.each(vectorsOf('ledger', 'negative/').map((n) => [title(n), n]))('%s', (_title, n: Json) => {
    expect(ledgerCheck(n)).toBe(n.expected.error.code);
  });
});

describe('the DID index of the world log (spec §7.9)', () => {
  const v = load('ledger/world-index.json');
  const heads = (entries: Json[]) =>
    entries.map((e: Json) => ({
      did: e.operation.did,
      seq: e.operation.seq,
      index: e.index,
      operationHash: e.operationHash,
    }));

  it('keys and values are SHA-256 of the DID and of the packed head', () => {
    for (const { did, key, head, value } of v.dids) {
      expect(Buffer.from(didIndexKey(did)).toString('hex')).toBe(key);
      expect(Buffer.from(indexHeadValue(head)).toString('hex')).toBe(value);
    }
  });

  it('the root after each entry, rebuilt from scratch as a prefix tree of (key, value)', () => {
    expect(v.roots).toHaveLength(world.entries.length + 1);
    for (const { size, root } of v.roots) {
      const latest = new Map<string, Json>();
      for (const head of heads(world.entries.slice(0, size))) latest.set(head.did, head);
      const tree = PrefixTree.from([...latest.values()].map((h) => [didIndexKey(h.did), indexHeadValue(h)] as const));
      expect(base64(tree.root()), `size ${size}`).toBe(root);
    }
    expect(base64(DidIndex.empty().apply(heads(world.entries)).root())).toBe(v.root);
  });

  it('every DID proves its latest head and the absent DIDs prove their absence', () => {
    const root = bytes(v.root);
    for (const { did, head } of v.dids) expect(verifyIndexHead({ did, ...v.proofs[did], root })).toEqual(head);
    expect(v.absent[0].indexProof.otherLeaf).toBeUndefined();
    expect(v.absent[1].indexProof.otherLeaf).toBeDefined();
    for (const absent of v.absent) expect(verifyIndexHead({ ...absent, root })).toBeNull();
  });

  it('the world checkpoint commits this root in its index line', () => {
    const checkpoint = parseCheckpoint(parseNote(load('ledger/world-checkpoint.json').checkpoint.note).text);
    expect(base64(indexRootOf(checkpoint)!)).toBe(v.root);
  });
});

/** The DID index of the first `size` world entries, as a ledger node keeps it. */
function worldIndex(size: number) {
  const heads = worldEntries.slice(0, size).map((e) => ({
    did: e.operation.did,
    seq: e.operation.seq,
    index: e.index,
    operationHash: operationHash(e.operation),
  }));
  return DidIndex.empty().apply(heads);
}

/** Only the entries after seq `after`, as a ledger node answers `?after=` (spec §7.9). */
function after(served: Json, seq: string | null): Json {
  return seq === null
    ? served
    : { ...served, entries: served.entries.filter((e: Json) => e.operation.seq > Number(seq)) };
}

/** A served history with the head and index proof its checkpoint's size gives, unless it carries its own. */
function withIndexProof(served: Json): Json {
  if (served.indexProof !== undefined || typeof served.checkpoint !== 'string') return served;
  return { ...served, ...worldIndex(Number(served.checkpoint.split('\n')[1])).prove(served.did) };
}

/** What a reader reports beside the checkpoint: since when the quorum vouches for it (RFC 3339). */
function provenAt(note: string, policyText: string): string {
  const policy = parsePolicy(policyText);
  const time = quorumTime(policy, evaluateCheckpoint(note, policy).cosigners, policy.index);
  return new Date(time! * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * A ledger node as HttpLedgerReader sees it: GET dids/{did}/history answers the proven history the vector holds
 * (or, by `serve`, a doctored one), GET proofs/consistency the proofs the vectors hold.
 */
function fakeLedger(options: { serve?: (did: string) => Json; consistency?: Record<string, string[]> } = {}) {
  const v = load('ledger/world-checkpoint.json');
  const proofs: Record<string, string[]> = {
    [`${v.earlierCheckpoint.size}-${v.checkpoint.size}`]: v.consistencyProof,
    ...options.consistency,
  };
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const fetch = async (input: string | URL | Request): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const history = /\/dids\/([^/]+)\/history$/.exec(url.pathname);
    if (history) {
      const did = decodeURIComponent(history[1]!);
      const served = options.serve?.(did) ??
        v.histories[did] ?? { did, treeSize: v.checkpoint.size, checkpoint: v.checkpoint.note, entries: [] };
      return json(200, after(withIndexProof(served), url.searchParams.get('after')));
    }
    if (url.pathname.endsWith('/proofs/consistency')) {
      const proof = proofs[`${url.searchParams.get('from')}-${url.searchParams.get('to')}`];
      return proof === undefined
        ? json(404, { type: 'https://www.w3.org/ns/did#NOT_FOUND', title: 'not found', detail: 'no proof' })
        : json(200, { proof });
    }
    return json(404, { type: 'https://www.w3.org/ns/did#NOT_FOUND', title: 'not found', detail: url.pathname });
  };
  return {
    v,
    reader: new HttpLedgerReader({
      url: 'https://ledger.test/',
      policy: v.policy,
      fetch: fetch as typeof globalThis.fetch,
    }),
  };
}

async function rejection(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe('ledger vectors through the verifying HttpLedgerReader (spec §7.6)', () => {
  const plainResolutions = vectorsOf('resolution', 'resolution/').filter(
    (r) => r.entries === world.entries.length && r.extraEntries === undefined,
  );
  it.each(plainResolutions.map((r) => [title(r), r]))(
    '%s, verified against the co-signed checkpoint',
    async (_title, r: Json) => {
      const { v, reader } = fakeLedger();
      const result = await createCityResolver({ reader, cache: false, ...r.resolver }).resolve(r.did, r.options);
      const expected = structuredClone(r.expected);
      if (expected.didResolutionMetadata.error === undefined) {
        const { note } = v.checkpoint;
        expected.didResolutionMetadata.ledger = {
          origin: v.origin,
          treeSize: String(v.checkpoint.size),
          checkpoint: note,
          provenAt: provenAt(note, v.policy),
        };
      }
      expect(result).toEqual(expected);
    },
  );

  it('a larger checkpoint consistent with the one accepted before is accepted, with the consistency proof', async () => {
    const base = load('ledger/world-checkpoint.json');
    let current = base.earlierCheckpoint;
    const { reader } = fakeLedger({
      serve: (did) => ({ did, treeSize: current.size, checkpoint: current.note, entries: [] }),
    });
    await reader.history('did:city:cn:110000');
    current = base.checkpoint;
    expect(await reader.history('did:city:cn:110000')).toMatchObject({
      entries: [],
      ledger: { treeSize: String(base.checkpoint.size) },
    });
    expect(reader.evidence).toEqual([]);
  });

  // Index proofs (check 'index') are verified by verifyIndexHead above; the reader reads heads in its own tests.
  const readerNegatives = vectorsOf('ledger', 'negative/').filter((n) => n.check !== 'index');
  it.each(readerNegatives.map((n) => [title(n), n]))('%s', async (_title, n: Json) => {
    const base = load('ledger/world-checkpoint.json');
    if (n.check === 'checkpoint') {
      const { reader } = fakeLedger({
        serve: (did) => ({ ...base.histories['did:city:cn:130100'], did, checkpoint: n.checkpoint }),
      });
      expect(await rejection(reader.history('did:city:cn:130100'))).toBe(n.expected.error.code);
      return;
    }
    if (n.check === 'inclusion') {
      const did = n.entry.operation.did;
      const history = structuredClone(base.histories[did]);
      const at = history.entries.findIndex((e: Json) => e.index === n.entry.index);
      history.entries[at] = n.entry;
      const { reader } = fakeLedger({ serve: () => ({ ...history, checkpoint: n.checkpoint }) });
      expect(await rejection(reader.history(did))).toBe(n.expected.error.code);
      return;
    }
    if (n.check === 'history') {
      const { reader } = fakeLedger({ serve: (did) => (did === n.history.did ? n.history : undefined) });
      expect(await rejection(reader.history(n.history.did))).toBe(n.expected.error.code);
      return;
    }
    const seen = parseCheckpoint(parseNote(n.seen).text);
    const presented = parseCheckpoint(parseNote(n.presented).text);
    let note = n.seen;
    const { reader } = fakeLedger({
      serve: (did) => ({ did, treeSize: note === n.seen ? seen.size : presented.size, checkpoint: note, entries: [] }),
      consistency: { [`${seen.size}-${presented.size}`]: n.consistencyProof },
    });
    await reader.history('did:city:cn:110000');
    note = n.presented;
    expect(await rejection(reader.history('did:city:cn:110000'))).toBe(n.expected.error.code);
    // A split view is kept as evidence; a rollback (R-LED-6) contradicts nothing signed.
    expect(reader.evidence).toHaveLength(n.expected.error.code === 'INCONSISTENT_CHECKPOINT' ? 1 : 0);
  });
});
