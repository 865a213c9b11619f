/**
 * The LogStore on PostgreSQL (`pg`), for deployments that outgrow one machine: synchronous replication across
 * institutes, failover by Patroni or pg_auto_failover. Same semantics as SqliteLogStore: one transaction per
 * batch, the same UNIQUE constraints, every complete subtree stored so reads are O(log n) rows.
 *
 * A `writer` store holds the sequencer lease (leadership.ts) and writes only through its session, a batch as one
 * prepared statement (postgres-append.ts) that checks the size and the lock as it moves `log_head`.
 * Reads go through a pool. A `reader` store (e.g. on a standby, behind a driver) never writes and reads the head
 * from the database.
 */
import type { DidHistory, DidIndex } from '@did-city/method';
import {
  appendToFrontier,
  consistencyProof,
  consistencyProofNodes,
  type Frontier,
  frontierRoot,
  inclusionProof,
  inclusionProofNodes,
  leafHash,
  type NodeHash,
  type NodeId,
  readerFromNodes,
  rootNodes,
  treeRoot,
} from '@did-city/tlog';
import pg from 'pg';
import { NotLeaderError, WriterLease } from '../leadership.ts';
import { checkIntegrity } from './integrity.ts';
import {
  type AppendBatch,
  AppendConflictError,
  type DidUsage,
  type IntegrityReport,
  type LogStore,
  type SeqRange,
  type StoredCheckpoint,
  type StoredEntry,
  type TreeHead,
} from './interface.ts';
import { type AppendOutcome, appendQuery, MAX_BATCH } from './postgres-append.ts';
import { HEAD_FOR_UPDATE, pgIndexSource, readNodes, storedSize, toConflict, writeStates } from './postgres-queries.ts';
import { GatheredReads, nodeKey, READ_POOL_OPTIONS } from './postgres-reads.ts';
import { HEADS_FROM_ENTRIES, pgTypes, preparePgSchema } from './postgres-schema.ts';
import { type IndexedHead, IndexVersions } from './index-versions.ts';
import { replayLog } from './replay.ts';
import {
  CHECKPOINT_COLUMNS,
  type CheckpointRow,
  ENTRY_COLUMNS,
  type EntryRow,
  toCheckpoint,
  toEntry,
  toHeadState,
} from './rows.ts';
import { checkTreeSize } from './tree.ts';
import { TreeCache, type TreeCacheLimits, UPPER_LEVEL } from './tree-cache.ts';
import { fullState } from './versions.ts';

export interface PostgresLogStoreOptions {
  /** Connection string or `pg` settings of the log's database (for a writer, the primary). */
  connection: string | pg.ClientConfig;
  /** `writer` (default) takes the sequencer lock and may append; `reader` never writes (a standby is fine). */
  role?: 'writer' | 'reader';
  /** Writer only: instead of failing, wait until the server is primary and the lock is free (failover). */
  waitForLeadership?: { retryMs?: number; signal?: AbortSignal };
  /** Connections for reads. Default 4. */
  poolSize?: number;
  /**
   * Bytes of tree hashes below level 8 kept in memory, all of a level or none (tree-cache.ts); levels 8 and up are
   * always kept, about n/4 bytes for a log of n entries. Default 64 MiB: every level up to about half a million
   * entries, levels 4 and up at 10 million.
   */
  cacheBytes?: number;
  /** Tree nodes kept below the levels kept in full, the least recently asked for replaced. Default 65,536 (2 MiB). */
  cacheNodes?: number;
  /**
   * Read the levels the cache keeps in full (level 1 and up, as far as `cacheBytes` allows) in the background after
   * open, so that proofs soon need no node from the database. Default true.
   */
  prefetch?: boolean;
}

