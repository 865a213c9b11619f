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
 *
 * The stores are measured interleaved, so that load from other processes (a shared machine) falls on all of them
 * alike: each batch is appended to the three stores in turn (the order rotating), and the reads go in rounds of
 * READS_PER_ROUND per store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LogStore, PostgresLogStore, SqliteLogStore } from '@did-city/ledger';
import { verifyInclusion } from '@did-city/tlog';
import { type PgCluster, postgresBin, startCluster, waitFor } from '../../packages/ledger/test/pg/harness.ts';
import { batchOf, fmt } from './ledger-fixtures.ts';
import { benchReport, loadAverage, machine } from './report.ts';

const ENTRIES = Number(process.env['BENCH_ENTRIES'] ?? 100_000);
const BATCH = 256;
const READ_ROUNDS = 10;
const READS_PER_ROUND = 200;

/** Appends the same batches to every store, one batch to each in turn; returns the milliseconds each spent. */
async function appendInterleaved(stores: readonly LogStore[]): Promise<number[]> {
  const ms = stores.map(() => 0);
  for (let start = 0, turn = 0; start < ENTRIES; start += BATCH, turn++) {
    const batch = batchOf(start, Math.min(BATCH, ENTRIES - start)); // built outside the timed part
    for (let k = 0; k < stores.length; k++) {
      const s = (turn + k) % stores.length;
      const t = performance.now();
      await stores[s]!.append(batch);
      ms[s]! += performance.now() - t;
    }
  }
  return ms;
}

/** Random entry + inclusion proof + verification, in rounds across the stores; returns reads per second each. */
async function readInterleaved(stores: readonly LogStore[]): Promise<number[]> {
  const size = ENTRIES;
  const roots = await Promise.all(stores.map((store) => store.rootAt(size)));
  const ms = stores.map(() => 0);
  for (let round = 0; round < READ_ROUNDS; round++) {
    for (let s = 0; s < stores.length; s++) {
      const store = stores[s]!;
      const started = performance.now();
      for (let i = 0; i < READS_PER_ROUND; i++) {
        const index = Math.floor(Math.random() * size);
        const [proof, entry] = await Promise.all([store.inclusionProof(index, size), store.entry(index)]);
        if (!verifyInclusion({ leafIndex: index, treeSize: size, leafHash: entry!.leafHash, proof, rootHash: roots[s]! })) {
          throw new Error('proof failed');
        }
      }
      ms[s]! += performance.now() - started;
    }
  }
  return ms.map((m) => (READ_ROUNDS * READS_PER_ROUND) / (m / 1000));
}

async function main(): Promise<void> {
  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL 15 not found: install postgresql-15 or set PG_BIN');
  const report = benchReport('postgres');
  // Load from other processes changes absolute figures; the ratios come from one interleaved run.
  console.log(`machine: ${machine()}, load average ${loadAverage()}`);
  console.log(`entries: ${fmt(ENTRIES)} in batches of ${BATCH}, ~900-byte leaves, fsync on everywhere, stores interleaved\n`);

  const dir = mkdtempSync(join(tmpdir(), 'bench-pg-'));
  const clusters: PgCluster[] = [];
  const stores: LogStore[] = [];
  try {
    const lone = await startCluster({ bin, standby: false });
    clusters.push(lone);
    const replicated = await startCluster({ bin, standby: true });
    clusters.push(replicated);
    for (const cluster of clusters) await cluster.createDatabase('bench');
    const sqlite = new SqliteLogStore({ file: join(dir, 'ledger.db') });
    stores.push(sqlite);
    const lonePrimary = await PostgresLogStore.open({ connection: lone.primary.connection('bench') });
    stores.push(lonePrimary);
    const writer = await PostgresLogStore.open({ connection: replicated.primary.connection('bench') });
    stores.push(writer);
    const [sqliteMs, loneMs, replicatedMs] = (await appendInterleaved([sqlite, lonePrimary, writer])) as [number, number, number];

    const reader = await PostgresLogStore.open({ connection: replicated.standby!.connection('bench'), role: 'reader' });
    stores.push(reader);
    await waitFor(async () => (await reader.head()).size === ENTRIES, 'the standby to apply the log');
    const [sqliteReads, primaryReads, standbyReads] = (await readInterleaved([sqlite, writer, reader])) as [number, number, number];

    const rate = (ms: number) => ENTRIES / (ms / 1000);
    const row = (name: string, ms: number) =>
      `  ${name.padEnd(48)} ${fmt(rate(ms)).padStart(8)} entries/s  ${fmt(rate(ms) / rate(sqliteMs), 2)}× SQLite`;
    console.log('durable batched append');
    console.log(row('SqliteLogStore (WAL, synchronous=FULL)', sqliteMs));
    console.log(row('PostgresLogStore, lone primary', loneMs));
    console.log(row('PostgresLogStore, primary + synchronous standby', replicatedMs));
    const readRow = (name: string, perSecond: number) =>
      `  ${name.padEnd(48)} ${fmt(perSecond).padStart(8)} reads/s    ${fmt(perSecond / sqliteReads, 2)}× SQLite`;
    console.log(`\nentry + inclusion proof + verify at size ${fmt(ENTRIES)} (one at a time, ${READ_ROUNDS} rounds of ${READS_PER_ROUND})`);
    console.log(readRow('SqliteLogStore', sqliteReads));
    console.log(readRow('PostgresLogStore on the primary', primaryReads));
    console.log(readRow('PostgresLogStore reader on the sync standby', standbyReads));
    const appendRow = (what: string, ms: number) =>
      report.row({ what: `${what}, ${fmt(ENTRIES)} entries`, figure: `${fmt(rate(ms))} entries/s`, baseline: `SqliteLogStore ${fmt(rate(sqliteMs))} entries/s`, ratio: fmt(rate(ms) / rate(sqliteMs), 2) });
    appendRow('PostgreSQL append (PostgresLogStore), lone primary', loneMs);
    appendRow('PostgreSQL append, primary + synchronous standby', replicatedMs);
    const readsRow = (what: string, perSecond: number) =>
      report.row({ what: `${what}, at ${fmt(ENTRIES)} entries`, figure: `${fmt(perSecond)} /s`, baseline: `SqliteLogStore ${fmt(sqliteReads)} /s`, ratio: fmt(perSecond / sqliteReads, 2) });
    readsRow('entry + inclusion proof + verify on the PostgreSQL primary', primaryReads);
    readsRow('entry + inclusion proof + verify on the synchronous standby', standbyReads);
    report.write({
      entries: ENTRIES,
      batch: BATCH,
      appendPerSecond: { sqlite: rate(sqliteMs), lonePrimary: rate(loneMs), syncStandby: rate(replicatedMs) },
      appendVsSqlite: { lonePrimary: rate(loneMs) / rate(sqliteMs), syncStandby: rate(replicatedMs) / rate(sqliteMs) },
      readsPerSecond: { sqlite: sqliteReads, primary: primaryReads, standby: standbyReads },
      readsVsSqlite: { primary: primaryReads / sqliteReads, standby: standbyReads / sqliteReads },
    });
  } finally {
    for (const store of stores.reverse()) await store.close();
    for (const cluster of clusters) await cluster.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
