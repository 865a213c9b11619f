/**
 * RFC 6962 §2.1 Merkle Tree Hash with SHA-256, and generation of inclusion (PATH, §2.1.1) and consistency
 * (PROOF/SUBPROOF, §2.1.2) proofs. RFC 9162 §2.1 restates the same tree.
 *
 * Proofs are computed from a HashReader. A store that keeps only leaf hashes works but pays O(2^level) per
 * interior node; a store that also keeps the hashes of complete subtrees (what MerkleTree keeps, and what
 * appendToFrontier hands back as `nodes`) answers every proof with O(log n) reads. For stores that read
 * asynchronously, the *Nodes functions list the complete-subtree hashes a proof will need, so they can be
 * fetched in one query and served back through readerFromNodes.
 */
import { createHash } from 'node:crypto';
import { assertBytes, assertIndex } from './encoding.ts';

/** Every hash in the tree is a SHA-256 digest. */
export const HASH_SIZE = 32;

/** A complete subtree: level 0 is leaf `index`; level l covers leaves [index·2^l, (index+1)·2^l). */
export interface NodeId {
  level: number;
  index: number;
}

export interface NodeHash extends NodeId {
  hash: Uint8Array;
}

/** Read access to a log's hashes. */
export interface HashReader {
  /** Number of leaves the reader can serve. */
  readonly size: number;
  /** RFC 6962 leaf hash (0x00 prefix) of leaf `index`. */
  leafHash(index: number): Uint8Array;
  /** Optional hash of the complete subtree at (level ≥ 1, index); without it interior nodes are recomputed. */
  nodeHash?(level: number, index: number): Uint8Array;
}

function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const part of parts) h.update(part);
  return new Uint8Array(h.digest());
}

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** RFC 6962 §2.1: MTH({d}) = SHA-256(0x00 || d). */
export function leafHash(data: Uint8Array): Uint8Array {
  assertBytes(data, 'data');
  return sha256(LEAF_PREFIX, data);
}

/** RFC 6962 §2.1: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(NODE_PREFIX, left, right);
}

/** RFC 6962 §2.1: the hash of the empty tree is SHA-256 of the empty string. */
export function emptyRoot(): Uint8Array {
  return sha256();
}

/** Largest power of two strictly smaller than n (n ≥ 2): the RFC's split point k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && splitPoint(n + 1) === n;
}

function log2(powerOfTwo: number): number {
  let level = 0;
  for (let k = powerOfTwo; k > 1; k /= 2) level++;
  return level;
}

function completeNode(reader: HashReader, level: number, index: number): Uint8Array {
  if (level === 0) return reader.leafHash(index);
  if (reader.nodeHash) return reader.nodeHash(level, index);
  return nodeHash(completeNode(reader, level - 1, 2 * index), completeNode(reader, level - 1, 2 * index + 1));
}

// MTH(D[start:end]) for end > start. Aligned power-of-two ranges are single stored nodes; otherwise split as
// the RFC does. Ranges produced by PATH and SUBPROOF are always aligned, so at most log n nodes are read.
function mth(reader: HashReader, start: number, end: number): Uint8Array {
  const n = end - start;
  if (isPowerOfTwo(n) && start % n === 0) return completeNode(reader, log2(n), start / n);
  const k = splitPoint(n);
  return nodeHash(mth(reader, start, start + k), mth(reader, start + k, end));
}

function checkSize(reader: HashReader, size: number): void {
  assertIndex(size, 'size');
  if (size > reader.size) throw new RangeError(`size ${size} exceeds the reader's ${reader.size} leaves`);
}

/** MTH(D[start:end]) of any range the reader holds; the hash of an empty range is emptyRoot(). */
export function subtreeHash(reader: HashReader, start: number, end: number): Uint8Array {
  assertIndex(start, 'start');
  checkSize(reader, end);
  if (start > end) throw new RangeError('start must not exceed end');
  return start === end ? emptyRoot() : mth(reader, start, end);
}

/** Root hash of the tree made of the first `size` leaves. */
export function treeRoot(reader: HashReader, size: number = reader.size): Uint8Array {
  return subtreeHash(reader, 0, size);
}

