/**
 * The SQL of PostgresLogStore that is not one line (the append is in postgres-append.ts): node reads in one round trip,
 * derived-state upserts, and constraint errors turned into AppendConflictError.
 */
import type { DidHistory } from '@did-city/method';
import type { NodeHash, NodeId } from '@did-city/tlog';
import type pg from 'pg';
import { HOLDS_SEQUENCER_LOCK } from '../leadership.ts';
import type { IndexSource } from './index-versions.ts';
import { AppendConflictError } from './interface.ts';
import { UNIQUE_VIOLATION } from './postgres-schema.ts';
import { toStateRows } from './rows.ts';

/** The log size, locked for the transaction, and whether this session still holds the sequencer lock. */
export const HEAD_FOR_UPDATE = `SELECT tree_size, ${HOLDS_SEQUENCER_LOCK} AS leader FROM log_head WHERE id = 1 FOR UPDATE`;

export async function storedSize(db: pg.ClientBase | pg.Pool): Promise<number> {
  const { rows } = await db.query<{ tree_size: number }>('SELECT tree_size FROM log_head WHERE id = 1');
  return rows[0]?.tree_size ?? 0;
}

// All ids in one round trip: leaves from entries, interior nodes from tree_nodes, in the order asked.
export async function readNodes(db: pg.ClientBase | pg.Pool, ids: readonly NodeId[]): Promise<NodeHash[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<{ hash: Buffer | null }>(
    `SELECT coalesce(e.leaf_hash, t.hash) AS hash
       FROM unnest($1::smallint[], $2::bigint[]) WITH ORDINALITY AS q(level, node_index, ord)
       LEFT JOIN entries e ON q.level = 0 AND e.leaf_index = q.node_index
       LEFT JOIN tree_nodes t ON q.level > 0 AND t.level = q.level AND t.node_index = q.node_index
      ORDER BY q.ord`,
    [ids.map((id) => id.level), ids.map((id) => id.index)],
  );
  return ids.map(({ level, index }, i) => {
    const hash = rows[i]?.hash;
    if (!hash) throw new RangeError(`tree node ${level}/${index} is not stored`);
    return { level, index, hash: new Uint8Array(hash) };
  });
}

const HEAD_COLUMNS = 'did, seq, leaf_index, operation_hash';

/** The index's reads (index-versions.ts) over a pool. */
export function pgIndexSource(pool: pg.Pool): IndexSource {
  const heads = async (sql: string, values: unknown[]) =>
    (await pool.query<{ did: string; seq: number; leaf_index: number; operation_hash: string }>(sql, values)).rows.map(
      (r) => ({
        did: r.did,
        seq: r.seq,
        index: r.leaf_index,
        operationHash: r.operation_hash,
      }),
    );
  return {
    heads: () => heads(`SELECT ${HEAD_COLUMNS} FROM did_index`, []),
    entryHeads: (start, end) =>
      heads(`SELECT ${HEAD_COLUMNS} FROM entries WHERE leaf_index >= $1 AND leaf_index < $2 ORDER BY leaf_index`, [
        start,
        end,
      ]),
    headBefore: async (did, size) =>
      (
        await heads(
          `SELECT ${HEAD_COLUMNS} FROM entries WHERE did = $1 AND leaf_index < $2 ORDER BY seq DESC LIMIT 1`,
          [did, size],
        )
      )[0],
  };
}

export async function writeStates(
  client: pg.ClientBase,
  states: readonly DidHistory[],
  sizeAfter: number,
): Promise<void> {
  if (states.length === 0) return;
  const rows = toStateRows(states, sizeAfter);
  await client.query(
    `INSERT INTO did_state (did, head_index, history) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])
     ON CONFLICT (did) DO UPDATE SET head_index = excluded.head_index, history = excluded.history`,
    [rows.map((r) => r.did), rows.map((r) => r.headIndex), rows.map((r) => r.history)],
  );
}

// PostgreSQL reports constraint violations with a stable SQLSTATE; the message text is never inspected.
export function toConflict(err: unknown): unknown {
  if ((err as { code?: unknown } | null)?.code === UNIQUE_VIOLATION) {
    return new AppendConflictError('unique', 'an operation hash or (did, seq) in the batch is already in the log', {
      cause: err,
    });
  }
  return err;
}