// A range of one level as one row: its first and last index, how many, and the hashes end to end (no row per node
// to decode). Kept only if the range has no gap, so that each hash lands at its own index.
const PREFETCH = `SELECT count(*)::int AS count, min(node_index) AS first, max(node_index) AS last,
                         string_agg(hash, ''::bytea ORDER BY node_index) AS hashes
                    FROM (SELECT node_index, hash FROM tree_nodes WHERE level = $1 AND node_index >= $2
                           ORDER BY node_index LIMIT $3) AS range`;
const PREFETCH_ROWS = 8192;

export class PostgresLogStore implements LogStore {
  readonly #pool: pg.Pool;
  readonly #lease: WriterLease | undefined;
  /** The writer's right edge of the tree; checked against log_head in every append. */
  #frontier: Frontier | undefined;
  /** The DID index (spec §7.9), built at open; a reader catches it up from the entries it serves. */
  #index!: IndexVersions;
  /** Immutable tree hashes for proofs and roots, so that a proof reads few nodes or none. */
  readonly #tree: TreeCache;
  /** Entries, tree nodes and the stored size asked for in one turn of the event loop, read in one statement. */
  readonly #reads: GatheredReads;
  /**
   * A reader's largest stored size seen (every gathered read reports it): the log never shrinks, so a size at or
   * below it is answered without asking; a larger one only once the database has reported it committed.
   */
  #knownSize = 0;
  /** The background read of the tree's kept levels started at open (prefetchLevels), awaited by close. */
  #prefetch: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(pool: pg.Pool, lease: WriterLease | undefined, cache: TreeCacheLimits) {
    this.#pool = pool;
    this.#lease = lease;
    this.#tree = new TreeCache(cache);
    this.#reads = new GatheredReads(pool);
  }

  /** Connects; a writer takes the sequencer lock (or throws NotLeaderError) and loads the log head. */
  static async open(options: PostgresLogStoreOptions): Promise<PostgresLogStore> {
    const base = typeof options.connection === 'string' ? { connectionString: options.connection } : options.connection;
    const readOptions = [base.options, READ_POOL_OPTIONS].filter(Boolean).join(' ');
    const pool = new pg.Pool({
      ...base,
      options: readOptions,
      types: pgTypes,
      max: options.poolSize ?? 4,
      keepAlive: true,
    });
    // Idle pooled connections that die (failover) emit 'error' on the pool; the next query reconnects.
    pool.on('error', () => undefined);
    let lease: WriterLease | undefined;
    try {
      if (options.role !== 'reader') {
        const leaseOptions = { connection: { ...base, types: pgTypes }, ...options.waitForLeadership };
        lease = options.waitForLeadership
          ? await WriterLease.waitFor(leaseOptions)
          : await WriterLease.acquire(leaseOptions);
        await lease.run((client) => preparePgSchema(client));
      } else {
        const client = await pool.connect();
        await preparePgSchema(client).finally(() => client.release());
      }
      const cache = { denseBytes: options.cacheBytes ?? 64 * 2 ** 20, clockNodes: options.cacheNodes ?? 65_536 };
      const store = new PostgresLogStore(pool, lease, cache);
      if (lease) store.#frontier = await lease.run((client) => store.#loadFrontier(client));
      const size = store.#frontier?.size ?? (await storedSize(pool));
      const anchored = Math.min(size, (await store.latestCheckpoint())?.size ?? 0);
      store.#index = await IndexVersions.open(pgIndexSource(pool), size, anchored);
      if (options.prefetch !== false) store.#prefetch = store.#prefetchLevels(size, cache.denseBytes);
      return store;
    } catch (error) {
      await lease?.release();
      await pool.end();
      throw error;
    }
  }

  /** Whether this store holds the sequencer lock (false once its session is gone, and for readers). */
  get isWriter(): boolean {
    return this.#lease !== undefined && !this.#lease.lost;
  }

  async head(): Promise<TreeHead> {
    const frontier = this.#frontier ?? (await this.#loadFrontier(this.#pool));
    this.#saw(frontier.size);
    return { size: frontier.size, root: frontierRoot(frontier) };
  }

  async append(batch: AppendBatch): Promise<TreeHead> {
    const lease = this.#writerLease();
    if (batch.entries.length > MAX_BATCH) throw new RangeError(`a batch holds at most ${MAX_BATCH} entries`);
    const heads = batch.entries.map((e, i) => ({
      did: e.did,
      seq: e.seq,
      index: batch.expectedSize + i,
      operationHash: e.operationHash,
    }));
    try {
      const { frontier, nodes } = await lease.run((client) => this.#appendStatement(client, batch));
      this.#frontier = frontier;
      this.#tree.keep(nodes);
    } catch (error) {
      // The log moved behind this writer: take its head, so the sequencer can rebuild the batch against it. If
      // even that fails (a corrupt head), the stale frontier stays and every append keeps refusing.
      if (error instanceof AppendConflictError && !lease.lost) {
        this.#frontier = await lease.run((client) => this.#loadFrontier(client)).catch(() => this.#frontier);
      }
      throw toConflict(error);
    }
    // The log may have moved behind this writer before (a conflict it then took the head of): catch up first.
    if (this.#index.size < batch.expectedSize) await this.#index.at(batch.expectedSize);
    this.#index.appended(batch.expectedSize, heads);
    return this.head();
  }

  async didIndex(size: number): Promise<DidIndex> {
    await this.#checkSize(size);
    return this.#index.at(size);
  }

  /** The batch as one statement (postgres-append.ts); nothing is written unless the size and the lock hold. */
  async #appendStatement(
    client: pg.ClientBase,
    batch: AppendBatch,
  ): Promise<{ frontier: Frontier; nodes: NodeHash[] }> {
    if (this.#frontier === undefined || batch.expectedSize !== this.#frontier.size) {
      throw new AppendConflictError(
        'size',
        `this writer is at size ${this.#frontier?.size}, batch expected ${batch.expectedSize}`,
      );
    }
    const leafHashes = batch.entries.map((e) => leafHash(e.leaf));
    const { frontier, nodes } = appendToFrontier(this.#frontier, leafHashes);
    const interior = nodes.filter((n) => n.level > 0);
    const query = appendQuery({
      expectedSize: batch.expectedSize,
      entries: batch.entries,
      leafHashes,
      nodes: interior,
      states: batch.states,
    });
    const { rows } = await client.query<AppendOutcome>(query);
    const outcome = rows[0];
    if (outcome?.appended === frontier.size) return { frontier, nodes };
    if (!outcome?.leader) throw new NotLeaderError('lost', 'this session no longer holds the sequencer lock');
    throw new AppendConflictError('size', `log has ${outcome.tree_size} entries, batch expected ${batch.expectedSize}`);
  }

  async entries(start: number, end: number): Promise<StoredEntry[]> {
    const sql = `SELECT ${ENTRY_COLUMNS} FROM entries WHERE leaf_index >= $1 AND leaf_index < $2 ORDER BY leaf_index`;
    return (await this.#pool.query<EntryRow>(sql, [start, end])).rows.map(toEntry);
  }

  async entry(index: number): Promise<StoredEntry | undefined> {
    // Gathered with the proof nodes asked for in the same turn (postgres-reads.ts); no row has a bad index.
    if (!Number.isSafeInteger(index) || index < 0) return undefined;
    const read = await this.#reads.read([index], []);
    this.#saw(read.size);
    return read.entries.get(index);
  }

  async entriesOfDid(
    did: string,
    beforeSize: number = Number.MAX_SAFE_INTEGER,
    range: SeqRange = {},
  ): Promise<StoredEntry[]> {
    // Served by the UNIQUE (did, seq) index; seq order is log order within one DID.
    const sql = `SELECT ${ENTRY_COLUMNS} FROM entries WHERE did = $1 AND seq > $2 AND leaf_index < $3 ORDER BY seq LIMIT $4`;
    return (
      await this.#pool.query<EntryRow>(sql, [did, range.afterSeq ?? -1, beforeSize, range.limit ?? null])
    ).rows.map(toEntry);
  }

  async entriesOfDidPage(
    did: string,
    page: { afterSeq?: number; limit: number; beforeSize?: number },
  ): Promise<StoredEntry[]> {
    const sql = `SELECT ${ENTRY_COLUMNS} FROM entries WHERE did = $1 AND seq > $2 AND leaf_index < $3 ORDER BY seq LIMIT $4`;
    const values = [did, page.afterSeq ?? -1, page.beforeSize ?? Number.MAX_SAFE_INTEGER, page.limit];
    return (await this.#pool.query<EntryRow>(sql, values)).rows.map(toEntry);
  }

  async didUsage(did: string): Promise<DidUsage> {
    const sql =
      'SELECT count(*)::float8 AS operations, coalesce(sum(octet_length(leaf)), 0)::float8 AS bytes FROM entries WHERE did = $1';
    const { rows } = await this.#pool.query<DidUsage>(sql, [did]);
    return { operations: rows[0]?.operations ?? 0, bytes: rows[0]?.bytes ?? 0 };
  }

  async lastEntryOfDid(did: string): Promise<StoredEntry | undefined> {
    const sql = `SELECT ${ENTRY_COLUMNS} FROM entries WHERE did = $1 ORDER BY seq DESC LIMIT 1`;
    const { rows } = await this.#pool.query<EntryRow>(sql, [did]);
    return rows[0] && toEntry(rows[0]);
  }

  async entryByOperationHash(operationHash: string): Promise<StoredEntry | undefined> {
    const sql = `SELECT ${ENTRY_COLUMNS} FROM entries WHERE operation_hash = $1`;
    const { rows } = await this.#pool.query<EntryRow>(sql, [operationHash]);
    return rows[0] && toEntry(rows[0]);
  }

  async hasSeq(did: string, seq: number): Promise<boolean> {
    return (await this.#pool.query('SELECT 1 FROM entries WHERE did = $1 AND seq = $2', [did, seq])).rowCount === 1;
  }

  readNodes(ids: readonly NodeId[]): Promise<NodeHash[]> {
    return readNodes(this.#pool, ids);
  }

  async levelHashes(level: number, start: number, count: number): Promise<Uint8Array[]> {
    // Tiles: served from the cache when it holds the whole run.
    const cached = this.#tree.run(level, start, count);
    if (cached !== undefined) return cached;
    const { rows } =
      level === 0
        ? await this.#pool.query<{ hash: Buffer }>(
            'SELECT leaf_hash AS hash FROM entries WHERE leaf_index >= $1 ORDER BY leaf_index LIMIT $2',
            [start, count],
          )
        : await this.#pool.query<{ hash: Buffer }>(
            'SELECT hash FROM tree_nodes WHERE level = $1 AND node_index >= $2 ORDER BY node_index LIMIT $3',
            [level, start, count],
          );
    const hashes = rows.map((r) => new Uint8Array(r.hash));
    this.#tree.keep(hashes.map((hash, i) => ({ level, index: start + i, hash })));
    return hashes;
  }

  async rootAt(size: number): Promise<Uint8Array> {
    if (this.#frontier !== undefined && size === this.#frontier.size) return frontierRoot(this.#frontier);
    return treeRoot(readerFromNodes(size, await this.#treeNodes(size, () => rootNodes(size))), size);
  }

  async inclusionProof(index: number, size: number): Promise<Uint8Array[]> {
    const reader = readerFromNodes(size, await this.#treeNodes(size, () => inclusionProofNodes(index, size)));
    return inclusionProof(reader, index, size);
  }

  async consistencyProof(oldSize: number, newSize: number): Promise<Uint8Array[]> {
    const reader = readerFromNodes(
      newSize,
      await this.#treeNodes(newSize, () => consistencyProofNodes(oldSize, newSize)),
    );
    return consistencyProof(reader, oldSize, newSize);
  }

  /**
   * The hashes of the nodes `ids()` lists, inside a tree of `size` leaves: from the cache, the rest in one gathered
   * read (with the entries asked for alongside). A reader answers only for a size the database has reported
   * stored, in that same read if it had not before, so a cached hash never stands in for a size not committed.
   */
  async #treeNodes(size: number, ids: () => NodeId[]): Promise<NodeHash[]> {
    checkTreeSize(size, this.#frontier?.size ?? Number.MAX_SAFE_INTEGER);
    const wanted = ids();
    const found = wanted.map((id) => this.#tree.get(id));
    const missing = wanted.filter((_, i) => found[i] === undefined);
    if (missing.length > 0 || (this.#frontier === undefined && size > this.#knownSize)) {
      const read = await this.#reads.read([], missing);
      this.#saw(read.size);
      if (this.#frontier === undefined) checkTreeSize(size, this.#knownSize);
      for (const id of missing) {
        const hash = read.nodes.get(nodeKey(id.level, id.index));
        if (hash !== undefined) this.#tree.keep([{ ...id, hash }]);
      }
      wanted.forEach((id, i) => {
        found[i] ??= read.nodes.get(nodeKey(id.level, id.index))?.slice();
      });
    }
    return wanted.map(({ level, index }, i) => {
      const hash = found[i];
      if (hash === undefined) throw new RangeError(`tree node ${level}/${index} is not stored`);
      return { level, index, hash };
    });
  }

  /** Throws RangeError unless `size` is stored (a reader asks the database only for a size it has not seen). */
  async #checkSize(size: number): Promise<void> {
    if (this.#frontier !== undefined) return checkTreeSize(size, this.#frontier.size);
    if (!(size <= this.#knownSize)) this.#saw((await this.#reads.read([], [])).size);
    checkTreeSize(size, this.#knownSize);
  }

  /**
   * Reads the stored nodes of the levels the cache keeps in full at `size`, from the top down to level 1 (level 0,
   * the leaf hashes, lies in the entries' rows: too much to read for this), a range of one level per statement,
   * one statement at a time on one pooled connection. Stops at close; a failure only leaves the rest to be read
   * when asked for.
   */
  async #prefetchLevels(size: number, denseBytes: number): Promise<void> {
    let below = 0;
    for (let level = Math.floor(Math.log2(Math.max(size, 1))); level >= 1; level--) {
      const nodes = Math.floor(size / 2 ** level);
      if (level < UPPER_LEVEL) {
        below += Math.max(64, 2 ** Math.ceil(Math.log2(nodes))) * 32.125; // as TreeCache sizes its buffers
        if (below > denseBytes) return;
      }
      for (let from = 0; from < nodes && !this.#closed; ) {
        type Range = { count: number; first: number; last: number; hashes: Buffer | null };
        const { rows } = await this.#pool
          .query<Range>({ name: 'did-city-prefetch-v2', text: PREFETCH, values: [level, from, PREFETCH_ROWS] })
          .catch(() => ({ rows: [] as Range[] }));
        const range = rows[0];
        if (
          !range?.hashes ||
          range.first !== from ||
          range.last - range.first + 1 !== range.count ||
          range.hashes.length !== range.count * 32
        ) {
          return; // nothing more, or a gap: left to be read when asked for
        }
        const hashes = range.hashes;
        this.#tree.keep(
          Array.from({ length: range.count }, (_, k) => ({
            level,
            index: from + k,
            hash: hashes.subarray(k * 32, k * 32 + 32),
          })),
        );
        from = range.last + 1;
      }
    }
  }

  #saw(size: number): void {
    if (size > this.#knownSize) this.#knownSize = size;
  }

  async saveCheckpoint(checkpoint: StoredCheckpoint): Promise<void> {
    const lease = this.#writerLease();
    if (!Buffer.from(await this.rootAt(checkpoint.size)).equals(checkpoint.root)) {
      throw new Error(`checkpoint root for size ${checkpoint.size} is not the root of the stored log`);
    }
    // One statement: insert, or replace the note of the same root; a different root for the size matches no row.
    const { rowCount } = await lease.run((client) =>
      client.query(
        `INSERT INTO checkpoints (tree_size, root_hash, note) VALUES ($1, $2, $3)
         ON CONFLICT (tree_size) DO UPDATE SET note = excluded.note WHERE checkpoints.root_hash = excluded.root_hash`,
        [checkpoint.size, checkpoint.root, checkpoint.note],
      ),
    );
    if (rowCount !== 1) throw new Error(`a different root is already stored for size ${checkpoint.size}`);
    this.#index.anchored(checkpoint.size);
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    const sql = `SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints ORDER BY tree_size DESC LIMIT 1`;
    const { rows } = await this.#pool.query<CheckpointRow>(sql);
    return rows[0] && toCheckpoint(rows[0]);
  }

  async checkpointAt(size: number): Promise<StoredCheckpoint | undefined> {
    const sql = `SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints WHERE tree_size = $1`;
    const { rows } = await this.#pool.query<CheckpointRow>(sql, [size]);
    return rows[0] && toCheckpoint(rows[0]);
  }

  async checkpoints(options: { fromSize?: number; limit?: number } = {}): Promise<StoredCheckpoint[]> {
    const sql = `SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints WHERE tree_size >= $1 ORDER BY tree_size LIMIT $2`;
    const { rows } = await this.#pool.query<CheckpointRow>(sql, [options.fromSize ?? 0, options.limit ?? null]);
    return rows.map(toCheckpoint);
  }

  async didHead(did: string): Promise<DidHistory | undefined> {
    const { rows } = await this.#pool.query<{ history: string }>('SELECT history FROM did_state WHERE did = $1', [did]);
    return rows[0] && toHeadState(rows[0].history);
  }

  didState(did: string): Promise<DidHistory | undefined> {
    return fullState(this, did);
  }

  async rebuildDerivedState(): Promise<void> {
    const lease = this.#writerLease();
    const size = (await this.head()).size;
    const states = await replayLog(this, size);
    await lease.transaction(async (client) => {
      const { rows } = await client.query<{ tree_size: number }>(HEAD_FOR_UPDATE);
      if (rows[0]?.tree_size !== size) throw new AppendConflictError('size', 'log moved during the rebuild');
      await client.query('DELETE FROM did_state');
      await writeStates(client, [...states.values()], size);
      await client.query('DELETE FROM did_index');
      await client.query(`INSERT INTO did_index (did, seq, leaf_index, operation_hash) ${HEADS_FROM_ENTRIES}`);
    });
  }

  integrityCheck(): Promise<IntegrityReport> {
    return checkIntegrity(this);
  }

  async indexRows(): Promise<{ size: number; heads: IndexedHead[] }> {
    // One statement, one snapshot: the rows are written in the append's transaction, so they describe its size.
    const { rows } = await this.#pool.query<{
      tree_size: number;
      did: string | null;
      seq: number;
      leaf_index: number;
      operation_hash: string;
    }>(
      'SELECT h.tree_size, d.did, d.seq, d.leaf_index, d.operation_hash FROM log_head h LEFT JOIN did_index d ON true WHERE h.id = 1',
    );
    const heads = rows
      .filter((r) => r.did !== null)
      .map((r) => ({ did: r.did!, seq: r.seq, index: r.leaf_index, operationHash: r.operation_hash }));
    return { size: rows[0]?.tree_size ?? 0, heads };
  }

  /** Releases the lock (ending the session) and the pool. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#prefetch;
    await this.#lease?.release();
    if (!this.#pool.ended) await this.#pool.end();
  }

  #writerLease(): WriterLease {
    if (!this.#lease) throw new NotLeaderError('standby', 'this store was opened as a reader and never writes');
    return this.#lease;
  }

  async #loadFrontier(db: pg.ClientBase | pg.Pool): Promise<Frontier> {
    const size = await storedSize(db);
    return { size, hashes: (await readNodes(db, rootNodes(size))).map((n) => n.hash) };
  }
}
