/**
 * Tree hashes a networked store keeps in memory so that proofs and roots need few rows from the database. Every
 * stored node is the hash of a complete subtree, which never changes once the log holds it, so a cached hash is
 * never stale; whether a tree size is stored at all is the store's check (postgres.ts), not the cache's.
 *
 * - Upper levels (level ≥ 8: one node per 256 leaves and fewer above), every one ever read or appended, in one
 *   dense buffer per level: 32 bytes and one bit per node. A log of n entries has fewer than n/128 of them, so
 *   this part is bounded by the log: at most n/4 bytes of hashes (twice that while a buffer grows), 2.5 MB at
 *   10 million entries. They are shared by every proof and root, and they are the hashes of the level-1 and
 *   level-2 tiles of tlog-tiles.
 * - Lower levels (0 to 7), the nodes a proof needs inside its 256-leaf block, which differ from entry to entry:
 *   at most `maxLower` nodes read or appended, in one slab of `maxLower` × 32 bytes plus 9 bytes a slot and a Map
 *   of as many numbers. When it is full, a node not asked for since the clock hand last passed it is replaced
 *   (CLOCK, the usual approximation of least recently used; a Map used as an LRU list degrades to a scan per
 *   eviction), so nodes that many proofs share stay while those of one-off proofs come and go.
 *   A writer's latest batches are here, so the receipt of a fresh entry needs none.
 */
import type { NodeHash, NodeId } from '@did-city/tlog';

/** The lowest level kept in full. */
export const UPPER_LEVEL = 8;
const HASH = 32;
/** Lower nodes are keyed index · 8 + level, exact below 2^53: beyond this index (no real log) they are not kept. */
const MAX_LOWER_INDEX = 2 ** 49;

export class TreeCache {
  readonly #maxLower: number;
  /** Level (≥ UPPER_LEVEL) → hashes by node index, and a bit per node index telling which are present. */
  readonly #upper: Array<{ hashes: Uint8Array; present: Uint8Array } | undefined> = [];
  /**
   * Key of a lower node (index · 8 + level) → its slot: hash in #slab, key in #keys, and in #used whether it was
   * asked for since the hand last passed (a node only kept is not: one read once and never again goes first).
   */
  readonly #lower = new Map<number, number>();
  readonly #slab: Uint8Array;
  readonly #keys: Float64Array;
  readonly #used: Uint8Array;
  /** The clock hand: the next slot considered for replacement. */
  #hand = 0;

  constructor(maxLower: number) {
    if (!Number.isSafeInteger(maxLower) || maxLower < 0) throw new RangeError('the lower-level cache size must be a whole number ≥ 0');
    this.#maxLower = maxLower;
    this.#slab = new Uint8Array(maxLower * HASH);
    this.#keys = new Float64Array(maxLower);
    this.#used = new Uint8Array(maxLower);
  }

  /** A copy of the hash of `id` if it is kept. */
  get(id: NodeId): Uint8Array | undefined {
    const hash = this.#find(id.level, id.index);
    return hash === undefined ? undefined : hash.slice();
  }

  /** Keeps nodes just read from or written to the log (hashes of complete subtrees it holds). */
  keep(nodes: Iterable<NodeHash>): void {
    for (const node of nodes) {
      if (node.hash.length !== HASH) throw new RangeError(`tree node ${node.level}/${node.index} is not a 32-byte hash`);
      if (node.level >= UPPER_LEVEL) this.#keepUpper(node);
      else this.#keepLower(node);
    }
  }

  /** `count` consecutive upper-level hashes from `start` (copies), if all are kept. */
  run(level: number, start: number, count: number): Uint8Array[] | undefined {
    if (level < UPPER_LEVEL) return undefined;
    const hashes: Uint8Array[] = [];
    for (let i = start; i < start + count; i++) {
      const hash = this.#find(level, i);
      if (hash === undefined) return undefined;
      hashes.push(hash.slice());
    }
    return hashes;
  }

  /** What the cache holds: upper-level nodes, lower-level nodes, and the bytes of its buffers. */
  get stats(): { upper: number; lower: number; bytes: number } {
    let upper = 0;
    let bytes = this.#slab.byteLength + this.#keys.byteLength + this.#used.byteLength;
    for (const level of this.#upper) {
      if (level === undefined) continue;
      bytes += level.hashes.byteLength + level.present.byteLength;
      for (const byte of level.present) upper += popcount(byte);
    }
    return { upper, lower: this.#lower.size, bytes };
  }

  #find(level: number, index: number): Uint8Array | undefined {
    if (level >= UPPER_LEVEL) {
      const kept = this.#upper[level];
      if (kept === undefined || index >= kept.present.length * 8 || !(kept.present[index >> 3]! & (1 << (index & 7)))) return undefined;
      return kept.hashes.subarray(index * HASH, index * HASH + HASH);
    }
    if (index >= MAX_LOWER_INDEX) return undefined;
    const key = index * UPPER_LEVEL + level;
    const slot = this.#lower.get(key);
    if (slot === undefined) return undefined;
    this.#used[slot] = 1;
    return this.#slab.subarray(slot * HASH, slot * HASH + HASH);
  }

  #keepUpper({ level, index, hash }: NodeHash): void {
    let kept = this.#upper[level];
    if (kept === undefined || index >= kept.present.length * 8) {
      // Grow to twice what is needed, so a log growing one node at a time copies each buffer O(log n) times.
      const nodes = Math.max(64, 2 ** Math.ceil(Math.log2(index + 1)));
      const grown = { hashes: new Uint8Array(nodes * HASH), present: new Uint8Array(nodes / 8) };
      if (kept !== undefined) {
        grown.hashes.set(kept.hashes);
        grown.present.set(kept.present);
      }
      kept = grown;
      this.#upper[level] = kept;
    }
    kept.hashes.set(hash, index * HASH);
    kept.present[index >> 3]! |= 1 << (index & 7);
  }

  #keepLower({ level, index, hash }: NodeHash): void {
    if (this.#maxLower === 0 || index >= MAX_LOWER_INDEX) return;
    const key = index * UPPER_LEVEL + level;
    let slot = this.#lower.get(key);
    if (slot === undefined) {
      if (this.#lower.size < this.#maxLower) slot = this.#lower.size;
      else {
        // Every slot passed over loses its mark; after one turn at most, an unmarked one is found.
        while (this.#used[this.#hand] === 1) {
          this.#used[this.#hand] = 0;
          this.#hand = (this.#hand + 1) % this.#maxLower;
        }
        slot = this.#hand;
        this.#hand = (this.#hand + 1) % this.#maxLower;
        this.#lower.delete(this.#keys[slot]!);
      }
      this.#keys[slot] = key;
      this.#lower.set(key, slot);
    }
    this.#slab.set(hash, slot * HASH);
  }
}

function popcount(byte: number): number {
  let n = 0;
  for (let b = byte; b !== 0; b &= b - 1) n++;
  return n;
}
