/**
 * The SQLite store writes `op_index` and `did_index` rows once per flush, in key order (store/sqlite-tail.ts), and
 * keeps the entries after the last flush (the tail) in memory, read back from the log at open. Here the tail is a
 * few entries long so every path runs: lookups on both sides of a flush, a crash between flushes (the file copied
 * while the store is open, as kill -9 would leave it), an edited row, and schema-1 and schema-2 files migrated at open.
 * `did_entries` ((did, seq) → leaf, schema 3) is written per flush too: reads across it and the tail, uniqueness.
 */
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { indexRootOf, type Operation, operationHash, parseOperationWithHash } from '@did-city/method';
import { parseCheckpoint, parseNote, verifyInclusion } from '@did-city/tlog';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { buildBatch } from '../src/sequencer/batch.ts';
import type { AppendConflictError, LogStore } from '../src/store/interface.ts';
import { SqliteLogStore } from '../src/store/sqlite.ts';
import { opKey } from '../src/store/sqlite-tail.ts';
import { CITY_KEY, cityCreate, departmentCreate, registryGenesis, SJZ, tempDir, updateAfter } from './fixtures.ts';

const { dir, cleanup } = tempDir('ledger-tail-');
afterAll(() => cleanup());
let files = 0;

async function appendOps(store: LogStore, ops: Operation[]): Promise<void> {
  const { size } = await store.head();
  const items = ops.map((op) => parseOperationWithHash(op));
  const { batch } = await buildBatch({ store, items, size, integratedTime: '2026-11-21T08:00:00Z' });
  await store.append(batch);
}

function meta(file: string): Record<string, string> {
  const db = new Database(file, { readonly: true });
  const rows = db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[];
  db.close();
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

function count(file: string, table: string): number {
  const db = new Database(file, { readonly: true });
  const { n } = db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number };
  db.close();
  return n;
}

/** A log of 9 entries (registry, city, 6 departments, a city update) in batches of 2 or 3, with a tail of 4. */
async function smallLog(): Promise<{ file: string; store: SqliteLogStore; ops: Operation[] }> {
  const file = join(dir, `log-${++files}.db`);
  const store = new SqliteLogStore({ file, tailEntries: 4 });
  const city = await cityCreate();
  const departments = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((n) => departmentCreate(n)));
  const ops = [await registryGenesis(), city, ...departments, await updateAfter(city, CITY_KEY, 'v1')];
  for (const slice of [
    [0, 2],
    [2, 5],
    [5, 7],
    [7, 9],
  ])
    await appendOps(store, ops.slice(slice[0], slice[1]));
  return { file, store, ops };
}

