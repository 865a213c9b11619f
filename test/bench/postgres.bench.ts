/**
 * PostgreSQL ledger benchmark (run: `pnpm exec tsx --conditions=source test/bench/postgres.bench.ts`; needs
 * PostgreSQL 15 under /usr/lib/postgresql/15/bin or PG_BIN; BENCH_ENTRIES overrides the 100k entries).
 * Everything is measured in the same run and printed with SQLite as the baseline, as ratios.
 *
 * 1. Durable batched append (raw AppendBatch of 256 synthetic ~900-byte leaves, as in ledger.bench.ts) into
 *    SqliteLogStore (WAL, synchronous = FULL), PostgresLogStore on a lone primary, and PostgresLogStore on a
 *    primary with a synchronous standby (every commit flushed on both), fsync on everywhere. With each, per
 *    batch: the CPU it took in this process and in each PostgreSQL server (from /proc), and the WAL the primary
 *    wrote (from pg_current_wal_lsn).
 * 2. Reads a resolver makes per entry (entry + inclusion proof + verification) at the full size: SQLite, the
 *    primary, and a reader store on the standby, which is where a driver of another institute reads from. With
 *    each, the CPU a read took in this process and in the PostgreSQL server (postmaster and children, from /proc):
 *    what the wall time holds beyond them is waiting, for the server's answer and for a core.
 *
 * The stores are measured interleaved, so that load from other processes (a shared machine) falls on all of them
 * alike: each batch is appended to the three stores in turn (the order rotating), and the reads go in rounds of
 * READS_PER_ROUND per store (the order rotating too).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LogStore, PostgresLogStore, SqliteLogStore } from '@did-city/ledger';
import { verifyInclusion } from '@did-city/tlog';
import {
  type PgCluster,
  type PgServer,
  postgresBin,
  startCluster,
  waitFor,
  walPosition,
} from '../../packages/ledger/test/pg/harness.ts';
import { batchOf, fmt } from './ledger-fixtures.ts';
import { benchReport, loadAverage, machine } from './report.ts';

const ENTRIES = Number(process.env['BENCH_ENTRIES'] ?? 100_000);
const BATCH = 256;
const READ_ROUNDS = 10;
const READS_PER_ROUND = 200;

interface AppendFigures {
  ms: number;
  /** Per batch: CPU milliseconds of this process, and of the PostgreSQL servers the store writes to (if any). */
  nodeCpu: number;
  serverCpu: number[];
  /** Per batch: WAL bytes the primary wrote (undefined for SQLite). */
  walBytes: number | undefined;
}

/**
 * Appends the same batches to every store, one batch to each in turn; returns the milliseconds each spent, and per
 * batch the CPU it took in this process and in each PostgreSQL server it writes to (primary, then standby), and the
 * WAL its primary wrote: what the wall time holds beyond them is waiting (WAL flush, the standby's acknowledgement,
 * a core).
 */
async function appendInterleaved(
  stores: ReadonlyArray<{ store: LogStore; servers: readonly PgServer[] }>,
): Promise<AppendFigures[]> {
  const ms = stores.map(() => 0);
  const nodeCpu = stores.map(() => 0);
  const serverCpu = stores.map(({ servers }) => servers.map(() => 0));
  const walBefore = await Promise.all(stores.map(({ servers }) => servers[0] && walPosition(servers[0])));
  let batches = 0;
  for (let start = 0, turn = 0; start < ENTRIES; start += BATCH, turn++) {
    const batch = batchOf(start, Math.min(BATCH, ENTRIES - start)); // built outside the timed part
    batches++;
    for (let k = 0; k < stores.length; k++) {
      const s = (turn + k) % stores.length;
      const { store, servers } = stores[s]!;
      const serverBefore = servers.map(serverCpuMs);
      const cpuBefore = process.cpuUsage();
      const t = performance.now();
      await store.append(batch);
      ms[s]! += performance.now() - t;
      const cpu = process.cpuUsage(cpuBefore);
      nodeCpu[s]! += (cpu.user + cpu.system) / 1000;
      servers.forEach((server, i) => {
        serverCpu[s]![i]! += (serverCpuMs(server) ?? Number.NaN) - (serverBefore[i] ?? Number.NaN);
      });
    }
  }
  const walAfter = await Promise.all(stores.map(({ servers }) => servers[0] && walPosition(servers[0])));
  return stores.map((_, s) => ({
    ms: ms[s]!,
    nodeCpu: nodeCpu[s]! / batches,
    serverCpu: serverCpu[s]!.map((c) => c / batches),
    walBytes:
      walBefore[s] === undefined || walAfter[s] === undefined ? undefined : (walAfter[s]! - walBefore[s]!) / batches,
  }));
}

/**
 * CPU milliseconds used so far by a PostgreSQL server: the postmaster and all its children (the backends serving
 * the store, WAL sender or receiver, background processes), from /proc; undefined where there is no /proc.
 */
