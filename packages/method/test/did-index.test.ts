// The DID index (spec §7.9): heads proven present with their exact (seq, index, operation hash), absent DIDs
// proven absent, any altered head or proof refused, and the checkpoint extension line read strictly.
import { PrefixTree, parseCheckpoint } from '@did-city/tlog';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DidCityError,
  DidIndex,
  didIndexKey,
  EMPTY_INDEX_ROOT,
  formatIndexExtension,
  type IndexHead,
  indexHeadValue,
  indexRootOf,
  verifyIndexHead,
} from '../src/index.ts';

const did = (n: number) => `did:city:cn:${String(110000 + n * 100)}`;
const opHash = (n: number) => `zQm${String(n).padStart(43, 'x')}`;
const head = (d: number, seq: number, index: number) => ({ did: did(d), seq, index, operationHash: opHash(index) });

function refused(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DidCityError);
    return (error as DidCityError).code;
  }
  return 'accepted';
}

describe('DidIndex', () => {
  it('commits the spec key and value bytes: the root equals a prefix tree of didIndexKey and indexHeadValue', () => {
    // apply hashes keys and values to text on its own path; the bytes must be the spec's, for seq and leaf index
    // past 2^32 and operation hashes or DIDs outside ASCII too.
    const count = fc.oneof(
      fc.integer({ min: 0, max: 2 ** 32 + 5 }),
      fc.constantFrom(2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1),
    );
    const arbitraryHead = fc.record({
      did: fc.string({ minLength: 1, maxLength: 40 }),
      seq: count,
      index: count,
      operationHash: fc.string({ maxLength: 100 }),
    });
    fc.assert(
      fc.property(fc.array(arbitraryHead, { minLength: 1, maxLength: 30 }), (heads) => {
        const expected = PrefixTree.from(heads.map((h) => [didIndexKey(h.did), indexHeadValue(h)] as const));
        const index = DidIndex.empty().apply(heads);
        expect(Buffer.from(index.root())).toEqual(Buffer.from(expected.root()));
        const last = heads.at(-1)!;
        expect(index.head(last.did)).toEqual({ seq: last.seq, index: last.index, operationHash: last.operationHash });
      }),
    );
    expect(() => DidIndex.empty().apply([{ did: did(1), seq: -1, index: 0, operationHash: opHash(0) }])).toThrow(
      RangeError,
    );
    expect(() => DidIndex.empty().apply([{ did: did(1), seq: 0, index: 1.5, operationHash: opHash(0) }])).toThrow(
      RangeError,
    );
  });

  it('proves the latest head of every DID and the absence of others, for random logs', () => {
    const log = fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 60 });
    fc.assert(
      fc.property(log, fc.integer({ min: 1, max: 10 }), (dids, batch) => {
        // Each log entry is the next operation of one DID; heads are applied in batches of `batch` entries.
        const seqs = new Map<number, number>();
        const entries = dids.map((d, index) => {
          const seq = seqs.get(d) ?? 0;
          seqs.set(d, seq + 1);
          return head(d, seq, index);
        });
        let index = DidIndex.empty();
        for (let i = 0; i < entries.length; i += batch) index = index.apply(entries.slice(i, i + batch));
        const root = index.root();
        for (let d = 0; d <= 31; d++) {
          const expected = entries.findLast((e) => e.did === did(d));
          const { head: served, indexProof } = index.prove(did(d));
          const proven = verifyIndexHead({ did: did(d), head: served, indexProof, root });
          expect(proven).toEqual(
            expected ? { seq: expected.seq, index: expected.index, operationHash: expected.operationHash } : null,
          );
        }
        expect(index.size).toBe(seqs.size);
      }),
    );
  });

  it('refuses an older head, another DID head, a hidden DID and altered proofs', () => {
    const v1 = DidIndex.empty().apply([head(1, 0, 0), head(2, 0, 1), head(3, 0, 2)]);
    const v2 = v1.apply([head(1, 1, 3)]);
    const root = v2.root();
    const latest = v2.prove(did(1));
    expect(verifyIndexHead({ did: did(1), ...latest, root })).toEqual({ seq: 1, index: 3, operationHash: opHash(3) });
    // The head of the older checkpoint, served with the newer root: an omission of the latest operation.
    expect(refused(() => verifyIndexHead({ did: did(1), ...v1.prove(did(1)), root }))).toBe('INVALID_LEDGER_PROOF');
    const altered = (change: Partial<IndexHead>) => ({ ...latest.head!, ...change });
    for (const change of [{ seq: 0 }, { index: 2 }, { operationHash: opHash(9) }]) {
      expect(
        refused(() => verifyIndexHead({ did: did(1), head: altered(change), indexProof: latest.indexProof, root })),
      ).toBe('INVALID_LEDGER_PROOF');
    }
    // Another DID's proof for this DID, and the DID hidden (null head) behind its own proof.
    expect(refused(() => verifyIndexHead({ did: did(1), ...v2.prove(did(2)), root }))).toBe('INVALID_LEDGER_PROOF');
    expect(refused(() => verifyIndexHead({ did: did(1), head: null, indexProof: latest.indexProof, root }))).toBe(
      'INVALID_LEDGER_PROOF',
    );
    // A proof of absence turned into a proof of presence.
    const absent = v2.prove(did(7));
    expect(absent.head).toBeNull();
    expect(
      refused(() => verifyIndexHead({ did: did(7), head: latest.head, indexProof: absent.indexProof, root })),
    ).toBe('INVALID_LEDGER_PROOF');
    for (const proof of [{}, { siblings: 'x' }, { siblings: ['AAAA'] }, { siblings: [], otherLeaf: { key: 'x' } }]) {
      expect(refused(() => verifyIndexHead({ did: did(7), head: null, indexProof: proof, root }))).toBe(
        'INVALID_LEDGER_PROOF',
      );
    }
    expect(
      refused(() =>
        verifyIndexHead({ did: did(1), head: { seq: -1, index: 0, operationHash: 'z' }, indexProof: {}, root }),
      ),
    ).toBe('INVALID_LEDGER_PROOF');
  });

  it('the empty index proves every DID absent with an empty proof', () => {
    const empty = DidIndex.empty();
    expect(empty.root()).toEqual(EMPTY_INDEX_ROOT);
    expect(empty.prove(did(1))).toEqual({ head: null, indexProof: { siblings: [] } });
    expect(
      verifyIndexHead({ did: did(1), head: null, indexProof: { siblings: [] }, root: EMPTY_INDEX_ROOT }),
    ).toBeNull();
  });
});

