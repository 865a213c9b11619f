/**
 * Ledger vectors (spec §7): the world log as an RFC 6962 tree, a C2SP checkpoint signed by the log key and
 * cosigned by three witnesses (fixed timestamps), the C2SP tlog-policy (quorum 2 of 3), every entry's inclusion
 * proof, each DID's proven history as a ledger node serves it, and negative cases for what a resolver verifies.
 */
import {
  type DidIndex,
  formatIndexExtension,
  keyPairFromSecret,
  type LogEntry,
  multikeyToJwk,
  updateOperation,
} from '../../packages/method/src/index.ts';
import {
  consistencyProof,
  cosignerFromKey,
  formatCheckpoint,
  formatNote,
  MerkleTree,
  type NoteSigner,
  noteKeyId,
  parseNote,
  SIGNATURE_TYPE,
  signerFromKey,
  signNote,
  verifierKeyOf,
} from '../../packages/tlog/src/index.ts';
import { type NoteKey, noteKey } from '../../packages/testing/src/index.ts';
import { base64, plain } from './vector-format.ts';
import { indexesOf } from './vector-index.ts';
import { expectedError } from './vector-negative.ts';
import type { Vector } from './vector-resolution.ts';
import { day, encodeLeafHash, KEYS, REGISTRY, SJZ, sign, type World, world } from './vector-world.ts';

export const ORIGIN = 'city.ledger/prod';
export const WITNESS_NAMES = ['witness-a', 'witness-b', 'witness-c'] as const;
/** POSIX seconds of the cosignatures: 2026-12-03T08:00:00Z, one day after the last world entry. */
export const COSIGNED_AT = Date.parse('2026-12-03T08:00:00Z') / 1000;

// Note keys (log, witnesses): seed sha256("did:city vector key <name>"), @did-city/testing's noteKey.

export const LOG_KEY = noteKey(ORIGIN);
export const WITNESS_KEYS = WITNESS_NAMES.map((name) => noteKey(name, SIGNATURE_TYPE.cosignatureV1));

export function policyText(log: NoteKey = LOG_KEY): string {
  const lines = [`log ${log.verifierKey}`, ...WITNESS_KEYS.map((w) => `witness ${w.name} ${w.verifierKey}`)];
  lines.push(`group institutes 2 ${WITNESS_NAMES.join(' ')}`, 'quorum institutes', 'index institutes');
  return `${lines.join('\n')}\n`;
}

function cosigners(names: readonly string[]): NoteSigner[] {
  return WITNESS_KEYS.filter((w) => names.includes(w.name)).map((w) =>
    cosignerFromKey(w.signerKey, { now: () => COSIGNED_AT * 1000 }),
  );
}

interface Tree {
  tree: MerkleTree;
  leafHashes: string[];
  /** The DID index after each prefix of the entries (spec §7.9). */
  indexes: DidIndex[];
}

function treeOf(entries: readonly LogEntry[]): Tree {
  const leafHashes = entries.map(encodeLeafHash);
  const tree = MerkleTree.fromLeafHashes(leafHashes.map((h) => new Uint8Array(Buffer.from(h, 'base64'))));
  return { tree, leafHashes, indexes: indexesOf(entries) };
}

/** A checkpoint of the tree at `size`, committing the DID index root of that size in its extension line. */
async function checkpointNote(
  t: Tree,
  size: number,
  options: { log?: NoteKey; origin?: string; witnesses?: readonly string[] } = {},
): Promise<string> {
  const { tree } = t;
  const extensions = [formatIndexExtension(t.indexes[size]!.root())];
  const text = formatCheckpoint({ origin: options.origin ?? ORIGIN, size, rootHash: tree.root(size), extensions });
  return signNote({ text }, [
    signerFromKey((options.log ?? LOG_KEY).signerKey),
    ...cosigners(options.witnesses ?? WITNESS_NAMES),
  ]);
}

function proofOf(tree: MerkleTree, index: number, size: number): string[] {
  return tree.inclusionProof(index, size).map(base64);
}

/** A DID's entries with proofs and its proven head, in the shape a ledger node's history endpoint serves. */
function provenHistory(w: World, t: Tree, did: string, note: string) {
  const size = w.entries.length;
  return {
    did,
    treeSize: size,
    checkpoint: note,
    ...t.indexes[size]!.prove(did),
    entries: w.entries
      .filter((e) => e.operation.did === did)
      .map((e) => ({
        index: e.index,
        integratedTime: e.integratedTime,
        operation: plain(e.operation),
        leafHash: t.leafHashes[e.index]!,
        inclusionProof: proofOf(t.tree, e.index, size),
      })),
  };
}

