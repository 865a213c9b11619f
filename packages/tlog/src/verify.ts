/**
 * Proof verification exactly as RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) spell it out.
 * verify* return a boolean for any well-typed input (proofs are untrusted data); assert* throw
 * TlogError('INVALID_PROOF'). Wrong argument types throw TypeError, negative or unsafe sizes RangeError.
 */
import { assertBytes, assertIndex, bytesEqual } from './encoding.ts';
import { TlogError } from './errors.ts';
import { HASH_SIZE, nodeHash } from './merkle.ts';

export interface InclusionCheck {
  leafIndex: number;
  treeSize: number;
  /** RFC 6962 leaf hash of the entry. */
  leafHash: Uint8Array;
  proof: readonly Uint8Array[];
  rootHash: Uint8Array;
}

export interface ConsistencyCheck {
  oldSize: number;
  newSize: number;
  oldRoot: Uint8Array;
  newRoot: Uint8Array;
  proof: readonly Uint8Array[];
}

const isOdd = (n: number): boolean => n % 2 === 1;
const half = (n: number): number => Math.floor(n / 2);

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

function checkProof(proof: readonly Uint8Array[]): boolean {
  if (!Array.isArray(proof)) throw new TypeError('proof must be an array of Uint8Array');
  for (const node of proof) assertBytes(node, 'proof node');
  return proof.every((node) => node.length === HASH_SIZE);
}

/** RFC 9162 §2.1.3.2: verifying an inclusion proof. */
export function verifyInclusion(check: InclusionCheck): boolean {
  const { leafIndex, treeSize, leafHash, proof, rootHash } = check;
  assertIndex(leafIndex, 'leafIndex');
  assertIndex(treeSize, 'treeSize');
  assertBytes(leafHash, 'leafHash');
  assertBytes(rootHash, 'rootHash');
  if (!checkProof(proof) || leafHash.length !== HASH_SIZE) return false;
  // 1. leaf_index must be below tree_size.
  if (leafIndex >= treeSize) return false;
  // 2.–3.
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  // 4.
  for (const p of proof) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // 5.
  return sn === 0 && bytesEqual(r, rootHash);
}

/**
 * RFC 9162 §2.1.4.2: verifying consistency between two tree heads. The RFC's algorithm covers
 * 0 < oldSize < newSize; as in RFC 9162 §2.1.4.1 the proof between equal sizes is empty (and the roots must
 * match), and any tree is consistent with the empty tree through an empty proof.
 */
export function verifyConsistency(check: ConsistencyCheck): boolean {
  const { oldSize, newSize, oldRoot, newRoot, proof } = check;
  assertIndex(oldSize, 'oldSize');
  assertIndex(newSize, 'newSize');
  assertBytes(oldRoot, 'oldRoot');
  assertBytes(newRoot, 'newRoot');
  if (!checkProof(proof) || oldSize > newSize) return false;
  if (oldSize === newSize) return proof.length === 0 && bytesEqual(oldRoot, newRoot);
  if (oldSize === 0) return proof.length === 0;
  // 1.
  if (proof.length === 0) return false;
  // 2. When the old tree is a complete subtree its root is the first node of the path.
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof];
  // 3.–4.
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // 5.
  let fr = path[0]!;
  let sr = path[0]!;
  // 6.
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // 7.
  return sn === 0 && bytesEqual(fr, oldRoot) && bytesEqual(sr, newRoot);
}

export function assertInclusion(check: InclusionCheck): void {
  if (!verifyInclusion(check)) {
    throw new TlogError(
      'INVALID_PROOF',
      `inclusion proof for leaf ${check.leafIndex} in tree ${check.treeSize} failed`,
    );
  }
}

export function assertConsistency(check: ConsistencyCheck): void {
  if (!verifyConsistency(check)) {
    throw new TlogError('INVALID_PROOF', `consistency proof from ${check.oldSize} to ${check.newSize} failed`);
  }
}
