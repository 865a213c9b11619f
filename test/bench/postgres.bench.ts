/**
 * PostgreSQL ledger benchmark (run: `pnpm exec tsx --conditions=source test/bench/postgres.bench.ts`; needs
 * PostgreSQL 15 under /usr/lib/postgresql/15/bin or PG_BIN; BENCH_ENTRIES overrides the 100k entries).
 * Everything is measured in the same run and printed with SQLite as the baseline, as ratios.
 *
 * 1. Durable batched append (raw AppendBatch of 256 synthetic ~900-byte leaves, as in ledger.bench.ts) into
 *    SqliteLogStore (WAL, synchronous = FULL), PostgresLogStore on a lone primary, and PostgresLogStore on a
 *    primary with a synchronous standby (every commit flushed on both), fsync on everywhere.
 * 2. Reads a resolver makes per entry (entry + inclusion proof + verification) at the full size: SQLite, the
 *    primary, and a reader store on the standby, which is where a driver of another institute reads from.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LogStore, PostgresLogStore, SqliteLogStore } from '@did-city/ledger';
import { verifyInclusion } from '@did-city/tlog';
import { type PgCluster, postgresBin, startCluster, waitFor } from '../../packages/ledger/test/pg/harness.ts';
import { batchOf, fmt } from './ledger-fixtures.ts';
import { benchReport, machine } from './report.ts';

const ENTRIES = Number(process.env['BENCH_ENTRIES'] ?? 100_000);
const BATCH = 256;
const READS = 2000;

async function appendAll(store: LogStore): Promise<number> {
  let ms = 0;
  for (let start = 0; start < ENTRIES; start += BATCH) {
    const batch = batchOf(start, Math.min(BATCH, ENTRIES - start)); // built outside the timed part
    const t = performance.now();
    await store.append(batch);
    ms += performance.now() - t;
  }
  return ms;
}

async function readRate(store: LogStore): Promise<number> {
  const size = ENTRIES;
  const root = await store.rootAt(size);
  const started = performance.now();
  for (let i = 0; i < READS; i++) {
    const index = Math.floor(Math.random() * size);
    const [proof, entry] = await Promise.all([store.inclusionProof(index, size), store.entry(index)]);
    if (!verifyInclusion({ leafIndex: index, treeSize: size, leafHash: entry!.leafHash, proof, rootHash: root })) {
      throw new Error('proof failed');
    }
  }
  return READS / ((performance.now() - started) / 1000);
}

async function onPostgres(bin: string, standby: boolean): Promise<{ appendMs: number; reads: number; standbyReads?: number }> {
  let cluster: PgCluster | undefined;
  try {
    cluster = await startCluster({ bin, standby });
    await cluster.createDatabase('bench');
    const writer = await PostgresLogStore.open({ connection: cluster.primary.connection('bench') });
    const appendMs = await appendAll(writer);
    const reads = await readRate(writer);
    let standbyReads: number | undefined;
    if (cluster.standby) {
      const reader = await PostgresLogStore.open({ connection: cluster.standby.connection('bench'), role: 'reader' });
      await waitFor(async () => (await reader.head()).size === ENTRIES, 'the standby to apply the log');
      standbyReads = await readRate(reader);
      await reader.close();
    }
    await writer.close();
    return { appendMs, reads, ...(standbyReads === undefined ? {} : { standbyReads }) };
  } finally {
    await cluster?.destroy();
  }
}

async function main(): Promise<void> {
  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL 15 not found: install postgresql-15 or set PG_BIN');
  const report = benchReport('postgres');
  // Load from other processes changes absolute figures; the ratios come from one run on the same load.
  console.log(`machine: ${machine()}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`entries: ${fmt(ENTRIES)} in batches of ${BATCH}, ~900-byte leaves, fsync on everywhere\n`);

  const dir = mkdtempSync(join(tmpdir(), 'bench-pg-'));
  const sqlite = new SqliteLogStore({ file: join(dir, 'ledger.db') });
  const sqliteMs = await appendAll(sqlite);
  const sqliteReads = await readRate(sqlite);
  await sqlite.close();
  rmSync(dir, { recursive: true, force: true });
  const lone = await onPostgres(bin, false);
  const replicated = await onPostgres(bin, true);

  const rate = (ms: number) => ENTRIES / (ms / 1000);
  const row = (name: string, ms: number) =>
    `  ${name.padEnd(48)} ${fmt(rate(ms)).padStart(8)} entries/s  ${fmt(rate(ms) / rate(sqliteMs), 2)}× SQLite`;
  console.log('durable batched append');
  console.log(row('SqliteLogStore (WAL, synchronous=FULL)', sqliteMs));
  console.log(row('PostgresLogStore, lone primary', lone.appendMs));
  console.log(row('PostgresLogStore, primary + synchronous standby', replicated.appendMs));
  const readRow = (name: string, perSecond: number) =>
    `  ${name.padEnd(48)} ${fmt(perSecond).padStart(8)} reads/s    ${fmt(perSecond / sqliteReads, 2)}× SQLite`;
  console.log(`\nentry + inclusion proof + verify at size ${fmt(ENTRIES)} (one at a time)`);
  console.log(readRow('SqliteLogStore', sqliteReads));
  console.log(readRow('PostgresLogStore on the primary', replicated.reads));
  console.log(readRow('PostgresLogStore reader on the sync standby', replicated.standbyReads ?? Number.NaN));
  const appendRow = (what: string, ms: number) =>
    report.row({ what: `${what}, ${fmt(ENTRIES)} entries`, figure: `${fmt(rate(ms))} entries/s`, baseline: `SqliteLogStore ${fmt(rate(sqliteMs))} entries/s`, ratio: fmt(rate(ms) / rate(sqliteMs), 2) });
  appendRow('PostgreSQL append (PostgresLogStore), lone primary', lone.appendMs);
  appendRow('PostgreSQL append, primary + synchronous standby', replicated.appendMs);
  const readsRow = (what: string, perSecond: number | undefined) => {
    if (perSecond === undefined) return;
    report.row({ what: `${what}, at ${fmt(ENTRIES)} entries`, figure: `${fmt(perSecond)} /s`, baseline: `SqliteLogStore ${fmt(sqliteReads)} /s`, ratio: fmt(perSecond / sqliteReads, 2) });
  };
  readsRow('entry + inclusion proof + verify on the PostgreSQL primary', replicated.reads);
  readsRow('entry + inclusion proof + verify on the synchronous standby', replicated.standbyReads);
  report.write({
    entries: ENTRIES,
    batch: BATCH,
    appendPerSecond: { sqlite: rate(sqliteMs), lonePrimary: rate(lone.appendMs), syncStandby: rate(replicated.appendMs) },
    appendVsSqlite: { lonePrimary: rate(lone.appendMs) / rate(sqliteMs), syncStandby: rate(replicated.appendMs) / rate(sqliteMs) },
    readsPerSecond: { sqlite: sqliteReads, primary: replicated.reads, standby: replicated.standbyReads },
    readsVsSqlite: { primary: replicated.reads / sqliteReads, standby: (replicated.standbyReads ?? Number.NaN) / sqliteReads },
  });
}

await main();
