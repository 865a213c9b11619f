/**
 * The opt-in scale run (`BENCH_SCALE=1M` or `10M` with the ledger bench): one ledger node on SQLite whose log is
 * grown to that size with synthetic entries (batches of 256 appended to its store, the index root hashed and a
 * checkpoint saved for each, as the sequencer does), beside a bare better-sqlite3 table taking the same leaf bytes
 * in the same batches (INTEGER PRIMARY KEY and the leaf, one synchronous=FULL commit per batch: the cost of writing
 * the bytes durably and nothing else). At each mark it reports entries/s over the window since
 * the previous mark for both and their ratio (flat = the store's cost per entry does not grow with the log), the
 * database bytes per entry, inclusion-proof latency, and the garbage-collection pauses and JS heap of the window
 * (the in-memory DID index is what grows in the heap); marks at 10k, 100k, 300k, 1M, 3M and 10M. At the end, a real
 * operation submitted through the node (validated, anchored, co-signed by its three index witnesses, which first
 * check the whole log) and resolution through HttpLedgerReader over loopback, cold (fresh resolver) and warm.
 *
 * Figures (1M; AMD EPYC, 2 cores shared with other jobs, node 20.20). Before the DID index's tree kept its hashes
 * as text (main at 991f514, load 13-20): the store's window rate fell from ~3,800 to ~730 entries/s as the log grew;
 * a profile showed SQLite's part flat and GC pauses over half of each window past 600k. At 7db4509 (load 9-14):
 * windows ending at 10k / 100k / 300k / 1M: 5,741 / 5,408 / 7,800 / 4,735 entries/s, store ÷ bare 0.18 / 0.17 /
 * 0.19 / 0.16; a second run with the GC column (110216f, load 12-14): 3,115 / 1,241 / 1,426 / 1,539 entries/s,
 * ratio 0.19 / 0.14 / 0.14 / 0.13, GC pauses 0.3 / 13.2 / 21.2 / 99.8 s per window (about a fifth of the window's
 * time past 300k), heap 1.2 GB at 1M. 1.6 kB per entry on disk, proof p50 0.3-0.4 ms.
 *
 * Time: the growth to 1M took 6 minutes (18 at load 13); the first anchor after it took 26 minutes (its three in-process
 * index witnesses each replay the whole synthetic log), so 1M runs ~31 minutes in all. 10M needs ten times that,
 * ~17 GB of disk, and a larger V8 heap than the default 4 GB (the DID index keeps ~0.55 GB live per 1M DIDs). It is not
 * part of `pnpm bench`.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GCProfiler } from 'node:v8';
import { createLedgerApp, LedgerNode, SqliteLogStore } from '@did-city/ledger';
import { createCityResolver } from '@did-city/method';
import { HttpLedgerReader } from '@did-city/method/http';
import { verifyInclusion } from '@did-city/tlog';
import {
  batchOf,
  CITY,
  createUnder,
  Database,
  fmt,
  INSTITUTES,
  percentile,
  registryGenesis,
} from './ledger-fixtures.ts';
import { benchReport } from './report.ts';

const BATCH = 256;
const MARKS = [10_000, 100_000, 300_000, 1_000_000, 3_000_000, 10_000_000];

function parseScale(text: string): number {
  const match = /^(\d+)([kM]?)$/.exec(text);
  if (!match) throw new Error(`BENCH_SCALE=${text}: give a size such as 1M or 10M`);
  return Number(match[1]) * (match[2] === 'M' ? 1_000_000 : match[2] === 'k' ? 1_000 : 1);
}

function bytes(file: string): number {
  let total = 0;
  for (const f of [file, `${file}-wal`]) {
    try {
      total += statSync(f).size;
    } catch {
      // no WAL at the moment
    }
  }
  return total;
}

async function proofLatency(store: SqliteLogStore, size: number): Promise<{ p50: number; p99: number }> {
  const root = await store.rootAt(size);
  const times: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const index = Math.floor(Math.random() * size);
    const t = performance.now();
    const [proof, entry] = await Promise.all([store.inclusionProof(index, size), store.entry(index)]);
    if (!verifyInclusion({ leafIndex: index, treeSize: size, leafHash: entry!.leafHash, proof, rootHash: root }))
      throw new Error('proof failed');
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

interface Mark {
  entries: number;
  storePerSecond: number;
  rawPerSecond: number;
  ratio: number;
  bytesPerEntry: number;
  rawBytesPerEntry: number;
  proofP50Ms: number;
  proofP99Ms: number;
  /** Garbage-collection pauses in the window (the process's, most of them the store's), and the heap at its end. */
  gcMs: number;
  heapMB: number;
}

/** The process's garbage-collection pauses from now until `stop()`, in ms (v8.GCProfiler: every pause, as --trace-gc). */
function gcClock(): { stop: () => number } {
  const profiler = new GCProfiler();
  profiler.start();
  return { stop: () => (profiler.stop()?.statistics ?? []).reduce((sum, gc) => sum + gc.cost, 0) / 1000 };
}

