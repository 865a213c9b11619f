/**
 * The DID index (spec §7.9): a prefix tree (tlog's PrefixTree) mapping each DID to its head, the position of its
 * latest operation in the log. Every checkpoint commits the index root of its tree size in an extension line, so
 * a resolver can prove "this is the DID's latest operation as of this checkpoint" and "this DID has no operation
 * in the log" with a proof of O(log n) hashes.
 *
 *     key    SHA-256(UTF-8 DID)
 *     value  SHA-256(uint64be(seq) || uint64be(leaf index) || UTF-8 operation hash)
 *
 * @example
 * const index = DidIndex.empty().apply([{ did, seq: 0, index: 0, operationHash }]);
 * const { head, indexProof } = index.prove(did);
 * verifyIndexHead({ did, head, indexProof, root: index.root() }); // the head, checked
 */
import { hash } from 'node:crypto';
import { type Checkpoint, EMPTY_PREFIX_ROOT, type PrefixProof, PrefixTree, verifyPrefixProof } from '@did-city/tlog';
import { DidCityError } from './errors.ts';
import { sha256 } from './hash.ts';
import { decodeHash } from './ledger-proofs.ts';

/** A DID's latest operation: its seq, its leaf index in the log and its operation hash. */
export interface IndexHead {
  seq: number;
  index: number;
  operationHash: string;
}

/** An index proof as the ledger serves it (base64 hashes). */
export interface ServedIndexProof {
  /** Sibling hashes along the DID's path, root first. */
  siblings: string[];
  /** For a proof of absence: the leaf the path ends in, when it is another DID's (key and value, base64). */
  otherLeaf?: { key: string; value: string };
}

/** The extension line's keyword: `did-city-index/v1 <base64 root>`. */
export const INDEX_EXTENSION = 'did-city-index/v1';

const encoder = new TextEncoder();
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

export function didIndexKey(did: string): Uint8Array {
  return sha256(encoder.encode(did));
}

export function indexHeadValue(head: IndexHead): Uint8Array {
  const op = encoder.encode(head.operationHash);
  const bytes = new Uint8Array(16 + op.length);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(head.seq));
  view.setBigUint64(8, BigInt(head.index));
  bytes.set(op, 16);
  return sha256(bytes);
}

// didIndexKey and indexHeadValue as 32-character one-byte strings ('binary' is node's name for latin1).
function keyText(did: string): string {
  return hash('sha256', did, 'binary');
}

let valueScratch = new Uint8Array(16 + 128);

function valueText(head: IndexHead): string {
  const { seq, index, operationHash } = head;
  if (!(Number.isSafeInteger(seq) && seq >= 0 && Number.isSafeInteger(index) && index >= 0)) {
    throw new RangeError('seq and index are non-negative safe integers');
  }
  if (valueScratch.length < 16 + 3 * operationHash.length) valueScratch = new Uint8Array(16 + 3 * operationHash.length);
  const view = new DataView(valueScratch.buffer);
  // uint64be of a safe integer as two 32-bit halves (no BigInt per entry).
  view.setUint32(0, Math.floor(seq / 2 ** 32));
  view.setUint32(4, seq >>> 0);
  view.setUint32(8, Math.floor(index / 2 ** 32));
  view.setUint32(12, index >>> 0);
  const { written } = encoder.encodeInto(operationHash, valueScratch.subarray(16));
  return hash('sha256', valueScratch.subarray(0, 16 + written), 'binary');
}

/** The checkpoint extension line committing `root`. */
export function formatIndexExtension(root: Uint8Array): string {
  return `${INDEX_EXTENSION} ${b64(root)}`;
}

/**
 * The index root a checkpoint commits, undefined when it has no index line. Throws INVALID_LEDGER_PROOF for a
 * malformed line or more than one.
 */
export function indexRootOf(checkpoint: Checkpoint): Uint8Array | undefined {
  const lines = checkpoint.extensions.filter((line) => line.split(' ')[0] === INDEX_EXTENSION);
  if (lines.length > 1) throw new DidCityError('INVALID_LEDGER_PROOF', 'the checkpoint has more than one index line');
  if (lines.length === 0) return undefined;
  const root = decodeHash(lines[0]!.slice(INDEX_EXTENSION.length + 1));
  if (root === undefined || lines[0] !== formatIndexExtension(root)) {
    throw new DidCityError(
      'INVALID_LEDGER_PROOF',
      'the checkpoint index line is not "did-city-index/v1 <base64 root>"',
    );
  }
  return root;
}

/** The index over a log: persistent, so the tree of each size can be kept at the cost of the changed paths. */
export class DidIndex {
  readonly #tree: PrefixTree<IndexHead & { did: string }>;

