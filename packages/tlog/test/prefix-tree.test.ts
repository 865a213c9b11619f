// The prefix tree (verifiable map): roots independent of insertion order, inclusion and non-inclusion proofs
// for random key sets and updates, and every single-bit flip of a proof or root rejected.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_PREFIX_ROOT,
  keyBit,
  type PrefixProof,
  PrefixTree,
  prefixLeafHash,
  prefixNodeHash,
  verifyPrefixProof,
} from '../src/index.ts';
import { flipBit } from './helpers.ts';

const sha = (text: string) => new Uint8Array(createHash('sha256').update(text).digest());
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const pairs = fc.array(fc.tuple(bytes32, bytes32), { maxLength: 40 });

function flipped(proof: PrefixProof): PrefixProof[] {
  const out: PrefixProof[] = [];
  proof.siblings.forEach((_, i) => {
    for (const bit of [0, 7, 100, 255]) {
      out.push({ ...proof, siblings: proof.siblings.map((s, j) => (i === j ? flipBit(s, bit) : s)) });
    }
  });
  if (proof.leaf) {
    for (const bit of [0, 9, 255]) {
      out.push({ ...proof, leaf: { key: flipBit(proof.leaf.key, bit), value: proof.leaf.value } });
      out.push({ ...proof, leaf: { key: proof.leaf.key, value: flipBit(proof.leaf.value, bit) } });
    }
  }
  return out;
}

/** The tree of the spec, computed from scratch from the map (no sharing, no caching): the reference. */
function referenceNode(keys: Uint8Array[], values: Map<string, Uint8Array>, depth: number): Uint8Array {
  if (keys.length === 0) return EMPTY_PREFIX_ROOT;
  if (keys.length === 1) return prefixLeafHash(keys[0]!, values.get(Buffer.from(keys[0]!).toString('hex'))!);
  const left = keys.filter((k) => keyBit(k, depth) === 0);
  const right = keys.filter((k) => keyBit(k, depth) === 1);
  return prefixNodeHash(referenceNode(left, values, depth + 1), referenceNode(right, values, depth + 1));
}

/** The reference proof of `key`: the sibling subtrees' roots down to the node its path ends in. */
function referenceProof(key: Uint8Array, values: Map<string, Uint8Array>): PrefixProof {
  let keys = [...values.keys()].map((hex) => Uint8Array.from(Buffer.from(hex, 'hex')));
  const siblings: Uint8Array[] = [];
  for (let depth = 0; keys.length > 1; depth++) {
    const bit = keyBit(key, depth);
    siblings.push(
      referenceNode(
        keys.filter((k) => keyBit(k, depth) !== bit),
        values,
        depth + 1,
      ),
    );
    keys = keys.filter((k) => keyBit(k, depth) === bit);
  }
  if (keys.length === 0) return { siblings };
  return { siblings, leaf: { key: keys[0]!, value: values.get(Buffer.from(keys[0]!).toString('hex'))! } };
}

function referenceRoot(values: Map<string, Uint8Array>): Uint8Array {
  return referenceNode(
    [...values.keys()].map((hex) => Uint8Array.from(Buffer.from(hex, 'hex'))),
    values,
    0,
  );
}