async function worldCheckpointVector(w: World, t: Tree, note: string): Promise<Vector> {
  const size = w.entries.length;
  const earlierSize = 6;
  const dids = [...new Set(w.entries.map((e) => e.operation.did))];
  return {
    id: 'ledger/world-checkpoint',
    kind: 'ledger',
    description: `The world log (${size} leaves) under a checkpoint signed by ${ORIGIN} and cosigned by three witnesses (quorum 2), with every inclusion proof, a consistency proof from an earlier checkpoint, and each DID's proven history`,
    rules: ['R-LOG-1', 'R-LED-1', 'R-LED-2', 'R-LED-3'],
    log: 'logs/world.json',
    origin: ORIGIN,
    logVerifierKey: LOG_KEY.verifierKey,
    witnesses: WITNESS_KEYS.map((k) => ({ name: k.name, verifierKey: k.verifierKey })),
    policy: policyText(),
    checkpoint: { note, size, rootHash: base64(t.tree.root(size)) },
    earlierCheckpoint: {
      note: await checkpointNote(t, earlierSize),
      size: earlierSize,
      rootHash: base64(t.tree.root(earlierSize)),
    },
    consistencyProof: consistencyProof(t.tree, earlierSize, size).map(base64),
    leaves: t.leafHashes.map((leafHash, index) => ({ index, leafHash, inclusionProof: proofOf(t.tree, index, size) })),
    histories: Object.fromEntries(dids.map((did) => [did, provenHistory(w, t, did, note)])),
  };
}

type Check = 'checkpoint' | 'inclusion' | 'consistency' | 'history';

function negative(
  name: string,
  rule: string,
  check: Check,
  description: string,
  input: Record<string, unknown>,
  code: Parameters<typeof expectedError>[0],
): Vector {
  return {
    id: `negative/${rule}-${name}`,
    kind: 'ledger',
    description,
    rule,
    check,
    policy: policyText(),
    ...input,
    expected: { error: expectedError(code) },
  };
}

function bare(entries: readonly LogEntry[]): LogEntry[] {
  return entries.map(({ index, integratedTime, operation }) => ({ index, integratedTime, operation }));
}

/** A registry update replacing institute D by an attacker's key, signed by institutes A and C (valid on its own). */
async function hostileRegistryUpdate(w: World, before: number): Promise<LogEntry> {
  const registry = w.histories[before]!.get(REGISTRY)!;
  const operation = await sign(
    updateOperation(registry, { updateKeys: [KEYS.instituteA.mk, KEYS.instituteC.mk, KEYS.mallory.mk] }),
    [KEYS.instituteA, KEYS.instituteC],
  );
  return { index: before, integratedTime: day(before), operation };
}

/** Fork 1: the same first size-1 leaves, then another registry update at the last leaf. */
async function sameSizeFork(w: World): Promise<LogEntry[]> {
  const keep = w.entries.length - 1;
  return [...bare(w.entries.slice(0, keep)), await hostileRegistryUpdate(w, keep)];
}

/** Fork 2: the same first 6 leaves, the rest integrated an hour later each, plus one more leaf. */
async function longerFork(w: World): Promise<LogEntry[]> {
  const shifted = bare(w.entries.slice(6)).map((e) => ({ ...e, integratedTime: day(e.index - 1, 9) }));
  return [...bare(w.entries.slice(0, 6)), ...shifted, await hostileRegistryUpdate(w, w.entries.length)];
}

