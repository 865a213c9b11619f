// RFC 6962 §2.1 / RFC 9162 §2.1 Merkle trees and proofs, checked against the Certificate Transparency
// reference vectors (test/vectors/transparency-dev-merkle.json), a literal transcription of the RFC's
// recursive definitions, exhaustive sweeps over small trees, and mutation tests.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  assertConsistency,
  assertInclusion,
  consistencyProof,
  emptyRoot,
  inclusionProof,
  leafHash,
  MerkleTree,
  rootFromLeafHashes,
  TlogError,
  treeRoot,
  verifyConsistency,
  verifyInclusion,
} from '../src/index.ts';
import { flipBit, fromB64, fromHex, toHex, vector } from './helpers.ts';

interface MerkleVectors {
  leaves: string[];
  emptyRoot: string;
  roots: string[];
  inclusion: { leaf: number; size: number; proof: string[] }[];
  consistency: { size1: number; size2: number; proof: string[] }[];
  happyPathJson: { size1: number; size2: number; root1: string; root2: string; proof: string[] };
}

const v = vector<MerkleVectors>('transparency-dev-merkle.json');
const leafHashes = v.leaves.map((hex) => leafHash(fromHex(hex)));
const reference = MerkleTree.fromLeafHashes(leafHashes);

// The RFC's definitions, transcribed literally (O(n) per call) as an independent oracle.
const sha = (...parts: Uint8Array[]) =>
  new Uint8Array(parts.reduce((h, p) => h.update(p), createHash('sha256')).digest());
const k = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1);
function MTH(D: Uint8Array[]): Uint8Array {
  if (D.length === 0) return sha();
  if (D.length === 1) return D[0]!; // D holds leaf hashes here
  return sha(Uint8Array.of(1), MTH(D.slice(0, k(D.length))), MTH(D.slice(k(D.length))));
}
function PATH(m: number, D: Uint8Array[]): Uint8Array[] {
  if (D.length === 1) return [];
  const s = k(D.length);
  return m < s ? [...PATH(m, D.slice(0, s)), MTH(D.slice(s))] : [...PATH(m - s, D.slice(s)), MTH(D.slice(0, s))];
}
function SUBPROOF(m: number, D: Uint8Array[], b: boolean): Uint8Array[] {
  if (m === D.length) return b ? [] : [MTH(D)];
  const s = k(D.length);
  return m <= s
    ? [...SUBPROOF(m, D.slice(0, s), b), MTH(D.slice(s))]
    : [...SUBPROOF(m - s, D.slice(s), false), MTH(D.slice(0, s))];
}

const hexes = (list: Uint8Array[]) => list.map(toHex);

