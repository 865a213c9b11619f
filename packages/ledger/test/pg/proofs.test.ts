/**
 * Proof reads of PostgresLogStore on a real primary and synchronous standby: proofs and roots from the tree cache
 * at many sizes (block boundaries crossed, caches too small to hold a proof's nodes) equal tlog's reference tree
 * and verify; an entry with its proof is one statement; a reader on the standby answers for a new size only once
 * the standby has replayed it, and then correctly; bad indexes and sizes are refused without failing the reads
 * gathered with them.
 */
import { leafHash, MerkleTree, verifyConsistency, verifyInclusion } from '@did-city/tlog';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AppendEntry, LogStore } from '../../src/store/interface.ts';
import { PostgresLogStore } from '../../src/store/postgres.ts';
import { type PgCluster, postgresBin, startCluster, waitFor } from './harness.ts';

const T = '2026-11-21T08:00:00Z';
const bin = postgresBin();

function entriesFrom(start: number, count: number): AppendEntry[] {
  return Array.from({ length: count }, (_, k) => ({
    leaf: new TextEncoder().encode(`proof test leaf ${start + k}`),
    operationHash: `zQm-proofs-${start + k}`,
    did: `did:city:cn:proofs-${start + k}`,
    seq: 0,
    integratedTime: T,
  }));
}

/** Appends `count` entries to the store and the reference tree. */
async function grow(store: LogStore, tree: MerkleTree, count: number): Promise<number> {
  const entries = entriesFrom(tree.size, count);
  await store.append({ expectedSize: tree.size, entries, states: [] });
  for (const e of entries) tree.append(leafHash(e.leaf));
  return tree.size;
}

/** Roots, inclusion and consistency proofs of `store` at `size` are the reference tree's, and they verify. */
async function expectProofsAt(
  store: LogStore,
  tree: MerkleTree,
  size: number,
  earlier: readonly number[],
): Promise<void> {
  const root = await store.rootAt(size);
  expect(root).toEqual(tree.root(size));
  const indexes = [
    0,
    1,
    127,
    128,
    255,
    256,
    257,
    511,
    512,
    1023,
    1024,
    size - 2,
    size - 1,
    Math.floor(Math.random() * size),
  ];
  for (const index of new Set(indexes.filter((i) => i >= 0 && i < size))) {
    const [proof, entry] = await Promise.all([store.inclusionProof(index, size), store.entry(index)]);
    expect(proof).toEqual(tree.inclusionProof(index, size));
    expect(
      verifyInclusion({ leafIndex: index, treeSize: size, leafHash: entry!.leafHash, proof, rootHash: root }),
    ).toBe(true);
  }
  for (const old of earlier.filter((s) => s > 0 && s < size)) {
    const proof = await store.consistencyProof(old, size);
    expect(proof).toEqual(tree.consistencyProof(old, size));
    expect(verifyConsistency({ oldSize: old, newSize: size, oldRoot: tree.root(old), newRoot: root, proof })).toBe(
      true,
    );
  }
}