describe('SqliteLogStore: lookups written per flush', () => {
  it('finds every operation by hash and serves the same DID index on both sides of a flush', async () => {
    const { file, store, ops } = await smallLog();
    // Flushes when the tail reached 4: after 5 entries; 9 - 5 = 4 reached it again at 9.
    expect(meta(file)['indexed_size']).toBe('9');
    await appendOps(store, [await departmentCreate('g')]);
    expect(meta(file)['indexed_size']).toBe('9');
    for (const [i, op] of ops.entries()) expect((await store.entryByOperationHash(operationHash(op)))?.index).toBe(i);
    expect((await store.entryByOperationHash(operationHash(await departmentCreate('g'))))?.index).toBe(9);
    expect(await store.entryByOperationHash(operationHash(await departmentCreate('h')))).toBeUndefined();
    expect(count(file, 'op_index')).toBe(9);
    expect((await store.integrityCheck()).ok).toBe(true);
    // The check wrote the tail first: its rows cover the whole log.
    expect(meta(file)['indexed_size']).toBe('10');
    expect([count(file, 'op_index'), count(file, 'did_index')]).toEqual([10, 9]);
    await store.close();
  });

  it('after a crash between flushes, reads the tail back from the log: same lookups, same index root', async () => {
    const { file, store, ops } = await smallLog();
    await appendOps(store, [await updateAfter(ops[8]!, CITY_KEY, 'v2'), await departmentCreate('g')]);
    const root = (await store.didIndex(11)).root();
    // The file as kill -9 would leave it: committed batches in the WAL, the tail's rows never written.
    const crashed = join(dir, `crashed-${files}.db`);
    copyFileSync(file, crashed);
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${crashed}-wal`);
    const reopened = new SqliteLogStore({ file: crashed, tailEntries: 4 });
    expect(meta(crashed)['indexed_size']).toBe('9');
    expect(Buffer.from((await reopened.didIndex(11)).root())).toEqual(Buffer.from(root));
    expect((await reopened.didIndex(11)).head(SJZ)).toMatchObject({ seq: 2, index: 9 });
    expect((await reopened.entryByOperationHash(operationHash(await departmentCreate('g'))))?.index).toBe(10);
    // A second copy of an entry already in the tail (a buggy sequencer) is refused: (did, seq) is unique.
    const again = (await reopened.entries(10, 11))[0]!;
    const error = await reopened.append({ expectedSize: 11, entries: [again], states: [] }).catch((e: unknown) => e);
    expect((error as AppendConflictError).conflict).toBe('unique');
    expect((await reopened.head()).size).toBe(11);
    expect((await reopened.integrityCheck()).ok).toBe(true);
    await Promise.all([store.close(), reopened.close()]);
  });

  it('an edited did_index row below the flushed size is an integrity problem; a rebuild repairs rows and op_index', async () => {
    const { file, store, ops } = await smallLog();
    await store.close();
    const db = new Database(file);
    db.prepare('UPDATE did_index SET seq = 0, leaf_index = 1 WHERE did = ?').run(SJZ);
    db.prepare('DELETE FROM op_index WHERE leaf_index = 3').run();
    db.close();
    const reopened = new SqliteLogStore({ file, tailEntries: 4 });
    const report = await reopened.integrityCheck();
    expect(report.problems).toEqual([
      {
        kind: 'did-index',
        did: SJZ,
        detail: `DID index row of ${SJZ}: says seq 0 at leaf 1, the log's last entry is seq 1 at leaf 8`,
      },
    ]);
    expect(await reopened.entryByOperationHash(operationHash(ops[3]!))).toBeUndefined();
    await reopened.rebuildDerivedState();
    expect((await reopened.integrityCheck()).ok).toBe(true);
    expect((await reopened.entryByOperationHash(operationHash(ops[3]!)))?.index).toBe(3);
    await reopened.close();
  });
  it('op_index keys may collide: each lookup compares the full operation hash of every candidate', async () => {
    // op_key is 53 bits of the hash. Real collisions cannot be made here, so rows are injected: the key of the
    // operation at leaf 3 also points at leaf 4 and the key of leaf 4 at leaf 3. Both operations share both keys,
    // as two colliding operations would, and each must still be found at its own leaf, before and after a reopen.
    const { file, store, ops } = await smallLog();
    await store.close();
    const [a, b] = [operationHash(ops[3]!), operationHash(ops[4]!)];
    const db = new Database(file);
    const insert = db.prepare('INSERT INTO op_index (op_key, leaf_index) VALUES (?, ?)');
    insert.run(opKey(a), 4);
    insert.run(opKey(b), 3);
    db.close();
    const reopened = new SqliteLogStore({ file, tailEntries: 4 });
    expect((await reopened.entryByOperationHash(a))?.index).toBe(3);
    expect((await reopened.entryByOperationHash(b))?.index).toBe(4);
    // A hash that shares a key with stored operations but is none of them is not found.
    const absent = operationHash(await departmentCreate('absent'));
    expect(opKey(absent)).not.toBe(opKey(a));
    await reopened.close();
    const db2 = new Database(file);
    db2.prepare('INSERT INTO op_index (op_key, leaf_index) VALUES (?, ?)').run(opKey(absent), 3);
    db2.close();
    const again = new SqliteLogStore({ file, tailEntries: 4 });
    expect(await again.entryByOperationHash(absent)).toBeUndefined();
    expect((await again.entryByOperationHash(a))?.index).toBe(3);
    await again.close();
  });
});

