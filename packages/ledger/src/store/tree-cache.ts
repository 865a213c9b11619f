/**
 * Tree hashes a networked store keeps in memory so that proofs cost no round trip once warm. Every stored node
 * is the hash of a complete subtree, which never changes once the log holds it, so nothing here is ever stale:
 *
 * - the upper levels (level ≥ 8, one node per 256 leaves and fewer above), every one ever read or appended, kept
 *   without bound (at 10 million entries about 78,000 hashes);
 * - complete blocks of 256 leaves (the tiles of tlog-tiles, height 8): their 256 leaf hashes read in one range
 *   and the 255 nodes of levels 1 to 7 inside them computed here, in one 16 KiB buffer per block, least recently
 *   used dropped beyond a bound. A block is complete when the tree size asked about covers all its leaves.
 *
 * - nodes of levels 1 to 7 in the incomplete last block (the right edge of a tree whose size is not a multiple of
 *   256: every proof at that size needs some), the last EDGE_NODES read, least recently used dropped.
 *
 * A request is answered from memory, and whatever is missing is read in one query. The integrity check never reads through this cache: it compares the database.
 */
import { type NodeHash, type NodeId, nodeHash } from '@did-city/tlog';

/** Levels per block: 256 leaves. */
export const BLOCK_HEIGHT = 8;
export const BLOCK_LEAVES = 1 << BLOCK_HEIGHT;
/** Hashes of levels 0 to 7 in one block: 256 + 128 + … + 2. */
const BLOCK_HASHES = 2 * BLOCK_LEAVES - 2;
/** Right-edge nodes kept: at most 8 per tree size, so this covers the sizes of many recent checkpoints. */
const EDGE_NODES = 4096;

/** What the cache reads when it misses: the leaf hashes of whole blocks, and single nodes, in one round trip. */
export type MissReader = (blocks: readonly number[], nodes: readonly NodeId[]) => Promise<{ leaves: Map<number, Uint8Array[]>; nodes: NodeHash[] }>;

export class TreeCache {
  readonly #read: MissReader;
  readonly #maxBlocks: number;
  /** Block index → hashes of levels 0..7, level L at offset (2·256 − 2·256 >> L) hashes; Map order is LRU order. */
  readonly #blocks = new Map<number, Uint8Array>();
  /** Level ≥ 8 → node index → hash. */
  readonly #upper = new Map<number, Map<number, Uint8Array>>();
  /** `level/index` → hash of a node below level 8 in a block not yet complete; Map order is LRU order. */
  readonly #edges = new Map<string, Uint8Array>();

  constructor(read: MissReader, maxBlocks: number) {
    this.#read = read;
    this.#maxBlocks = maxBlocks;
  }

  /** Nodes just appended (only the upper levels are kept; blocks are read when first asked for). */
  added(nodes: readonly NodeHash[]): void {
    for (const node of nodes) if (node.level >= BLOCK_HEIGHT) this.#keep(node);
  }

  /** The hashes of `ids`, all inside a tree of `size` leaves, in the order asked. */
  async nodes(ids: readonly NodeId[], size: number): Promise<NodeHash[]> {
    const found: Array<Uint8Array | undefined> = ids.map((id) => this.#cached(id, size));
    const missing = ids.filter((_, i) => found[i] === undefined);
    if (missing.length > 0) {
      const blocks = new Set<number>();
      const single: NodeId[] = [];
      for (const id of missing) {
        const block = blockOf(id);
        if (id.level < BLOCK_HEIGHT && (block + 1) * BLOCK_LEAVES <= size) blocks.add(block);
        else single.push(id);
      }
      const read = await this.#read([...blocks], single);
      const fresh = new Map([...read.leaves].map(([block, leaves]) => [block, this.#addBlock(block, leaves)]));
      for (const node of read.nodes) this.#keep(node);
      const direct = new Map(read.nodes.map((n) => [key(n), n.hash]));
      ids.forEach((id, i) => {
        const block = fresh.get(blockOf(id));
        found[i] ??= id.level < BLOCK_HEIGHT && block !== undefined ? inBlock(block, id) : direct.get(key(id));
      });
    }
    return ids.map(({ level, index }, i) => {
      const hash = found[i];
      if (hash === undefined) throw new RangeError(`tree node ${level}/${index} is not stored`);
      return { level, index, hash: hash.slice() };
    });
  }

  #cached(id: NodeId, size: number): Uint8Array | undefined {
    if (id.level >= BLOCK_HEIGHT) return this.#upper.get(id.level)?.get(id.index);
    const block = blockOf(id);
    if ((block + 1) * BLOCK_LEAVES > size) return this.#edge(id);
    const hashes = this.#blocks.get(block);
    if (hashes === undefined) return undefined;
    this.#blocks.delete(block); // most recently used last
    this.#blocks.set(block, hashes);
    return inBlock(hashes, id);
  }

  #addBlock(block: number, leaves: Uint8Array[]): Uint8Array {
    const hashes = new Uint8Array(BLOCK_HASHES * 32);
    for (let i = 0; i < BLOCK_LEAVES; i++) {
      const leaf = leaves[i];
      if (leaf?.length !== 32) throw new RangeError(`tree node 0/${block * BLOCK_LEAVES + i} is not stored`);
      hashes.set(leaf, i * 32);
    }
    for (let level = 1; level < BLOCK_HEIGHT; level++) {
      const below = levelOffset(level - 1);
      const here = levelOffset(level);
      for (let i = 0; i < BLOCK_LEAVES >> level; i++) {
        const left = hashes.subarray((below + 2 * i) * 32, (below + 2 * i + 1) * 32);
        const right = hashes.subarray((below + 2 * i + 1) * 32, (below + 2 * i + 2) * 32);
        hashes.set(nodeHash(left, right), (here + i) * 32);
      }
    }
    this.#blocks.set(block, hashes);
    if (this.#blocks.size > this.#maxBlocks) this.#blocks.delete(this.#blocks.keys().next().value as number);
    return hashes;
  }

  #edge(id: NodeId): Uint8Array | undefined {
    const hash = this.#edges.get(key(id));
    if (hash === undefined) return undefined;
    this.#edges.delete(key(id));
    this.#edges.set(key(id), hash);
    return hash;
  }

  #keep(node: NodeHash): void {
    const hash = new Uint8Array(node.hash);
    if (node.level < BLOCK_HEIGHT) {
      this.#edges.set(key(node), hash);
      if (this.#edges.size > EDGE_NODES) this.#edges.delete(this.#edges.keys().next().value as string);
      return;
    }
    const nodes = this.#upper.get(node.level) ?? new Map<number, Uint8Array>();
    this.#upper.set(node.level, nodes);
    nodes.set(node.index, hash);
  }
}

/** The block (of 256 leaves) a node lies in; for upper nodes, the first block it covers. */
function blockOf(id: NodeId): number {
  return Math.floor((id.index * 2 ** id.level) / BLOCK_LEAVES);
}

/** The hash of `id` (level < 8) in its block's buffer. */
function inBlock(hashes: Uint8Array, id: NodeId): Uint8Array {
  const at = levelOffset(id.level) + id.index - blockOf(id) * (BLOCK_LEAVES >> id.level);
  return hashes.subarray(at * 32, at * 32 + 32);
}

function levelOffset(level: number): number {
  return 2 * BLOCK_LEAVES - (2 * BLOCK_LEAVES) / 2 ** level;
}

function key(id: NodeId): string {
  return `${id.level}/${id.index}`;
}
