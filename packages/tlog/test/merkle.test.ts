// Property tests (fast-check) for the tree, the frontier and the node-listing functions used by stores.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  appendToFrontier,
  consistencyProof,
  consistencyProofNodes,
  emptyFrontier,
  emptyRoot,
  frontierFromReader,
  frontierRoot,
  inclusionProof,
  inclusionProofNodes,
  leafHash,
  MerkleTree,
  readerFromNodes,
  rootNodes,
  subtreeHash,
  verifyConsistency,
  verifyInclusion,
} from '../src/index.ts';

const leaves = (n: number) => Array.from({ length: n }, (_, i) => leafHash(new TextEncoder().encode(`leaf ${i}`)));
const ALL = leaves(600);
const TREE = MerkleTree.fromLeafHashes(ALL);

const sizeAndIndex = fc
  .integer({ min: 1, max: 600 })
  .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 })));
const twoSizes = fc
  .integer({ min: 0, max: 600 })
  .chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n)));

describe('MerkleTree properties', () => {
  it('inclusion proofs verify and bind the leaf', () => {
    fc.assert(
      fc.property(sizeAndIndex, fc.integer({ min: 0, max: 599 }), ([n, m], other) => {
        const proof = TREE.inclusionProof(m, n);
        const check = { leafIndex: m, treeSize: n, leafHash: ALL[m]!, proof, rootHash: TREE.root(n) };
        expect(verifyInclusion(check)).toBe(true);
        if (other !== m) expect(verifyInclusion({ ...check, leafHash: ALL[other]! })).toBe(false);
        expect(proof.length).toBeLessThanOrEqual(Math.ceil(Math.log2(n)));
      }),
    );
  });

  it('consistency proofs verify, and not against another tree', () => {
    fc.assert(
      fc.property(twoSizes, fc.integer({ min: 0, max: 599 }), ([m, n], flip) => {
        const proof = TREE.consistencyProof(m, n);
        const check = { oldSize: m, newSize: n, oldRoot: TREE.root(m), newRoot: TREE.root(n), proof };
        expect(verifyConsistency(check)).toBe(true);
        if (m > 0 && m < n) {
          // A log that rewrote leaf `flip` (below m) cannot prove consistency with its old root.
          const forked = MerkleTree.fromLeafHashes(ALL.slice(0, n).map((h, i) => (i === flip % m ? ALL[599]! : h)));
          expect(verifyConsistency({ ...check, newRoot: forked.root(n), proof: forked.consistencyProof(m, n) })).toBe(
            false,
          );
        }
      }),
    );
  });

  it('subtreeHash of any range equals the root of a tree built from that range', () => {
    fc.assert(
      fc.property(twoSizes, ([start, end]) => {
        const expected = start === end ? emptyRoot() : MerkleTree.fromLeafHashes(ALL.slice(start, end)).root();
        expect(subtreeHash(TREE, start, end)).toEqual(expected);
      }),
    );
  });
});

describe('frontier (compact range)', () => {
  it('appending batches gives the same root and nodes as the full tree', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 12 }), (batches) => {
        let frontier = emptyFrontier();
        let size = 0;
        for (const count of batches) {
          const batch = ALL.slice(size, size + count);
          const result = appendToFrontier(frontier, batch);
          for (const node of result.nodes) expect(node.hash).toEqual(TREE.nodeHash(node.level, node.index));
          frontier = result.frontier;
          size += batch.length;
          expect(frontier.size).toBe(size);
          expect(frontierRoot(frontier)).toEqual(TREE.root(size));
          expect(frontier).toEqual(TREE.frontier(size));
        }
      }),
    );
  });

  it('reports every complete subtree once, so a store can serve proofs from them', () => {
    const { nodes } = appendToFrontier(emptyFrontier(), ALL.slice(0, 100));
    expect(nodes.length).toBe(100 + 50 + 25 + 12 + 6 + 3 + 1);
    const reader = readerFromNodes(100, nodes);
    expect(frontierFromReader(reader)).toEqual(TREE.frontier(100));
  });

  it('rejects a frontier whose hashes do not match its size', () => {
    expect(() => frontierRoot({ size: 3, hashes: [ALL[0]!] })).toThrow(RangeError);
    expect(() => appendToFrontier({ size: -1, hashes: [] }, [])).toThrow(RangeError);
  });
});

describe('node lists for asynchronous stores', () => {
  it('a proof computed from only the listed nodes equals the proof from the full tree', () => {
    fc.assert(
      fc.property(sizeAndIndex, twoSizes, ([n, m], [a, b]) => {
        const fetch = (ids: { level: number; index: number }[]) =>
          ids.map(({ level, index }) => ({ level, index, hash: TREE.nodeHash(level, index) }));
        const inclusion = readerFromNodes(n, fetch(inclusionProofNodes(m, n)));
        expect(inclusionProof(inclusion, m, n)).toEqual(TREE.inclusionProof(m, n));
        const consistency = readerFromNodes(b, fetch(consistencyProofNodes(a, b)));
        expect(consistencyProof(consistency, a, b)).toEqual(TREE.consistencyProof(a, b));
        expect(rootNodes(b).length).toBe(TREE.frontier(b).hashes.length);
      }),
    );
  });

  it('lists O(log n) nodes', () => {
    expect(inclusionProofNodes(0, 2 ** 40 + 1).length).toBeLessThanOrEqual(41);
    expect(consistencyProofNodes(2 ** 39 + 3, 2 ** 45 - 1).length).toBeLessThanOrEqual(2 * 45);
    expect(rootNodes(2 ** 52 - 1).length).toBe(52);
  });
});
