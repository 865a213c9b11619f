/**
 * A verifiable map from 32-byte keys to 32-byte values: a binary prefix tree (as in CONIKS, AKD and the IETF
 * keytrans prefix tree) whose leaves sit at the shallowest depth at which their key's bit prefix is unique. The
 * root commits to the whole map; a proof for a key is the sibling hashes along its path, root first, plus the
 * node the path ends in: the key's own leaf (inclusion), another key's leaf that shares the prefix, or an empty
 * subtree (both non-inclusion). With uniformly distributed keys (SHA-256 outputs) the path is log2(n) + O(1)
 * nodes long, so proofs and updates cost O(log n).
 *
 *     empty subtree   32 zero bytes (no hash input gives it)
 *     leaf            SHA-256(0x02 || key || value)
 *     inner node      SHA-256(0x03 || left || right)
 *
 * The prefixes differ from RFC 6962's 0x00/0x01, so no node of one structure passes for a node of the other.
 * Trees are persistent: `set` returns a new tree sharing every untouched node with the old one, so a ledger can
 * keep the tree of each checkpoint it still serves at the cost of the changed paths only. Hashes are computed
 * lazily, once per node, on the first `root()` or `prove()` that needs them.
 */
import { createHash, hash } from 'node:crypto';
import { assertBytes, bytesEqual } from './encoding.ts';

export const PREFIX_KEY_SIZE = 32;
/** Keys are 256 bits, so no path is longer than this. */
export const MAX_PREFIX_DEPTH = 256;
/** The hash of an empty subtree, and the root of the empty map. */
export const EMPTY_PREFIX_ROOT: Uint8Array = new Uint8Array(32);

const LEAF = 0x02;
const INNER = 0x03;

/*
 * Inside the tree, every 32-byte key, value and hash is a string of 32 one-byte characters (latin1: character i is
 * byte i), not a Uint8Array. A DID index holds millions of leaves, and a ledger keeps it in memory: a short string
 * is one small object on the JS heap, where a Uint8Array is a view, an ArrayBuffer and (for a hash from node:crypto)
 * memory outside the heap, three to four objects the garbage collector traces on every full collection. Strings
 * compare in byte order (their code units are the bytes), so key order and equality are `<` and `===`. Bytes go in
 * and out only at the API: `set`, `get`, `entries`, `root` and `prove`.
 */
const EMPTY = '\0'.repeat(32);

function toText(bytes: Uint8Array): string {
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

function toBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

// Classes with every field set in the constructor keep one hidden class per node kind (adding `hash` later or
// spreading `data` in would make the hot paths polymorphic).
class Leaf {
  readonly key: string;
  readonly value: string;
  /** What the caller keeps beside the value (not hashed), e.g. the record the value commits to. */
  readonly data: unknown;
  hash: string | undefined = undefined;

  constructor(key: string, value: string, data: unknown) {
    this.key = key;
    this.value = value;
    this.data = data;
  }
}

class Inner {
  readonly left: Node | undefined;
  readonly right: Node | undefined;
  hash: string | undefined = undefined;

  constructor(left: Node | undefined, right: Node | undefined) {
    this.left = left;
    this.right = right;
  }
}

type Node = Leaf | Inner;

/** A proof for one key against one root. */
export interface PrefixProof {
  /** Hashes of the siblings along the key's path, root first: `siblings[d]` is the sibling at depth d + 1. */
  siblings: Uint8Array[];
  /** The leaf the path ends in (the key's own, or one whose key shares the path's prefix); absent when empty. */
  leaf?: { key: Uint8Array; value: Uint8Array };
}

// Every node hash is SHA-256 of one prefix byte and two 32-byte parts. One scratch buffer holds that input (hashing
// is synchronous), and the one-shot crypto.hash avoids a Hash object per node.
const scratch = new Uint8Array(1 + 2 * 32);

function hash65(prefix: number, a: Uint8Array, b: Uint8Array): Uint8Array {
  scratch[0] = prefix;
  scratch.set(a, 1);
  scratch.set(b, 33);
  const digest = hash('sha256', scratch, 'buffer');
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}

/** hash65 on the tree's 32-character strings, giving one (the digest comes back as latin1 text). */
function hashText(prefix: number, a: string, b: string): string {
  scratch[0] = prefix;
  for (let i = 0; i < 32; i++) {
    scratch[1 + i] = a.charCodeAt(i);
    scratch[33 + i] = b.charCodeAt(i);
  }
  return hash('sha256', scratch, 'binary'); // 'binary' is Node's name for latin1
}

/** The exported hashes take any lengths, as they always did; only 32-byte parts fit the scratch buffer. */
function nodeHash(prefix: number, a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 32 && b.length === 32) return hash65(prefix, a, b);
  return new Uint8Array(createHash('sha256').update(Uint8Array.of(prefix)).update(a).update(b).digest());
}

