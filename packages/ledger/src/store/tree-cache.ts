/**
 * Tree hashes a networked store keeps in memory so that proofs and roots need few rows from the database, or none.
 * Every stored node is the hash of a complete subtree, which never changes once the log holds it, so a cached hash
 * is never stale; whether a tree size is stored at all is the store's check (postgres.ts), not the cache's.
 *
 * - Dense levels: one buffer per level, 32 bytes and a bit per node index, filled as nodes are read or appended.
 *   Levels 8 and above (one node per 256 leaves and fewer above, which every proof and root shares, and the hashes
 *   of tlog-tiles above level 0) are always dense: fewer than n/128 nodes for n entries, at most n/4 bytes (twice
 *   that while a buffer grows), 2.5 MB at 10 million entries. Levels below 8 are dense too while their buffers
 *   fit `denseBytes`; when the log outgrows that, the lowest dense level is dropped (64 MiB: every level up to
 *   about half a million entries, levels 4 and up at 10 million). A writer keeps what it appends, so within that
 *   bound its proofs read nothing.
 * - Below the dense levels, at most `clockNodes` nodes, in one slab of 32 bytes plus 9 a slot and a Map of as many
 *   numbers. When it is full, a node not asked for since the clock hand last passed it is replaced (CLOCK, the
 *   usual approximation of least recently used; a Map used as an LRU list degrades to a scan per eviction), so
 *   nodes that many proofs share stay while those of one-off proofs come and go.
 */
import type { NodeHash, NodeId } from '@did-city/tlog';

/** The lowest level always kept in full. */
export const UPPER_LEVEL = 8;
const HASH = 32;
/** Clock nodes are keyed index · 8 + level, exact below 2^53: beyond this index (no real log) they are not kept. */
const MAX_CLOCK_INDEX = 2 ** 49;

export interface TreeCacheLimits {
  /** Bytes of the dense buffers of levels below 8 (levels 8 and up are not counted: they are bounded by the log). */
  denseBytes: number;
  /** Nodes kept below the dense levels. */
  clockNodes: number;
}

interface DenseLevel {
  hashes: Uint8Array;
  present: Uint8Array;
}

export class TreeCache {
  readonly #limits: TreeCacheLimits;
  /** Level → its dense buffer; levels below #denseFrom have none. */
  readonly #dense: Array<DenseLevel | undefined> = [];
  /** The lowest dense level: 0 until the buffers below level 8 outgrow `denseBytes`. */
  #denseFrom = 0;
  /**
   * Key of a clock node (index · 8 + level) → its slot: hash in #slab, key in #keys, and in #used whether it was
   * asked for since the hand last passed (a node only kept is not: one read once and never again goes first).
   */
  readonly #clock = new Map<number, number>();
  readonly #slab: Uint8Array;
  readonly #keys: Float64Array;
  readonly #used: Uint8Array;
  /** The clock hand: the next slot considered for replacement. */
  #hand = 0;