/** Merkle tree hash of a list of leaf hashes (not leaf data). */
export function rootFromLeafHashes(leafHashes: readonly Uint8Array[]): Uint8Array {
  return treeRoot({ size: leafHashes.length, leafHash: (i) => leafHashes[i]! });
}

// RFC 6962 §2.1.1 PATH(m, D[lo:hi]), with m absolute.
function path(reader: HashReader, m: number, lo: number, hi: number, out: Uint8Array[]): void {
  if (hi - lo === 1) return;
  const k = splitPoint(hi - lo);
  if (m < lo + k) {
    path(reader, m, lo, lo + k, out);
    out.push(mth(reader, lo + k, hi));
  } else {
    path(reader, m, lo + k, hi, out);
    out.push(mth(reader, lo, lo + k));
  }
}

/** RFC 6962 §2.1.1 audit path for leaf `index` in the tree of `size` leaves, leaf-side first. */
export function inclusionProof(reader: HashReader, index: number, size: number = reader.size): Uint8Array[] {
  checkSize(reader, size);
  assertIndex(index, 'index');
  if (index >= size) throw new RangeError(`index ${index} is not below size ${size}`);
  const out: Uint8Array[] = [];
  path(reader, index, 0, size, out);
  return out;
}

// RFC 6962 §2.1.2 SUBPROOF(m, D[lo:hi], b), with m absolute (lo < m ≤ hi).
function subproof(reader: HashReader, m: number, lo: number, hi: number, b: boolean, out: Uint8Array[]): void {
  if (m === hi) {
    if (!b) out.push(mth(reader, lo, hi));
    return;
  }
  const k = splitPoint(hi - lo);
  if (m <= lo + k) {
    subproof(reader, m, lo, lo + k, b, out);
    out.push(mth(reader, lo + k, hi));
  } else {
    subproof(reader, m, lo + k, hi, false, out);
    out.push(mth(reader, lo, lo + k));
  }
}

/** RFC 6962 §2.1.2 PROOF(oldSize, D[newSize]); empty when oldSize is 0 or equals newSize. */
export function consistencyProof(reader: HashReader, oldSize: number, newSize: number = reader.size): Uint8Array[] {
  checkSize(reader, newSize);
  assertIndex(oldSize, 'oldSize');
  if (oldSize > newSize) throw new RangeError(`oldSize ${oldSize} exceeds newSize ${newSize}`);
  const out: Uint8Array[] = [];
  if (oldSize > 0 && oldSize < newSize) subproof(reader, oldSize, 0, newSize, true, out);
  return out;
}

// Runs a proof computation against a reader that only records which nodes it is asked for.
function recordNodes(size: number, run: (reader: HashReader) => unknown): NodeId[] {
  const nodes: NodeId[] = [];
  const placeholder = new Uint8Array(HASH_SIZE);
  const record = (level: number, index: number): Uint8Array => {
    nodes.push({ level, index });
    return placeholder;
  };
  run({ size, leafHash: (index) => record(0, index), nodeHash: record });
  return nodes;
}

/** The complete subtrees whose hashes treeRoot(reader, size) reads: also the tree's right-edge frontier. */
export function rootNodes(size: number): NodeId[] {
  return recordNodes(size, (r) => size > 0 && treeRoot(r, size));
}

/** The complete subtrees whose hashes inclusionProof(reader, index, size) reads. */
export function inclusionProofNodes(index: number, size: number): NodeId[] {
  return recordNodes(size, (r) => inclusionProof(r, index, size));
}

/** The complete subtrees whose hashes consistencyProof(reader, oldSize, newSize) reads. */
export function consistencyProofNodes(oldSize: number, newSize: number): NodeId[] {
  return recordNodes(newSize, (r) => consistencyProof(r, oldSize, newSize));
}

/** A HashReader over node hashes fetched ahead of time (e.g. those listed by consistencyProofNodes). */
export function readerFromNodes(size: number, nodes: Iterable<NodeHash>): HashReader {
  assertIndex(size, 'size');
  const map = new Map<string, Uint8Array>();
  for (const n of nodes) map.set(`${n.level}/${n.index}`, n.hash);
  const get = (level: number, index: number): Uint8Array => {
    const hash = map.get(`${level}/${index}`);
    if (!hash) throw new RangeError(`node ${level}/${index} was not provided`);
    return hash;
  };
  return { size, leafHash: (index) => get(0, index), nodeHash: get };
}