/** SHA-256(0x02 || key || value). */
export function prefixLeafHash(key: Uint8Array, value: Uint8Array): Uint8Array {
  return nodeHash(LEAF, key, value);
}

/** SHA-256(0x03 || left || right). */
export function prefixNodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return nodeHash(INNER, left, right);
}

/** Bit `depth` of `key`, most significant bit of byte 0 first. */
export function keyBit(key: Uint8Array, depth: number): 0 | 1 {
  return ((key[depth >> 3]! >> (7 - (depth & 7))) & 1) as 0 | 1;
}

/** keyBit of a key held as text. */
function bitOf(key: string, depth: number): 0 | 1 {
  return ((key.charCodeAt(depth >> 3) >> (7 - (depth & 7))) & 1) as 0 | 1;
}

function isLeaf(node: Node): node is Leaf {
  return node instanceof Leaf;
}

function hashOf(node: Node | undefined): string {
  if (node === undefined) return EMPTY;
  if (node.hash === undefined) {
    node.hash = isLeaf(node)
      ? hashText(LEAF, node.key, node.value)
      : hashText(INNER, hashOf(node.left), hashOf(node.right));
  }
  return node.hash;
}

function checkPair(key: Uint8Array, value: Uint8Array): void {
  assertBytes(key, 'key');
  assertBytes(value, 'value');
  if (key.length !== PREFIX_KEY_SIZE || value.length !== PREFIX_KEY_SIZE)
    throw new RangeError('keys and values are 32 bytes');
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The leaves to set, sorted by key, one per key: the last given. Array sort is stable, so equal keys stay in the
 * order given and the last of each run wins (no per-entry string key).
 */
function sortedLeaves<T>(entries: Iterable<PrefixEntry<T>>): Leaf[] {
  const all: Leaf[] = [];
  for (const [key, value, data] of entries) {
    checkPair(key, value);
    // Copies (as text), so a caller reusing its buffers cannot change the tree.
    all.push(new Leaf(toText(key), toText(value), data));
  }
  return uniqueSorted(all);
}

/** Sorted by key (stable), the last leaf of each key kept. */
function uniqueSorted(all: Leaf[]): Leaf[] {
  all.sort((a, b) => compareKeys(a.key, b.key));
  return all.filter((leaf, i) => i + 1 === all.length || leaf.key !== all[i + 1]!.key);
}

function isKeyText(text: unknown): text is string {
  if (typeof text !== 'string' || text.length !== PREFIX_KEY_SIZE) return false;
  for (let i = 0; i < PREFIX_KEY_SIZE; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

/**
 * The first index in lo..hi of sorted `leaves` whose key has bit `depth` set. The keys there share their first
 * `depth` bits, so that bit is 0 for a prefix of the range and 1 after it: a binary search finds the cut.
 */
function splitAt(leaves: readonly Leaf[], lo: number, hi: number, depth: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bitOf(leaves[mid]!.key, depth) === 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The subtree holding exactly leaves lo..hi (sorted, distinct keys, all sharing the first `depth` bits). */
function build(leaves: readonly Leaf[], lo: number, hi: number, depth: number): Node | undefined {
  if (hi - lo <= 1) return lo < hi ? leaves[lo] : undefined;
  const cut = splitAt(leaves, lo, hi, depth);
  return new Inner(build(leaves, lo, cut, depth + 1), build(leaves, cut, hi, depth + 1));
}

/** Counts the keys a `set` adds (as opposed to replaces) while it walks the tree. */
interface Added {
  count: number;
}

/**
 * `node` with leaves lo..hi (sorted, distinct keys under this node's prefix) set; untouched subtrees are shared.
 * Ranges of one array stand for the leaves under each node, so no level copies them.
 */
function put(
  node: Node | undefined,
  leaves: readonly Leaf[],
  lo: number,
  hi: number,
  depth: number,
  added: Added,
): Node | undefined {
  if (lo === hi) return node;
  if (node === undefined) {
    added.count += hi - lo;
    return build(leaves, lo, hi, depth);
  }
  if (isLeaf(node)) return putAtLeaf(node, leaves.slice(lo, hi), depth, added);
  const cut = splitAt(leaves, lo, hi, depth);
  return new Inner(
    put(node.left, leaves, lo, cut, depth + 1, added),
    put(node.right, leaves, cut, hi, depth + 1, added),
  );
}

/** The subtree replacing leaf `node` once `leaves` (sorted, sharing its prefix) are set. */
function putAtLeaf(node: Leaf, leaves: Leaf[], depth: number, added: Added): Node | undefined {
  const replaced = leaves.some((leaf) => leaf.key === node.key);
  added.count += replaced ? leaves.length - 1 : leaves.length;
  const all = replaced ? leaves : [...leaves, node].sort((a, b) => compareKeys(a.key, b.key));
  return build(all, 0, all.length, depth);
}

/** One entry to set: key, value and optional unhashed data kept with it. */
export type PrefixEntry<T> = readonly [key: Uint8Array, value: Uint8Array, data?: T];

/** A PrefixEntry whose key and value are 32-character one-byte strings (see `PrefixTree.setText`). */
export type PrefixTextEntry<T> = readonly [key: string, value: string, data?: T];

/** An immutable verifiable map; `T` is the type of the unhashed data a leaf may carry. */
export class PrefixTree<T = never> {
  readonly #root: Node | undefined;
  /** Number of keys. */
  readonly size: number;

  private constructor(root: Node | undefined, size: number) {
    this.#root = root;
    this.size = size;
  }

  static empty<T = never>(): PrefixTree<T> {
    return new PrefixTree<T>(undefined, 0);
  }

  /** A tree holding `entries`; a key given twice keeps its last value. */
  static from<T = never>(entries: Iterable<PrefixEntry<T>>): PrefixTree<T> {
    return PrefixTree.empty<T>().set(entries);
  }

  /** A new tree with each key set to its value (the last one if a key repeats); this tree is unchanged. */
  set(entries: Iterable<PrefixEntry<T>>): PrefixTree<T> {
    return this.#put(sortedLeaves(entries));
  }

  /**
   * `set` with each key and value given as a 32-character one-byte string (character i is byte i: what
   * node:crypto's `hash(algorithm, data, 'binary')` returns). A caller that hashes its keys and values (a DID index
   * appending thousands of heads) skips a byte array per key and per value, and the digest is cheaper to make.
   */
  setText(entries: Iterable<PrefixTextEntry<T>>): PrefixTree<T> {
    const all: Leaf[] = [];
    for (const [key, value, data] of entries) {
      if (!isKeyText(key) || !isKeyText(value)) throw new RangeError('keys and values are 32 one-byte characters');
      all.push(new Leaf(key, value, data));
    }
    return this.#put(uniqueSorted(all));
  }

  #put(leaves: Leaf[]): PrefixTree<T> {
    if (leaves.length === 0) return this;
    const added: Added = { count: 0 };
    const root = put(this.#root, leaves, 0, leaves.length, 0, added);
    return new PrefixTree<T>(root, this.size + added.count);
  }

  /** The value of `key`, or undefined. */
  get(key: Uint8Array): Uint8Array | undefined {
    const leaf = this.#leaf(key);
    return leaf && toBytes(leaf.value);
  }

  /** The data kept with `key`'s value, or undefined. */
  data(key: Uint8Array): T | undefined {
    return this.#leaf(key)?.data as T | undefined;
  }

  #leaf(key: Uint8Array): Leaf | undefined {
    if (!(key instanceof Uint8Array) || key.length !== PREFIX_KEY_SIZE) return undefined;
    const text = toText(key);
    let node = this.#root;
    for (let depth = 0; node !== undefined && !isLeaf(node); depth++) {
      node = bitOf(text, depth) === 0 ? node.left : node.right;
    }
    return node !== undefined && node.key === text ? node : undefined;
  }

  /** Every leaf's key, value and data, in key order. */
  *entries(): Generator<PrefixEntry<T>> {
    const stack: (Node | undefined)[] = [this.#root];
    while (stack.length > 0) {
      const node = stack.pop();
      if (node === undefined) continue;
      if (isLeaf(node)) yield [toBytes(node.key), toBytes(node.value), node.data as T];
      else stack.push(node.right, node.left);
    }
  }

  root(): Uint8Array {
    return toBytes(hashOf(this.#root));
  }

  /** The proof of `key`'s value, or of its absence, against `root()`. */
  prove(key: Uint8Array): PrefixProof {
    assertBytes(key, 'key');
    if (key.length !== PREFIX_KEY_SIZE) throw new RangeError('keys are 32 bytes');
    const siblings: Uint8Array[] = [];
    let node = this.#root;
    for (let depth = 0; node !== undefined && !isLeaf(node); depth++) {
      const right = keyBit(key, depth) === 1;
      siblings.push(toBytes(hashOf(right ? node.left : node.right)));
      node = right ? node.right : node.left;
    }
    return node === undefined
      ? { siblings }
      : { siblings, leaf: { key: toBytes(node.key), value: toBytes(node.value) } };
  }
}

/** What a verified proof says about a key: its value, or undefined for a proven absence. */
export type PrefixProofResult = { ok: true; value: Uint8Array | undefined } | { ok: false; reason: string };

function sharesPrefix(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  for (let depth = 0; depth < bits; depth++) if (keyBit(a, depth) !== keyBit(b, depth)) return false;
  return true;
}

function wellFormed(proof: PrefixProof): string | undefined {
  const { siblings, leaf } = proof;
  if (!Array.isArray(siblings) || siblings.length > MAX_PREFIX_DEPTH) return 'the path is longer than 256 nodes';
  if (siblings.some((s) => !(s instanceof Uint8Array) || s.length !== 32)) return 'a sibling is not a 32-byte hash';
  if (leaf === undefined) return undefined;
  const sized = (b: unknown) => b instanceof Uint8Array && b.length === PREFIX_KEY_SIZE;
  return sized(leaf.key) && sized(leaf.value) ? undefined : 'the leaf is not a 32-byte key and value';
}

/**
 * Verifies a proof for `key` against `root`. A leaf with another key proves absence only if it shares the whole
 * path's prefix with `key` (a canonical tree holds one key per such prefix); an empty end node proves absence.
 */
export function verifyPrefixProof(input: { root: Uint8Array; key: Uint8Array; proof: PrefixProof }): PrefixProofResult {
  const { root, key, proof } = input;
  if (!(key instanceof Uint8Array) || key.length !== PREFIX_KEY_SIZE)
    return { ok: false, reason: 'the key is not 32 bytes' };
  const malformed = wellFormed(proof);
  if (malformed !== undefined) return { ok: false, reason: malformed };
  const depth = proof.siblings.length;
  const { leaf } = proof;
  const own = leaf !== undefined && bytesEqual(leaf.key, key);
  if (leaf !== undefined && !own && !sharesPrefix(leaf.key, key, depth)) {
    return { ok: false, reason: 'the end leaf does not lie on the key path' };
  }
  let hash = leaf === undefined ? EMPTY_PREFIX_ROOT : prefixLeafHash(leaf.key, leaf.value);
  for (let d = depth - 1; d >= 0; d--) {
    const sibling = proof.siblings[d]!;
    hash = keyBit(key, d) === 1 ? prefixNodeHash(sibling, hash) : prefixNodeHash(hash, sibling);
  }
  if (!bytesEqual(hash, root)) return { ok: false, reason: 'the proof does not lead to the root' };
  return { ok: true, value: own ? leaf.value : undefined };
}
