/**
 * The embedded LogStore on one SQLite file (better-sqlite3): WAL, synchronous = FULL, one IMMEDIATE
 * transaction per batch. The right-edge frontier of the tree is kept in memory so an append computes the new
 * root without reading earlier leaves; every complete subtree it creates is stored, so roots and proofs for
 * any size read O(log n) rows. An append writes only rows keyed by position (entries, tree nodes) and the DIDs'
 * states; the lookups keyed by hash or DID, (did, seq) among them, are written in key order once per flush
 * (sqlite-tail.ts), and the entries since the last flush are looked up in memory.
 */
import type { DidHistory, DidIndex } from '@did-city/method';
import {
  appendToFrontier,
  type Frontier,
  frontierRoot,
  leafHash,
  type NodeHash,
  type NodeId,
  readerFromNodes,
  rootNodes,
  treeRoot,
} from '@did-city/tlog';
import Database from 'better-sqlite3';
import { checkIntegrity } from './integrity.ts';
import {
  type AppendBatch,
  AppendConflictError,
  type DidUsage,
  type IntegrityProblem,
  type IntegrityReport,
  type LogStore,
  type SeqRange,
  type StoredCheckpoint,
  type StoredEntry,
  type TreeHead,
} from './interface.ts';
import { replayLog } from './replay.ts';
import { type IndexedHead, type IndexSource, IndexVersions } from './index-versions.ts';
import { DID_ENTRIES_FROM_ENTRIES, HEADS_FROM_DID_ENTRIES, OP_INDEX_FROM_ENTRIES, prepareDatabase } from './schema.ts';
import {
  CHECKPOINT_COLUMNS,
  type CheckpointRow,
  ENTRY_COLUMNS,
  type EntryRow,
  toCheckpoint,
  toEntry,
  toHeadState,
  toStateRows,
} from './rows.ts';
import { checkTreeSize, storedConsistencyProof, storedInclusionProof } from './tree.ts';
import { restrictFile } from './file-mode.ts';
import { type DidEntry, SET_INDEXED_SIZE, SqliteTail } from './sqlite-tail.ts';
import { fullState } from './versions.ts';

export interface SqliteLogStoreOptions {
  /** Path of the database file (created if missing). */
  file: string;
  /**
   * Default true. `false` makes a log-only store that neither writes `did_index` rows nor keeps the prefix tree:
   * it appends and proves inclusion and consistency, but `didIndex()` throws, so a ledger node cannot run on it.
   * It exists to measure what the index costs an append (the benchmark's baseline).
   */
  didIndex?: boolean;
  /**
   * Entries whose `op_index` and `did_index` rows are kept in memory before a batch writes them all, in key order
   * (store/sqlite-tail.ts). Default: a quarter of the log, at least 8,192 and at most 262,144.
   */
  tailEntries?: number;
}

export class SqliteLogStore implements LogStore {
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #write: Database.Transaction<(batch: AppendBatch) => { frontier: Frontier; flushed: boolean }>;
  readonly #tail: SqliteTail;
  #frontier: Frontier;
  readonly #index: Promise<IndexVersions> | undefined;

  constructor(options: SqliteLogStoreOptions) {
    restrictFile(options.file);
    this.#db = new Database(options.file);
    const indexed = options.didIndex !== false;
    this.#tail = new SqliteTail((sql) => this.#prepare(sql), indexed, options.tailEntries);
    try {
      prepareDatabase(this.#db);
      this.#frontier = this.#loadFrontier();
      this.#tail.load(this.#frontier.size);
    } catch (err) {
      this.#db.close();
      throw err;
    }
    this.#write = this.#db.transaction((batch: AppendBatch) => this.#appendInTransaction(batch));
    if (!indexed) return;
    const anchored = this.#prepare<[], { size: number }>(
      'SELECT coalesce(max(tree_size), 0) AS size FROM checkpoints',
    ).get()!.size;
    this.#index = IndexVersions.open(this.#indexSource(), this.#frontier.size, anchored);
    // Callers see a failure when they use the index; nobody may be waiting yet.
    this.#index.catch(() => undefined);
  }

