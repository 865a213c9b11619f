/**
 * An in-memory Merkle tree that keeps the hash of every complete subtree, level by level. Appending is O(1)
 * amortised (O(log n) worst case) and roots and proofs for any earlier size read O(log n) stored nodes.
 */
import { assertBytes, assertIndex } from './encoding.ts';
import { type Frontier, frontierFromReader } from './frontier.ts';
import { consistencyProof, HASH_SIZE, type HashReader, inclusionProof, nodeHash, treeRoot } from './merkle.ts';

export class MerkleTree implements HashReader {
  // #levels[l][i] is the hash of the complete subtree covering leaves [i·2^l, (i+1)·2^l).
  readonly #levels: Uint8Array[][] = [[]];

  /** Builds a tree from leaf hashes (RFC 6962 leaf hashes, not leaf data). */
  static fromLeafHashes(leafHashes: Iterable<Uint8Array>): MerkleTree {
    const tree = new MerkleTree();
    for (const hash of leafHashes) tree.append(hash);
    return tree;
  }

  get size(): number {
    return this.#levels[0]!.length;
  }

  /** Appends a leaf hash and returns its index. */
  append(leafHash: Uint8Array): number {
    assertBytes(leafHash, 'leafHash');
    if (leafHash.length !== HASH_SIZE) throw new RangeError('leafHash must be 32 bytes');
    const index = this.size;
    this.#levels[0]!.push(leafHash);
    // An odd index closes a pair at this level, which may in turn close a pair one level up.
    for (let level = 0, i = index; i % 2 === 1; level++, i = (i - 1) / 2) {
      const row = this.#levels[level]!;
      const parent = nodeHash(row[i - 1]!, row[i]!);
      if (this.#levels.length === level + 1) this.#levels.push([]);
      this.#levels[level + 1]!.push(parent);
    }
    return index;
  }

  leafHash(index: number): Uint8Array {
    return this.nodeHash(0, index);
  }

  nodeHash(level: number, index: number): Uint8Array {
    assertIndex(level, 'level');
    assertIndex(index, 'index');
    const hash = this.#levels[level]?.[index];
    if (!hash) throw new RangeError(`no complete subtree at level ${level}, index ${index}`);
    return hash;
  }

  /** Root hash of the first `size` leaves (default: all). */
  root(size: number = this.size): Uint8Array {
    return treeRoot(this, size);
  }

  inclusionProof(index: number, size: number = this.size): Uint8Array[] {
    return inclusionProof(this, index, size);
  }

  consistencyProof(oldSize: number, newSize: number = this.size): Uint8Array[] {
    return consistencyProof(this, oldSize, newSize);
  }

  frontier(size: number = this.size): Frontier {
    return frontierFromReader(this, size);
  }
}