describe('SqliteLogStore: a schema-1 file', () => {
  // Written by the previous store (a ledger node: registry, city, a department, two city updates, 4 checkpoints).
  const FIXTURE = join(import.meta.dirname, 'fixtures-db', 'ledger-v1.db');

  it('is migrated at open: no UNIQUE operation_hash index, op_index filled, lookups, index root and appends work', async () => {
    const file = join(dir, 'v1.db');
    copyFileSync(FIXTURE, file);
    expect(meta(file)['schema_version']).toBe('1');
    const store = new SqliteLogStore({ file });
    expect(meta(file)).toMatchObject({ schema_version: '3', indexed_size: '5' });
    expect(entryIndexes(file)).toEqual([]); // neither UNIQUE operation_hash nor UNIQUE (did, seq)
    expect(count(file, 'op_index')).toBe(5);
    expect(count(file, 'did_entries')).toBe(5);
    const entries = await store.entries(0, 5);
    for (const e of entries) expect((await store.entryByOperationHash(e.operationHash))?.index).toBe(e.index);
    const checkpoint = (await store.latestCheckpoint())!;
    expect(checkpoint.size).toBe(5);
    const committed = indexRootOf(parseCheckpoint(parseNote(checkpoint.note).text));
    expect(Buffer.from((await store.didIndex(5)).root())).toEqual(Buffer.from(committed!));
    expect((await store.integrityCheck()).ok).toBe(true);
    await appendOps(store, [await departmentCreate('new')]);
    expect((await store.head()).size).toBe(6);
    await store.close();
    // Opened again: already at schema 3, nothing migrated twice.
    const again = new SqliteLogStore({ file });
    expect((await again.entryByOperationHash(operationHash(await departmentCreate('new'))))?.index).toBe(5);
    expect((await again.integrityCheck()).ok).toBe(true);
    await again.close();
  });
});

interface TruthRow {
  leaf_index: number;
  did: string;
  seq: number;
  operation_hash: string;
  bytes: number;
}

/** What a file's entries say, read with plain SQL before the store opens it: the answers every read must give. */
function entriesOf(file: string): TruthRow[] {
  const db = new Database(file, { readonly: true });
  const rows = db
    .prepare('SELECT leaf_index, did, seq, operation_hash, length(leaf) AS bytes FROM entries ORDER BY leaf_index')
    .all() as TruthRow[];
  db.close();
  return rows;
}

function entryIndexes(file: string): string[] {
  const db = new Database(file, { readonly: true });
  const rows = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'entries'").all() as {
    name: string;
  }[];
  db.close();
  return rows.map((r) => r.name);
}

/** Every read keyed by DID, by (did, seq) or by operation hash answers as the rows say. */
async function expectReadsMatch(store: SqliteLogStore, truth: TruthRow[]): Promise<void> {
  const dids = [...new Set(truth.map((r) => r.did))];
  const size = truth.length;
  for (const did of dids) {
    const own = truth.filter((r) => r.did === did).sort((x, y) => x.seq - y.seq);
    expect((await store.entriesOfDid(did)).map((e) => e.index)).toEqual(own.map((r) => r.leaf_index));
    expect((await store.lastEntryOfDid(did))?.index).toBe(own.at(-1)!.leaf_index);
    expect(await store.didUsage(did)).toEqual({
      operations: own.length,
      bytes: own.reduce((sum, r) => sum + r.bytes, 0),
    });
    for (const r of own) expect(await store.hasSeq(did, r.seq)).toBe(true);
    expect(await store.hasSeq(did, own.at(-1)!.seq + 1)).toBe(false);
    // Slices: after the first seq, one at a time, and below a size that cuts the DID's entries.
    const after = own.slice(1);
    expect((await store.entriesOfDid(did, undefined, { afterSeq: own[0]!.seq })).map((e) => e.index)).toEqual(
      after.map((r) => r.leaf_index),
    );
    expect((await store.entriesOfDidPage(did, { afterSeq: own[0]!.seq, limit: 1 })).map((e) => e.index)).toEqual(
      after.slice(0, 1).map((r) => r.leaf_index),
    );
    const cut = own.at(-1)!.leaf_index;
    expect((await store.entriesOfDid(did, cut)).map((e) => e.index)).toEqual(
      own.filter((r) => r.leaf_index < cut).map((r) => r.leaf_index),
    );
    const state = await store.didState(did);
    expect(state?.head.seq).toBe(own.at(-1)!.seq);
    expect((await store.didIndex(size)).head(did)).toMatchObject({ seq: own.at(-1)!.seq, index: cut });
  }
  for (const r of truth) expect((await store.entryByOperationHash(r.operation_hash))?.index).toBe(r.leaf_index);
  expect(await store.lastEntryOfDid('did:city:cn:999999')).toBeUndefined();
  expect(await store.didUsage('did:city:cn:999999')).toEqual({ operations: 0, bytes: 0 });
}

