/**
 * The point reads of PostgresLogStore, gathered: every entry, tree node and stored-size request made during one
 * turn of the event loop goes to the database as one prepared statement, so a resolver asking for an entry and
 * its inclusion proof together (the proof's nodes the tree cache lacks) waits for one round trip, and concurrent
 * requests share theirs. The statement reads `log_head` too: one statement is one snapshot, so every row it
 * returns lies inside the size it reports, which is how a reader store on a standby learns, at no extra cost,
 * which sizes it may answer for.
 */
import type { NodeId } from '@did-city/tlog';
import type pg from 'pg';
import type { StoredEntry } from './interface.ts';
import { toEntry } from './rows.ts';
import { UPPER_LEVEL } from './tree-cache.ts';

/** What one statement saw: the stored size, and the entries and nodes asked for that the log holds. */
export interface ReadSnapshot {
  size: number;
  entries: Map<number, StoredEntry>;
  /** Node hashes by `level/index`. */
  nodes: Map<string, Uint8Array>;
}

export const nodeKey = (level: number, index: number): string => `${level}/${index}`;

// Kind 0: the stored size; 1: an entry; 2: a node hash (leaves from entries, interior nodes from tree_nodes).
// Nodes below level 8 go by level, one array each, so that each is one probe of tree_nodes' primary key (a join
// with unnest costs twice as much); the upper levels, rarely missing from the cache, by pairs.
// When no interior node is missing (a warm cache), the statement without those parts: the empty parts still cost
// the server their setup, a third of its work for a warm read.
const READ_ENTRIES = `
SELECT 0::smallint AS kind, tree_size AS idx, 0::smallint AS level, NULL::bytea AS hash, NULL::bytea AS leaf,
       NULL::text AS operation_hash, NULL::text AS did, NULL::bigint AS seq, NULL::text AS integrated_time
  FROM log_head WHERE id = 1
UNION ALL
SELECT 1, leaf_index, 0, leaf_hash, leaf, operation_hash, did, seq, integrated_time
  FROM entries WHERE leaf_index = ANY($1::bigint[])
UNION ALL
SELECT 2, leaf_index, 0, leaf_hash, NULL, NULL, NULL, NULL, NULL
  FROM entries WHERE leaf_index = ANY($2::bigint[])`;
const READ = `${READ_ENTRIES}
UNION ALL
SELECT 2, node_index, level, hash, NULL, NULL, NULL, NULL, NULL
  FROM tree_nodes
 WHERE ${Array.from({ length: UPPER_LEVEL - 1 }, (_, i) => `(level = ${i + 1} AND node_index = ANY($${i + 3}::bigint[]))`).join('\n    OR ')}
UNION ALL
SELECT 2, t.node_index, t.level, t.hash, NULL, NULL, NULL, NULL, NULL
  FROM unnest($${UPPER_LEVEL + 2}::smallint[], $${UPPER_LEVEL + 3}::bigint[]) AS q(level, node_index)
  JOIN tree_nodes t ON t.level = q.level AND t.node_index = q.node_index`;

/**
 * Server settings of every connection of the read pool (given at connection, so no round trip). With the default (`auto`), PostgreSQL plans the gathered read anew
 * for every execution: its array parameters make the generic plan's estimate look dearer than a custom plan, and
 * the planning then costs more than the execution. Every statement of the pool is a lookup by key or by a key
 * range, whose generic plan is the custom one.
 */
export const READ_POOL_OPTIONS = '-c plan_cache_mode=force_generic_plan';

interface ReadRow {
  kind: number;
  idx: number;
  level: number;
  hash: Buffer | null;
  leaf: Buffer | null;
  operation_hash: string | null;
  did: string | null;
  seq: number | null;
  integrated_time: string | null;
}

interface Wanted {
  entries: Set<number>;
  leaves: Set<number>;
  interior: Map<string, NodeId>;
}

interface Pending extends Wanted {
  done: Promise<ReadSnapshot>;
}

export class GatheredReads {
  readonly #pool: pg.Pool;
  #pending: Pending | undefined;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /**
   * The stored size, and the entries at `entries` and the nodes `nodes` that are stored, read with whatever else
   * was asked for in this turn of the event loop. Indexes must be whole numbers ≥ 0 (the caller checks).
   */
  read(entries: readonly number[], nodes: readonly NodeId[]): Promise<ReadSnapshot> {
    const pending = this.#pending ?? this.#start();
    for (const index of entries) pending.entries.add(index);
    for (const node of nodes) {
      if (node.level === 0) pending.leaves.add(node.index);
      else pending.interior.set(nodeKey(node.level, node.index), node);
    }
    return pending.done;
  }

  #start(): Pending {
    const wanted: Wanted = { entries: new Set(), leaves: new Set(), interior: new Map() };
    // setImmediate runs after the promise jobs of this turn, so requests made a few awaits apart still join.
    const done = new Promise<ReadSnapshot>((resolve, reject) =>
      setImmediate(() => {
        this.#pending = undefined;
        this.#run(wanted).then(resolve, reject);
      }),
    );
    this.#pending = { ...wanted, done };
    return this.#pending;
  }

  async #run(pending: Wanted): Promise<ReadSnapshot> {
    const leaves = [...pending.leaves].filter((index) => !pending.entries.has(index));
    const lower: number[][] = Array.from({ length: UPPER_LEVEL - 1 }, () => []);
    const upper: NodeId[] = [];
    for (const node of pending.interior.values()) {
      if (node.level < UPPER_LEVEL) lower[node.level - 1]!.push(node.index);
      else upper.push(node);
    }
    const entries = [...pending.entries];
    const { rows } = await this.#pool.query<ReadRow>(
      pending.interior.size === 0
        ? { name: 'did-city-read-entries-v2', text: READ_ENTRIES, values: [entries, leaves] }
        : {
            name: 'did-city-read-v2',
            text: READ,
            values: [entries, leaves, ...lower, upper.map((n) => n.level), upper.map((n) => n.index)],
          },
    );
    const snapshot: ReadSnapshot = { size: 0, entries: new Map(), nodes: new Map() };
    for (const row of rows) {
      if (row.kind === 0) snapshot.size = row.idx;
      else if (row.kind === 2) snapshot.nodes.set(nodeKey(row.level, row.idx), new Uint8Array(row.hash!));
      else {
        const entry = toEntry({
          leaf_index: row.idx,
          leaf: row.leaf!,
          leaf_hash: row.hash!,
          operation_hash: row.operation_hash!,
          did: row.did!,
          seq: row.seq!,
          integrated_time: row.integrated_time!,
        });
        snapshot.entries.set(entry.index, entry);
        if (pending.leaves.has(entry.index))
          snapshot.nodes.set(nodeKey(0, entry.index), new Uint8Array(entry.leafHash));
      }
    }
    return snapshot;
  }
}