describe('PrefixTree', () => {
  it('the empty map has the all-zero root and proves every key absent', () => {
    const tree = PrefixTree.empty();
    expect(tree.root()).toEqual(EMPTY_PREFIX_ROOT);
    const key = sha('a');
    expect(tree.prove(key)).toEqual({ siblings: [] });
    expect(verifyPrefixProof({ root: tree.root(), key, proof: tree.prove(key) })).toEqual({
      ok: true,
      value: undefined,
    });
  });

  it('a single key is a leaf at the root; two keys split at their first differing bit', () => {
    const [a, b] = [sha('a'), sha('b')];
    const one = PrefixTree.from([[a, sha('1')]]);
    expect(one.root()).toEqual(prefixLeafHash(a, sha('1')));
    const two = one.set([[b, sha('2')]]);
    // The hand-built root: inner nodes down to the first bit where a and b differ, the two leaves below.
    let depth = 0;
    while (keyBit(a, depth) === keyBit(b, depth)) depth++;
    const [la, lb] = [prefixLeafHash(a, sha('1')), prefixLeafHash(b, sha('2'))];
    let hash = keyBit(a, depth) === 0 ? prefixNodeHash(la, lb) : prefixNodeHash(lb, la);
    for (let d = depth - 1; d >= 0; d--) {
      hash = keyBit(a, d) === 0 ? prefixNodeHash(hash, EMPTY_PREFIX_ROOT) : prefixNodeHash(EMPTY_PREFIX_ROOT, hash);
    }
    expect(two.root()).toEqual(hash);
    expect(two.prove(a).siblings).toHaveLength(depth + 1);
    expect(one.root()).toEqual(prefixLeafHash(a, sha('1'))); // persistent: the old tree is unchanged
  });

  it('the root depends on the map only, not on insertion order or batching', () => {
    fc.assert(
      fc.property(pairs, fc.integer({ min: 1, max: 7 }), (entries, chunk) => {
        const whole = PrefixTree.from(entries);
        let stepwise = PrefixTree.empty();
        for (let i = 0; i < entries.length; i += chunk) stepwise = stepwise.set(entries.slice(i, i + chunk));
        const last = new Map(entries.map(([k, v]) => [Buffer.from(k).toString('hex'), v]));
        const reversed = PrefixTree.from([...last].reverse().map(([k, v]) => [Buffer.from(k, 'hex'), v] as const));
        expect(stepwise.root()).toEqual(whole.root());
        expect(reversed.root()).toEqual(whole.root());
        expect(whole.size).toBe(last.size);
      }),
    );
  });

  it('a key repeated within one set keeps its last value, and the size counts each key once', () => {
    // Keys drawn from a pool of six, so one batch repeats keys and later batches replace earlier ones.
    const pool = fc.array(bytes32, { minLength: 6, maxLength: 6 });
    const picks = fc.array(fc.tuple(fc.nat(5), bytes32), { maxLength: 30 });
    fc.assert(
      fc.property(pool, picks, fc.integer({ min: 1, max: 9 }), (keys, chosen, chunk) => {
        const entries = chosen.map(([i, value]) => [keys[i]!, value] as const);
        let tree = PrefixTree.empty();
        for (let i = 0; i < entries.length; i += chunk) tree = tree.set(entries.slice(i, i + chunk));
        const last = new Map(entries.map(([k, v]) => [Buffer.from(k).toString('hex'), v]));
        let oneByOne = PrefixTree.empty();
        for (const [hex, value] of last) oneByOne = oneByOne.set([[Buffer.from(hex, 'hex'), value]]);
        expect(tree.size).toBe(last.size);
        expect(tree.root()).toEqual(oneByOne.root());
        for (const [hex, value] of last) expect(tree.get(Buffer.from(hex, 'hex'))).toEqual(value);
      }),
    );
  });

  it('proves every present key with its latest value and absent keys as absent', () => {
    fc.assert(
      fc.property(pairs, pairs, fc.array(bytes32, { maxLength: 8 }), (first, updates, absent) => {
        const before = PrefixTree.from(first);
        const tree = before.set(updates);
        const expected = new Map([...first, ...updates].map(([k, v]) => [Buffer.from(k).toString('hex'), v]));
        const root = tree.root();
        for (const [hex, value] of expected) {
          const key = Buffer.from(hex, 'hex');
          expect(verifyPrefixProof({ root, key, proof: tree.prove(key) })).toEqual({ ok: true, value });
          expect(tree.get(key)).toEqual(value);
        }
        for (const key of absent.filter((k) => !expected.has(Buffer.from(k).toString('hex')))) {
          expect(verifyPrefixProof({ root, key, proof: tree.prove(key) })).toEqual({ ok: true, value: undefined });
        }
        // The old version still proves its own values against its own root.
        for (const [key] of first)
          expect(verifyPrefixProof({ root: before.root(), key, proof: before.prove(key) }).ok).toBe(true);
      }),
    );
  });

  it('rejects every single-bit flip of a sibling, the end leaf or the root', () => {
    fc.assert(
      fc.property(pairs, bytes32, fc.boolean(), (entries, other, present) => {
        fc.pre(entries.length > 0);
        const tree = PrefixTree.from(entries);
        const key = present ? entries[0]![0] : other;
        const root = tree.root();
        const proof = tree.prove(key);
        expect(verifyPrefixProof({ root, key, proof }).ok).toBe(true);
        for (const bad of flipped(proof)) expect(verifyPrefixProof({ root, key, proof: bad }).ok).toBe(false);
        for (const bit of [0, 31, 128, 255])
          expect(verifyPrefixProof({ root: flipBit(root, bit), key, proof }).ok).toBe(false);
      }),
    );
  });

  it('refuses a proof whose end leaf is off the key path, a dropped or added sibling, and oversized paths', () => {
    const keys = Array.from({ length: 64 }, (_, i) => sha(`k${i}`));
    const tree = PrefixTree.from(keys.map((k) => [k, k] as const));
    const root = tree.root();
    const absent = sha('absent');
    const proof = tree.prove(absent);
    // A root built (not canonically) with another key's leaf on the path of `absent`, where that key cannot lie:
    // it would "prove" `absent` missing if the verifier did not check that the leaf shares the path's prefix.
    const stranger = keys.find((k) => keyBit(k, 0) !== keyBit(absent, 0))!;
    const strangerLeaf = prefixLeafHash(stranger, stranger);
    const forged =
      keyBit(absent, 0) === 0
        ? prefixNodeHash(strangerLeaf, EMPTY_PREFIX_ROOT)
        : prefixNodeHash(EMPTY_PREFIX_ROOT, strangerLeaf);
    const off = { siblings: [EMPTY_PREFIX_ROOT], leaf: { key: stranger, value: stranger } };
    expect(verifyPrefixProof({ root: forged, key: absent, proof: off })).toEqual({
      ok: false,
      reason: 'the end leaf does not lie on the key path',
    });
    expect(verifyPrefixProof({ root, key: absent, proof: { ...proof, leaf: off.leaf } }).ok).toBe(false);
    const present = tree.prove(keys[3]!);
    expect(
      verifyPrefixProof({ root, key: keys[3]!, proof: { ...present, siblings: present.siblings.slice(1) } }).ok,
    ).toBe(false);
    const longer = { ...present, siblings: [...present.siblings, EMPTY_PREFIX_ROOT] };
    expect(verifyPrefixProof({ root, key: keys[3]!, proof: longer }).ok).toBe(false);
    const huge = { siblings: Array.from({ length: 257 }, () => EMPTY_PREFIX_ROOT) };
    expect(verifyPrefixProof({ root, key: absent, proof: huge })).toEqual({
      ok: false,
      reason: 'the path is longer than 256 nodes',
    });
    // A proof of absence cannot be made for a present key by presenting its leaf's parent path as empty.
    const emptied = { siblings: present.siblings };
    expect(verifyPrefixProof({ root, key: keys[3]!, proof: emptied }).ok).toBe(false);
  });

  it('random insert and update sequences: every version keeps the root and proofs of the reference tree', () => {
    // Keys from a small pool (updates) and fresh ones (inserts), in batches; every version is kept and checked at
    // the end, so versions made before the node pools were compacted (many updates of few keys) are checked too.
    const hex = (k: Uint8Array) => Buffer.from(k).toString('hex');
    const step = fc.tuple(fc.boolean(), fc.nat(7), bytes32, bytes32);
    fc.assert(
      fc.property(
        fc.array(bytes32, { minLength: 8, maxLength: 8 }),
        fc.array(fc.array(step, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 16 }),
        bytes32,
        (pool, batches, absent) => {
          let tree = PrefixTree.empty<number>();
          let values = new Map<string, Uint8Array>();
          const versions: { tree: PrefixTree<number>; values: Map<string, Uint8Array> }[] = [];
          batches.forEach((batch, b) => {
            const entries = batch.map(([update, i, fresh, value]) => [update ? pool[i]! : fresh, value, b] as const);
            tree = tree.set(entries);
            values = new Map(values);
            for (const [k, v] of entries) values.set(hex(k), v);
            versions.push({ tree, values });
          });
          for (const version of versions) {
            const root = version.tree.root();
            expect(root).toEqual(referenceRoot(version.values));
            expect(version.tree.size).toBe(version.values.size);
            for (const k of [...version.values.keys()]
              .map((h) => Buffer.from(h, 'hex'))
              .concat([Buffer.from(absent)])) {
              const key = Uint8Array.from(k);
              const proof = version.tree.prove(key);
              expect(proof).toEqual(referenceProof(key, version.values));
              expect(verifyPrefixProof({ root, key, proof })).toEqual({
                ok: true,
                value: version.values.get(hex(key)),
              });
              expect(version.tree.get(key)).toEqual(version.values.get(hex(key)));
            }
            expect([...version.tree.entries()].map(([k, v]) => [hex(k), v])).toEqual(
              [...version.values].sort(([a], [b]) => (a < b ? -1 : 1)),
            );
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('thousands of updates to a few keys (the pools compacted many times) leave old and new versions intact', () => {
    const keys = Array.from({ length: 5 }, (_, i) => sha(`key ${i}`));
    let tree = PrefixTree.from<number>(keys.map((k) => [k, sha('v0'), 0] as const));
    const kept: { tree: PrefixTree<number>; round: number; root: Uint8Array }[] = [];
    for (let round = 1; round <= 3000; round++) {
      tree = tree.set([[keys[round % 5]!, sha(`v${round}`), round]]);
      // Every 300th version is kept, its root taken now or only at the end (hashed after compactions).
      if (round % 300 === 0) kept.push({ tree, round, root: round % 600 === 0 ? tree.root() : new Uint8Array() });
    }
    for (const { tree: version, round, root } of kept) {
      const values = new Map(
        keys.map((k, i) => {
          const last = round - ((((round - i) % 5) + 5) % 5); // the last round ≤ round that set key i
          return [Buffer.from(k).toString('hex'), sha(`v${last >= 1 ? last : 0}`)] as const;
        }),
      );
      expect(version.root()).toEqual(referenceRoot(values));
      if (root.length > 0) expect(root).toEqual(version.root());
      keys.forEach((k, i) => {
        const last = round - ((((round - i) % 5) + 5) % 5);
        expect(version.data(k)).toBe(last >= 1 ? last : 0);
        expect(version.prove(k)).toEqual(referenceProof(k, values));
      });
    }
  });

  it('paths stay logarithmic: 4,096 hashed keys give paths of at most 2·log2(n) + 8 nodes', () => {
    const keys = Array.from({ length: 4096 }, (_, i) => sha(`did:city:cn:${i}`));
    const tree = PrefixTree.from(keys.map((k) => [k, k] as const));
    const lengths = keys.map((k) => tree.prove(k).siblings.length);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(2 * 12 + 8);
    expect(lengths.reduce((a, b) => a + b, 0) / lengths.length).toBeLessThan(12 + 2);
  });

  it('keys, values and hashes are byte-exact whatever their bytes (0x00, 0x7f, 0x80, 0xff), and keys sort as bytes', () => {
    // The tree keeps 32-byte keys, values and hashes as one-byte strings; bytes a text decoding could change must
    // come back unchanged, and 0x80..0xff must sort after 0x00..0x7f.
    const fill = (...bytes: number[]) => Uint8Array.from({ length: 32 }, (_, i) => bytes[i % bytes.length]!);
    const keys = [fill(0x00), fill(0x7f), fill(0x80), fill(0xff), fill(0x80, 0x00), fill(0x7f, 0xff), fill(0xc3, 0xa9)];
    const values = [fill(0xff), fill(0x00), fill(0x9d), fill(0x81), fill(0x8d), fill(0x90), fill(0x0d, 0x0a)];
    const tree = PrefixTree.from(keys.map((k, i) => [k, values[i]!] as const));
    const sorted = [...keys].sort(Buffer.compare);
    expect([...tree.entries()].map(([k]) => k)).toEqual(sorted);
    keys.forEach((key, i) => {
      expect(tree.get(key)).toEqual(values[i]);
      const proof = tree.prove(key);
      expect(proof.leaf).toEqual({ key, value: values[i] });
      expect(verifyPrefixProof({ root: tree.root(), key, proof })).toEqual({ ok: true, value: values[i] });
    });
    // The root from the exported byte hashes, built by hand: keys 0x00.., 0x7f.., 0x7fff.. under bit 0 = 0; 0x80..,
    // 0x8000.., 0xc3a9.., 0xff.. under bit 1 = 1. Recomputing through verifyPrefixProof for every key already ties
    // each leaf to the root; here the root must also equal a tree built from the same pairs in reverse order.
    expect(PrefixTree.from(keys.map((k, i) => [k, values[i]!] as const).reverse()).root()).toEqual(tree.root());
    expect(tree.get(fill(0x01))).toBeUndefined();
    expect(tree.get(new Uint8Array(31))).toBeUndefined();
  });

  it('setText (keys and values as one-byte text) builds the same tree as set, and refuses text that is not 32 bytes', () => {
    const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');
    fc.assert(
      fc.property(pairs, pairs, (first, second) => {
        const byBytes = PrefixTree.from(first).set(second);
        const byText = PrefixTree.empty()
          .setText(first.map(([k, v]) => [latin1(k), latin1(v)] as const))
          .setText(second.map(([k, v]) => [latin1(k), latin1(v)] as const));
        expect(byText.root()).toEqual(byBytes.root());
        expect(byText.size).toBe(byBytes.size);
        for (const [k, v] of second) expect(byText.get(k)).toEqual(v);
      }),
    );
    const ok = 'a'.repeat(32);
    for (const bad of ['a'.repeat(31), 'a'.repeat(33), `${'a'.repeat(31)}\u0100`, 7 as unknown as string]) {
      expect(() => PrefixTree.empty().setText([[bad, ok]])).toThrow(RangeError);
      expect(() => PrefixTree.empty().setText([[ok, bad]])).toThrow(RangeError);
    }
  });
});
