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

/** A proof for one key against one root. */
export interface PrefixProof {
  /** Hashes of the siblings along the key's path, root first: `siblings[d]` is the sibling at depth d + 1. */
  siblings: Uint8Array[];
  /** The leaf the path ends in (the key's own, or one whose key shares the path's prefix); absent when empty. */
  leaf?: { key: Uint8Array; value: Uint8Array };
}

/*
 * Nodes live in typed arrays (pools), not one JS object each. A DID index holds millions of leaves and a ledger
 * keeps it in memory: as objects (a node plus its key, value and hash) every full garbage collection traced all of
 * them, and each update's new path was promoted to the old generation only to become garbage at the next update.
 * In the pools a node is a number, `ref`: 0 for an empty subtree, i > 0 for inner node i, -i for leaf i. Inner node
 * i has its children at left[i] and right[i] and its hash at bytes 32i..32i+31 of the inner pool's `hashes`; leaf i
 * has its key and value at bytes 64i..64i+63 of `pairs` and its hash in the leaf pool's `hashes`. Only the data a
 * caller keeps with a leaf (`data[i]`) is a JS value.
 *
 * Versions share pools: `set` appends the nodes of the changed paths and never rewrites a node another version can
 * reach, except to fill in its hash (computed once, lazily: the same bytes whichever version computes it). Nodes
 * no version needs any more are not freed one by one: once a pool holds more than GARBAGE_FACTOR times the nodes
 * the new version reaches, that version is copied into a fresh pool (compaction), and the old pool lives on for as
 * long as an older version still uses it (the JS garbage collector frees it, one object, with the last one).
 */
const EMPTY_HASH = new Uint8Array(32);

const FIRST_CAPACITY = 16;
const GARBAGE_FACTOR = 2;
/** Nodes a pool may hold beyond GARBAGE_FACTOR times the live ones (small trees compact rarely, never empty). */
const SLACK = 64;

function grown<A extends Int32Array | Uint8Array>(array: A, length: number): A {
  const next = new (array.constructor as new (length: number) => A)(length);
  next.set(array);
  return next;
}

function nextCapacity(capacity: number): number {
  return capacity < 1 << 20 ? capacity * 2 : Math.ceil(capacity * 1.5);
}

/** Inner nodes: children and hashes. Node 0 is never used (ref 0 is the empty subtree). */
class InnerPool {
  left: Int32Array;
  right: Int32Array;
  /** Node i's hash as 8 words at 8i.. (copied word by word) and, over the same memory, as bytes at 32i.. */
  words: Int32Array;
  hashes: Uint8Array;
  /** 1 once node i's hash is computed. */
  hashed: Uint8Array;
  used = 1;

  constructor(capacity: number) {
    this.left = new Int32Array(capacity);
    this.right = new Int32Array(capacity);
    this.words = new Int32Array(capacity * 8);
    this.hashes = new Uint8Array(this.words.buffer);
    this.hashed = new Uint8Array(capacity);
  }

  add(left: number, right: number): number {
    const id = this.used;
    if (id === this.left.length) {
      const capacity = nextCapacity(id);
      this.left = grown(this.left, capacity);
      this.right = grown(this.right, capacity);
      this.words = grown(this.words, capacity * 8);
      this.hashes = new Uint8Array(this.words.buffer);
      this.hashed = grown(this.hashed, capacity);
    }
    this.left[id] = left;
    this.right[id] = right;
    this.used = id + 1;
    return id;
  }
}

/** Leaves: key and value bytes, hashes and the caller's data. Leaf 0 is never used. */
class LeafPool {
  /** Leaf i's key and value as 16 words at 16i.. and, over the same memory, as bytes at 64i.. */
  pairWords: Int32Array;
  pairs: Uint8Array;
  /** Leaf i's hash, as the inner pool keeps them. */
  words: Int32Array;
  hashes: Uint8Array;
  hashed: Uint8Array;
  readonly data: unknown[] = [undefined];
  used = 1;

  constructor(capacity: number) {
    this.pairWords = new Int32Array(capacity * 16);
    this.pairs = new Uint8Array(this.pairWords.buffer);
    this.words = new Int32Array(capacity * 8);
    this.hashes = new Uint8Array(this.words.buffer);
    this.hashed = new Uint8Array(capacity);
  }