async function resolution(
  node: LedgerNode,
): Promise<{ coldPerSecond: number; warmPerSecond: number; firstAnchorMs: number }> {
  const t = performance.now();
  await node.submit(await createUnder('did:city:cn:130100', CITY, INSTITUTES.slice(0, 2)));
  const firstAnchorMs = performance.now() - t;
  const server: Server = await new Promise((done) => {
    const s = createLedgerApp(node).listen(0, '127.0.0.1', () => done(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const resolverOf = () => createCityResolver({ reader: new HttpLedgerReader({ url, policy: node.policyText }) });
  const check = async (resolver: ReturnType<typeof resolverOf>) => {
    if ((await resolver.resolve('did:city:cn:130100')).didDocument === null) throw new Error('resolution failed');
  };
  const rate = async (rounds: number, work: () => Promise<void>) => {
    const started = performance.now();
    for (let i = 0; i < rounds; i++) await work();
    return rounds / ((performance.now() - started) / 1000);
  };
  await check(resolverOf());
  const coldPerSecond = await rate(200, () => check(resolverOf()));
  const warm = resolverOf();
  const warmPerSecond = await rate(1000, () => check(warm));
  server.closeAllConnections();
  server.close();
  return { coldPerSecond, warmPerSecond, firstAnchorMs };
}

export async function scaleRun(scale: string): Promise<void> {
  const target = parseScale(scale);
  const report = benchReport(`ledger-scale-${scale}`);
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  try {
    const file = join(dir, 'ledger.db');
    const store = new SqliteLogStore({ file });
    const node = await LedgerNode.open({
      allowUnpinnedGenesis: true,
      dataDir: dir,
      store,
      sequencer: { batchIntervalMs: 0 },
    });
    await node.submitGovernance(await registryGenesis());
    const raw = new Database(join(dir, 'raw.db'));
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = FULL');
    raw.exec('CREATE TABLE entries (leaf_index INTEGER PRIMARY KEY, leaf BLOB NOT NULL)');
    const insert = raw.prepare('INSERT INTO entries VALUES (?, ?)');
    const rawBatch = raw.transaction((entries: readonly { leaf: Uint8Array }[], start: number) => {
      entries.forEach((e, i) => {
        insert.run(start + i, e.leaf);
      });
    });
    console.log(
      `\n## Scale run to ${fmt(target)} entries (SqliteLogStore with the DID index; a checkpoint per batch of ${BATCH})`,
    );
    console.log(
      '| entries | store entries/s (window) | bare durable insert entries/s | store ÷ bare | store bytes/entry | bare bytes/entry | proof p50 ms | proof p99 ms | GC pauses in window s | JS heap MB |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    let gc = gcClock();
    const marks: Mark[] = [];
    let [storeMs, rawMs, windowStart] = [0, 0, 1];
    for (let size = 1; size < target; ) {
      const count = Math.min(BATCH, target - size);
      const batch = batchOf(size, count);
      let t = performance.now();
      const head = await store.append(batch);
      (await store.didIndex(head.size)).root();
      await store.saveCheckpoint({ size: head.size, root: head.root, note: `bench checkpoint ${head.size}` });
      storeMs += performance.now() - t;
      t = performance.now();
      rawBatch.immediate(batch.entries, size);
      rawMs += performance.now() - t;
      size += count;
      const mark = MARKS.find((m) => m <= size && m > size - count);
      if (mark === undefined && size < target) continue;
      const window = size - windowStart;
      const gcMs = gc.stop();
      const heapMB = process.memoryUsage().heapUsed / 1e6;
      const proofs = await proofLatency(store, size);
      const row: Mark = {
        entries: size,
        storePerSecond: window / (storeMs / 1000),
        rawPerSecond: window / (rawMs / 1000),
        ratio: rawMs / storeMs,
        bytesPerEntry: bytes(file) / size,
        rawBytesPerEntry: bytes(join(dir, 'raw.db')) / size,
        proofP50Ms: proofs.p50,
        proofP99Ms: proofs.p99,
        gcMs,
        heapMB,
      };
      marks.push(row);
      const cells = [
        fmt(size),
        fmt(row.storePerSecond),
        fmt(row.rawPerSecond),
        fmt(row.ratio, 2),
        fmt(row.bytesPerEntry),
        fmt(row.rawBytesPerEntry),
        fmt(row.proofP50Ms, 3),
        fmt(row.proofP99Ms, 3),
        fmt(gcMs / 1000, 1),
        fmt(heapMB),
      ];
      console.log(`| ${cells.join(' | ')} |`);
      [storeMs, rawMs, windowStart] = [0, 0, size];
      gc = gcClock();
    }
    gc.stop();
    raw.close();
    const resolved = await resolution(node);
    console.log(
      `\nat ${fmt(target)} entries: first anchor after the synthetic log (3 index witnesses check the whole log) ${fmt(resolved.firstAnchorMs / 1000, 1)} s; resolution cold ${fmt(resolved.coldPerSecond)}/s, warm ${fmt(resolved.warmPerSecond)}/s`,
    );
    await node.close();
    const seconds = (performance.now() - started) / 1000;
    console.log(`scale run total ${fmt(seconds, 0)} s`);
    for (const m of marks) {
      report.row({
        what: `scale run: durable append with the DID index, window ending at ${fmt(m.entries)} entries (${fmt(m.bytesPerEntry)} bytes/entry, GC pauses ${fmt(m.gcMs / 1000, 1)} s, heap ${fmt(m.heapMB)} MB)`,
        figure: `${fmt(m.storePerSecond)} entries/s`,
        baseline: `bare durable insert ${fmt(m.rawPerSecond)} entries/s`,
        ratio: fmt(m.ratio, 2),
      });
      report.row({
        what: `scale run: inclusion proof at ${fmt(m.entries)} entries, p50 / p99`,
        figure: `${fmt(m.proofP50Ms, 3)} / ${fmt(m.proofP99Ms, 3)} ms`,
      });
    }
    report.row({
      what: `scale run: resolution at ${fmt(target)} entries, cold / warm`,
      figure: `${fmt(resolved.coldPerSecond)} / ${fmt(resolved.warmPerSecond)} /s`,
    });
    report.write({ target, marks, resolution: resolved, seconds });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