  private constructor(tree: PrefixTree<IndexHead & { did: string }>) {
    this.#tree = tree;
  }

  static empty(): DidIndex {
    return new DidIndex(PrefixTree.empty());
  }

  /** The index after log entries (in log order; a DID's later entry replaces its earlier one). */
  apply(heads: Iterable<IndexHead & { did: string }>): DidIndex {
    // Keys and values as one-byte text (PrefixTree.setText): the same bytes as didIndexKey and indexHeadValue,
    // without a byte array per digest (a ledger applies every appended entry).
    const entries = [...heads].map(
      (h) =>
        [
          keyText(h.did),
          valueText(h),
          { did: h.did, seq: h.seq, index: h.index, operationHash: h.operationHash },
        ] as const,
    );
    return entries.length === 0 ? this : new DidIndex(this.#tree.setText(entries));
  }

  /** Number of DIDs. */
  get size(): number {
    return this.#tree.size;
  }

  root(): Uint8Array {
    return this.#tree.root();
  }

  head(did: string): IndexHead | undefined {
    const data = this.#tree.data(didIndexKey(did));
    return data && { seq: data.seq, index: data.index, operationHash: data.operationHash };
  }

  /** Every DID's head, in key order. */
  *heads(): Generator<IndexHead & { did: string }> {
    for (const [, , data] of this.#tree.entries()) if (data !== undefined) yield data;
  }

  /** The head of `did` (null when absent) and the proof of it against `root()`. */
  prove(did: string): { head: IndexHead | null; indexProof: ServedIndexProof } {
    return { head: this.head(did) ?? null, indexProof: encodeIndexProof(this.#tree.prove(didIndexKey(did)), did) };
  }
}

function encodeIndexProof(proof: PrefixProof, did: string): ServedIndexProof {
  const served: ServedIndexProof = { siblings: proof.siblings.map(b64) };
  const key = didIndexKey(did);
  if (proof.leaf !== undefined && Buffer.compare(proof.leaf.key, key) !== 0) {
    served.otherLeaf = { key: b64(proof.leaf.key), value: b64(proof.leaf.value) };
  }
  return served;
}

function invalid(detail: string): DidCityError {
  return new DidCityError('INVALID_LEDGER_PROOF', detail);
}

function readHead(value: unknown): IndexHead | null {
  if (value === null) return null;
  const { seq, index, operationHash } = (typeof value === 'object' && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  const count = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  if (!count(seq) || !count(index) || typeof operationHash !== 'string' || operationHash.length > 128) {
    throw invalid('the served head is not {seq, index, operationHash}');
  }
  return { seq: seq as number, index: index as number, operationHash };
}

function readProof(value: unknown): PrefixProof {
  const { siblings, otherLeaf } = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (!Array.isArray(siblings) || siblings.length > 256)
    throw invalid('the index proof has no list of at most 256 siblings');
  const hash = (text: unknown) => {
    const bytes = decodeHash(text);
    if (bytes === undefined) throw invalid('an index proof hash is not base64 of 32 bytes');
    return bytes;
  };
  const proof: PrefixProof = { siblings: siblings.map(hash) };
  if (otherLeaf !== undefined) {
    const { key, value: leafValue } = (typeof otherLeaf === 'object' && otherLeaf !== null ? otherLeaf : {}) as Record<
      string,
      unknown
    >;
    proof.leaf = { key: hash(key), value: hash(leafValue) };
  }
  return proof;
}

/**
 * Verifies a served head and index proof for `did` against an index root: the head's leaf (or, for a null head,
 * the DID's absence) must lead to the root. Returns the head, or null for a proven absence; throws
 * INVALID_LEDGER_PROOF otherwise.
 */
export function verifyIndexHead(input: {
  did: string;
  head: unknown;
  indexProof: unknown;
  root: Uint8Array;
}): IndexHead | null {
  const head = readHead(input.head);
  const proof = readProof(input.indexProof);
  const key = didIndexKey(input.did);
  if (head !== null) {
    if (proof.leaf !== undefined) throw invalid('an inclusion proof carries no other leaf');
    proof.leaf = { key, value: indexHeadValue(head) };
  } else if (proof.leaf !== undefined && Buffer.compare(proof.leaf.key, key) === 0) {
    throw invalid('a proof of absence names the DID own leaf');
  }
  const result = verifyPrefixProof({ root: input.root, key, proof });
  if (!result.ok) throw invalid(`the index proof of ${input.did.slice(0, 200)} does not verify: ${result.reason}`);
  return head;
}

export { EMPTY_PREFIX_ROOT as EMPTY_INDEX_ROOT };