  #next(): number {
    const id = this.used;
    if (id === this.hashed.length) {
      const capacity = nextCapacity(id);
      this.pairWords = grown(this.pairWords, capacity * 16);
      this.pairs = new Uint8Array(this.pairWords.buffer);
      this.words = grown(this.words, capacity * 8);
      this.hashes = new Uint8Array(this.words.buffer);
      this.hashed = grown(this.hashed, capacity);
    }
    this.used = id + 1;
    return id;
  }

  /** A new leaf of key and value given as 32-character one-byte strings. */
  add(key: string, value: string, data: unknown): number {
    const id = this.#next();
    const pairs = this.pairs;
    const at = id * 64;
    for (let i = 0; i < 32; i++) {
      pairs[at + i] = key.charCodeAt(i);
      pairs[at + 32 + i] = value.charCodeAt(i);
    }
    this.data.push(data);
    return id;
  }

  /** A copy of leaf `id` of `from` (its hash too, if computed). */
  copy(from: LeafPool, id: number): number {
    const to = this.#next();
    copyWords(from.pairWords, id * 16, this.pairWords, to * 16, 16);
    if (from.hashed[id] === 1) {
      copyWords(from.words, id * 8, this.words, to * 8, 8);
      this.hashed[to] = 1;
    }
    this.data.push(from.data[id]);
    return to;
  }

  /** Leaf `id`'s key as a 32-character one-byte string. */
  keyText(id: number): string {
    const at = id * 64;
    return String.fromCharCode.apply(null, this.pairs.subarray(at, at + 32) as unknown as number[]);
  }
}

function copyWords(from: Int32Array, fromAt: number, to: Int32Array, toAt: number, length: number): void {
  for (let i = 0; i < length; i++) to[toAt + i] = from[fromAt + i]!;
}

/** The pools one version's nodes live in. */
class Pools {
  readonly inner: InnerPool;
  readonly leaves: LeafPool;

