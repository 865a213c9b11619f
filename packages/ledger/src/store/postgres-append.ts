/**
 * The append of PostgresLogStore as one prepared statement: one round trip to the primary per batch, in its own
 * implicit transaction (a single statement commits or fails as a whole).
 *
 * Measured before it (256 leaves of ~900 bytes per batch): the multi-row VALUES insert with one bind parameter per
 * value spent most of its time in the server parsing and planning a statement of ~2,000 parameters, anew for every
 * batch because its text changed with the number of tree nodes; the batch also took five round trips (BEGIN, head
 * lock, insert, DID index, COMMIT). Here the text never changes, so the server parses it once per connection, and
 * the leaves, leaf hashes and node hashes travel as three binary bytea parameters the statement slices with
 * `substring`, not as arrays of bytea (which pg sends as hex text the server must parse).
 *
 * The `head` step moves `log_head` from the expected size only if the log is at that size and this session holds
 * the sequencer lock; every insert joins `head`, so a stale or deposed writer inserts nothing. A concurrent
 * writer's UPDATE waits on the row and then sees the new size, so at most one of two racing batches applies.
 */
import type { DidHistory } from '@did-city/method';
import type { NodeHash } from '@did-city/tlog';
import type pg from 'pg';
import { HOLDS_SEQUENCER_LOCK } from '../leadership.ts';
import type { AppendEntry } from './interface.ts';
import { toStateRows } from './rows.ts';

/** Entries per append: a bound on the statement's size (the leaves travel in one bytea parameter). */
export const MAX_BATCH = 4096;

const APPEND_SQL = `
WITH head AS (
  UPDATE log_head SET tree_size = $1::bigint + cardinality($5::int[])
   WHERE id = 1 AND tree_size = $1::bigint AND ${HOLDS_SEQUENCER_LOCK}
  RETURNING tree_size
), batch AS (
  SELECT $1::bigint + u.ord - 1 AS leaf_index, u.ord::int AS ord, u.off, u.len, u.operation_hash, u.did, u.seq, u.integrated_time
    FROM unnest($4::int[], $5::int[], $6::text[], $7::text[], $8::bigint[], $9::text[])
         WITH ORDINALITY AS u(off, len, operation_hash, did, seq, integrated_time, ord)
), e AS (
  INSERT INTO entries (leaf_index, leaf, leaf_hash, operation_hash, did, seq, integrated_time)
  SELECT b.leaf_index, substring($2::bytea FROM b.off FOR b.len), substring($3::bytea FROM b.ord * 32 - 31 FOR 32),
         b.operation_hash, b.did, b.seq, b.integrated_time
    FROM batch b, head
), n AS (
  INSERT INTO tree_nodes (level, node_index, hash)
  SELECT u.level, u.node_index, substring($12::bytea FROM u.ord::int * 32 - 31 FOR 32)
    FROM unnest($10::smallint[], $11::bigint[]) WITH ORDINALITY AS u(level, node_index, ord), head
), x AS (
  INSERT INTO did_index (did, seq, leaf_index, operation_hash)
  SELECT DISTINCT ON (b.did) b.did, b.seq, b.leaf_index, b.operation_hash FROM batch b, head ORDER BY b.did, b.ord DESC
  ON CONFLICT (did) DO UPDATE SET seq = excluded.seq, leaf_index = excluded.leaf_index, operation_hash = excluded.operation_hash
), s AS (
  INSERT INTO did_state (did, head_index, history)
  SELECT u.did, u.head_index, u.history FROM unnest($13::text[], $14::bigint[], $15::text[]) AS u(did, head_index, history), head
  ON CONFLICT (did) DO UPDATE SET head_index = excluded.head_index, history = excluded.history
)
SELECT (SELECT tree_size FROM head) AS appended, tree_size, ${HOLDS_SEQUENCER_LOCK} AS leader FROM log_head WHERE id = 1`;

/** What the statement reports: `appended` is null when nothing was written (the size or the lock did not hold). */
export interface AppendOutcome {
  appended: number | null;
  /** The stored size the statement saw before its own update. */
  tree_size: number;
  leader: boolean;
}

export interface AppendRows {
  expectedSize: number;
  entries: readonly AppendEntry[];
  leafHashes: readonly Uint8Array[];
  /** Interior nodes (level ≥ 1) completed by the batch. */
  nodes: readonly NodeHash[];
  states: readonly DidHistory[];
}

/** The prepared append: name, fixed text, and the batch as 15 parameters. */
export function appendQuery(rows: AppendRows): pg.QueryConfig {
  const { entries, nodes } = rows;
  const offsets: number[] = [];
  let offset = 1; // substring positions count from 1
  for (const entry of entries) {
    offsets.push(offset);
    offset += entry.leaf.length;
  }
  const states = toStateRows(rows.states, rows.expectedSize + entries.length);
  const values = [
    rows.expectedSize,
    concat(entries.map((e) => e.leaf)),
    concat(rows.leafHashes),
    offsets,
    entries.map((e) => e.leaf.length),
    entries.map((e) => e.operationHash),
    entries.map((e) => e.did),
    entries.map((e) => e.seq),
    entries.map((e) => e.integratedTime),
    nodes.map((n) => n.level),
    nodes.map((n) => n.index),
    concat(nodes.map((n) => n.hash)),
    states.map((s) => s.did),
    states.map((s) => s.headIndex),
    states.map((s) => s.history),
  ];
  return { name: 'did-city-append-v1', text: APPEND_SQL, values };
}

function concat(parts: readonly Uint8Array[]): Buffer {
  return Buffer.concat(parts as Uint8Array[]);
}
