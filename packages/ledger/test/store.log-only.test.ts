/**
 * `SqliteLogStore({ didIndex: false })`: the benchmark's baseline for what the DID index costs an append. It appends
 * and proves like the indexed store (same roots), writes no `did_index` rows and refuses to serve an index.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, test } from 'vitest';
import { SqliteLogStore } from '../src/store/sqlite.ts';
import { tempDir } from './fixtures.ts';

const { dir, cleanup } = tempDir();
afterAll(() => cleanup());

function batch(start: number, count: number) {
  const entries = Array.from({ length: count }, (_, i) => {
    const n = start + i;
    const leaf = new TextEncoder().encode(
      JSON.stringify({
        integratedTime: '2026-12-03T00:00:00Z',
        operation: { did: `did:city:cn:130100:d${n}`, seq: 0 },
      }),
    );
    return {
      leaf,
      operationHash: `zQm${String(n).padStart(44, 'x')}`,
      did: `did:city:cn:130100:d${n}`,
      seq: 0,
      integratedTime: '2026-12-03T00:00:00Z',
    };
  });
  return { expectedSize: start, entries, states: [] };
}

test('a log-only store has the same tree as an indexed one, no did_index rows, and no index to serve', async () => {
  const indexed = new SqliteLogStore({ file: join(dir, 'indexed.db') });
  const logOnly = new SqliteLogStore({ file: join(dir, 'log-only.db'), didIndex: false });
  for (const store of [indexed, logOnly]) {
    await store.append(batch(0, 5));
    await store.append(batch(5, 3));
  }
  expect(Buffer.from((await logOnly.head()).root)).toEqual(Buffer.from((await indexed.head()).root));
  expect((await logOnly.inclusionProof(2, 8)).map((h) => Buffer.from(h))).toEqual(
    (await indexed.inclusionProof(2, 8)).map((h) => Buffer.from(h)),
  );
  expect((await indexed.didIndex(8)).size).toBe(8);
  await expect(logOnly.didIndex(8)).rejects.toThrow(/keeps no DID index/);
  const head = await logOnly.head();
  await logOnly.saveCheckpoint({ size: head.size, root: head.root, note: 'a note' });
  await Promise.all([indexed.close(), logOnly.close()]);
  const rows = (file: string) => {
    const db = new Database(join(dir, file), { readonly: true });
    const { n } = db.prepare('SELECT count(*) AS n FROM did_index').get() as { n: number };
    db.close();
    return n;
  };
  expect([rows('indexed.db'), rows('log-only.db')]).toEqual([8, 0]);
});