function serverCpuMs(server: PgServer | undefined): number | undefined {
  if (server === undefined || !existsSync('/proc/self/stat')) return undefined;
  const cpu = (pid: string) => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in ticks of 10 ms (USER_HZ = 100)
  };
  try {
    const postmaster = readFileSync(join(server.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]!;
    const children = readFileSync(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    return [postmaster, ...children].reduce((sum, pid) => sum + (existsSync(`/proc/${pid}`) ? cpu(pid) : 0), 0);
  } catch {
    return undefined;
  }
}

interface ReadFigures {
  perSecond: number;
  /** CPU milliseconds per read: this process, and the PostgreSQL server the store reads (if any). */
  nodeCpu: number;
  serverCpu: number | undefined;
}

/**
 * Random entry + inclusion proof + verification, in rounds across the stores (each with the server it reads, if
 * any); returns reads per second each, and the CPU per read of this process and of that server, which shows where
 * a read's time goes beyond the CPU it needs: waiting for a core on a loaded machine.
 */
async function readInterleaved(stores: ReadonlyArray<{ store: LogStore; server?: PgServer }>): Promise<ReadFigures[]> {
  const size = ENTRIES;
  const roots = await Promise.all(stores.map(({ store }) => store.rootAt(size)));
  const ms = stores.map(() => 0);
  const nodeCpu = stores.map(() => 0);
  const serverCpu = stores.map(() => 0 as number | undefined);
  for (let round = 0; round < READ_ROUNDS; round++) {
    // The order rotates each round, as the appends' does: work a round leaves behind (garbage collection that the
    // SQLite round's allocations start, for one) falls on each store in turn rather than always on the next one.
    for (let k = 0; k < stores.length; k++) {
      const s = (round + k) % stores.length;
      const { store, server } = stores[s]!;
      const serverBefore = serverCpuMs(server);
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      for (let i = 0; i < READS_PER_ROUND; i++) {
        const index = Math.floor(Math.random() * size);
        const [proof, entry] = await Promise.all([store.inclusionProof(index, size), store.entry(index)]);
        if (
          !verifyInclusion({ leafIndex: index, treeSize: size, leafHash: entry!.leafHash, proof, rootHash: roots[s]! })
        ) {
          throw new Error('proof failed');
        }
      }
      ms[s]! += performance.now() - started;
      const cpu = process.cpuUsage(cpuBefore);
      nodeCpu[s]! += (cpu.user + cpu.system) / 1000;
      const serverAfter = serverCpuMs(server);
      serverCpu[s] =
        serverBefore === undefined || serverAfter === undefined || serverCpu[s] === undefined
          ? undefined
          : serverCpu[s]! + serverAfter - serverBefore;
    }
  }
  const reads = READ_ROUNDS * READS_PER_ROUND;
  return ms.map((m, s) => ({
    perSecond: reads / (m / 1000),
    nodeCpu: nodeCpu[s]! / reads,
    serverCpu: stores[s]!.server === undefined || serverCpu[s] === undefined ? undefined : serverCpu[s]! / reads,
  }));
}

async function main(): Promise<void> {
  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL 15 not found: install postgresql-15 or set PG_BIN');
  const report = benchReport('postgres');
  // Load from other processes changes absolute figures; the ratios come from one interleaved run.
  console.log(`machine: ${machine()}, load average ${loadAverage()}`);
  console.log(
    `entries: ${fmt(ENTRIES)} in batches of ${BATCH}, ~900-byte leaves, fsync on everywhere, stores interleaved\n`,
  );

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
    const appends = (await appendInterleaved([
      { store: sqlite, servers: [] },
      { store: lonePrimary, servers: [lone.primary] },
      { store: writer, servers: [replicated.primary, replicated.standby!] },
    ])) as [AppendFigures, AppendFigures, AppendFigures];
    const [sqliteMs, loneMs, replicatedMs] = appends.map((a) => a.ms) as [number, number, number];

    const reader = await PostgresLogStore.open({ connection: replicated.standby!.connection('bench'), role: 'reader' });
    stores.push(reader);
    await waitFor(async () => (await reader.head()).size === ENTRIES, 'the standby to apply the log');
    const reads = (await readInterleaved([
      { store: sqlite },
      { store: writer, server: replicated.primary },
      { store: reader, server: replicated.standby },
    ])) as [ReadFigures, ReadFigures, ReadFigures];
    const [sqliteReads, primaryReads, standbyReads] = reads.map((r) => r.perSecond) as [number, number, number];

    const rate = (ms: number) => ENTRIES / (ms / 1000);
    const row = (name: string, ms: number) =>
      `  ${name.padEnd(48)} ${fmt(rate(ms)).padStart(8)} entries/s  ${fmt(rate(ms) / rate(sqliteMs), 2)}× SQLite`;
    console.log('durable batched append');
    console.log(row('SqliteLogStore (WAL, synchronous=FULL)', sqliteMs));
    console.log(row('PostgresLogStore, lone primary', loneMs));
    console.log(row('PostgresLogStore, primary + synchronous standby', replicatedMs));
    const batchRow = (name: string, a: AppendFigures) =>
      `  ${name.padEnd(48)} ${fmt(a.ms / Math.ceil(ENTRIES / BATCH), 2).padStart(6)} ms wall  ${fmt(a.nodeCpu, 2)} ms node CPU` +
      (a.serverCpu.length === 0 ? '' : `  ${a.serverCpu.map((c) => fmt(c, 2)).join(' + ')} ms PostgreSQL CPU`) +
      (a.walBytes === undefined ? '' : `  ${fmt(a.walBytes / 1024)} KiB WAL`);
    console.log(
      `per batch of ${BATCH}: wall time, the CPU it took here and in PostgreSQL (primary + standby), the WAL written`,
    );
    console.log(batchRow('SqliteLogStore', appends[0]));
    console.log(batchRow('PostgresLogStore, lone primary', appends[1]));
    console.log(batchRow('PostgresLogStore, primary + synchronous standby', appends[2]));
    const readRow = (name: string, perSecond: number) =>
      `  ${name.padEnd(48)} ${fmt(perSecond).padStart(8)} reads/s    ${fmt(perSecond / sqliteReads, 2)}× SQLite`;
    console.log(
      `\nentry + inclusion proof + verify at size ${fmt(ENTRIES)} (one at a time, ${READ_ROUNDS} rounds of ${READS_PER_ROUND})`,
    );
    console.log(readRow('SqliteLogStore', sqliteReads));
    console.log(readRow('PostgresLogStore on the primary', primaryReads));
    console.log(readRow('PostgresLogStore reader on the sync standby', standbyReads));
    const cpuRow = (name: string, r: ReadFigures) =>
      `  ${name.padEnd(48)} ${fmt(1000 / r.perSecond, 3).padStart(6)} ms wall  ${fmt(r.nodeCpu, 3)} ms node CPU` +
      (r.serverCpu === undefined ? '' : `  ${fmt(r.serverCpu, 3)} ms PostgreSQL CPU`);
    console.log('per read: wall time, and the CPU it took (the rest is waiting: for the server, for a core)');
    console.log(cpuRow('SqliteLogStore', reads[0]));
    console.log(cpuRow('PostgresLogStore on the primary', reads[1]));
    console.log(cpuRow('PostgresLogStore reader on the sync standby', reads[2]));
    const appendRow = (what: string, ms: number) =>
      report.row({
        what: `${what}, ${fmt(ENTRIES)} entries`,
        figure: `${fmt(rate(ms))} entries/s`,
        baseline: `SqliteLogStore ${fmt(rate(sqliteMs))} entries/s`,
        ratio: fmt(rate(ms) / rate(sqliteMs), 2),
      });
    appendRow('PostgreSQL append (PostgresLogStore), lone primary', loneMs);
    appendRow('PostgreSQL append, primary + synchronous standby', replicatedMs);
    const readsRow = (what: string, perSecond: number) =>
      report.row({
        what: `${what}, at ${fmt(ENTRIES)} entries`,
        figure: `${fmt(perSecond)} /s`,
        baseline: `SqliteLogStore ${fmt(sqliteReads)} /s`,
        ratio: fmt(perSecond / sqliteReads, 2),
      });
    readsRow('entry + inclusion proof + verify on the PostgreSQL primary', primaryReads);
    readsRow('entry + inclusion proof + verify on the synchronous standby', standbyReads);
    report.write({
      entries: ENTRIES,
      batch: BATCH,
      appendPerSecond: { sqlite: rate(sqliteMs), lonePrimary: rate(loneMs), syncStandby: rate(replicatedMs) },
      appendVsSqlite: { lonePrimary: rate(loneMs) / rate(sqliteMs), syncStandby: rate(replicatedMs) / rate(sqliteMs) },
      appendPerBatch: Object.fromEntries(
        (['sqlite', 'lonePrimary', 'syncStandby'] as const).map((name, i) => {
          const a = appends[i]!;
          return [
            name,
            {
              wallMs: a.ms / Math.ceil(ENTRIES / BATCH),
              nodeCpuMs: a.nodeCpu,
              serverCpuMs: a.serverCpu,
              walBytes: a.walBytes,
            },
          ];
        }),
      ),
      readsPerSecond: { sqlite: sqliteReads, primary: primaryReads, standby: standbyReads },
      readsVsSqlite: { primary: primaryReads / sqliteReads, standby: standbyReads / sqliteReads },
      readCpuMsPerRead: {
        sqlite: { node: reads[0].nodeCpu },
        primary: { node: reads[1].nodeCpu, server: reads[1].serverCpu },
        standby: { node: reads[2].nodeCpu, server: reads[2].serverCpu },
      },
    });
  } finally {
    for (const store of stores.reverse()) await store.close();
    for (const cluster of clusters) await cluster.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