describe('RFC 6962 reference vectors (transparency-dev/merkle proof/verify_test.go)', () => {
  it('hashes the empty tree to SHA-256 of the empty string', () => {
    expect(toHex(emptyRoot())).toBe(v.emptyRoot);
    expect(toHex(new MerkleTree().root())).toBe(v.emptyRoot);
  });

  it('computes the root of every prefix of the 8-leaf tree', () => {
    v.roots.forEach((root, i) => {
      expect(toHex(reference.root(i + 1))).toBe(root);
      expect(toHex(rootFromLeafHashes(leafHashes.slice(0, i + 1)))).toBe(root);
    });
  });

  it.each(v.inclusion)('inclusion proof of leaf $leaf in tree $size', ({ leaf, size, proof }) => {
    const index = leaf - 1;
    expect(hexes(reference.inclusionProof(index, size))).toEqual(proof);
    const check = {
      leafIndex: index,
      treeSize: size,
      leafHash: leafHashes[index]!,
      proof: proof.map(fromHex),
      rootHash: fromHex(v.roots[size - 1]!),
    };
    expect(verifyInclusion(check)).toBe(true);
    // The corruptions transparency-dev applies to every vector.
    const someHash = fromHex('abacaba000000000000000000000000000000000000000000060061e00123456');
    const probes = [
      { ...check, leafIndex: index - 1 },
      { ...check, leafIndex: index + 1 },
      { ...check, leafIndex: index ^ 2 },
      { ...check, treeSize: size * 2 },
      { ...check, treeSize: Math.floor(size / 2) },
      { ...check, leafHash: new TextEncoder().encode('WrongLeaf') },
      { ...check, rootHash: emptyRoot() },
      { ...check, rootHash: someHash },
      { ...check, proof: [...check.proof, new Uint8Array()] },
      { ...check, proof: [...check.proof, check.rootHash] },
      { ...check, proof: [new Uint8Array(), ...check.proof] },
      { ...check, proof: [check.rootHash, ...check.proof] },
      ...check.proof.map((_, i) => ({ ...check, proof: check.proof.map((p, j) => (i === j ? flipBit(p, 3) : p)) })),
      ...(check.proof.length > 0 ? [{ ...check, proof: check.proof.slice(0, -1) }] : []),
      ...(check.proof.length > 1 ? [{ ...check, proof: [check.proof[0]!, someHash, ...check.proof.slice(1)] }] : []),
    ].filter((p) => p.leafIndex >= 0 && !(p.leafIndex === index && p.treeSize === size && p === check));
    for (const probe of probes) expect(verifyInclusion(probe)).toBe(false);
  });

  it.each(v.consistency)('consistency proof from $size1 to $size2', ({ size1, size2, proof }) => {
    expect(hexes(reference.consistencyProof(size1, size2))).toEqual(proof);
    const root1 = fromHex(v.roots[size1 - 1]!);
    const root2 = fromHex(v.roots[size2 - 1]!);
    const check = { oldSize: size1, newSize: size2, oldRoot: root1, newRoot: root2, proof: proof.map(fromHex) };
    expect(verifyConsistency(check)).toBe(true);
    if (proof.length === 0) return;
    const wrong = new TextEncoder().encode('WrongRoot');
    const probes = [
      { ...check, oldSize: size1 - 1 },
      { ...check, oldSize: size1 + 1 },
      { ...check, oldSize: size1 ^ 2 },
      { ...check, newSize: size2 * 2 },
      { ...check, newSize: Math.floor(size2 / 2) },
      { ...check, oldRoot: wrong },
      { ...check, newRoot: wrong },
      { ...check, oldRoot: root2, newRoot: root1 },
      { ...check, proof: [] },
      { ...check, proof: [...check.proof, new Uint8Array()] },
      { ...check, proof: [...check.proof, root1] },
      { ...check, proof: [...check.proof, root2] },
      { ...check, proof: [new Uint8Array(), ...check.proof] },
      { ...check, proof: [root1, ...check.proof] },
      { ...check, proof: [root2, ...check.proof] },
      { ...check, proof: [check.proof[0]!, ...check.proof] },
      { ...check, proof: check.proof.slice(0, -1) },
      ...check.proof.map((_, i) => ({ ...check, proof: check.proof.map((p, j) => (i === j ? flipBit(p, 4) : p)) })),
    ];
    for (const probe of probes) expect(verifyConsistency(probe)).toBe(false);
  });

  it('verifies testdata/consistency/1/happy-path.json', () => {
    const h = v.happyPathJson;
    const check = {
      oldSize: h.size1,
      newSize: h.size2,
      oldRoot: fromB64(h.root1),
      newRoot: fromB64(h.root2),
      proof: h.proof.map(fromB64),
    };
    expect(verifyConsistency(check)).toBe(true);
    expect(reference.consistencyProof(1, 8)).toEqual(check.proof);
  });
});

