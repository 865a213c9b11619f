/**
 * SQLite schema of the embedded log store. STRICT tables so a wrong type is an error, not a silent coercion.
 * (did, seq) is unique: even if a bug above let two operations on the same `prev` (same did and seq) through
 * validation, the append refuses the whole batch (sqlite-tail.ts checks each entry against `did_entries` and the
 * tail in memory, and the flush's inserts into `did_entries` hit its PRIMARY KEY if that check were ever wrong).
 */
import type Database from 'better-sqlite3';
import { opKey } from './sqlite-tail.ts';

/**
 * 2: `op_index` replaces the UNIQUE index on `entries.operation_hash`; both lookups are written per flush.
 * 3: `did_entries` replaces the UNIQUE (did, seq) index on `entries`, written per flush as well.
 */
export const SCHEMA_VERSION = 3;

/**
 * `entries` has no index but its position since schema 3. No UNIQUE on operation_hash (since schema 2): the hash
 * commits to the operation, which names its DID and seq, so two entries with one operation hash would share
 * (did, seq), which the append refuses (the integrity check verifies that every column matches the leaf bytes).
 */
const ENTRIES_COLUMNS = `
  leaf_index INTEGER PRIMARY KEY CHECK (leaf_index >= 0),
  leaf BLOB NOT NULL,
  leaf_hash BLOB NOT NULL CHECK (length(leaf_hash) = 32),
  operation_hash TEXT NOT NULL,
  did TEXT NOT NULL,
  seq INTEGER NOT NULL CHECK (seq >= 0),
  integrated_time TEXT NOT NULL
`;

const DDL = `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- One row per leaf. leaf = JCS({integratedTime, operation}), leaf_hash = SHA-256(0x00 || leaf).
CREATE TABLE IF NOT EXISTS entries (${ENTRIES_COLUMNS}) STRICT;

-- Operation hash -> leaf for the first indexed_size entries (meta), written sorted once per flush
-- (sqlite-tail.ts); op_key is 53 bits of the hash, a lookup compares the full hash of each candidate.
CREATE TABLE IF NOT EXISTS op_index (
  op_key INTEGER NOT NULL,
  leaf_index INTEGER NOT NULL,
  PRIMARY KEY (op_key, leaf_index)
) STRICT, WITHOUT ROWID;

-- (did, seq) -> leaf for the first indexed_size entries, written sorted once per flush (sqlite-tail.ts): a DID's
-- entries in seq order, and (did, seq) unique.
CREATE TABLE IF NOT EXISTS did_entries (
  did TEXT NOT NULL,
  seq INTEGER NOT NULL CHECK (seq >= 0),
  leaf_index INTEGER NOT NULL CHECK (leaf_index >= 0),
  PRIMARY KEY (did, seq)
) STRICT, WITHOUT ROWID;

-- Hash of every complete subtree at level >= 1 (level 0 is entries.leaf_hash): node (level, i) covers
-- leaves [i * 2^level, (i + 1) * 2^level). Roots, proofs and tiles read O(log n) rows.
CREATE TABLE IF NOT EXISTS tree_nodes (
  level INTEGER NOT NULL CHECK (level >= 1),
  node_index INTEGER NOT NULL CHECK (node_index >= 0),
  hash BLOB NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, node_index)
) STRICT, WITHOUT ROWID;

-- Checkpoints that met the witness quorum: the signed note with the log signature and the cosignatures.
CREATE TABLE IF NOT EXISTS checkpoints (
  tree_size INTEGER PRIMARY KEY CHECK (tree_size >= 0),
  root_hash BLOB NOT NULL CHECK (length(root_hash) = 32),
  note TEXT NOT NULL
) STRICT;

-- The DID index (spec §7.9): each DID's head (its latest entry) among the first indexed_size entries, written
-- sorted once per flush (sqlite-tail.ts). The prefix tree is kept in memory, rebuilt at open from these rows
-- and the entries after indexed_size.
CREATE TABLE IF NOT EXISTS did_index (
  did TEXT PRIMARY KEY,
  seq INTEGER NOT NULL CHECK (seq >= 0),
  leaf_index INTEGER NOT NULL CHECK (leaf_index >= 0),
  operation_hash TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Derived state: the DidHistory after each DID's last operation, rebuildable from entries.
CREATE TABLE IF NOT EXISTS did_state (
  did TEXT PRIMARY KEY,
  head_index INTEGER NOT NULL,
  history TEXT NOT NULL
) STRICT;
`;

/**
 * Connection tuning for batched appends (none of it touches durability: every commit is still fsync'd, and a
 * checkpoint only copies committed pages from the WAL into the database file).
 *
 * A batch of 256 entries once dirtied about 440 pages past ~30k entries: ~85 pages of leaves at the right edge of
 * `entries`, and one page per entry in each index keyed by a hash or a DID (operation_hash, (did, seq)), because
 * those keys land at random places. Those indexes are now written per flush (schema 2 and 3); the settings below
 * were tuned when they were not, and bound how often hot pages are copied again into the database file and re-read.
 * - wal_autocheckpoint 16384 pages (64 MiB of WAL, SQLite's default is 1000 = 4 MiB): at 1000 pages a
 *   checkpoint ran every two or three batches and took a quarter of the append time; a longer WAL lets a
 *   checkpoint copy each hot index page once for many batches (bytes written per entry -25%).
 * - journal_size_limit 128 MiB: the WAL file is truncated back to this after a checkpoint if a burst grew it.
 * - cache_size 64 MiB (the build's default is 16 MB): the index pages stay in memory, reads from the file
 *   drop by 60% at 100k entries, and proofs for old leaves mostly hit the cache.
 * - mmap_size 1 GiB: pages that are not cached are read through the mapping instead of a pread() each.
 * - temp_store MEMORY: statement journals and sorts never go to a temporary file.
 */
