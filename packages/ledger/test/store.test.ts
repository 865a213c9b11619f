// The one LogStore suite (store-suite.ts) against both stores: SQLite on a temporary file, PostgreSQL 15 on a
// real server started for this file (skipped locally without PostgreSQL, an error in CI: see pg/harness.ts).
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { leafHash, MerkleTree } from '@did-city/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresLogStore } from '../src/store/postgres.ts';
import { SqliteLogStore } from '../src/store/sqlite.ts';
import { tempDir } from './fixtures.ts';
import { type PgCluster, postgresBin, startCluster } from './pg/harness.ts';
import { describeLogStore } from './store-suite.ts';

const T = '2026-11-21T08:00:00Z';

// The default tail (8,192 entries) keeps these small logs in memory until close; a tail of 1 writes the lookups
// (op_index, did_entries, did_index) in every batch, so each read also runs through the rows.
for (const [name, tailEntries] of [
  ['SqliteLogStore', undefined],
  ['SqliteLogStore, lookups written in every batch', 1],
] as const) {
  describeLogStore(name, async () => {
    const { dir, cleanup } = tempDir();
    const file = join(dir, 'log.db');
    return {
      open: async () => new SqliteLogStore({ file, tailEntries }),
      clearDerivedState: async () => {
        const db = new Database(file);
        db.prepare('DELETE FROM did_state').run();
        db.close();
      },
      destroy: async () => cleanup(),
      stateRowBytes: async (did) => {
        const db = new Database(file, { readonly: true });
        const row = db.prepare('SELECT length(history) AS bytes FROM did_state WHERE did = ?').get(did) as {
          bytes: number;
        };
        db.close();
        return row.bytes;
      },
      execute: async (sql, ...values) => {
        const db = new Database(file);
        db.prepare(sql).run(...values);
        db.close();
      },
    };
  });
}

const bin = postgresBin();

describe.skipIf(bin === undefined)('on PostgreSQL 15', () => {
  let cluster: PgCluster;
  let databases = 0;

  beforeAll(async () => {
    cluster = await startCluster({ bin: bin! });
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  // A fresh database per test: the suite's tests each start from an empty log.
  describeLogStore('PostgresLogStore', async () => {
    const database = `store_${++databases}`;
    await cluster.createDatabase(database);
    const connection = cluster.primary.connection(database);
    return {
      open: () => PostgresLogStore.open({ connection }),
      clearDerivedState: async () => {
        const client = new pg.Client(connection);
        await client.connect();
        await client.query('DELETE FROM did_state');
        await client.end();
      },
      destroy: async () => undefined,
      stateRowBytes: async (did) => {
        const client = new pg.Client(connection);
        await client.connect();
        const { rows } = await client.query('SELECT octet_length(history) AS bytes FROM did_state WHERE did = $1', [
          did,
        ]);
        await client.end();
        return Number(rows[0].bytes);
      },
      execute: async (sql, ...values) => {
        const client = new pg.Client(connection);
        await client.connect();
        let n = 0;
        await client.query(
          sql.replace(/\?/g, () => `$${++n}`),
          values,
        );
        await client.end();
      },
    };
  });

  it('a reader store on the same log follows the writer: proofs and roots at each new size, cached or not', async () => {
    await cluster.createDatabase('follow');
    const connection = cluster.primary.connection('follow');
    const writer = await PostgresLogStore.open({ connection });
    const reader = await PostgresLogStore.open({ connection, role: 'reader', cacheNodes: 16 });
    const tree = new MerkleTree();
    try {
      for (let start = 0; start < 1200; start += 300) {
        const leaves = Array.from({ length: 300 }, (_, i) => new TextEncoder().encode(`follow ${start + i}`));
        const entries = leaves.map((leaf, i) => ({
          leaf,
          operationHash: `zQm-${start + i}`,
          did: `did:city:cn:f-${start + i}`,
          seq: 0,
          integratedTime: T,
        }));
        await writer.append({ expectedSize: start, entries, states: [] });
        for (const leaf of leaves) tree.append(leafHash(leaf));
        const size = start + 300;
        expect(await reader.rootAt(size)).toEqual(tree.root(size));
        for (const index of [0, start, 511, size - 1].filter((i) => i < size)) {
          expect(await reader.inclusionProof(index, size)).toEqual(tree.inclusionProof(index, size));
        }
        expect(await reader.consistencyProof(Math.max(1, start), size)).toEqual(
          tree.consistencyProof(Math.max(1, start), size),
        );
        await expect(reader.inclusionProof(0, size + 1)).rejects.toThrow(RangeError);
      }
    } finally {
      await reader.close();
      await writer.close();
    }
  });
});
