/**
 * PostgreSQL schema of the log store: the same tables and constraints as the SQLite schema (schema.ts), plus a
 * one-row `log_head` that every append locks and checks, so that whoever writes must agree with the database on
 * the log size inside its own transaction. The UNIQUE constraints are the last line of defence here too.
 */
import pg from 'pg';

export const PG_SCHEMA_VERSION = 1;

const DDL = `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- One row per leaf. leaf = JCS({integratedTime, operation}), leaf_hash = SHA-256(0x00 || leaf).
CREATE TABLE IF NOT EXISTS entries (
  leaf_index BIGINT PRIMARY KEY CHECK (leaf_index >= 0),
  leaf BYTEA NOT NULL,
  leaf_hash BYTEA NOT NULL CHECK (length(leaf_hash) = 32),
  operation_hash TEXT NOT NULL UNIQUE,
  did TEXT NOT NULL,
  seq BIGINT NOT NULL CHECK (seq >= 0),
  integrated_time TEXT NOT NULL,
  UNIQUE (did, seq)
);

-- Hash of every complete subtree at level >= 1 (level 0 is entries.leaf_hash).
CREATE TABLE IF NOT EXISTS tree_nodes (
  level SMALLINT NOT NULL CHECK (level >= 1),
  node_index BIGINT NOT NULL CHECK (node_index >= 0),
  hash BYTEA NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, node_index)
);

-- Checkpoints that met the witness quorum.
CREATE TABLE IF NOT EXISTS checkpoints (
  tree_size BIGINT PRIMARY KEY CHECK (tree_size >= 0),
  root_hash BYTEA NOT NULL CHECK (length(root_hash) = 32),
  note TEXT NOT NULL
);

-- The DID index (spec §7.9): each DID's head, written in the append's transaction; the tree is kept in memory.
CREATE TABLE IF NOT EXISTS did_index (
  did TEXT PRIMARY KEY,
  seq BIGINT NOT NULL CHECK (seq >= 0),
  leaf_index BIGINT NOT NULL CHECK (leaf_index >= 0),
  operation_hash TEXT NOT NULL
);

-- Derived state, rebuildable from entries. TEXT, not JSONB: the history is read back exactly as written.
CREATE TABLE IF NOT EXISTS did_state (
  did TEXT PRIMARY KEY,
  head_index BIGINT NOT NULL,
  history TEXT NOT NULL
);

-- The log size, one row, locked FOR UPDATE by every append: a writer whose idea of the size is stale fails.
CREATE TABLE IF NOT EXISTS log_head (
  id SMALLINT PRIMARY KEY CHECK (id = 1),
  tree_size BIGINT NOT NULL CHECK (tree_size >= 0)
);
INSERT INTO log_head (id, tree_size) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
`;

/** Key of the transaction-level advisory lock that serialises schema creation by nodes starting together. */
const SCHEMA_LOCK = [0x64696463, 0] as const;

/**
 * Creates the schema on a primary (idempotent, serialised against other nodes), or on a standby only checks
 * that it exists with a supported version.
 */
export async function preparePgSchema(client: pg.ClientBase): Promise<void> {
  const recovery = await client.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
  if (!recovery.rows[0]?.standby) {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...SCHEMA_LOCK]);
      await client.query(DDL);
      await client.query("INSERT INTO meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO NOTHING", [
        String(PG_SCHEMA_VERSION),
      ]);
      await fillDidIndex(client);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
  const version = await client
    .query<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'")
    .catch((cause: unknown) => {
      throw new Error('the database has no log store schema (a standby needs the primary to create it)', { cause });
    });
  const value = version.rows[0]?.value;
  if (value !== String(PG_SCHEMA_VERSION)) {
    throw new Error(`log store schema version ${value ?? '(none)'} is not supported (expected ${PG_SCHEMA_VERSION})`);
  }
}

/**
 * BIGINT columns as JavaScript numbers (pg's default is strings). Leaf indexes, sizes and seqs stay far below
 * 2^53; a larger value would be a corrupt row, so it throws instead of losing precision.
 */
export const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === pg.types.builtins.INT8 && format !== 'binary') return parseSafeInteger;
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

function parseSafeInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`BIGINT ${text} is beyond 2^53`);
  return value;
}

/** pg's SQLSTATE for unique_violation: constraint errors are classified by code, never by message text. */
export const UNIQUE_VIOLATION = '23505';

/** Heads of every DID from the log: what `did_index` holds (its rows are upserted entry by entry). */
export const HEADS_FROM_ENTRIES = `SELECT DISTINCT ON (did) did, seq, leaf_index, operation_hash FROM entries ORDER BY did, seq DESC`;

/** A log written before the DID index existed gets its `did_index` rows once, from the entries. */
async function fillDidIndex(client: pg.ClientBase): Promise<void> {
  const { rowCount } = await client.query(
    "INSERT INTO meta (key, value) VALUES ('did_index', '1') ON CONFLICT (key) DO NOTHING",
  );
  if (rowCount !== 1) return;
  await client.query('DELETE FROM did_index');
  await client.query(`INSERT INTO did_index (did, seq, leaf_index, operation_hash) ${HEADS_FROM_ENTRIES}`);
}
