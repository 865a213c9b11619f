/**
 * Tree reads both SQL stores answer the same way: proofs for any size computed from the O(log n) stored
 * complete-subtree hashes they need, read through the store's own `readNodes`.
 */
import {
  consistencyProof,
  consistencyProofNodes,
  inclusionProof,
  inclusionProofNodes,
  type NodeHash,
  type NodeId,
  readerFromNodes,
} from '@did-city/tlog';

export type NodeReader = (ids: readonly NodeId[]) => Promise<NodeHash[]> | NodeHash[];

/** Throws RangeError unless `size` is a tree size of a log holding `stored` entries. */
export function checkTreeSize(size: number, stored: number): void {
  if (!Number.isSafeInteger(size) || size < 0 || size > stored) {
    throw new RangeError(`tree size ${size} is outside the stored log (0..${stored})`);
  }
}

export async function storedInclusionProof(read: NodeReader, index: number, size: number): Promise<Uint8Array[]> {
  const reader = readerFromNodes(size, await read(inclusionProofNodes(index, size)));
  return inclusionProof(reader, index, size);
}

export async function storedConsistencyProof(
  read: NodeReader,
  oldSize: number,
  newSize: number,
): Promise<Uint8Array[]> {
  const reader = readerFromNodes(newSize, await read(consistencyProofNodes(oldSize, newSize)));
  return consistencyProof(reader, oldSize, newSize);
}