describe('the checkpoint index line', () => {
  const checkpoint = (...extensions: string[]) =>
    parseCheckpoint(['city.ledger/prod', '3', Buffer.alloc(32, 7).toString('base64'), ...extensions, ''].join('\n'));
  const root = new Uint8Array(32).fill(9);

  it('reads exactly one did-city-index/v1 line and ignores other extension lines', () => {
    expect(indexRootOf(checkpoint('other stuff', formatIndexExtension(root)))).toEqual(root);
    expect(indexRootOf(checkpoint('other stuff'))).toBeUndefined();
  });

  it('refuses a duplicated or malformed index line', () => {
    const line = formatIndexExtension(root);
    for (const lines of [[line, line], ['did-city-index/v1 AAAA'], [`${line} extra`], ['did-city-index/v1  x']]) {
      expect(refused(() => indexRootOf(checkpoint(...lines)))).toBe('INVALID_LEDGER_PROOF');
    }
  });
});

describe('proof size grows as log n (the shape the trust benchmark measures)', () => {
  it('the mean number of siblings stays within a few hashes of log2 n, for present and absent DIDs', () => {
    const heads = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => ({
        did: `did:city:cn:130100:d${from + i}`,
        seq: 0,
        index: from + i,
        operationHash: `zQm${from + i}`,
      }));
    let index = DidIndex.empty();
    for (const [from, to] of [
      [0, 256],
      [256, 4096],
    ] as const) {
      index = index.apply(heads(from, to));
      const mean = (dids: string[]) =>
        dids.reduce((n, did) => n + index.prove(did).indexProof.siblings.length, 0) / dids.length;
      const present = mean(heads(0, to).map((h) => h.did));
      const absent = mean(Array.from({ length: 200 }, (_, i) => `did:city:cn:130100:absent${i}`));
      for (const siblings of [present, absent]) {
        expect(siblings).toBeGreaterThan(Math.log2(to) - 2);
        expect(siblings).toBeLessThan(Math.log2(to) + 3);
      }
    }
  });
});
