/**
 * SQLite schema of the embedded log store. STRICT tables so a wrong type is an error, not a silent coercion.
 * The UNIQUE constraints are the last line of defence: even if a bug above let two operations on the same
 * `prev` (same did and seq) through validation, the second insert aborts the whole batch.
 */
import type Database from 'better-sqlite3';

export const SCHEMA_VERSION = 1;

const DDL = `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- One row per leaf. leaf = JCS({integratedTime, operation}), leaf_hash = SHA-256(0x00 || leaf).
CREATE TABLE IF NOT EXISTS entries (
  leaf_index INTEGER PRIMARY KEY CHECK (leaf_index >= 0),
  leaf BLOB NOT NULL,
  leaf_hash BLOB NOT NULL CHECK (length(leaf_hash) = 32),
  operation_hash TEXT NOT NULL UNIQUE,
  did TEXT NOT NULL,
  seq INTEGER NOT NULL CHECK (seq >= 0),
  integrated_time TEXT NOT NULL,
  UNIQUE (did, seq)
) STRICT;

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

-- Derived state: the DidHistory after each DID's last operation, rebuildable from entries.
CREATE TABLE IF NOT EXISTS did_state (
  did TEXT PRIMARY KEY,
  head_index INTEGER NOT NULL,
  history TEXT NOT NULL
) STRICT;
`;

/** Opens the connection the way the store needs it: WAL, fsync on every commit, schema in place. */
export function prepareDatabase(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec(DDL);
  const row = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").get();
  if (row === undefined) {
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
  } else if (row.value !== String(SCHEMA_VERSION)) {
    throw new Error(`log store schema version ${row.value} is not supported (expected ${SCHEMA_VERSION})`);
  }
}