describe('SqliteLogStore: a schema-2 file', () => {
  // Written by the schema-2 store (a ledger node with a tail of 4: registry, city, six departments, updates of the
  // city and of one department, a checkpoint per batch), copied while open as kill -9 leaves it: its last entries
  // are in the tail, not yet in op_index or did_index.
  const FIXTURE = join(import.meta.dirname, 'fixtures-db', 'ledger-v2.db');

  it('is migrated at open: no index on entries, did_entries filled to indexed_size, the same answers to every read', async () => {
    const file = join(dir, 'v2.db');
    copyFileSync(FIXTURE, file);
    const before = meta(file);
    expect(before['schema_version']).toBe('2');
    const truth = entriesOf(file);
    const indexedSize = Number(before['indexed_size']);
    expect(indexedSize).toBeGreaterThan(0);
    expect(indexedSize).toBeLessThan(truth.length);
    expect(entryIndexes(file)).toHaveLength(1); // UNIQUE (did, seq)
    const store = new SqliteLogStore({ file });
    expect(meta(file)).toMatchObject({ schema_version: '3', indexed_size: String(indexedSize) });
    expect(entryIndexes(file)).toEqual([]);
    expect(count(file, 'did_entries')).toBe(indexedSize);
    expect(entriesOf(file)).toEqual(truth);
    await expectReadsMatch(store, truth);
    const checkpoint = (await store.latestCheckpoint())!;
    const committed = indexRootOf(parseCheckpoint(parseNote(checkpoint.note).text));
    expect(Buffer.from((await store.didIndex(checkpoint.size)).root())).toEqual(Buffer.from(committed!));
    for (const r of truth.filter((x) => x.leaf_index < checkpoint.size)) {
      const proof = await store.inclusionProof(r.leaf_index, checkpoint.size);
      const entry = (await store.entry(r.leaf_index))!;
      expect(
        verifyInclusion({
          leafIndex: r.leaf_index,
          treeSize: checkpoint.size,
          leafHash: entry.leafHash,
          proof,
          rootHash: checkpoint.root,
        }),
      ).toBe(true);
    }
    // A second copy of an entry is refused, whether it was flushed before the migration or is in the tail.
    for (const index of [1, truth.length - 1]) {
      const again = (await store.entries(index, index + 1))[0]!;
      const error = await store
        .append({ expectedSize: truth.length, entries: [again], states: [] })
        .catch((e: unknown) => e);
      expect((error as AppendConflictError).conflict).toBe('unique');
    }
    expect((await store.integrityCheck()).ok).toBe(true);
    await appendOps(store, [await departmentCreate('new')]);
    await store.close();
    // Opened again: already at schema 3, nothing migrated twice; the rows now cover the whole log.
    expect(meta(file)).toMatchObject({ schema_version: '3', indexed_size: String(truth.length + 1) });
    const again = new SqliteLogStore({ file });
    await expectReadsMatch(again, entriesOf(file));
    expect((await again.integrityCheck()).ok).toBe(true);
    await again.close();
  });

  it('migrates in one transaction: a migration that fails leaves the file at schema 2, rows and index untouched', async () => {
    const file = join(dir, 'v2-refused.db');
    copyFileSync(FIXTURE, file);
    const truth = entriesOf(file);
    const before = meta(file);
    // The last step of the migration (filling did_entries) is refused, after entries were copied and replaced.
    const db = new Database(file);
    db.exec(`CREATE TABLE did_entries (did TEXT NOT NULL, seq INTEGER NOT NULL, leaf_index INTEGER NOT NULL,
             PRIMARY KEY (did, seq)) STRICT, WITHOUT ROWID`);
    db.exec("CREATE TRIGGER refuse BEFORE INSERT ON did_entries BEGIN SELECT RAISE(ABORT, 'refused'); END");
    db.close();
    expect(() => new SqliteLogStore({ file })).toThrow(/refused/);
    expect(meta(file)).toEqual(before);
    expect(entryIndexes(file)).toHaveLength(1);
    expect(entriesOf(file)).toEqual(truth);
    const fix = new Database(file);
    fix.exec('DROP TRIGGER refuse');
    fix.close();
    const store = new SqliteLogStore({ file });
    expect(meta(file)['schema_version']).toBe('3');
    await expectReadsMatch(store, truth);
    expect((await store.integrityCheck()).ok).toBe(true);
    await store.close();
  });
});

