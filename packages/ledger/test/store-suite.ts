// The LogStore contract, written once: store.test.ts runs it against SqliteLogStore and PostgresLogStore.
import { DidIndex, type Operation, operationHash, parseOperationWithHash } from '@did-city/method';
import { leafHash, MerkleTree, verifyConsistency, verifyInclusion } from '@did-city/tlog';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildBatch } from '../src/sequencer/batch.ts';
import { encodeLeaf } from '../src/leaf.ts';
import { AppendConflictError, type LogStore } from '../src/store/interface.ts';
import { CITY_KEY, cityCreate, departmentCreate, registryGenesis, SJZ, updateAfter } from './fixtures.ts';

const T = '2026-11-21T08:00:00Z';

async function appendOps(store: LogStore, ops: Operation[], integratedTime = T) {
  const { size } = await store.head();
  const items = ops.map((op) => parseOperationWithHash(op));
  const { batch, outcomes } = await buildBatch({ store, items, size, integratedTime });
  await store.append(batch);
  return outcomes;
}

export interface StoreFixture {
  /** Opens the store under test; after close, opens the same log again. */
  open(): Promise<LogStore>;
  /** Deletes every derived-state row behind the store's back, as a second connection to its database would. */
  clearDerivedState(): Promise<void>;
  /** Removes the log and everything the fixture made. */
  destroy(): Promise<void>;
  /** Bytes of a DID's `did_state` row as the database holds them (read behind the store's back). */
  stateRowBytes(did: string): Promise<number>;
  /** Runs one SQL statement on the database behind the store's back (`?` placeholders become `$n` on PostgreSQL). */
  execute(sql: string, ...values: Array<string | number>): Promise<void>;
}

/**
 * The LogStore contract as tests, run against every implementation (store.test.ts): one suite, so the SQLite and
 * PostgreSQL stores cannot drift apart. `fixture` makes a fresh, empty log for each test.
 */