  async head(): Promise<TreeHead> {
    return { size: this.#frontier.size, root: frontierRoot(this.#frontier) };
  }

  async append(batch: AppendBatch): Promise<TreeHead> {
    const index = await this.#index;
    try {
      const { frontier, flushed } = this.#write.immediate(batch);
      this.#frontier = frontier;
      this.#tail.committed(batch.entries, flushed);
    } catch (err) {
      if (err instanceof AppendConflictError) this.#frontier = this.#loadFrontier();
      throw toConflict(err);
    }
    if (index === undefined) return this.head();
    if (index.size < batch.expectedSize) await index.at(batch.expectedSize);
    index.appended(
      batch.expectedSize,
      batch.entries.map((e, i) => headOf(e, batch.expectedSize + i)),
    );
    return this.head();
  }

  async didIndex(size: number): Promise<DidIndex> {
    checkTreeSize(size, this.#frontier.size);
    if (this.#index === undefined) throw new RangeError('this store keeps no DID index (didIndex: false)');
    return (await this.#index).at(size);
  }

  #indexSource(): IndexSource {
    const columns = 'did, seq, leaf_index, operation_hash';
    return {
      // The rows describe the first indexed_size entries; the tail's heads replace theirs.
      heads: async () => {
        const heads = new Map(this.#indexRows().map((h) => [h.did, h]));
        for (const head of this.#tail.tailHeads()) heads.set(head.did, head);
        return [...heads.values()];
      },
      entryHeads: async (start, end) =>
        this.#prepare<[number, number], HeadRow>(
          `SELECT ${columns} FROM entries WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index`,
        )
          .all(start, end)
          .map(toHead),
      headBefore: async (did, size) => {
        const last = this.#lastOfDid(did, size);
        return last && { did: last.did, seq: last.seq, index: last.leaf_index, operationHash: last.operation_hash };
      },
    };
  }

  #indexRows(): IndexedHead[] {
    return this.#prepare<[], HeadRow>('SELECT did, seq, leaf_index, operation_hash FROM did_index').all().map(toHead);
  }

  #appendInTransaction(batch: AppendBatch): { frontier: Frontier; flushed: boolean } {
    const size = this.#storedSize();
    if (size !== batch.expectedSize || size !== this.#frontier.size) {
      throw new AppendConflictError('size', `log has ${size} entries, batch expected ${batch.expectedSize}`);
    }
    this.#tail.checkUnique(batch.entries);
    const hashes = batch.entries.map((e) => leafHash(e.leaf));
    const { frontier, nodes } = appendToFrontier(this.#frontier, hashes);
    const insertEntry = this.#prepare(`INSERT INTO entries (${ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    batch.entries.forEach((e, i) => {
      insertEntry.run(size + i, e.leaf, hashes[i], e.operationHash, e.did, e.seq, e.integratedTime);
    });
    const insertNode = this.#prepare('INSERT INTO tree_nodes (level, node_index, hash) VALUES (?, ?, ?)');
    for (const n of nodes) if (n.level > 0) insertNode.run(n.level, n.index, n.hash);
    this.#writeStates(batch.states, size + batch.entries.length);
    return { frontier, flushed: this.#tail.flushIfDue(batch.entries, size) };
  }

  #writeStates(states: readonly DidHistory[], sizeAfter: number): void {
    const upsert = this.#prepare(
      `INSERT INTO did_state (did, head_index, history) VALUES (?, ?, ?)
       ON CONFLICT (did) DO UPDATE SET head_index = excluded.head_index, history = excluded.history`,
    );
    for (const row of toStateRows(states, sizeAfter)) upsert.run(row.did, row.headIndex, row.history);
  }