describe('SqliteLogStore: did_entries ((did, seq) → leaf), written per flush', () => {
  it('reads a DID across the flushed rows and the tail; (did, seq) stays unique on both sides and within a batch', async () => {
    const { file, store, ops } = await smallLog();
    // Flushed at 9; two more entries of the city and a department in the tail.
    const update = await updateAfter(ops[8]!, CITY_KEY, 'v2');
    await appendOps(store, [update, await departmentCreate('g')]);
    expect(meta(file)['indexed_size']).toBe('9');
    expect(count(file, 'did_entries')).toBe(9);
    await expectReadsMatch(store, entriesOf(file));
    const [flushed, tail] = [(await store.entries(8, 9))[0]!, (await store.entries(10, 11))[0]!];
    for (const entries of [[flushed], [tail], [{ ...tail, did: 'did:city:cn:130100:h' }, tail]]) {
      const error = await store.append({ expectedSize: 11, entries, states: [] }).catch((e: unknown) => e);
      expect((error as AppendConflictError).conflict).toBe('unique');
    }
    const twice = { ...tail, did: 'did:city:cn:130100:h', operationHash: 'zQm-not-stored' };
    const error = await store.append({ expectedSize: 11, entries: [twice, twice], states: [] }).catch((e) => e);
    expect((error as AppendConflictError).conflict).toBe('unique');
    expect((await store.head()).size).toBe(11);
    expect((await store.integrityCheck()).ok).toBe(true);
    expect(count(file, 'did_entries')).toBe(11);
    await store.close();
  });

  it('a missing or edited did_entries row is an integrity problem naming the leaf; a rebuild repairs it', async () => {
    const { file, store } = await smallLog();
    await store.close();
    const db = new Database(file);
    db.prepare('DELETE FROM did_entries WHERE leaf_index = 3').run();
    db.prepare('UPDATE did_entries SET leaf_index = 2 WHERE leaf_index = 4').run();
    db.close();
    const reopened = new SqliteLogStore({ file, tailEntries: 4 });
    const report = await reopened.integrityCheck();
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      { kind: 'did-entries', index: 3, detail: 'leaf 3: no (did, seq) lookup row names it' },
      { kind: 'did-entries', index: 4, detail: 'leaf 4: no (did, seq) lookup row names it' },
      {
        kind: 'did-entries',
        index: 2,
        detail: 'a (did, seq) lookup row of seq 0 names leaf 2, which is not that DID’s entry of that seq',
      },
    ]);
    await reopened.rebuildDerivedState();
    expect((await reopened.integrityCheck()).ok).toBe(true);
    await expectReadsMatch(reopened, entriesOf(file));
    await reopened.close();
  });
});