export function describeLogStore(name: string, fixture: () => Promise<StoreFixture>): void {
  describe(name, () => {
    let log: StoreFixture;
    let store: LogStore;
    let genesis: Operation;
    let city: Operation;

    beforeEach(async () => {
      log = await fixture();
      store = await log.open();
      genesis = await registryGenesis();
      city = await cityCreate();
    });

    afterEach(async () => {
      await store.close();
      await log.destroy();
    });

    it('stores leaf bytes = JCS({integratedTime, operation}) with their RFC 6962 leaf hash (spec §4)', async () => {
      await appendOps(store, [genesis, city]);
      const [first] = await store.entries(0, 1);
      expect(first!.leaf).toEqual(encodeLeaf({ integratedTime: T, operation: genesis }));
      expect(
        new TextDecoder().decode(first!.leaf).startsWith('{"integratedTime":"2026-11-21T08:00:00Z","operation":{'),
      ).toBe(true);
      expect(first!.leafHash).toEqual(leafHash(first!.leaf));
      expect(first!.operationHash).toBe(operationHash(genesis));
      expect(await store.entryByOperationHash(operationHash(city))).toMatchObject({ index: 1, did: SJZ, seq: 0 });
    });

    it('computes the same root and proofs as an in-memory Merkle tree, reading stored subtree hashes', async () => {
      const ops = [genesis, city];
      for (let i = 0; i < 11; i++) ops.push(await departmentCreate(`dept-${i}`));
      for (const op of ops) await appendOps(store, [op]);
      const tree = MerkleTree.fromLeafHashes((await store.entries(0, 13)).map((e) => e.leafHash));
      const head = await store.head();
      expect(head).toEqual({ size: 13, root: tree.root() });
      for (let size = 1; size <= 13; size++) {
        expect(await store.rootAt(size)).toEqual(tree.root(size));
        for (let index = 0; index < size; index++) {
          const proof = await store.inclusionProof(index, size);
          expect(proof).toEqual(tree.inclusionProof(index, size));
          expect(
            verifyInclusion({
              leafIndex: index,
              treeSize: size,
              leafHash: tree.leafHash(index),
              proof,
              rootHash: tree.root(size),
            }),
          ).toBe(true);
        }
        const proof = await store.consistencyProof(size, 13);
        expect(
          verifyConsistency({ oldSize: size, newSize: 13, oldRoot: tree.root(size), newRoot: head.root, proof }),
        ).toBe(true);
      }
      await expect(store.inclusionProof(0, 14)).rejects.toThrow(RangeError);
    });

    it('proofs and roots across complete blocks of 256 leaves match an in-memory tree, cold and warm', async () => {
      // Raw leaves (the store does not validate operations): 700 in batches of 100, so blocks complete mid-batch.
      const leaves = Array.from({ length: 700 }, (_, i) => new TextEncoder().encode(`leaf ${i}`));
      for (let start = 0; start < leaves.length; start += 100) {
        const entries = leaves.slice(start, start + 100).map((leaf, i) => ({
          leaf,
          operationHash: `zQm-leaf-${start + i}`,
          did: `did:city:cn:130100:leaf-${start + i}`,
          seq: 0,
          integratedTime: T,
        }));
        await store.append({ expectedSize: start, entries, states: [] });
      }
      const tree = MerkleTree.fromLeafHashes(leaves.map((leaf) => leafHash(leaf)));
      const sizes = [255, 256, 257, 511, 512, 513, 700];
      for (const round of ['cold', 'warm']) {
        for (const size of sizes) {
          expect(await store.rootAt(size), `${round} root ${size}`).toEqual(tree.root(size));
          for (const index of [0, 1, 254, 255, 256, 300, 510, 511, 512, 699].filter((i) => i < size)) {
            expect(await store.inclusionProof(index, size), `${round} ${index}/${size}`).toEqual(
              tree.inclusionProof(index, size),
            );
          }
          for (const old of sizes.filter((s) => s <= size)) {
            expect(await store.consistencyProof(old, size), `${round} ${old}→${size}`).toEqual(
              tree.consistencyProof(old, size),
            );
          }
        }
      }
      await expect(store.inclusionProof(0, 701)).rejects.toThrow(RangeError);
    });

    it('appends a batch atomically: a UNIQUE (did, seq) violation leaves nothing of the batch', async () => {
      await appendOps(store, [genesis, city]);
      const a = await updateAfter(city, CITY_KEY, 'a');
      const b = await updateAfter(city, CITY_KEY, 'b');
      const dept = await departmentCreate('water');
      // Forge a batch as a buggy sequencer would: both updates claim seq 1 of the city.
      const leaf = (op: Operation) => ({
        leaf: encodeLeaf({ integratedTime: T, operation: op }),
        operationHash: operationHash(op),
        did: op.did,
        seq: op.seq,
        integratedTime: T,
      });
      const batch = { expectedSize: 2, entries: [leaf(dept), leaf(a), leaf(b)], states: [] };
      const error = await store.append(batch).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppendConflictError);
      expect((error as AppendConflictError).conflict).toBe('unique');
      expect((await store.head()).size).toBe(2);
      expect(await store.entryByOperationHash(operationHash(dept))).toBeUndefined();
      // The same operation twice (UNIQUE operation_hash) is refused too; the store stays usable.
      await expect(store.append({ expectedSize: 2, entries: [leaf(a), leaf(a)], states: [] })).rejects.toBeInstanceOf(
        AppendConflictError,
      );
      await appendOps(store, [a]);
      expect((await store.head()).size).toBe(3);
    });

    it('refuses a batch built against another log size', async () => {
      await appendOps(store, [genesis]);
      const { batch } = await buildBatch({ store, items: [parseOperationWithHash(city)], size: 1, integratedTime: T });
      await store.append(batch);
      const error = await store.append(batch).catch((e: unknown) => e);
      expect((error as AppendConflictError).conflict).toBe('size');
    });

    it('keeps entries, tree, checkpoints and derived state across close and reopen', async () => {
      await appendOps(store, [genesis, city, await departmentCreate('water')]);
      const head = await store.head();
      await store.saveCheckpoint({ size: 3, root: head.root, note: 'note\n' });
      const before = await store.didState(SJZ);
      await store.close();
      store = await log.open();
      expect(await store.head()).toEqual(head);
      expect(await store.latestCheckpoint()).toEqual({ size: 3, root: head.root, note: 'note\n' });
      expect(await store.didState(SJZ)).toEqual(before);
      expect((await store.entriesOfDid(SJZ)).map((e) => e.index)).toEqual([1]);
      await appendOps(store, [await departmentCreate('power')]);
      expect((await store.head()).size).toBe(4);
    });

    it('refuses to store a checkpoint whose root is not the log root at that size', async () => {
      await appendOps(store, [genesis, city]);
      await expect(store.saveCheckpoint({ size: 2, root: await store.rootAt(1), note: 'x\n' })).rejects.toThrow();
      expect(await store.latestCheckpoint()).toBeUndefined();
    });

    it('rebuilds derived state equal to the incrementally maintained one', async () => {
      const update = await updateAfter(city, CITY_KEY, 'v1');
      await appendOps(store, [genesis, city]);
      await appendOps(store, [update, await departmentCreate('water')]);
      await appendOps(store, [await updateAfter(update, CITY_KEY, 'v2')]);
      const incremental = await store.didState(SJZ);
      expect(incremental?.versions.map((v) => v.seq)).toEqual([0, 1, 2]);
      await log.clearDerivedState();
      expect(await store.didState(SJZ)).toBeUndefined();
      await store.rebuildDerivedState();
      expect(await store.didState(SJZ)).toEqual(incremental);
      expect((await store.integrityCheck()).ok).toBe(true);
    });

    it('the integrity check compares each DID index row with the DID’s last entry; a rebuild repairs them', async () => {
      const update = await updateAfter(city, CITY_KEY, 'v1');
      await appendOps(store, [genesis, city]);
      await appendOps(store, [update]);
      expect((await store.integrityCheck()).ok).toBe(true);
      await log.execute('UPDATE did_index SET seq = 0, leaf_index = 1 WHERE did = ?', SJZ);
      await log.execute(
        "INSERT INTO did_index (did, seq, leaf_index, operation_hash) VALUES ('did:city:cn:110000', 0, 1, 'zQmX')",
      );
      const rolledBack = await store.integrityCheck();
      expect(rolledBack.ok).toBe(false);
      expect(rolledBack.problems).toEqual([
        {
          kind: 'did-index',
          did: SJZ,
          detail: `DID index row of ${SJZ}: says seq 0 at leaf 1, the log's last entry is seq 1 at leaf 2`,
        },
        {
          kind: 'did-index',
          did: 'did:city:cn:110000',
          detail: 'DID index row of did:city:cn:110000: names a DID with no entry in the log',
        },
      ]);
      await log.execute('DELETE FROM did_index WHERE did = ?', 'did:city:cn');
      expect((await store.integrityCheck()).problems.map((p) => p.did)).toContain('did:city:cn');
      await store.rebuildDerivedState();
      expect((await store.integrityCheck()).ok).toBe(true);
    });

    it('one batch with two operations of a DID leaves the later one as its DID index row and head state', async () => {
      const v1 = await updateAfter(city, CITY_KEY, 'v1');
      const v2 = await updateAfter(v1, CITY_KEY, 'v2');
      await appendOps(store, [genesis]);
      await appendOps(store, [city, v1, v2]);
      expect((await store.didIndex(4)).head(SJZ)).toEqual({ seq: 2, index: 3, operationHash: operationHash(v2) });
      // The check writes SQLite's tail rows first (store/sqlite-tail.ts): then the rows describe the whole log.
      expect((await store.integrityCheck()).ok).toBe(true);
      const rows = await store.indexRows();
      expect(rows.size).toBe(4);
      expect(rows.heads.find((h) => h.did === SJZ)).toEqual({
        did: SJZ,
        seq: 2,
        index: 3,
        operationHash: operationHash(v2),
      });
      expect((await store.didHead(SJZ))?.versions.map((v) => v.seq)).toEqual([2]);
    });

    it('an update writes the head state only: the did_state row does not grow with the history, reads page', async () => {
      await appendOps(store, [genesis, city]);
      let prev = city;
      const rowBytes: number[] = [];
      for (let i = 1; i <= 30; i++) {
        prev = await updateAfter(prev, CITY_KEY, `v${i}-${'x'.repeat(1500)}`);
        await appendOps(store, [prev]);
        rowBytes.push(await log.stateRowBytes(SJZ));
      }
      // Whole histories in the row would make it 30 times the first; the head state stays one version long.
      expect(rowBytes.at(-1)! / rowBytes[0]!).toBeLessThan(1.1);
      const head = await store.didHead(SJZ);
      expect(head?.versions.map((v) => v.seq)).toEqual([30]);
      const full = await store.didState(SJZ);
      expect(full?.versions.map((v) => v.seq)).toEqual([...Array(31).keys()]);
      expect(full?.versions.at(-1)).toEqual(head?.versions[0]);
      expect({ ...full, versions: full?.versions.slice(-1) }).toEqual(head);

      const pages: number[][] = [];
      for (let afterSeq = -1; ; ) {
        const page = await store.entriesOfDidPage(SJZ, { afterSeq, limit: 8 });
        if (page.length === 0) break;
        pages.push(page.map((e) => e.seq));
        afterSeq = page.at(-1)!.seq;
      }
      expect(pages.map((p) => p.length)).toEqual([8, 8, 8, 7]);
      expect(pages.flat()).toEqual([...Array(31).keys()]);
      const below = await store.entriesOfDidPage(SJZ, { afterSeq: 0, limit: 100, beforeSize: 5 });
      expect(below.map((e) => e.index)).toEqual([2, 3, 4]);

      const entries = await store.entriesOfDid(SJZ);
      const bytes = entries.reduce((sum, e) => sum + e.leaf.length, 0);
      expect(await store.didUsage(SJZ)).toEqual({ operations: 31, bytes });
      expect(await store.didUsage('did:city:cn:110000')).toEqual({ operations: 0, bytes: 0 });
    });

    it('lists checkpoints by size', async () => {
      await appendOps(store, [genesis]);
      await store.saveCheckpoint({ size: 1, root: await store.rootAt(1), note: 'one\n' });
      await appendOps(store, [city]);
      await store.saveCheckpoint({ size: 2, root: await store.rootAt(2), note: 'two\n' });
      expect((await store.checkpoints()).map((c) => c.size)).toEqual([1, 2]);
      expect((await store.checkpoints({ fromSize: 2 })).map((c) => c.note)).toEqual(['two\n']);
      expect((await store.checkpointAt(1))?.note).toBe('one\n');
    });

    it('keeps the DID index (spec §7.9) of every size from the checkpoint before the latest, across a reopen', async () => {
      const [water, update] = [await departmentCreate('water'), await updateAfter(city, CITY_KEY, 'v1')];
      await appendOps(store, [genesis, city]);
      await store.saveCheckpoint({ size: 2, root: await store.rootAt(2), note: 'two\n' });
      await appendOps(store, [update, water]);
      // Leaves 2 and 3 are appended but not anchored: a reopen must still serve the index of size 2.
      const expected = async (size: number) => indexOfLog(await store.entries(0, size));
      const roots = { 2: await expected(2), 4: await expected(4) };
      expect((await store.didIndex(2)).root()).toEqual(roots[2]);
      expect((await store.didIndex(4)).root()).toEqual(roots[4]);
      expect((await store.didIndex(4)).head(SJZ)).toEqual({ seq: 1, index: 2, operationHash: operationHash(update) });
      await store.close();
      store = await log.open();
      expect((await store.didIndex(2)).root()).toEqual(roots[2]);
      expect((await store.didIndex(2)).head(SJZ)).toEqual({ seq: 0, index: 1, operationHash: operationHash(city) });
      expect((await store.didIndex(4)).root()).toEqual(roots[4]);
      // Two checkpoints later, size 2 is no longer kept; the range is the stored log.
      await store.saveCheckpoint({ size: 4, root: await store.rootAt(4), note: 'four\n' });
      await appendOps(store, [await departmentCreate('power')]);
      await store.saveCheckpoint({ size: 5, root: await store.rootAt(5), note: 'five\n' });
      await expect(store.didIndex(2)).rejects.toThrow(RangeError);
      await expect(store.didIndex(6)).rejects.toThrow(RangeError);
      expect((await store.didIndex(5)).root()).toEqual(await expected(5));
    });

    it('reads a slice of a DID history by seq', async () => {
      const v1 = await updateAfter(city, CITY_KEY, 'v1');
      await appendOps(store, [genesis, city, v1]);
      await appendOps(store, [await updateAfter(v1, CITY_KEY, 'v2')]);
      expect((await store.entriesOfDid(SJZ, undefined, { afterSeq: 0 })).map((e) => e.seq)).toEqual([1, 2]);
      expect((await store.entriesOfDid(SJZ, undefined, { afterSeq: 0, limit: 1 })).map((e) => e.seq)).toEqual([1]);
      expect((await store.entriesOfDid(SJZ, 3, { afterSeq: 0 })).map((e) => e.seq)).toEqual([1]);
    });
  });
}

/** The index of a log, rebuilt from its leaves with the method library alone. */
function indexOfLog(entries: readonly { leaf: Uint8Array; index: number }[]): Uint8Array {
  const heads = entries.map((e) => {
    const { operation } = JSON.parse(new TextDecoder().decode(e.leaf)) as { operation: Operation };
    return { did: operation.did, seq: operation.seq, index: e.index, operationHash: operationHash(operation) };
  });
  return DidIndex.empty().apply(heads).root();
}
