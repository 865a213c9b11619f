// The tree cache of the networked store (src/store/tree-cache.ts) against tlog's in-memory MerkleTree: the same
// hashes for every node a proof or root asks for, no read once warm, nothing kept that the size does not cover.
import { inclusionProofNodes, leafHash, MerkleTree, type NodeId, rootNodes } from '@did-city/tlog';
import { describe, expect, it } from 'vitest';
import { type MissReader, TreeCache } from '../src/store/tree-cache.ts';

const tree = MerkleTree.fromLeafHashes(Array.from({ length: 1300 }, (_, i) => leafHash(new TextEncoder().encode(`leaf ${i}`))));

/** A miss reader over the reference tree that records what it was asked; `stored` limits the leaves it holds. */
function source(stored = tree.size) {
  const calls: Array<{ blocks: number[]; nodes: NodeId[] }> = [];
  const read: MissReader = async (blocks, nodes) => {
    calls.push({ blocks: [...blocks], nodes: [...nodes] });
    const leaves = new Map(
      blocks.map((b) => [b, Array.from({ length: 256 }, (_, i) => b * 256 + i).filter((i) => i < stored).map((i) => tree.leafHash(i))]),
    );
    const found = nodes.filter((n) => (n.index + 1) * 2 ** n.level <= stored);
    return { leaves, nodes: found.map((n) => ({ ...n, hash: tree.nodeHash(n.level, n.index) })) };
  };
  return { read, calls };
}

const expected = (ids: NodeId[]) => ids.map((id) => ({ ...id, hash: tree.nodeHash(id.level, id.index) }));

describe('TreeCache', () => {
  it('answers proof and root nodes as the tree holds them; warm, with no read at all, at any size', async () => {
    const { read, calls } = source();
    const cache = new TreeCache(read, 16);
    const asks: Array<[NodeId[], number]> = [];
    for (const size of [1, 255, 256, 257, 511, 512, 513, 1024, 1299, 1300]) {
      asks.push([rootNodes(size), size]);
      for (const index of [0, 255, 256, 511, 512, size - 1].filter((i) => i < size)) asks.push([inclusionProofNodes(index, size), size]);
    }
    for (const [ids, size] of asks) expect(await cache.nodes(ids, size)).toEqual(expected(ids));
    const cold = calls.length;
    expect(cold).toBeGreaterThan(0);
    // Everything is kept: complete blocks, upper nodes, and the right-edge nodes of incomplete blocks.
    for (const [ids, size] of asks) expect(await cache.nodes(ids, size)).toEqual(expected(ids));
    expect(calls.length).toBe(cold);
  });

  it('reads each missing complete block whole, and nodes of an incomplete block one by one', async () => {
    const { read, calls } = source();
    const cache = new TreeCache(read, 16);
    await cache.nodes(inclusionProofNodes(300, 600), 600);
    // Leaf 300 lies in block 1 (complete at size 600); its sibling subtrees at levels ≥ 8 and in block 2
    // (leaves 512..599, incomplete) are single nodes.
    expect(calls[0]!.blocks).toEqual([1]);
    expect(calls[0]!.nodes).toEqual(inclusionProofNodes(300, 600).filter((n) => n.level >= 8 || n.index * 2 ** n.level >= 512));
  });

  it('stays correct when more blocks are asked for than it keeps', async () => {
    const { read, calls } = source();
    const cache = new TreeCache(read, 1);
    for (const index of [3, 700, 3, 1100, 700]) {
      const ids = inclusionProofNodes(index, 1300);
      expect(await cache.nodes(ids, 1300)).toEqual(expected(ids));
    }
    expect(calls.map((c) => c.blocks)).toEqual([[0], [2], [0], [4], [2]]);
  });

  it('refuses a block the source holds only in part, and a node it does not hold', async () => {
    const cache = new TreeCache(source(500).read, 16);
    await expect(cache.nodes([{ level: 0, index: 300 }], 600)).rejects.toThrow('tree node 0/500 is not stored');
    await expect(cache.nodes([{ level: 0, index: 550 }], 600)).rejects.toThrow('tree node 0/550 is not stored');
    await expect(cache.nodes([{ level: 9, index: 0 }], 600)).rejects.toThrow('tree node 9/0 is not stored');
  });

  it('keeps appended upper nodes, so a root over them needs no read', async () => {
    const { read, calls } = source();
    const cache = new TreeCache(read, 16);
    cache.added([10, 9, 8].flatMap((level) => Array.from({ length: 1024 >> level }, (_, index) => ({ level, index, hash: tree.nodeHash(level, index) }))));
    expect(await cache.nodes(rootNodes(1024), 1024)).toEqual(expected(rootNodes(1024)));
    expect(await cache.nodes(rootNodes(768), 768)).toEqual(expected(rootNodes(768)));
    expect(calls).toEqual([]);
    // Hashes handed out are copies: changing one does not change the cache.
    (await cache.nodes([{ level: 9, index: 0 }], 1024))[0]!.hash.fill(0);
    expect((await cache.nodes([{ level: 9, index: 0 }], 1024))[0]!.hash).toEqual(tree.nodeHash(9, 0));
  });
});