const TUNING = [
  'wal_autocheckpoint = 16384',
  'journal_size_limit = 134217728',
  'cache_size = -65536',
  'mmap_size = 1073741824',
  'temp_store = MEMORY',
];

/** Opens the connection the way the store needs it: WAL, fsync on every commit, schema in place. */
export function prepareDatabase(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  for (const pragma of TUNING) db.pragma(pragma);
  db.function('did_city_op_key', { deterministic: true }, (hash) => opKey(String(hash)));
  db.exec(DDL);
  fillDidIndex(db);
  const row = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").get();
  if (row === undefined) {
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
  } else if (row.value === '1' || row.value === '2') {
    migrate(db, Number(row.value));
  } else if (row.value !== String(SCHEMA_VERSION)) {
    throw new Error(`log store schema version ${row.value} is not supported (expected ${SCHEMA_VERSION})`);
  }
}

/**
 * Schema 1 or 2 → 3, in one transaction (a failure or a kill leaves the file at its old schema, untouched):
 * `entries` is copied into a table with no index but its position (SQLite cannot drop a column constraint in place:
 * schema 1 had UNIQUE operation_hash and both had UNIQUE (did, seq)), and `did_entries` is filled from it in key
 * order for the entries the other lookups describe (`indexed_size`). From schema 1, `op_index` is filled as well and
 * `did_index`, which schema 1 kept at the log's size, is marked as describing the whole log. The copy takes time and
 * space in proportion to the log, once.
 */
function migrate(db: Database.Database, from: number): void {
  db.transaction(() => {
    db.exec(`CREATE TABLE entries_v3 (${ENTRIES_COLUMNS}) STRICT`);
    db.exec(
      'INSERT INTO entries_v3 SELECT leaf_index, leaf, leaf_hash, operation_hash, did, seq, integrated_time FROM entries ORDER BY leaf_index',
    );
    db.exec('DROP TABLE entries');
    db.exec('ALTER TABLE entries_v3 RENAME TO entries');
    if (from === 1) {
      db.exec('DELETE FROM op_index');
      db.exec(`INSERT INTO op_index (op_key, leaf_index) ${OP_INDEX_FROM_ENTRIES}`);
      db.exec(`INSERT INTO meta (key, value) SELECT 'indexed_size', coalesce(max(leaf_index) + 1, 0) FROM entries WHERE true
               ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
    }
    db.exec('DELETE FROM did_entries');
    db.exec(`INSERT INTO did_entries (did, seq, leaf_index) SELECT did, seq, leaf_index FROM entries
             WHERE leaf_index < coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'indexed_size'), 0)
             ORDER BY did, seq`);
    db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(SCHEMA_VERSION));
  }).immediate();
}

/** `did_entries` rows for every entry, in key order. */
export const DID_ENTRIES_FROM_ENTRIES = 'SELECT did, seq, leaf_index FROM entries ORDER BY did, seq';

/** Each DID's head from `did_entries` (which must cover the whole log): what `did_index` holds. */
export const HEADS_FROM_DID_ENTRIES = `SELECT d.did, d.seq, d.leaf_index, e.operation_hash
  FROM did_entries d JOIN entries e ON e.leaf_index = d.leaf_index
  WHERE d.seq = (SELECT max(seq) FROM did_entries m WHERE m.did = d.did)`;

/** `op_index` rows for every entry, in key order (the connection defines did_city_op_key). */
export const OP_INDEX_FROM_ENTRIES =
  'SELECT did_city_op_key(operation_hash) AS k, leaf_index FROM entries ORDER BY k, leaf_index';

/** Heads of every DID from a schema-1 log, whose UNIQUE (did, seq) index serves the subquery: what `did_index` holds. */
const HEADS_FROM_ENTRIES = `SELECT did, seq, leaf_index, operation_hash FROM entries e
  WHERE seq = (SELECT max(seq) FROM entries m WHERE m.did = e.did)`;

/** A log written before the DID index existed gets its `did_index` rows once, from the entries (schema 1 only). */
function fillDidIndex(db: Database.Database): void {
  const filled = db.prepare("SELECT 1 FROM meta WHERE key = 'did_index'").get() !== undefined;
  if (filled) return;
  db.transaction(() => {
    db.exec('DELETE FROM did_index');
    db.exec(`INSERT INTO did_index (did, seq, leaf_index, operation_hash) ${HEADS_FROM_ENTRIES}`);
    db.prepare("INSERT INTO meta (key, value) VALUES ('did_index', '1')").run();
  }).immediate();
}