describe('edge cases (transparency-dev/merkle TestVerifyInclusion, TestVerifyConsistency)', () => {
  const someHash = fromHex('abacaba000000000000000000000000000000000000000000060061e00123456');

  it('rejects inclusion with index ≥ size and empty or mismatched hashes', () => {
    for (const [leafIndex, treeSize] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [2, 1],
    ] as const) {
      expect(verifyInclusion({ leafIndex, treeSize, leafHash: someHash, proof: [], rootHash: new Uint8Array() })).toBe(
        false,
      );
      expect(
        verifyInclusion({ leafIndex, treeSize, leafHash: new Uint8Array(), proof: [], rootHash: emptyRoot() }),
      ).toBe(false);
      expect(verifyInclusion({ leafIndex, treeSize, leafHash: someHash, proof: [], rootHash: emptyRoot() })).toBe(
        false,
      );
    }
  });

  it('a single-leaf tree has an empty proof and its root is the leaf hash', () => {
    const hash = leafHash(new TextEncoder().encode('data'));
    const empty = new Uint8Array();
    expect(verifyInclusion({ leafIndex: 0, treeSize: 1, leafHash: hash, proof: [], rootHash: hash })).toBe(true);
    expect(verifyInclusion({ leafIndex: 0, treeSize: 1, leafHash: hash, proof: [], rootHash: empty })).toBe(false);
    expect(verifyInclusion({ leafIndex: 0, treeSize: 1, leafHash: empty, proof: [], rootHash: hash })).toBe(false);
    expect(verifyInclusion({ leafIndex: 0, treeSize: 1, leafHash: empty, proof: [], rootHash: empty })).toBe(false);
  });

  it('handles the sizes the RFC algorithm leaves out', () => {
    const r1 = new TextEncoder().encode("don't care 1");
    const r2 = new TextEncoder().encode("don't care 2");
    const e = emptyRoot();
    const cases: [number, number, Uint8Array, Uint8Array, Uint8Array[], boolean][] = [
      [0, 0, r1, r2, [], false],
      [1, 1, r1, r2, [], false],
      [0, 0, r1, r1, [], true],
      [0, 1, r1, r2, [], true],
      [1, 1, r2, r2, [], true],
      [1, 0, r1, r2, [], false],
      [2, 1, r1, r2, [], false],
      [1, 2, r1, r2, [], false],
      [0, 0, e, r2, [], false],
      [1, 1, e, r2, [], false],
      [0, 0, e, e, [e], false],
      [0, 1, e, e, [e], false],
      [1, 1, e, e, [e], false],
    ];
    for (const [oldSize, newSize, oldRoot, newRoot, proof, ok] of cases) {
      expect(verifyConsistency({ oldSize, newSize, oldRoot, newRoot, proof }), `${oldSize}→${newSize}`).toBe(ok);
    }
  });

  it('throws TypeError for wrong types and RangeError for impossible sizes', () => {
    const hash = emptyRoot();
    expect(() =>
      verifyInclusion({ leafIndex: 0, treeSize: 1, leafHash: 'x' as never, proof: [], rootHash: hash }),
    ).toThrow(TypeError);
    expect(() => verifyInclusion({ leafIndex: 0.5, treeSize: 1, leafHash: hash, proof: [], rootHash: hash })).toThrow(
      TypeError,
    );
    expect(() => verifyInclusion({ leafIndex: -1, treeSize: 1, leafHash: hash, proof: [], rootHash: hash })).toThrow(
      RangeError,
    );
    expect(() => verifyConsistency({ oldSize: 0, newSize: 2 ** 53, oldRoot: hash, newRoot: hash, proof: [] })).toThrow(
      RangeError,
    );
    expect(() =>
      verifyConsistency({ oldSize: 0, newSize: 1, oldRoot: hash, newRoot: hash, proof: [1] as never }),
    ).toThrow(TypeError);
    expect(() => reference.inclusionProof(8, 8)).toThrow(RangeError);
    expect(() => reference.inclusionProof(0, 9)).toThrow(RangeError);
    expect(() => reference.consistencyProof(5, 4)).toThrow(RangeError);
    expect(() => new MerkleTree().append(new Uint8Array(31))).toThrow(RangeError);
  });

  it('assert* throw TlogError INVALID_PROOF', () => {
    const check = {
      leafIndex: 0,
      treeSize: 2,
      leafHash: leafHashes[0]!,
      proof: [leafHashes[1]!],
      rootHash: reference.root(2),
    };
    expect(() => assertInclusion(check)).not.toThrow();
    expect(() => assertInclusion({ ...check, leafIndex: 1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_PROOF' }),
    );
    const cons = {
      oldSize: 2,
      newSize: 3,
      oldRoot: reference.root(2),
      newRoot: reference.root(3),
      proof: reference.consistencyProof(2, 3),
    };
    expect(() => assertConsistency(cons)).not.toThrow();
    expect(() => assertConsistency({ ...cons, oldSize: 1 })).toThrow(TlogError);
  });
});

// A tree of 130 leaves; sweeps below cover every tree size 1..64 (and the RFC oracle sizes 1..40).
const big = new MerkleTree();
const bigLeaves: Uint8Array[] = [];
for (let i = 0; i < 130; i++) bigLeaves.push(leafHash(Uint8Array.of(i, i >> 8)));
for (const h of bigLeaves) big.append(h);
const leafOnly = { size: bigLeaves.length, leafHash: (i: number) => bigLeaves[i]! };

describe('exhaustive: every tree size 1..64', () => {
  it('matches the RFC definitions literally (sizes 1..40)', () => {
    for (let n = 1; n <= 40; n++) {
      const D = bigLeaves.slice(0, n);
      expect(toHex(big.root(n))).toBe(toHex(MTH(D)));
      for (let m = 0; m < n; m++) expect(hexes(big.inclusionProof(m, n))).toEqual(hexes(PATH(m, D)));
      for (let m = 1; m < n; m++) expect(hexes(big.consistencyProof(m, n))).toEqual(hexes(SUBPROOF(m, D, true)));
    }
  });

  it('stored-node and leaf-only readers produce identical roots and proofs', () => {
    for (let n = 1; n <= 64; n++) {
      expect(treeRoot(leafOnly, n)).toEqual(big.root(n));
      for (let m = 0; m < n; m++) expect(inclusionProof(leafOnly, m, n)).toEqual(big.inclusionProof(m, n));
      for (let m = 0; m <= n; m++) expect(consistencyProof(leafOnly, m, n)).toEqual(big.consistencyProof(m, n));
    }
  });

  it('every inclusion proof verifies', () => {
    for (let n = 1; n <= 64; n++) {
      const rootHash = big.root(n);
      for (let m = 0; m < n; m++) {
        const proof = big.inclusionProof(m, n);
        expect(verifyInclusion({ leafIndex: m, treeSize: n, leafHash: bigLeaves[m]!, proof, rootHash })).toBe(true);
      }
    }
  });

  it('every consistency proof verifies (0 ≤ m ≤ n)', () => {
    for (let n = 1; n <= 64; n++) {
      for (let m = 0; m <= n; m++) {
        const proof = big.consistencyProof(m, n);
        expect(verifyConsistency({ oldSize: m, newSize: n, oldRoot: big.root(m), newRoot: big.root(n), proof })).toBe(
          true,
        );
      }
    }
  });
});
