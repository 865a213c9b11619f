/**
 * The right-edge frontier (a compact range [0, size)): the hashes of the maximal complete subtrees of a tree,
 * one per set bit of its size. It is all a sequencer needs to append a batch and compute the new root
 * without reading any earlier leaf, and appending reports every complete subtree it creates so a store can
 * persist them and later serve proofs in O(log n) reads.
 */
import { assertBytes, assertIndex } from './encoding.ts';
import { emptyRoot, HASH_SIZE, type HashReader, type NodeHash, nodeHash, rootNodes, subtreeHash } from './merkle.ts';

export interface Frontier {
  /** Number of leaves in the tree. */
  readonly size: number;
  /** Complete-subtree hashes, largest (leftmost) first. */
  readonly hashes: readonly Uint8Array[];
}

function popcount(n: number): number {
  let count = 0;
  for (let x = n; x > 0; x = Math.floor(x / 2)) count += x % 2;
  return count;
}

function checkFrontier(frontier: Frontier): void {
  assertIndex(frontier.size, 'frontier.size');
  if (frontier.hashes.length !== popcount(frontier.size)) {
    throw new RangeError('frontier must hold one hash per set bit of its size');
  }
}

export function emptyFrontier(): Frontier {
  return { size: 0, hashes: [] };
}

/**
 * Appends leaf hashes to a frontier. Returns the new frontier and the nodes created on the way: every leaf
 * (level 0) and every complete subtree that the batch completed, in creation order.
 */
export function appendToFrontier(
  frontier: Frontier,
  leafHashes: Iterable<Uint8Array>,
): { frontier: Frontier; nodes: NodeHash[] } {
  checkFrontier(frontier);
  const stack = [...frontier.hashes];
  const nodes: NodeHash[] = [];
  let size = frontier.size;
  for (const leaf of leafHashes) {
    assertBytes(leaf, 'leaf hash');
    if (leaf.length !== HASH_SIZE) throw new RangeError('leaf hash must be 32 bytes');
    let hash = leaf;
    let index = size;
    let level = 0;
    nodes.push({ level, index, hash });
    // Each trailing 1 bit of the old size is a complete subtree that the new leaf's subtree now pairs with.
    for (let bits = size; bits % 2 === 1; bits = Math.floor(bits / 2)) {
      hash = nodeHash(stack.pop()!, hash);
      index = Math.floor(index / 2);
      level++;
      nodes.push({ level, index, hash });
    }
    stack.push(hash);
    size++;
  }
  if (!Number.isSafeInteger(size)) throw new RangeError('tree size overflow');
  return { frontier: { size, hashes: stack }, nodes };
}

/** Root hash of the tree the frontier describes. */
export function frontierRoot(frontier: Frontier): Uint8Array {
  checkFrontier(frontier);
  const hashes = frontier.hashes;
  if (hashes.length === 0) return emptyRoot();
  let root = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) root = nodeHash(hashes[i]!, root);
  return root;
}

/** Reads the frontier of the first `size` leaves (log n node reads with a node-storing reader). */
export function frontierFromReader(reader: HashReader, size: number = reader.size): Frontier {
  assertIndex(size, 'size');
  if (size > reader.size) throw new RangeError(`size ${size} exceeds the reader's ${reader.size} leaves`);
  const hashes = rootNodes(size).map(({ level, index }) => {
    const width = 2 ** level;
    return subtreeHash(reader, index * width, (index + 1) * width);
  });
  return { size, hashes };
}