  async entries(start: number, end: number): Promise<StoredEntry[]> {
    const rows = this.#prepare<[number, number], EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM entries WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index`,
    ).all(start, end);
    return rows.map(toEntry);
  }

  async entry(index: number): Promise<StoredEntry | undefined> {
    const row = this.#prepare<[number], EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE leaf_index = ?`).get(
      index,
    );
    return row && toEntry(row);
  }

  async entriesOfDid(
    did: string,
    beforeSize: number = Number.MAX_SAFE_INTEGER,
    range: SeqRange = {},
  ): Promise<StoredEntry[]> {
    return this.#entriesOfDid(did, range.afterSeq ?? -1, beforeSize, range.limit ?? -1).map(toEntry);
  }

  async entriesOfDidPage(
    did: string,
    page: { afterSeq?: number; limit: number; beforeSize?: number },
  ): Promise<StoredEntry[]> {
    return this.#entriesOfDid(did, page.afterSeq ?? -1, page.beforeSize ?? Number.MAX_SAFE_INTEGER, page.limit).map(
      toEntry,
    );
  }

  /**
   * A DID's entries with seq > afterSeq below leaf beforeSize, in seq order, at most `limit` (negative: all): the
   * flushed ones through `did_entries`, the tail's from memory.
   */
  #entriesOfDid(did: string, afterSeq: number, beforeSize: number, limit: number): EntryRow[] {
    const flushed = this.#prepare<[string, number, number, number], EntryRow>(
      `SELECT ${JOINED_ENTRY_COLUMNS} FROM did_entries d JOIN entries e ON e.leaf_index = d.leaf_index
       WHERE d.did = ? AND d.seq > ? AND d.leaf_index < ? ORDER BY d.seq LIMIT ?`,
    ).all(did, afterSeq, beforeSize, limit);
    const tail = this.#tailOfDid(did, (e) => e.seq > afterSeq && e.index < beforeSize);
    if (tail.length === 0) return flushed;
    const rows = [...flushed, ...tail.map((e) => this.#entryRow(e.index))].sort((x, y) => x.seq - y.seq);
    return limit < 0 ? rows : rows.slice(0, limit);
  }

  /** The tail's entries of `did` that `keep` accepts. */
  #tailOfDid(did: string, keep: (entry: DidEntry) => boolean): DidEntry[] {
    return this.#tail.entriesOf(did).filter(keep);
  }

  #entryRow(index: number): EntryRow {
    return this.#prepare<[number], EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE leaf_index = ?`).get(index)!;
  }

  /** A DID's entry with the highest seq below leaf `beforeSize`. */
  #lastOfDid(did: string, beforeSize: number): EntryRow | undefined {
    let last: DidEntry | undefined;
    for (const e of this.#tailOfDid(did, (x) => x.index < beforeSize))
      if (last === undefined || e.seq > last.seq) last = e;
    const flushed = this.#prepare<[string, number], EntryRow>(
      `SELECT ${JOINED_ENTRY_COLUMNS} FROM did_entries d JOIN entries e ON e.leaf_index = d.leaf_index
       WHERE d.did = ? AND d.leaf_index < ? ORDER BY d.seq DESC LIMIT 1`,
    ).get(did, beforeSize);
    if (last === undefined || (flushed !== undefined && flushed.seq > last.seq)) return flushed;
    return this.#entryRow(last.index);
  }

  async didUsage(did: string): Promise<DidUsage> {
    // length() of a BLOB reads the record header, not the bytes (SQLite keeps the size there).
    const row = this.#prepare<[string], { operations: number; bytes: number }>(
      `SELECT count(*) AS operations, coalesce(sum(length(e.leaf)), 0) AS bytes
       FROM did_entries d JOIN entries e ON e.leaf_index = d.leaf_index WHERE d.did = ?`,
    ).get(did);
    const usage = { operations: row?.operations ?? 0, bytes: row?.bytes ?? 0 };
    const length = this.#prepare<[number], { n: number }>('SELECT length(leaf) AS n FROM entries WHERE leaf_index = ?');
    for (const e of this.#tail.entriesOf(did)) {
      usage.operations += 1;
      usage.bytes += length.get(e.index)!.n;
    }
    return usage;
  }

  async lastEntryOfDid(did: string): Promise<StoredEntry | undefined> {
    const row = this.#lastOfDid(did, Number.MAX_SAFE_INTEGER);
    return row && toEntry(row);
  }

  async entryByOperationHash(operationHash: string): Promise<StoredEntry | undefined> {
    const index = this.#tail.find(operationHash);
    return index === undefined ? undefined : this.entry(index);
  }

  async hasSeq(did: string, seq: number): Promise<boolean> {
    if (this.#tail.entriesOf(did).some((e) => e.seq === seq)) return true;
    return this.#prepare('SELECT 1 FROM did_entries WHERE did = ? AND seq = ?').get(did, seq) !== undefined;
  }

  async readNodes(ids: readonly NodeId[]): Promise<NodeHash[]> {
    return this.#readNodes(ids);
  }

  #readNodes(ids: readonly NodeId[]): NodeHash[] {
    const leaf = this.#prepare<[number], { hash: Buffer }>(
      'SELECT leaf_hash AS hash FROM entries WHERE leaf_index = ?',
    );
    const node = this.#prepare<[number, number], { hash: Buffer }>(
      'SELECT hash FROM tree_nodes WHERE level = ? AND node_index = ?',
    );
    return ids.map(({ level, index }) => {
      const row = level === 0 ? leaf.get(index) : node.get(level, index);
      if (!row) throw new RangeError(`tree node ${level}/${index} is not stored`);
      return { level, index, hash: new Uint8Array(row.hash) };
    });
  }

  async levelHashes(level: number, start: number, count: number): Promise<Uint8Array[]> {
    const rows =
      level === 0
        ? this.#prepare<[number, number], { hash: Buffer }>(
            'SELECT leaf_hash AS hash FROM entries WHERE leaf_index >= ? ORDER BY leaf_index LIMIT ?',
          ).all(start, count)
        : this.#prepare<[number, number, number], { hash: Buffer }>(
            'SELECT hash FROM tree_nodes WHERE level = ? AND node_index >= ? ORDER BY node_index LIMIT ?',
          ).all(level, start, count);
    return rows.map((r) => new Uint8Array(r.hash));
  }

  async rootAt(size: number): Promise<Uint8Array> {
    return this.#rootAt(size);
  }

  #rootAt(size: number): Uint8Array {
    checkTreeSize(size, this.#frontier.size);
    if (size === this.#frontier.size) return frontierRoot(this.#frontier);
    return treeRoot(readerFromNodes(size, this.#readNodes(rootNodes(size))), size);
  }

  async inclusionProof(index: number, size: number): Promise<Uint8Array[]> {
    checkTreeSize(size, this.#frontier.size);
    return storedInclusionProof((ids) => this.#readNodes(ids), index, size);
  }

  async consistencyProof(oldSize: number, newSize: number): Promise<Uint8Array[]> {
    checkTreeSize(newSize, this.#frontier.size);
    return storedConsistencyProof((ids) => this.#readNodes(ids), oldSize, newSize);
  }

  async saveCheckpoint(checkpoint: StoredCheckpoint): Promise<void> {
    const save = this.#db.transaction((cp: StoredCheckpoint) => {
      if (!Buffer.from(this.#rootAt(cp.size)).equals(cp.root)) {
        throw new Error(`checkpoint root for size ${cp.size} is not the root of the stored log`);
      }
      const existing = this.#checkpointRow(cp.size);
      if (existing && !existing.root_hash.equals(cp.root)) {
        throw new Error(`a different root is already stored for size ${cp.size}`);
      }
      this.#db
        .prepare(
          `INSERT INTO checkpoints (tree_size, root_hash, note) VALUES (?, ?, ?)
           ON CONFLICT (tree_size) DO UPDATE SET note = excluded.note`,
        )
        .run(cp.size, cp.root, cp.note);
    });
    save.immediate(checkpoint);
    (await this.#index)?.anchored(checkpoint.size);
  }

  #checkpointRow(size: number): CheckpointRow | undefined {
    return this.#prepare<[number], CheckpointRow>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints WHERE tree_size = ?`,
    ).get(size);
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    const row = this.#prepare<[], CheckpointRow>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints ORDER BY tree_size DESC LIMIT 1`,
    ).get();
    return row && toCheckpoint(row);
  }

  async checkpointAt(size: number): Promise<StoredCheckpoint | undefined> {
    const row = this.#checkpointRow(size);
    return row && toCheckpoint(row);
  }

  async checkpoints(options: { fromSize?: number; limit?: number } = {}): Promise<StoredCheckpoint[]> {
    const rows = this.#prepare<[number, number], CheckpointRow>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints WHERE tree_size >= ? ORDER BY tree_size LIMIT ?`,
    ).all(options.fromSize ?? 0, options.limit ?? -1);
    return rows.map(toCheckpoint);
  }

  async didHead(did: string): Promise<DidHistory | undefined> {
    const row = this.#prepare<[string], { history: string }>('SELECT history FROM did_state WHERE did = ?').get(did);
    return row && toHeadState(row.history);
  }

  didState(did: string): Promise<DidHistory | undefined> {
    return fullState(this, did);
  }

  async rebuildDerivedState(): Promise<void> {
    const size = this.#frontier.size;
    const states = await replayLog(this, size);
    const replace = this.#db.transaction(() => {
      if (this.#storedSize() !== size) throw new AppendConflictError('size', 'log moved during the rebuild');
      this.#prepare('DELETE FROM did_state').run();
      this.#writeStates([...states.values()], size);
      this.#prepare('DELETE FROM did_entries').run();
      this.#prepare(`INSERT INTO did_entries (did, seq, leaf_index) ${DID_ENTRIES_FROM_ENTRIES}`).run();
      this.#prepare('DELETE FROM did_index').run();
      this.#prepare(`INSERT INTO did_index (did, seq, leaf_index, operation_hash) ${HEADS_FROM_DID_ENTRIES}`).run();
      this.#prepare('DELETE FROM op_index').run();
      this.#prepare(`INSERT INTO op_index (op_key, leaf_index) ${OP_INDEX_FROM_ENTRIES}`).run();
      this.#prepare(SET_INDEXED_SIZE).run(String(size));
    });
    replace.immediate();
    this.#tail.reset(size);
  }

  /**
   * Writes the tail's rows first, so the check compares rows covering the whole log; besides the checks every store
   * runs (integrity.ts), each entry must have its `did_entries` row and each row must name its entry's DID and seq.
   */
  async integrityCheck(): Promise<IntegrityReport> {
    this.#flushTail();
    const report = await checkIntegrity(this);
    const problems = [...report.problems, ...this.#didEntriesProblems()];
    return { ...report, ok: problems.length === 0, problems };
  }

  // Both directions, each a pass over one table with a primary-key lookup in the other; at most 100 of each.
  #didEntriesProblems(): IntegrityProblem[] {
    const unlisted = this.#prepare<[], { leaf_index: number }>(
      `SELECT e.leaf_index FROM entries e WHERE NOT EXISTS (SELECT 1 FROM did_entries d
       WHERE d.did = e.did AND d.seq = e.seq AND d.leaf_index = e.leaf_index) ORDER BY e.leaf_index LIMIT 100`,
    ).all();
    const stray = this.#prepare<[], { leaf_index: number; seq: number }>(
      `SELECT d.leaf_index, d.seq FROM did_entries d LEFT JOIN entries e ON e.leaf_index = d.leaf_index
       WHERE e.leaf_index IS NULL OR e.did <> d.did OR e.seq <> d.seq ORDER BY d.leaf_index LIMIT 100`,
    ).all();
    return [
      ...unlisted.map(({ leaf_index: index }) => ({
        kind: 'did-entries' as const,
        index,
        detail: `leaf ${index}: no (did, seq) lookup row names it`,
      })),
      ...stray.map(({ leaf_index: index, seq }) => ({
        kind: 'did-entries' as const,
        index,
        detail: `a (did, seq) lookup row of seq ${seq} names leaf ${index}, which is not that DID’s entry of that seq`,
      })),
    ];
  }

  async indexRows(): Promise<{ size: number; heads: IndexedHead[] }> {
    return { size: this.#tail.indexedSize, heads: this.#indexRows() };
  }

  /** Writes the tail's rows (a clean close leaves none to read back at the next open). */
  async close(): Promise<void> {
    if (!this.#db.open) return;
    try {
      this.#flushTail();
    } finally {
      this.#db.close();
    }
  }

  #flushTail(): void {
    if (this.#tail.indexedSize === this.#tail.size) return;
    this.#db.transaction(() => this.#tail.flushAll()).immediate();
    this.#tail.reset(this.#tail.size);
  }

  // Statements are compiled once per SQL text; better-sqlite3 statements are reusable and cheap to keep.
  #prepare<P extends unknown[] = unknown[], R = unknown>(sql: string): Database.Statement<P, R> {
    let stmt = this.#statements.get(sql);
    if (!stmt) {
      stmt = this.#db.prepare(sql);
      this.#statements.set(sql, stmt);
    }
    return stmt as Database.Statement<P, R>;
  }

  #storedSize(): number {
    const row = this.#prepare<[], { size: number }>(
      'SELECT coalesce(max(leaf_index) + 1, 0) AS size FROM entries',
    ).get();
    return row?.size ?? 0;
  }

  #loadFrontier(): Frontier {
    const size = this.#storedSize();
    return { size, hashes: this.#readNodes(rootNodes(size)).map((n) => n.hash) };
  }
}

/** The entry columns of a query joining `did_entries d` to `entries e`. */
const JOINED_ENTRY_COLUMNS = ENTRY_COLUMNS.split(', ')
  .map((column) => `e.${column}`)
  .join(', ');

interface HeadRow {
  did: string;
  seq: number;
  leaf_index: number;
  operation_hash: string;
}

function toHead(row: HeadRow): IndexedHead {
  return { did: row.did, seq: row.seq, index: row.leaf_index, operationHash: row.operation_hash };
}

function headOf(entry: { did: string; seq: number; operationHash: string }, index: number): IndexedHead {
  return { did: entry.did, seq: entry.seq, index, operationHash: entry.operationHash };
}

// better-sqlite3 reports constraint violations with a stable `code`; the message text is never inspected.
function toConflict(err: unknown): unknown {
  if (err instanceof Database.SqliteError && /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/.test(err.code)) {
    return new AppendConflictError('unique', 'an operation hash or (did, seq) in the batch is already in the log', {
      cause: err,
    });
  }
  return err;
}
