/**
 * A kill -9 during the schema 2 → 3 migration loses nothing: the migration is one transaction, so the file is left
 * at schema 2 exactly as it was, or at schema 3 complete, and the next open finishes the job. The schema-2 file is
 * made here from a log written by the store and taken back to schema 2's layout (entries with UNIQUE (did, seq), no
 * did_entries), large enough (20,000 entries of 1.5 kB) that the migration takes a while to kill into; the file the
 * schema-2 store itself wrote is migrated in store.sqlite-tail.test.ts.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { multihashSha256 } from '@did-city/method';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppendConflictError, AppendEntry } from '../src/store/interface.ts';
import type { EntryRow } from '../src/store/rows.ts';
import { SqliteLogStore } from '../src/store/sqlite.ts';
import { tempDir } from './fixtures.ts';

const CHILD = fileURLToPath(new URL('./migration-child.ts', import.meta.url));
const ENTRIES = 20_000;
const ROUNDS = 3;
const T = '2026-11-21T08:00:00Z';

const { dir, cleanup } = tempDir('ledger-migration-crash-');
afterAll(() => cleanup());

/** Entry i: a DID in random key order (some with a second entry), a leaf of 1.5 kB. */
function entry(i: number): AppendEntry {
  const owner = i % 10 === 9 ? i - 1 : i;
  const did = `did:city:cn:130100:r${multihashSha256(`did ${owner}`).slice(-10)}`;
  const leaf = new TextEncoder().encode(JSON.stringify({ i, pad: 'x'.repeat(1500) }));
  return { leaf, operationHash: multihashSha256(`op ${i}`), did, seq: owner === i ? 0 : 1, integratedTime: T };
}

/** The file's meta rows, the number of indexes on entries, and a digest of every entry row (each column, in order). */
function read(file: string): { meta: Record<string, string>; rows: number; digest: string; indexes: number } {
  const db = new Database(file, { readonly: true });
  const meta = db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[];
  const digest = createHash('sha256');
  let rows = 0;
  for (const row of db.prepare('SELECT * FROM entries ORDER BY leaf_index').iterate() as IterableIterator<EntryRow>) {
    const text = [row.leaf_index, row.operation_hash, row.did, row.seq, row.integrated_time].join('\n');
    digest.update(`${text}\n${row.leaf.length}\n`).update(row.leaf).update(row.leaf_hash);
    rows++;
  }
  const { n } = db
    .prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND tbl_name = 'entries'")
    .get() as { n: number };
  db.close();
  return {
    meta: Object.fromEntries(meta.map((r) => [r.key, r.value])),
    rows,
    digest: digest.digest('hex'),
    indexes: n,
  };
}

/** A log written by the store, then given schema 2's layout, as the schema-2 store left its files. */
async function schema2File(): Promise<{ file: string; root: Buffer; indexRoot: Buffer }> {
  const file = join(dir, 'v2.db');
  const store = new SqliteLogStore({ file });
  for (let start = 0; start < ENTRIES; start += 1000) {
    const entries = Array.from({ length: 1000 }, (_, i) => entry(start + i));
    await store.append({ expectedSize: start, entries, states: [] });
  }
  const root = Buffer.from((await store.head()).root);
  const indexRoot = Buffer.from((await store.didIndex(ENTRIES)).root());
  await store.close();
  const db = new Database(file);
  db.transaction(() => {
    db.exec(`CREATE TABLE entries_v2 (
      leaf_index INTEGER PRIMARY KEY CHECK (leaf_index >= 0), leaf BLOB NOT NULL,
      leaf_hash BLOB NOT NULL CHECK (length(leaf_hash) = 32), operation_hash TEXT NOT NULL, did TEXT NOT NULL,
      seq INTEGER NOT NULL CHECK (seq >= 0), integrated_time TEXT NOT NULL, UNIQUE (did, seq)) STRICT`);
    db.exec('INSERT INTO entries_v2 SELECT * FROM entries ORDER BY leaf_index');
    db.exec('DROP TABLE entries');
    db.exec('ALTER TABLE entries_v2 RENAME TO entries');
    db.exec('DROP TABLE did_entries');
    db.exec("UPDATE meta SET value = '2' WHERE key = 'schema_version'");
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { file, root, indexRoot };
}

/** Opens `file` in a child, SIGKILLs it `afterMs` after it starts opening; says whether it had finished. */
async function openAndKill(file: string, afterMs: number): Promise<{ finished: boolean }> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CHILD, file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const opening = new Promise<void>((resolve) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('opening\n')) resolve();
    });
  });
  await Promise.race([opening, exited]);
  await new Promise((r) => setTimeout(r, afterMs));
  child.kill('SIGKILL');
  const code = await exited;
  if (code !== null) throw new Error(`child exited by itself (${code}): ${stderr}`);
  return { finished: out.includes('opened\n') };
}