async function ledgerNegatives(w: World, t: Tree, note: string): Promise<Vector[]> {
  const size = w.entries.length;
  const sjz = provenHistory(w, t, SJZ, note);
  const entry = sjz.entries[1]!;
  const badProof = [...entry.inclusionProof];
  badProof[0] = base64(new Uint8Array(32));
  const fewCosigners = await checkpointNote(t, size, { witnesses: ['witness-a'] });
  const impostor = { ...noteKey(`${ORIGIN}-impostor`), name: ORIGIN };
  const impostorNote = await checkpointNote(t, size, {
    log: { ...impostor, signerKey: renameSigner(impostor.signerKey, ORIGIN) },
  });
  const forged = forgeCosignature(note, 'witness-b');
  const otherOrigin = await checkpointNote(t, size, { origin: 'city.ledger/test', log: noteKey('city.ledger/test') });
  const forkTree = treeOf(await sameSizeFork(w));
  const forkNote = await checkpointNote(forkTree, size);
  const longerTree = treeOf(await longerFork(w));
  const longerNote = await checkpointNote(longerTree, size + 1);
  const earlierSize = 6;
  const earlierNote = await checkpointNote(t, earlierSize);
  // Shijiazhuang's proven history with its last entry left out; head and index proof are the true ones.
  const cutShort = { ...sjz, entries: sjz.entries.slice(0, -1) };
  return [
    negative(
      'inclusion-proof-altered',
      'R-LED-1',
      'inclusion',
      'A served inclusion proof with its first hash replaced: the entry is not proven to be in the checkpoint',
      { checkpoint: note, entry: { ...entry, inclusionProof: badProof } },
      'INVALID_LEDGER_PROOF',
    ),
    negative(
      'entry-altered',
      'R-LED-1',
      'inclusion',
      'An entry served with a backdated integratedTime and the original proof: the recomputed leaf hash is not in the tree',
      { checkpoint: note, entry: { ...entry, integratedTime: '2026-11-20T08:00:00Z' } },
      'INVALID_LEDGER_PROOF',
    ),
    negative(
      'operation-altered',
      'R-LED-1',
      'inclusion',
      'An entry served with its operation altered (a service endpoint redirected) next to the original leafHash and proof: a resolver recomputes the leaf from the entry and never trusts the served leaf hash',
      {
        checkpoint: note,
        entry: { ...entry, operation: redirected(entry.operation as unknown as Record<string, unknown>) },
      },
      'INVALID_LEDGER_PROOF',
    ),
    negative(
      'quorum-not-met',
      'R-LED-2',
      'checkpoint',
      'A checkpoint signed by the log and cosigned by one witness: the policy quorum is 2 of 3',
      { checkpoint: fewCosigners },
      'UNTRUSTED_CHECKPOINT',
    ),
    negative(
      'log-key-unknown',
      'R-LED-2',
      'checkpoint',
      'A checkpoint with the right origin and three cosignatures of its text, but signed by a log key the policy does not name',
      { checkpoint: impostorNote },
      'UNTRUSTED_CHECKPOINT',
    ),
    negative(
      'cosignature-forged',
      'R-LED-2',
      'checkpoint',
      'A checkpoint with the log signature, a valid cosignature of witness-a and a forged one of witness-b (witness-c absent): the forged one does not count',
      { checkpoint: forged },
      'UNTRUSTED_CHECKPOINT',
    ),
    negative(
      'other-origin',
      'R-LED-2',
      'checkpoint',
      'A checkpoint of another log (origin city.ledger/test) with the policy of city.ledger/prod',
      { checkpoint: otherOrigin },
      'UNTRUSTED_CHECKPOINT',
    ),
    negative(
      'split-view-same-size',
      'R-LED-3',
      'consistency',
      'Two quorum-cosigned checkpoints of the same size with different roots (a fork at the last leaf): equivocation, kept as evidence',
      { seen: note, presented: forkNote, consistencyProof: [] },
      'INCONSISTENT_CHECKPOINT',
    ),
    negative(
      'smaller-checkpoint',
      'R-LED-6',
      'consistency',
      `The checkpoint of size ${earlierSize}, consistent with the size-${size} one accepted before (real consistency proof): an old answer replayed, or a node that fell behind, refused as a rollback`,
      { seen: note, presented: earlierNote, consistencyProof: consistencyProof(t.tree, earlierSize, size).map(base64) },
      'UNTRUSTED_CHECKPOINT',
    ),
    negative(
      'history-cut-short',
      'R-IDX-4',
      'history',
      "Shijiazhuang's proven history without its last entry, each entry included in the co-signed checkpoint, beside the true head and its index proof: the history does not end at the proven head",
      { history: cutShort },
      'INVALID_LEDGER_PROOF',
    ),
    negative(
      'split-view-larger',
      'R-LED-3',
      'consistency',
      'A larger quorum-cosigned checkpoint of a fork after leaf 5, with a consistency proof computed on the fork: it does not prove the seen checkpoint is a prefix',
      {
        seen: note,
        presented: longerNote,
        consistencyProof: consistencyProof(longerTree.tree, size, size + 1).map(base64),
      },
      'INCONSISTENT_CHECKPOINT',
    ),
  ];
}

/** A copy of an operation whose services all point at another host. */
function redirected(operation: Record<string, unknown>): Record<string, unknown> {
  const document = operation.document as { service?: Array<Record<string, unknown>> };
  const service = (document.service ?? []).map((s) => ({ ...s, serviceEndpoint: 'https://evil.example/' }));
  return { ...operation, document: { ...document, service } };
}

/** A signer key string with another key name (and the matching key ID), same seed. */
function renameSigner(signerKey: string, name: string): string {
  const material = signerKey.split('+').slice(4).join('+');
  const seed = Buffer.from(material, 'base64').subarray(1);
  const { publicKeyMultibase } = keyPairFromSecret('Ed25519', new Uint8Array(seed));
  const publicKey = new Uint8Array(Buffer.from(multikeyToJwk(publicKeyMultibase).x, 'base64url'));
  const keyId = noteKeyId(name, SIGNATURE_TYPE.ed25519, publicKey).toString(16).padStart(8, '0');
  return `PRIVATE+KEY+${name}+${keyId}+${material}`;
}

/** Replaces every witness signature but witness-a's by a corrupted copy of `witness`'s. */
function forgeCosignature(note: string, witness: string): string {
  const parsed = parseNote(note);
  const signatures = parsed.signatures
    .filter((s) => s.name === ORIGIN || s.name === 'witness-a' || s.name === witness)
    .map((s) => {
      if (s.name !== witness) return s;
      const signature = Uint8Array.from(s.signature);
      signature[signature.length - 1]! ^= 0x01;
      return { ...s, signature };
    });
  return formatNote({ text: parsed.text, signatures });
}

export async function ledgerVectors(): Promise<Vector[]> {
  const w = await world();
  const t = treeOf(w.entries);
  const note = await checkpointNote(t, w.entries.length);
  return [await worldCheckpointVector(w, t, note), ...(await ledgerNegatives(w, t, note))];
}