  constructor(inner: InnerPool, leaves: LeafPool) {
    this.inner = inner;
    this.leaves = leaves;
  }
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

/** Writes a digest given as 32 one-byte characters (node:crypto's 'binary' output) into `to` at `at`. */
function writeDigest(to: Uint8Array, at: number, digest: string): void {
  for (let i = 0; i < 32; i++) to[at + i] = digest.charCodeAt(i);
}

/*
 * The input of a node hash inside the tree: the prefix byte at byte 3 of a 68-byte buffer, so that the two 32-byte
 * parts after it start on word boundaries (words 1..8 and 9..16) and are copied from the pools a word at a time.
 */
const input = new ArrayBuffer(68);
const inputBytes = new Uint8Array(input);
const inputWords = new Int32Array(input);
const nodeInput = inputBytes.subarray(3);

/** Puts the hash of `ref` (already computed) into the node input at word `at` (1: left part, 9: right part). */
function hashToInput(pools: Pools, ref: number, at: number): void {
  if (ref === 0) inputWords.fill(0, at, at + 8);
  else if (ref > 0) copyWords(pools.inner.words, ref * 8, inputWords, at, 8);
  else copyWords(pools.leaves.words, -ref * 8, inputWords, at, 8);
}

/**
 * Computes the hash of `ref` and of every node below it that has none yet. Only the nodes a `set` added since the
 * last root lack one, so a root after a batch hashes each changed node once (a path prefix shared by several keys
 * included) and nothing else.
 */
function ensureHashed(pools: Pools, ref: number): void {
  if (ref > 0) {
    const inner = pools.inner;
    if (inner.hashed[ref] === 1) return;
    const left = inner.left[ref]!;
    const right = inner.right[ref]!;
    ensureHashed(pools, left);
    ensureHashed(pools, right);
    inputBytes[3] = INNER;
    hashToInput(pools, left, 1);
    hashToInput(pools, right, 9);
    writeDigest(inner.hashes, ref * 32, hash('sha256', nodeInput, 'binary')); // 'binary' is Node's name for latin1
    inner.hashed[ref] = 1;
  } else if (ref < 0) {
    const leaves = pools.leaves;
    const id = -ref;
    if (leaves.hashed[id] === 1) return;
    inputBytes[3] = LEAF;
    copyWords(leaves.pairWords, id * 16, inputWords, 1, 16);
    writeDigest(leaves.hashes, id * 32, hash('sha256', nodeInput, 'binary'));
    leaves.hashed[id] = 1;
  }
}

/** The hash of `ref` as a new byte array. */
function hashBytes(pools: Pools | undefined, ref: number): Uint8Array {
  if (pools === undefined || ref === 0) return new Uint8Array(EMPTY_HASH);
  ensureHashed(pools, ref);
  return ref > 0
    ? pools.inner.hashes.slice(ref * 32, ref * 32 + 32)
    : pools.leaves.hashes.slice(-ref * 32, -ref * 32 + 32);
}

function checkPair(key: Uint8Array, value: Uint8Array): void {
  assertBytes(key, 'key');
  assertBytes(value, 'value');
  if (key.length !== PREFIX_KEY_SIZE || value.length !== PREFIX_KEY_SIZE)
    throw new RangeError('keys and values are 32 bytes');
}

function toText(bytes: Uint8Array): string {
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

/** One key to set (its key and value as one-byte text), or, inside `put`, a leaf already in the pool (`leaf`). */
class Item {
  readonly key: string;
  readonly value: string;
  readonly data: unknown;
  readonly leaf: number;

  constructor(key: string, value: string, data: unknown, leaf: number) {
    this.key = key;
    this.value = value;
    this.data = data;
    this.leaf = leaf;
  }
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Sorted by key, one per key: the last given. Array sort is stable, so equal keys stay in the order given and the
 * last of each run wins (no per-entry string key).
 */
function uniqueSorted(all: Item[]): Item[] {
  all.sort((a, b) => compareKeys(a.key, b.key));
  return all.filter((item, i) => i + 1 === all.length || item.key !== all[i + 1]!.key);
}

function isKeyText(text: unknown): text is string {
  if (typeof text !== 'string' || text.length !== PREFIX_KEY_SIZE) return false;
  for (let i = 0; i < PREFIX_KEY_SIZE; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

/**
 * The first index in lo..hi of sorted `items` whose key has bit `depth` set. The keys there share their first
 * `depth` bits, so that bit is 0 for a prefix of the range and 1 after it: a binary search finds the cut.
 */
function splitAt(items: readonly Item[], lo: number, hi: number, depth: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bitOf(items[mid]!.key, depth) === 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** One `set` in progress: where its nodes go, and what it adds (keys, and inner nodes a version reaches). */
class Writer {
  readonly pools: Pools;
  added = 0;
  inners = 0;

  constructor(pools: Pools) {
    this.pools = pools;
  }

  leaf(item: Item): number {
    return -(item.leaf !== 0 ? item.leaf : this.pools.leaves.add(item.key, item.value, item.data));
  }

  /** The subtree holding exactly items lo..hi (sorted, distinct keys, all sharing the first `depth` bits). */
  build(items: readonly Item[], lo: number, hi: number, depth: number): number {
    if (hi - lo <= 1) return lo < hi ? this.leaf(items[lo]!) : 0;
    const cut = splitAt(items, lo, hi, depth);
    const left = this.build(items, lo, cut, depth + 1);
    const right = this.build(items, cut, hi, depth + 1);
    this.inners++;
    return this.pools.inner.add(left, right);
  }

  /**
   * `ref` with items lo..hi (sorted, distinct keys under this node's prefix) set; untouched subtrees are shared.
   * Ranges of one array stand for the items under each node, so no level copies them.
   */
  put(ref: number, items: readonly Item[], lo: number, hi: number, depth: number): number {
    if (lo === hi) return ref;
    if (ref === 0) {
      this.added += hi - lo;
      return this.build(items, lo, hi, depth);
    }
    if (ref < 0) return this.putAtLeaf(-ref, items.slice(lo, hi), depth);
    const cut = splitAt(items, lo, hi, depth);
    // A node replaced by its copy: the number of inner nodes the new version reaches does not change.
    const left = this.put(this.pools.inner.left[ref]!, items, lo, cut, depth + 1);
    const right = this.put(this.pools.inner.right[ref]!, items, cut, hi, depth + 1);
    return this.pools.inner.add(left, right);
  }

  /** The subtree replacing leaf `id` once `items` (sorted, sharing its prefix) are set. */
  putAtLeaf(id: number, items: Item[], depth: number): number {
    if (items.length === 1) return this.putOneAtLeaf(id, items[0]!, depth);
    const key = this.pools.leaves.keyText(id);
    const replaced = items.some((item) => item.key === key);
    this.added += replaced ? items.length - 1 : items.length;
    const all = replaced
      ? items
      : [...items, new Item(key, '', undefined, id)].sort((a, b) => compareKeys(a.key, b.key));
    return this.build(all, 0, all.length, depth);
  }

  /**
   * putAtLeaf of one item (the common case: a new key whose path ends in another key's leaf), without a key
   * string for the leaf or a sort: what `build` makes of the two, a chain of inner nodes down to the first bit in
   * which the keys differ and the two leaves under it (or the item's leaf alone when it has the leaf's key).
   */
  putOneAtLeaf(id: number, item: Item, depth: number): number {
    const pairs = this.pools.leaves.pairs;
    const at = id * 64;
    let differs = -1;
    for (let byte = depth >> 3; byte < PREFIX_KEY_SIZE; byte++) {
      // Bits before `depth` are the path's, the same in both keys; masked off in the first byte compared.
      let x = item.key.charCodeAt(byte) ^ pairs[at + byte]!;
      if (byte === depth >> 3) x &= 0xff >> (depth & 7);
      if (x !== 0) {
        differs = byte * 8 + Math.clz32(x) - 24;
        break;
      }
    }
    if (differs < 0) return this.leaf(item);
    this.added++;
    const inner = this.pools.inner;
    const leaf = this.leaf(item);
    let node = bitOf(item.key, differs) === 0 ? inner.add(leaf, -id) : inner.add(-id, leaf);
    for (let d = differs - 1; d >= depth; d--)
      node = bitOf(item.key, d) === 0 ? inner.add(node, 0) : inner.add(0, node);
    this.inners += differs - depth + 1;
    return node;
  }
}

/** `ref` of `from` copied into `to`, leaves too when `leaves` (else they stay in the leaf pool both share). */
function copyTree(from: Pools, ref: number, to: Pools, leaves: boolean): number {
  if (ref === 0) return 0;
  if (ref < 0) return leaves ? -to.leaves.copy(from.leaves, -ref) : ref;
  const left = copyTree(from, from.inner.left[ref]!, to, leaves);
  const right = copyTree(from, from.inner.right[ref]!, to, leaves);
  const id = to.inner.add(left, right);
  if (from.inner.hashed[ref] === 1) {
    copyWords(from.inner.words, ref * 8, to.inner.words, id * 8, 8);
    to.inner.hashed[id] = 1;
  }
  return id;
}

/** One entry to set: key, value and optional unhashed data kept with it. */
export type PrefixEntry<T> = readonly [key: Uint8Array, value: Uint8Array, data?: T];

/** A PrefixEntry whose key and value are 32-character one-byte strings (see `PrefixTree.setText`). */
export type PrefixTextEntry<T> = readonly [key: string, value: string, data?: T];

/** An immutable verifiable map; `T` is the type of the unhashed data a leaf may carry. */
export class PrefixTree<T = never> {
  /** Undefined only for a tree no `set` made (the empty tree). */
  readonly #pools: Pools | undefined;
  readonly #root: number;
  /** Inner nodes this version reaches. */
  readonly #inners: number;
  /** Number of keys. */
  readonly size: number;

  private constructor(pools: Pools | undefined, root: number, size: number, inners: number) {
    this.#pools = pools;
    this.#root = root;
    this.size = size;
    this.#inners = inners;
  }

  static empty<T = never>(): PrefixTree<T> {
    return new PrefixTree<T>(undefined, 0, 0, 0);
  }

  /** A tree holding `entries`; a key given twice keeps its last value. */
  static from<T = never>(entries: Iterable<PrefixEntry<T>>): PrefixTree<T> {
    return PrefixTree.empty<T>().set(entries);
  }

  /** A new tree with each key set to its value (the last one if a key repeats); this tree is unchanged. */
  set(entries: Iterable<PrefixEntry<T>>): PrefixTree<T> {
    const all: Item[] = [];
    for (const [key, value, data] of entries) {
      checkPair(key, value);
      // Copies (as text, then into the pool), so a caller reusing its buffers cannot change the tree.
      all.push(new Item(toText(key), toText(value), data, 0));
    }
    return this.#put(uniqueSorted(all));
  }

  /**
   * `set` with each key and value given as a 32-character one-byte string (character i is byte i: what
   * node:crypto's `hash(algorithm, data, 'binary')` returns). A caller that hashes its keys and values (a DID index
   * appending thousands of heads) skips a byte array per key and per value, and the digest is cheaper to make.
   */
  setText(entries: Iterable<PrefixTextEntry<T>>): PrefixTree<T> {
    const all: Item[] = [];
    for (const [key, value, data] of entries) {
      if (!isKeyText(key) || !isKeyText(value)) throw new RangeError('keys and values are 32 one-byte characters');
      all.push(new Item(key, value, data, 0));
    }
    return this.#put(uniqueSorted(all));
  }

  #put(items: Item[]): PrefixTree<T> {
    if (items.length === 0) return this;
    const pools = this.#pools ?? new Pools(new InnerPool(FIRST_CAPACITY), new LeafPool(FIRST_CAPACITY));
    const writer = new Writer(pools);
    const root = writer.put(this.#root, items, 0, items.length, 0);
    const size = this.size + writer.added;
    const inners = this.#inners + writer.inners;
    const leafGarbage = pools.leaves.used - 1 > GARBAGE_FACTOR * size + SLACK;
    if (!leafGarbage && pools.inner.used - 1 <= GARBAGE_FACTOR * inners + SLACK) {
      return new PrefixTree<T>(pools, root, size, inners);
    }
    // Compaction: the new version alone in fresh pools (leaves stay where they are unless they are mostly garbage).
    // Room for GARBAGE_FACTOR times the live nodes and more, so the next compaction comes before a pool must grow.
    const capacity = (live: number) => (GARBAGE_FACTOR + 1) * live + SLACK + 1;
    const fresh = new Pools(new InnerPool(capacity(inners)), leafGarbage ? new LeafPool(capacity(size)) : pools.leaves);
    return new PrefixTree<T>(fresh, copyTree(pools, root, fresh, leafGarbage), size, inners);
  }

  /** The value of `key`, or undefined. */
  get(key: Uint8Array): Uint8Array | undefined {
    const id = this.#leaf(key);
    return id === 0 ? undefined : this.#pools!.leaves.pairs.slice(id * 64 + 32, id * 64 + 64);
  }

  /** The data kept with `key`'s value, or undefined. */
  data(key: Uint8Array): T | undefined {
    const id = this.#leaf(key);
    return id === 0 ? undefined : (this.#pools!.leaves.data[id] as T | undefined);
  }

  /** The leaf of `key`, or 0. */
  #leaf(key: Uint8Array): number {
    const pools = this.#pools;
    if (pools === undefined || !(key instanceof Uint8Array) || key.length !== PREFIX_KEY_SIZE) return 0;
    let ref = this.#root;
    for (let depth = 0; ref > 0; depth++)
      ref = keyBit(key, depth) === 0 ? pools.inner.left[ref]! : pools.inner.right[ref]!;
    if (ref === 0) return 0;
    const pairs = pools.leaves.pairs;
    const at = -ref * 64;
    for (let i = 0; i < 32; i++) if (pairs[at + i] !== key[i]) return 0;
    return -ref;
  }

  /** Every leaf's key, value and data, in key order. */
  *entries(): Generator<PrefixEntry<T>> {
    const pools = this.#pools;
    if (pools === undefined) return;
    const stack: number[] = [this.#root];
    while (stack.length > 0) {
      const ref = stack.pop()!;
      if (ref === 0) continue;
      if (ref > 0) {
        stack.push(pools.inner.right[ref]!, pools.inner.left[ref]!);
        continue;
      }
      const { pairs, data } = pools.leaves;
      const at = -ref * 64;
      yield [pairs.slice(at, at + 32), pairs.slice(at + 32, at + 64), data[-ref] as T];
    }
  }

  root(): Uint8Array {
    return hashBytes(this.#pools, this.#root);
  }

  /** The proof of `key`'s value, or of its absence, against `root()`. */
  prove(key: Uint8Array): PrefixProof {
    assertBytes(key, 'key');
    if (key.length !== PREFIX_KEY_SIZE) throw new RangeError('keys are 32 bytes');
    const pools = this.#pools;
    const siblings: Uint8Array[] = [];
    if (pools === undefined) return { siblings };
    let ref = this.#root;
    for (let depth = 0; ref > 0; depth++) {
      const right = keyBit(key, depth) === 1;
      siblings.push(hashBytes(pools, right ? pools.inner.left[ref]! : pools.inner.right[ref]!));
      ref = right ? pools.inner.right[ref]! : pools.inner.left[ref]!;
    }
    if (ref === 0) return { siblings };
    const at = -ref * 64;
    const pairs = pools.leaves.pairs;
    return { siblings, leaf: { key: pairs.slice(at, at + 32), value: pairs.slice(at + 32, at + 64) } };
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
