// The tree cache of the networked store (src/store/tree-cache.ts) against tlog's in-memory MerkleTree: the hashes
// it was given, never another node's, upper levels kept in full and densely, lower levels within their bound.
import { inclusionProofNodes, leafHash, MerkleTree, type NodeHash, type NodeId } from '@did-city/tlog';
import { describe, expect, it } from 'vitest';
import { TreeCache, UPPER_LEVEL } from '../src/store/tree-cache.ts';

const tree = MerkleTree.fromLeafHashes(
  Array.from({ length: 4100 }, (_, i) => leafHash(new TextEncoder().encode(`leaf ${i}`))),
);
const node = (level: number, index: number): NodeHash => ({ level, index, hash: tree.nodeHash(level, index) });
/** Every complete node of the tree at `level`. */
const levelNodes = (level: number) =>
  Array.from({ length: Math.floor(tree.size / 2 ** level) }, (_, i) => node(level, i));

describe('TreeCache', () => {
  it('answers exactly the hashes it was given, for every level, and nothing else', () => {
    const cache = new TreeCache({ denseBytes: 1 << 20, clockNodes: 0 });
    const all = Array.from({ length: 13 }, (_, level) => levelNodes(level)).flat();
    cache.keep(all);
    for (const n of all) expect(cache.get(n)).toEqual(n.hash);
    // Neighbours never kept are missing, not some other node's hash (the index·8 + level keys do not collide).
    expect(cache.get({ level: 0, index: 4100 })).toBeUndefined();
    expect(cache.get({ level: 8, index: 16 })).toBeUndefined();
    expect(cache.get({ level: 12, index: 1 })).toBeUndefined();
    expect(cache.get({ level: 13, index: 0 })).toBeUndefined();
  });

  it('keeps upper levels densely: about 32 bytes a node, bounded by the log', () => {
    const cache = new TreeCache({ denseBytes: 0, clockNodes: 0 });
    const upper = Array.from({ length: 13 - UPPER_LEVEL }, (_, i) => levelNodes(UPPER_LEVEL + i)).flat();
    cache.keep(upper);
    const { dense, clock, bytes } = cache.stats;
    expect(dense).toBe(upper.length);
    expect(clock).toBe(0);
    // Each level's buffer holds a power of two ≥ 64 nodes: here at most 64 per level, 5 levels, 32 bytes + 1 bit.
    expect(bytes).toBeLessThanOrEqual(5 * 64 * (32 + 1 / 8));
    for (const n of upper) expect(cache.get(n)).toEqual(n.hash);
  });

  it('holds at most clockNodes nodes below the dense levels, dropping those not used lately, and stays correct', () => {
    const cache = new TreeCache({ denseBytes: 0, clockNodes: 100 });
    const bytesEmpty = cache.stats.bytes;
    const hot = [node(0, 7), node(3, 2), node(7, 1)];
    cache.keep(hot);
    for (let i = 0; i < 4000; i++) {
      cache.keep([node(i % 2, Math.floor(i / 2))]);
      for (const n of hot) expect(cache.get(n)).toEqual(n.hash); // used all along, so never replaced
    }
    expect(cache.stats.clock).toBe(100);
    expect(cache.stats.bytes).toBe(bytesEmpty); // the slab is allocated once
    let kept = 0;
    for (let i = 0; i < 4000; i++) {
      const n = node(i % 2, Math.floor(i / 2));
      const hash = cache.get(n);
      if (hash !== undefined) {
        kept++;
        expect(hash).toEqual(n.hash);
      }
    }
    expect(kept).toBeLessThanOrEqual(100);
    expect(kept).toBeGreaterThan(50); // the recent ones
  });

  it('keeps levels below 8 in full while they fit denseBytes, then drops the lowest, and stays correct', () => {
    const cache = new TreeCache({ denseBytes: 12 * 1024, clockNodes: 0 });
    expect(cache.stats.denseFrom).toBe(0);
    const all = Array.from({ length: 13 }, (_, level) => levelNodes(level)).flat();
    cache.keep(all);
    // Level 0 (4,100 leaves: a buffer of 8,192 hashes) and level 1 (4,096 hashes) cannot fit 12 KiB; level 2 on can.
    const { denseFrom, bytes } = cache.stats;
    expect(denseFrom).toBeGreaterThan(1);
    expect(denseFrom).toBeLessThan(8);
    const upperBytes = 5 * (64 * 32 + 8); // levels 8 to 12, 64 nodes each
    expect(bytes - upperBytes).toBeLessThanOrEqual(12 * 1024);
    for (const n of all) {
      const hash = cache.get(n);
      if (n.level >= denseFrom) expect(hash).toEqual(n.hash);
      else expect(hash).toBeUndefined();
    }
    expect(cache.run(denseFrom, 0, 4)).toEqual(
      levelNodes(denseFrom)
        .slice(0, 4)
        .map((n) => n.hash),
    );
  });

  it('hands out copies: changing one changes nothing kept', () => {
    const cache = new TreeCache({ denseBytes: 0, clockNodes: 16 });
    cache.keep([node(9, 0), node(2, 5)]);
    cache.get({ level: 9, index: 0 })!.fill(0);
    cache.get({ level: 2, index: 5 })!.fill(0);
    cache.run(9, 0, 1)![0]!.fill(0);
    expect(cache.get({ level: 9, index: 0 })).toEqual(tree.nodeHash(9, 0));
    expect(cache.get({ level: 2, index: 5 })).toEqual(tree.nodeHash(2, 5));
  });

  it('serves a run of dense-level hashes only when it holds all of them', () => {
    const cache = new TreeCache({ denseBytes: 0, clockNodes: 16 });
    cache.keep(levelNodes(8).slice(0, 10));
    expect(cache.run(8, 2, 8)).toEqual(
      levelNodes(8)
        .slice(2, 10)
        .map((n) => n.hash),
    );
    expect(cache.run(8, 2, 9)).toBeUndefined();
    cache.keep([node(0, 0)]);
    expect(cache.run(0, 0, 1)).toBeUndefined(); // levels in the clock are never served as runs
  });

  it('refuses a hash that is not 32 bytes, and limits that are not whole numbers', () => {
    const cache = new TreeCache({ denseBytes: 1024, clockNodes: 16 });
    expect(() => cache.keep([{ level: 1, index: 0, hash: new Uint8Array(31) }])).toThrow(RangeError);
    expect(() => new TreeCache({ denseBytes: 0, clockNodes: -1 })).toThrow(RangeError);
    expect(() => new TreeCache({ denseBytes: 0.5, clockNodes: 1 })).toThrow(RangeError);
  });

  it('a proof from cached nodes is the tree’s proof', () => {
    const cache = new TreeCache({ denseBytes: 0, clockNodes: 1 << 12 });
    for (const size of [1, 255, 256, 257, 511, 512, 513, 1024, 4099, 4100]) {
      for (const index of [0, 255, 256, 511, 512, size - 1].filter((i) => i < size)) {
        const ids: NodeId[] = inclusionProofNodes(index, size);
        cache.keep(ids.map((id) => node(id.level, id.index)));
        for (const id of ids) expect(cache.get(id)).toEqual(tree.nodeHash(id.level, id.index));
      }
    }
  });
});