  constructor(limits: TreeCacheLimits) {
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isSafeInteger(value) || value < 0)
        throw new RangeError(`tree cache ${name} must be a whole number ≥ 0`);
    }
    this.#limits = { ...limits };
    if (limits.denseBytes === 0) this.#denseFrom = UPPER_LEVEL;
    this.#slab = new Uint8Array(limits.clockNodes * HASH);
    this.#keys = new Float64Array(limits.clockNodes);
    this.#used = new Uint8Array(limits.clockNodes);
  }

  /** A copy of the hash of `id` if it is kept. */
  get(id: NodeId): Uint8Array | undefined {
    const hash = this.#find(id.level, id.index);
    return hash === undefined ? undefined : hash.slice();
  }

  /** Keeps nodes just read from or written to the log (hashes of complete subtrees it holds). */
  keep(nodes: Iterable<NodeHash>): void {
    for (const node of nodes) {
      if (node.hash.length !== HASH)
        throw new RangeError(`tree node ${node.level}/${node.index} is not a 32-byte hash`);
      if (node.level >= this.#denseFrom) this.#keepDense(node);
      else this.#keepClock(node);
    }
  }

  /** `count` consecutive hashes of a dense level from `start` (copies), if all are kept. */
  run(level: number, start: number, count: number): Uint8Array[] | undefined {
    if (level < this.#denseFrom) return undefined;
    const hashes: Uint8Array[] = [];
    for (let i = start; i < start + count; i++) {
      const hash = this.#find(level, i);
      if (hash === undefined) return undefined;
      hashes.push(hash.slice());
    }
    return hashes;
  }

  /** What the cache holds: nodes in dense levels, nodes in the clock, its buffers' bytes, the lowest dense level. */
  get stats(): { dense: number; clock: number; bytes: number; denseFrom: number } {
    let dense = 0;
    let bytes = this.#slab.byteLength + this.#keys.byteLength + this.#used.byteLength;
    for (const level of this.#dense) {
      if (level === undefined) continue;
      bytes += level.hashes.byteLength + level.present.byteLength;
      for (const byte of level.present) dense += popcount(byte);
    }
    return { dense, clock: this.#clock.size, bytes, denseFrom: this.#denseFrom };
  }

  #find(level: number, index: number): Uint8Array | undefined {
    if (level >= this.#denseFrom) {
      const kept = this.#dense[level];
      if (kept === undefined || index >= kept.present.length * 8 || !(kept.present[index >> 3]! & (1 << (index & 7))))
        return undefined;
      return kept.hashes.subarray(index * HASH, index * HASH + HASH);
    }
    if (index >= MAX_CLOCK_INDEX) return undefined;
    const slot = this.#clock.get(index * UPPER_LEVEL + level);
    if (slot === undefined) return undefined;
    this.#used[slot] = 1;
    return this.#slab.subarray(slot * HASH, slot * HASH + HASH);
  }

  #keepDense({ level, index, hash }: NodeHash): void {
    let kept = this.#dense[level];
    if (kept === undefined || index >= kept.present.length * 8) {
      // Grow to twice what is needed, so a log growing one node at a time copies each buffer O(log n) times.
      const nodes = Math.max(64, 2 ** Math.ceil(Math.log2(index + 1)));
      const grown = { hashes: new Uint8Array(nodes * HASH), present: new Uint8Array(nodes / 8) };
      if (kept !== undefined) {
        grown.hashes.set(kept.hashes);
        grown.present.set(kept.present);
      }
      kept = grown;
      this.#dense[level] = kept;
      if (level < UPPER_LEVEL && this.#shrinkDense()) {
        this.keep([{ level, index, hash }]); // to the clock if its own level was dropped
        return;
      }
    }
    kept.hashes.set(hash, index * HASH);
    kept.present[index >> 3]! |= 1 << (index & 7);
  }

  /** Drops the lowest dense levels while those below 8 exceed `denseBytes`; whether any was dropped. */
  #shrinkDense(): boolean {
    const bytesBelow = () =>
      this.#dense
        .slice(0, UPPER_LEVEL)
        .reduce((sum, level) => sum + (level ? level.hashes.byteLength + level.present.byteLength : 0), 0);
    let dropped = false;
    while (this.#denseFrom < UPPER_LEVEL && bytesBelow() > this.#limits.denseBytes) {
      this.#dense[this.#denseFrom] = undefined;
      this.#denseFrom++;
      dropped = true;
    }
    return dropped;
  }

  #keepClock({ level, index, hash }: NodeHash): void {
    const max = this.#limits.clockNodes;
    if (max === 0 || index >= MAX_CLOCK_INDEX) return;
    const key = index * UPPER_LEVEL + level;
    let slot = this.#clock.get(key);
    if (slot === undefined) {
      if (this.#clock.size < max) slot = this.#clock.size;
      else {
        // Every slot passed over loses its mark; after one turn at most, an unmarked one is found.
        while (this.#used[this.#hand] === 1) {
          this.#used[this.#hand] = 0;
          this.#hand = (this.#hand + 1) % max;
        }
        slot = this.#hand;
        this.#hand = (this.#hand + 1) % max;
        this.#clock.delete(this.#keys[slot]!);
      }
      this.#keys[slot] = key;
      this.#clock.set(key, slot);
    }
    this.#slab.set(hash, slot * HASH);
  }
}

function popcount(byte: number): number {
  let n = 0;
  for (let b = byte; b !== 0; b &= b - 1) n++;
  return n;
}
