// Mutation tests: flipping any bit of a leaf hash, proof node, root, index or size is rejected, except where
// RFC 6962 itself cannot tell two sizes apart (documented below).
import { describe, expect, it } from 'vitest';
import { leafHash, MerkleTree, nodeHash, verifyConsistency, verifyInclusion } from '../src/index.ts';
import { flipBit } from './helpers.ts';

const k = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1);
const big = new MerkleTree();
const bigLeaves: Uint8Array[] = [];
for (let i = 0; i < 70; i++) bigLeaves.push(leafHash(Uint8Array.of(i)));
for (const h of bigLeaves) big.append(h);

// The left/right pattern of an audit path, from the RFC's recursion. Two (index, size) pairs with the same
// pattern make the verifier compute the same hash chain, so a proof cannot tell them apart: in RFC 6962
// only the signed root binds the size (a checkpoint signs size and root together).
function pathShape(m: number, n: number): string {
  if (n === 1) return '';
  const s = k(n);
  return m < s ? `${pathShape(m, s)}R` : `${pathShape(m - s, n - s)}L`;
}
function subproofShape(m: number, n: number, b: boolean): string {
  if (m === n) return b ? '' : 'S';
  const s = k(n);
  return m <= s ? `${subproofShape(m, s, b)}R` : `${subproofShape(m - s, n - s, false)}L`;
}

describe('mutations are rejected', () => {
  it('any flipped bit of the leaf hash, a proof node or the root (sizes 1..12, every bit)', () => {
    for (let n = 1; n <= 12; n++) {
      for (let m = 0; m < n; m++) {
        const good = {
          leafIndex: m,
          treeSize: n,
          leafHash: bigLeaves[m]!,
          proof: big.inclusionProof(m, n),
          rootHash: big.root(n),
        };
        for (let bit = 0; bit < 256; bit++) {
          expect(verifyInclusion({ ...good, leafHash: flipBit(good.leafHash, bit) })).toBe(false);
          expect(verifyInclusion({ ...good, rootHash: flipBit(good.rootHash, bit) })).toBe(false);
          good.proof.forEach((_, i) => {
            const proof = good.proof.map((p, j) => (i === j ? flipBit(p, bit) : p));
            expect(verifyInclusion({ ...good, proof })).toBe(false);
          });
        }
      }
    }
  });

  it('any flipped bit of a consistency proof node or either root (sizes 1..12, every bit)', () => {
    for (let n = 2; n <= 12; n++) {
      for (let m = 1; m < n; m++) {
        const good = {
          oldSize: m,
          newSize: n,
          oldRoot: big.root(m),
          newRoot: big.root(n),
          proof: big.consistencyProof(m, n),
        };
        for (let bit = 0; bit < 256; bit++) {
          expect(verifyConsistency({ ...good, oldRoot: flipBit(good.oldRoot, bit) })).toBe(false);
          expect(verifyConsistency({ ...good, newRoot: flipBit(good.newRoot, bit) })).toBe(false);
          good.proof.forEach((_, i) => {
            const proof = good.proof.map((p, j) => (i === j ? flipBit(p, bit) : p));
            expect(verifyConsistency({ ...good, proof })).toBe(false);
          });
        }
      }
    }
  });

  it('any flipped bit of the leaf index; a flipped size only where the path shape is identical (sizes 1..64)', () => {
    for (let n = 1; n <= 64; n++) {
      for (let m = 0; m < n; m++) {
        const good = {
          leafIndex: m,
          treeSize: n,
          leafHash: bigLeaves[m]!,
          proof: big.inclusionProof(m, n),
          rootHash: big.root(n),
        };
        for (let bit = 0; bit < 8; bit++) {
          expect(verifyInclusion({ ...good, leafIndex: m ^ (1 << bit) })).toBe(false);
          const n2 = n ^ (1 << bit);
          const same = m < n2 && pathShape(m, n2) === pathShape(m, n);
          expect(verifyInclusion({ ...good, treeSize: n2 })).toBe(same);
        }
      }
    }
  });

  it('any flipped bit of the old size; a flipped new size only where the proof shape is identical (sizes 1..64)', () => {
    for (let n = 2; n <= 64; n++) {
      for (let m = 1; m < n; m++) {
        const good = {
          oldSize: m,
          newSize: n,
          oldRoot: big.root(m),
          newRoot: big.root(n),
          proof: big.consistencyProof(m, n),
        };
        for (let bit = 0; bit < 8; bit++) {
          expect(verifyConsistency({ ...good, oldSize: m ^ (1 << bit) })).toBe(false);
          const n2 = n ^ (1 << bit);
          const same = m < n2 && subproofShape(m, n2, true) === subproofShape(m, n, true);
          expect(verifyConsistency({ ...good, newSize: n2 })).toBe(same);
        }
      }
    }
  });

  it('a node hash is not a leaf hash (domain separation)', () => {
    const left = bigLeaves[0]!;
    const right = bigLeaves[1]!;
    const asLeaf = leafHash(new Uint8Array([...left, ...right]));
    expect(asLeaf).not.toEqual(nodeHash(left, right));
  });
});