describe('schema 2 → 3 migration, SIGKILL part-way', () => {
  it('leaves the file at schema 2 untouched or at schema 3 complete; the next open serves the same log', async () => {
    let clock = performance.now();
    const lap = (what: string) => {
      console.info(`migration crash test: ${what} ${Math.round(performance.now() - clock)} ms`);
      clock = performance.now();
    };
    const { file, root, indexRoot } = await schema2File();
    lap('schema-2 file written');
    const original = read(file);
    expect(original.meta['schema_version']).toBe('2');
    expect(original.rows).toBe(ENTRIES);
    expect(original.indexes).toBe(1);
    // How long an open that migrates takes here, to spread the kills over it.
    const timed = join(dir, 'timed.db');
    copyFileSync(file, timed);
    const started = performance.now();
    const migrated = new SqliteLogStore({ file: timed });
    const openMs = performance.now() - started;
    await migrated.close();
    let inside = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const copy = join(dir, `round-${round}.db`);
      copyFileSync(file, copy);
      const { finished } = await openAndKill(copy, Math.floor((openMs * (round + 0.5)) / ROUNDS));
      const after = read(copy);
      if (!finished) inside++;
      // Nothing half done: the old file exactly, or the migrated one with every row.
      if (after.meta['schema_version'] === '2') {
        expect(after).toEqual(original);
      } else {
        expect(after.meta).toEqual({ ...original.meta, schema_version: '3' });
        expect(after.indexes).toBe(0);
        expect([after.rows, after.digest]).toEqual([original.rows, original.digest]);
      }
      const store = new SqliteLogStore({ file: copy });
      expect(read(copy).meta['schema_version']).toBe('3');
      expect(Buffer.from((await store.head()).root)).toEqual(root);
      expect(Buffer.from((await store.didIndex(ENTRIES)).root())).toEqual(indexRoot);
      for (const i of [0, 8, 9, 12_345, ENTRIES - 1]) {
        const e = entry(i);
        expect((await store.entryByOperationHash(e.operationHash))?.index).toBe(i);
        expect((await store.lastEntryOfDid(e.did))?.seq).toBe(i % 10 >= 8 ? 1 : 0);
        expect(await store.hasSeq(e.did, e.seq)).toBe(true);
        const error = await store
          .append({ expectedSize: ENTRIES, entries: [e], states: [] })
          .catch((err: unknown) => err);
        expect((error as AppendConflictError).conflict).toBe('unique');
      }
      expect((await store.entriesOfDid(entry(9).did)).map((e) => e.index)).toEqual([8, 9]);
      await store.close();
      lap(`round ${round}`);
    }
    console.info(
      `migration crash test: open ${Math.round(openMs)} ms, ${inside} of ${ROUNDS} kills before it finished`,
    );
    // The test only means something if kills landed while the child was opening (migrating) the file.
    expect(inside).toBeGreaterThan(0);
  }, 120_000);
});