describe.skipIf(bin === undefined)('PostgresLogStore proofs from the tree cache', () => {
  let cluster: PgCluster;
  let databases = 0;
  const open: LogStore[] = [];

  beforeAll(async () => {
    cluster = await startCluster({ bin: bin!, standby: true });
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    for (const store of open.splice(0)) await store.close();
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  type CacheOptions = { cacheBytes?: number; cacheNodes?: number; prefetch?: boolean };
  async function freshLog(): Promise<{
    writer: PostgresLogStore;
    reader: (cache?: CacheOptions) => Promise<PostgresLogStore>;
  }> {
    const database = `proofs_${++databases}`;
    await cluster.createDatabase(database);
    const writer = await PostgresLogStore.open({ connection: cluster.primary.connection(database) });
    open.push(writer);
    // The standby replays the new database and its schema a moment after the primary commits them.
    await waitFor(async () => {
      const probe = await PostgresLogStore.open({
        connection: cluster.standby!.connection(database),
        role: 'reader',
        prefetch: false,
      }).catch(() => undefined);
      await probe?.close();
      return probe !== undefined;
    }, 'the standby to replay the new database');
    const reader = async (cache: CacheOptions = {}) => {
      const store = await PostgresLogStore.open({
        connection: cluster.standby!.connection(database),
        role: 'reader',
        ...cache,
      });
      open.push(store);
      return store;
    };
    return { writer, reader };
  }

  it('proofs and roots at many sizes across block boundaries equal the reference tree and verify: writer, standby readers warm, cold and with tiny caches', async () => {
    const { writer, reader } = await freshLog();
    const warm = await reader();
    // Nothing below level 8 kept in full, 8 nodes in the clock; and levels below 8 dense only up to 4 KiB.
    const tiny = await reader({ cacheBytes: 0, cacheNodes: 8 });
    const small = await reader({ cacheBytes: 4096, cacheNodes: 0 });
    const tree = new MerkleTree();
    const sizes: number[] = [];
    for (const count of [1, 254, 1, 1, 255, 2, 256, 300, 511, 3, 513, 100]) {
      const size = await grow(writer, tree, count);
      sizes.push(size);
      await waitFor(async () => (await warm.head()).size >= size, 'the standby to replay the batch');
      for (const store of [writer, warm, tiny, small]) await expectProofsAt(store, tree, size, sizes);
    }
    // A reader opened now starts cold, and answers every earlier size too.
    const cold = await reader();
    for (const size of sizes) await expectProofsAt(cold, tree, size, sizes);
    expect(sizes.at(-1)).toBe(2197);
  });

  it('an entry with its inclusion proof is one statement, a warm proof none, concurrent reads share one', async () => {
    const { writer, reader } = await freshLog();
    const tree = new MerkleTree();
    const size = await grow(writer, tree, 1500);
    const standby = await reader({ prefetch: false }); // nothing read in the background, so every statement is counted
    await waitFor(async () => (await standby.head()).size === size, 'the standby to replay the log');
    const statements = vi.spyOn(pg.Pool.prototype, 'query');
    const counted = async <T>(read: () => Promise<T>): Promise<[T, number]> => {
      statements.mockClear();
      const result = await read();
      return [result, statements.mock.calls.length];
    };
    const pair = (store: LogStore, index: number) =>
      Promise.all([store.inclusionProof(index, size), store.entry(index)]);

    // Cold: the entry, its proof's nodes and the stored size in one statement.
    const [[proof, entry], cold] = await counted(() => pair(standby, 700));
    expect(cold).toBe(1);
    expect(proof).toEqual(tree.inclusionProof(700, size));
    expect(entry!.leafHash).toEqual(tree.leafHash(700));
    // Warm: the proof from memory; only the entry is read.
    expect((await counted(() => standby.inclusionProof(700, size)))[1]).toBe(0);
    expect((await counted(() => pair(standby, 700)))[1]).toBe(1);
    // Sixteen resolvers at once: one statement for all of them.
    const indexes = Array.from({ length: 16 }, (_, i) => i * 93);
    const [answers, together] = await counted(() => Promise.all(indexes.map((i) => pair(standby, i))));
    expect(together).toBe(1);
    answers.forEach(([p, e], k) => {
      expect(p).toEqual(tree.inclusionProof(indexes[k]!, size));
      expect(e!.index).toBe(indexes[k]);
    });
    // The writer keeps the nodes it appended: proofs of fresh entries (receipts) need no read at all.
    const grown = await grow(writer, tree, 40);
    const [fresh, writerReads] = await counted(() =>
      Promise.all([1499, 1520, grown - 1].map((i) => writer.inclusionProof(i, grown))),
    );
    expect(writerReads).toBe(0);
    expect(fresh).toEqual([1499, 1520, grown - 1].map((i) => tree.inclusionProof(i, grown)));
    // A reader answers for a size it has seen from memory; for a new one it reads, once.
    await standby.rootAt(size);
    expect(await counted(() => standby.rootAt(size))).toEqual([tree.root(size), 0]);
    await waitFor(
      async () => (await writer.head()).size === grown && (await standby.head()).size === grown,
      'the standby',
    );
    expect(await counted(() => standby.rootAt(grown))).toEqual([tree.root(grown), 1]);
    expect(await counted(() => standby.rootAt(grown))).toEqual([tree.root(grown), 0]);
  });

  it('a reader opened on a log reads the levels it keeps in full in the background: then a root needs no statement', async () => {
    const { writer, reader } = await freshLog();
    const tree = new MerkleTree();
    const size = await grow(writer, tree, 3072); // 2048 + 1024: every root node is above level 0
    const statements = vi.spyOn(pg.Pool.prototype, 'query');
    const rootReads = async (store: LogStore) => {
      statements.mockClear();
      expect(await store.rootAt(size)).toEqual(tree.root(size));
      return statements.mock.calls.length;
    };
    const cold = await reader({ prefetch: false });
    await waitFor(async () => (await cold.head()).size === size, 'the standby to replay the log');
    expect(await rootReads(cold)).toBe(1);
    const warmed = await reader();
    await waitFor(async () => (await rootReads(warmed)) === 0, 'the prefetch to read the tree');
    // And within a 4 KiB budget only the levels that fit are read: proofs stay right.
    const small = await reader({ cacheBytes: 4096 });
    await expectProofsAt(small, tree, size, [1, 1024, 2048]);
  });

  it('a standby reader answers for a new size only once it has replayed it, then correctly; never a stale or phantom hash', async () => {
    const { writer, reader } = await freshLog();
    const standby = await reader({ cacheBytes: 0, cacheNodes: 64 });
    const tree = new MerkleTree();
    let size = await grow(writer, tree, 300);
    await waitFor(async () => (await standby.head()).size === size, 'the standby to replay the log');
    await expectProofsAt(standby, tree, size, []);
    let refused = 0;
    let served = 0;
    for (const count of [1, 5, 200, 56, 1, 255, 256, 257, 3, 700, 1, 1]) {
      const old = size;
      size = await grow(writer, tree, count);
      // Right after the commit the standby may not have replayed it (synchronous commit waits for its flush, not
      // its replay): each answer is either a refusal or the reference tree's, never something else.
      const attempts = await Promise.allSettled([
        standby.rootAt(size),
        standby.inclusionProof(size - 1, size),
        standby.inclusionProof(old - 1, size),
        standby.consistencyProof(old, size),
      ]);
      const expected = [
        tree.root(size),
        tree.inclusionProof(size - 1, size),
        tree.inclusionProof(old - 1, size),
        tree.consistencyProof(old, size),
      ];
      attempts.forEach((attempt, k) => {
        if (attempt.status === 'rejected') {
          expect(attempt.reason).toBeInstanceOf(RangeError);
          refused++;
        } else {
          expect(attempt.value).toEqual(expected[k]);
          served++;
        }
      });
      const entry = await standby.entry(size - 1);
      if (entry !== undefined) expect(entry.leafHash).toEqual(tree.leafHash(size - 1));
      await waitFor(async () => (await standby.head()).size === size, 'the standby to replay the batch');
      await expectProofsAt(standby, tree, size, [old]);
      // Beyond the log: refused, even the proof of leaf `size` at size + 1, whose nodes all lie in the stored log.
      for (const store of [standby, writer]) {
        await expect(store.rootAt(size + 1)).rejects.toThrow(RangeError);
        await expect(store.inclusionProof(size, size + 1)).rejects.toThrow(RangeError);
        await expect(store.inclusionProof(size - 1, size + 1)).rejects.toThrow(RangeError);
        await expect(store.consistencyProof(size, size + 1)).rejects.toThrow(RangeError);
      }
    }
    expect(refused + served).toBe(48);
  });

  it('bad indexes and sizes are refused (or find no entry) without failing the reads gathered with them', async () => {
    const { writer, reader } = await freshLog();
    const tree = new MerkleTree();
    const size = await grow(writer, tree, 600);
    const standby = await reader();
    await waitFor(async () => (await standby.head()).size === size, 'the standby to replay the log');
    for (const store of [writer, standby]) {
      const results = await Promise.allSettled([
        store.entry(-1),
        store.entry(1.5),
        store.entry(Number.NaN),
        store.entry(2 ** 60),
        store.entry(size),
        store.inclusionProof(-1, size),
        store.inclusionProof(size, size),
        store.inclusionProof(0, 2 ** 60),
        store.inclusionProof(0, Number.NaN),
        store.consistencyProof(size, 1),
        store.rootAt(-3),
        store.entry(42),
        store.inclusionProof(42, size),
      ]);
      expect(results.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => ({ status: 'fulfilled', value: undefined })));
      for (const result of results.slice(5, 11)) {
        expect(result.status).toBe('rejected');
        expect((result as PromiseRejectedResult).reason).toBeInstanceOf(RangeError);
      }
      expect(results[11]).toMatchObject({ status: 'fulfilled', value: { index: 42, leafHash: tree.leafHash(42) } });
      expect(results[12]).toEqual({ status: 'fulfilled', value: tree.inclusionProof(42, size) });
    }
  });
});
