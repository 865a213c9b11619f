/**
 * The opt-in scale run (`BENCH_SCALE=1M` or `10M` with the ledger bench; `BENCH_SCALE_MINUTES=n` stops the growth
 * after n minutes, `BENCH_SCALE_DIDS` sets the number of DIDs): one ledger node on SQLite whose log is grown to that
 * size with synthetic entries (batches of 256 appended to its store, the index root hashed and a checkpoint saved for
 * each, as the sequencer does), beside a bare better-sqlite3 table taking the same leaf bytes in the same batches
 * (INTEGER PRIMARY KEY and the leaf, one synchronous=FULL commit per batch: the cost of writing the bytes durably and
 * nothing else). The mix: 1M DIDs; up to 1M entries each creates one, then the log goes round them again, one update
 * each per round (a new key, `prev` chained), so 10M entries are 1M DIDs with 10 operations each.
 *
 * At each mark (10k, 100k, 300k, 1M, then every 1M to 10M) and where the time limit stops the growth it prints a row
 * as it goes: entries/s over the window since the previous mark for both and their ratio (flat = the store's cost
 * per entry does not grow with the log), the database bytes per entry, inclusion-proof latency, the
 * garbage-collection pauses and JS heap of the window, elapsed time and load average. Also measured:
 * - before the growth, the start-up check (`checkOnStart`) on a log of real signed operations in the same mix
 *   (1,000 DIDs x 10 operations through a node with its three embedded index witnesses, then reopened): the synthetic
 *   entries carry placeholder signatures, which the check would rightly refuse;
 * - an index witness joining the log at 100k entries (it checks the whole log: every leaf into its own tree, every
 *   DID's head from the leaves, its own index root) and co-signing again at 300k (the entries in between), and
 *   another joining at 2M (1M creates and 1M updates);
 * - at the end, a real operation submitted through the node (validated, anchored, co-signed by its witnesses) and
 *   resolution through HttpLedgerReader over loopback, cold (fresh resolver) and warm. The node's three witnesses
 *   are plain tlog witnesses (consistency only): index witnesses would each replay the whole log at that first
 *   anchor (26 minutes at 1M in an earlier run), which a deployment's witnesses never do, following the log
 *   checkpoint by checkpoint on their own machines. Not in the store's figure: the did_state row a real sequencer
 *   upserts per DID in each batch (the synthetic batches carry no derived state).
 *
 * Figures (AMD EPYC, 2 cores, node 20.20).
 *
 * 10M at 7486ae6 (typed-array DID index tree, schema 3; nice -n 10, 14:35-15:02 UTC, quiet to 300k, then test runs
 * alongside, load 1.4-5.6): reached 10,000,000 entries in 1,612 s. Windows ending at 10k / 100k / 300k / 1M / 2M /
 * 4M / 6M / 8M / 10M: store 23,325 / 20,563 / 18,890 / 5,376 / 9,534 / 9,215 / 10,940 / 7,428 / 8,906 entries/s,
 * store ÷ bare 0.30 / 0.18 / 0.18 / 0.16 / 0.12 / 0.12 / 0.12 / 0.11 / 0.10: a step where the mix turns to updates,
 * then easing from 0.12 to 0.10 between 6M and 10M (not flat; the easing not profiled). Bytes per entry 1,593 at 1M, 1,193 at
 * 10M (bare 842); proof p50 0.15-0.53 ms, p99 0.3-29 ms; JS heap 420-610 MB from 2M on; resolution at 10M cold
 * 208/s, warm 1,671/s. Index witnesses: joining at 100k 31,458 entries/s, again at 300k 17,598, joining at 2M 122 s
 * = 16,335 entries/s (~10 minutes at 10M, an estimate). The start-up check on 10,002 real operations: 1.91 s =
 * 5,237 entries/s (~32 minutes at 10M, an estimate). The step is the baseline: to 300k at the same commit, creates
 * only against the mix (100k DIDs), load 2.8-3.6, the window from 100k to 300k ran store 11,908 vs 14,707 entries/s,
 * bare 70,585 vs 91,641 (an update's leaf carries one proof, a create's two); CPU profiles: 11.6 vs 10.5 s in the
 * store's transactions.
 *
 * Toward 10M at f45d327 (the tree before typed arrays; load 5-16 from other jobs): BENCH_SCALE_MINUTES=58 stopped the
 * growth at 6,224,385 entries; store ÷ bare 0.18-0.19 over the creates, 0.13 over the updates; JS heap up to 2.7 GB;
 * an index witness joining at 2M: 875.6 s = 2,284 entries/s. See packages/ledger/README.md, "Toward ten million
 * entries".
 *
 * Earlier 1M runs (creates only, the node's embedded index witnesses). Before the DID index's tree kept its hashes
 * as text (main at 991f514, load 13-20): the store's window rate fell from ~3,800 to ~730 entries/s as the log grew;
 * a profile showed SQLite's part flat and GC pauses over half of each window past 600k. At 7db4509 (load 9-14):
 * windows ending at 10k / 100k / 300k / 1M: 5,741 / 5,408 / 7,800 / 4,735 entries/s, store ÷ bare 0.18 / 0.17 /
 * 0.19 / 0.16; a second run with the GC column (110216f, load 12-14): 3,115 / 1,241 / 1,426 / 1,539 entries/s,
 * ratio 0.19 / 0.14 / 0.14 / 0.13, GC pauses 0.3 / 13.2 / 21.2 / 99.8 s per window, heap 1.2 GB at 1M. 1.6 kB per
 * entry on disk, proof p50 0.3-0.4 ms. The growth to 1M took 6 minutes (18 at load 13); the first anchor after it
 * took 20-26 minutes, its three in-process index witnesses each replaying the whole synthetic log.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { GCProfiler } from 'node:v8';
import {
  type AppendBatch,
  type AppendEntry,
  createLedgerApp,
  LedgerNode,
  SqliteLogStore,
  Witness,
} from '@did-city/ledger';
import { type ChainHead, createCityResolver, formatIndexExtension, operationHash } from '@did-city/method';
import { HttpLedgerReader } from '@did-city/method/http';
import {
  formatAddCheckpointRequest,
  formatCheckpoint,
  generateKeyPair,
  type NoteSigner,
  signerFromKey,
  signNote,
  verifierKeyOf,
  verifyInclusion,
} from '@did-city/tlog';
import {
  CITY,
  createUnder,
  Database,
  fmt,
  INSTITUTES,
  key,
  percentile,
  registryGenesis,
  rotateKey,
  syntheticOperation,
} from './ledger-fixtures.ts';
import { benchReport } from './report.ts';

const BATCH = 256;
const MARKS = [
  10_000, 100_000, 300_000, 1_000_000, 2_000_000, 3_000_000, 4_000_000, 5_000_000, 6_000_000, 7_000_000, 8_000_000,
  9_000_000, 10_000_000,
];
/**
 * Distinct DIDs in the synthetic log (`BENCH_SCALE_DIDS`, default 1M). Up to this size every entry creates a DID
 * (the log of the earlier 1M runs); past it the log goes round the DIDs again in the same order, one update each
 * per round, so 10M entries are 1M DIDs with 10 operations each: a county-level deployment (its divisions,
 * departments and assets) after years of updates, not 10M DIDs created once.
 */
function didCount(): number {
  const text = process.env['BENCH_SCALE_DIDS'];
  if (text === undefined) return 1_000_000;
  const dids = parseScale(text);
  if (dids < 1) throw new Error(`BENCH_SCALE_DIDS=${text}: give a number of DIDs such as 1M`);
  return dids;
}
/** A fresh index witness joins when the log reaches the first mark, and co-signs again at the second. */
const WITNESS_MARKS = [100_000, 300_000];
/** A second fresh index witness joins here (1M creates and 1M updates: the DID count of the full log) and leaves. */
const WITNESS_LATE_JOIN = 2_000_000;
/** The start-up check is measured on a log of real signed operations: this many DIDs, this many operations each. */
const CHECK_DIDS = 1_000;
const CHECK_OPERATIONS = 10;

function parseScale(text: string): number {
  const match = /^(\d+)([kM]?)$/.exec(text);
  if (!match) throw new Error(`BENCH_SCALE=${text}: give a size such as 1M or 10M`);
  return Number(match[1]) * (match[2] === 'M' ? 1_000_000 : match[2] === 'k' ? 1_000 : 1);
}

/** `BENCH_SCALE_MINUTES`: stop growing the log after this long (the rows so far stand; the end phase still runs). */
function timeLimitMs(): number {
  const text = process.env['BENCH_SCALE_MINUTES'];
  if (text === undefined) return Number.POSITIVE_INFINITY;
  const minutes = Number(text);
  if (!(minutes > 0)) throw new Error(`BENCH_SCALE_MINUTES=${text}: give a number of minutes`);
  return minutes * 60_000;
}

/**
 * The synthetic log of D DIDs: leaf i (from 1; leaf 0 is the registry genesis) is operation ⌊(i-1)/D⌋ of DID number
 * (i-1) mod D + 1, chained by `prev` to that DID's previous operation.
 */
class SyntheticLog {
  readonly #dids: number;
  readonly #chained: boolean;
  /** Each DID's last operation hash, for the next one's `prev` (kept only when the log updates DIDs). */
  readonly #last: string[] = [];

  constructor(target: number, dids: number) {
    this.#dids = dids;
    this.#chained = target - 1 > dids;
  }

  entry(i: number): AppendEntry {
    const n = ((i - 1) % this.#dids) + 1;
    const seq = Math.floor((i - 1) / this.#dids);
    const entry = syntheticOperation(n, seq, seq === 0 ? null : this.#last[n]!);
    if (this.#chained) this.#last[n] = entry.operationHash;
    return entry;
  }

  batch(start: number, count: number): AppendBatch {
    return { expectedSize: start, entries: Array.from({ length: count }, (_, k) => this.entry(start + k)), states: [] };
  }
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
  /** Seconds since the run started, and the 1-minute load average, when the row was written. */
  elapsedSeconds: number;
  load: number;
  /** Set on the last row when the time limit, not a mark, ended the growth. */
  stopped?: boolean;
}

/** The process's garbage-collection pauses from now until `stop()`, in ms (v8.GCProfiler: every pause, as --trace-gc). */
function gcClock(): { stop: () => number } {
  const profiler = new GCProfiler();
  profiler.start();
  return { stop: () => (profiler.stop()?.statistics ?? []).reduce((sum, gc) => sum + gc.cost, 0) / 1000 };
}

/**
 * The node's witnesses: three plain tlog witnesses (consistency and signatures only, quorum 2), with the trust
 * policy naming them. Index witnesses would each replay the whole synthetic log at the first anchor after it (what
 * that costs is measured apart, by a witness that joins during the growth); a deployment's index witnesses follow
 * the log checkpoint by checkpoint, on their own machines.
 */
function plainWitnesses(dir: string, logKey: string): { witnesses: Witness[]; policy: string } {
  const names = ['witness-a', 'witness-b', 'witness-c'];
  const witnesses = names.map(
    (name) =>
      new Witness({
        file: join(dir, `${name}.db`),
        signerKey: generateKeyPair(name).signerKey,
        logKeys: [verifierKeyOf(logKey)],
      }),
  );
  const lines = [`log ${verifierKeyOf(logKey)}`, ...witnesses.map((w) => `witness ${w.name} ${w.verifierKey}`)];
  lines.push(`group institutes 2 ${names.join(' ')}`, 'quorum institutes');
  return { witnesses, policy: `${lines.join('\n')}\n` };
}

/**
 * Asks an index witness (its replica: the store) to co-sign the store's head, signed by the log key, from the size
 * it co-signed last. Returns the time it took: for a witness that has co-signed nothing, the time to check the whole
 * log (every leaf hashed into its own tree, every DID's head taken from the leaves, its own DID index root).
 */
async function cosignHead(
  witness: Witness,
  store: SqliteLogStore,
  origin: string,
  logSigner: NoteSigner,
  oldSize: number,
): Promise<number> {
  const head = await store.head();
  const extensions = [formatIndexExtension((await store.didIndex(head.size)).root())];
  const checkpoint = await signNote(
    { text: formatCheckpoint({ origin, size: head.size, rootHash: head.root, extensions }) },
    [logSigner],
  );
  const proof = oldSize === 0 ? [] : await store.consistencyProof(oldSize, head.size);
  const t = performance.now();
  const answer = await witness.addCheckpoint(formatAddCheckpointRequest({ oldSize, proof, checkpoint }));
  const ms = performance.now() - t;
  if (answer.status !== 200)
    throw new Error(`the index witness refused the checkpoint at ${head.size}: ${answer.status} ${answer.body}`);
  return ms;
}

/**
 * The start-up check (`checkOnStart`, spec §7.5) on a log of real operations in the run's mix: CHECK_DIDS
 * departments under one county, created and then updated (a key rotation each) until each has CHECK_OPERATIONS,
 * submitted through a node with its three embedded index witnesses. Then the node is closed and opened again: the
 * open runs the check (every leaf and node rehashed, every operation validated with its signatures, the derived
 * state and the DID index rows compared); `integrityCheck()` on the open node is timed too.
 */
async function startupCheck(): Promise<{ entries: number; openMs: number; checkMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-check-'));
  try {
    const options = { allowUnpinnedGenesis: true, dataDir: dir, sequencer: { batchIntervalMs: 0 } };
    let node = await LedgerNode.open(options);
    await node.submitGovernance(await registryGenesis());
    await node.submit(await createUnder('did:city:cn:130100', CITY, INSTITUTES.slice(0, 2)));
    const keys = [key('dept-a'), key('dept-b')];
    let heads: ChainHead[] = [];
    for (let seq = 0; seq < CHECK_OPERATIONS; seq++) {
      const [from, to] = [keys[(seq + 1) % 2]!, keys[seq % 2]!];
      const operations = await Promise.all(
        Array.from({ length: CHECK_DIDS }, (_, n) =>
          seq === 0 ? createUnder(`did:city:cn:130100:dept-${n}`, to, [CITY]) : rotateKey(heads[n]!, from, to),
        ),
      );
      await Promise.all(operations.map((op) => node.submit(op)));
      heads = operations.map((op) => ({ did: op.did, seq: op.seq, operationHash: operationHash(op) }));
    }
    const entries = (await node.store.head()).size;
    await node.close();
    let t = performance.now();
    node = await LedgerNode.open(options);
    const openMs = performance.now() - t;
    const integrity = node.health().integrity;
    if (integrity?.ok !== true || integrity.size !== entries) throw new Error('the start-up check did not pass');
    t = performance.now();
    const report = await node.integrityCheck();
    const checkMs = performance.now() - t;
    if (!report.ok) throw new Error('the integrity check did not pass');
    await node.close();
    return { entries, openMs, checkMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
  const limitMs = timeLimitMs();
  const report = benchReport(`ledger-scale-${scale}`);
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const dids = didCount();
  const log = new SyntheticLog(target, dids);
  console.log(
    `\n## Scale run to ${fmt(target)} entries (${fmt(Math.min(dids, target - 1))} DIDs, up to ${fmt(Math.ceil((target - 1) / dids))} operations each)`,
  );
  const check = await startupCheck();
  console.log(
    `start-up check on ${fmt(check.entries)} real operations (${fmt(CHECK_DIDS)} DIDs × ${CHECK_OPERATIONS}): open with the check ${fmt(check.openMs / 1000, 2)} s, integrityCheck() ${fmt(check.checkMs / 1000, 2)} s = ${fmt(check.entries / (check.checkMs / 1000))} entries/s`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  const witnessFigures: { size: number; fromSize: number; seconds: number }[] = [];
  try {
    const file = join(dir, 'ledger.db');
    const store = new SqliteLogStore({ file });
    const origin = 'city.ledger/prod';
    const logKey = generateKeyPair(origin).signerKey;
    const { witnesses, policy } = plainWitnesses(dir, logKey);
    const node = await LedgerNode.open({
      allowUnpinnedGenesis: true,
      dataDir: dir,
      store,
      logKey,
      witnesses,
      policy,
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
    console.log(`growing the log: SqliteLogStore with the DID index, a checkpoint per batch of ${BATCH}`);
    console.log(
      '| entries | store entries/s (window) | bare durable insert entries/s | store ÷ bare | store bytes/entry | bare bytes/entry | proof p50 ms | proof p99 ms | GC pauses in window s | JS heap MB | elapsed s | load 1 min |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
    let gc = gcClock();
    const marks: Mark[] = [];
    let joining: { witness: Witness; size: number } | undefined;
    let [storeMs, rawMs, windowStart] = [0, 0, 1];
    for (let size = 1; size < target; ) {
      const count = Math.min(BATCH, target - size);
      const batch = log.batch(size, count);
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
      const stopped = size < target && performance.now() - started >= limitMs;
      if (mark === undefined && size < target && !stopped) continue;
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
        elapsedSeconds: elapsed(),
        load: loadavg()[0]!,
        ...(stopped && mark === undefined ? { stopped: true } : {}),
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
        fmt(row.elapsedSeconds, 0),
        fmt(row.load, 1),
      ];
      console.log(`| ${cells.join(' | ')} |${row.stopped ? ' (time limit: growth stopped here)' : ''}`);
      const joins = mark !== undefined && target > mark && (WITNESS_MARKS.includes(mark) || mark === WITNESS_LATE_JOIN);
      if (joins) {
        // A witness joins the log (or comes back to it): what index witnesses cost, outside the window's timers.
        const fromSize = joining?.size ?? 0;
        mkdirSync(join(dir, `joining-${size}`), { recursive: true });
        const witness =
          joining?.witness ??
          new Witness({
            file: join(dir, `joining-${size}`, 'state.db'),
            signerKey: generateKeyPair('joining-witness').signerKey,
            logKeys: [verifierKeyOf(logKey)],
            replica: store,
          });
        const seconds = (await cosignHead(witness, store, origin, signerFromKey(logKey), fromSize)) / 1000;
        witnessFigures.push({ size, fromSize, seconds });
        console.log(
          `index witness ${fromSize === 0 ? 'joining' : `co-signing again (last at ${fmt(fromSize)})`} at ${fmt(size)} entries: ${fmt(seconds, 1)} s = ${fmt((size - fromSize) / seconds)} entries/s checked`,
        );
        const stays = mark !== WITNESS_LATE_JOIN && mark !== WITNESS_MARKS.at(-1);
        if (!stays) witness.close();
        joining = stays ? { witness, size } : undefined;
      }
      [storeMs, rawMs, windowStart] = [0, 0, size];
      gc = gcClock();
      if (stopped) break;
    }
    gc.stop();
    joining?.witness.close();
    raw.close();
    const reached = (await store.head()).size;
    const resolved = await resolution(node);
    console.log(
      `\nat ${fmt(reached)} entries: first anchor after the synthetic log (3 plain witnesses, consistency proof from size 1) ${fmt(resolved.firstAnchorMs / 1000, 1)} s; resolution cold ${fmt(resolved.coldPerSecond)}/s, warm ${fmt(resolved.warmPerSecond)}/s`,
    );
    await node.close();
    for (const w of witnesses) w.close();
    const seconds = elapsed();
    console.log(`scale run total ${fmt(seconds, 0)} s, reached ${fmt(reached)} of ${fmt(target)} entries`);
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
    for (const w of witnessFigures) {
      report.row({
        what: `scale run: an index witness checking entries ${fmt(w.fromSize)} to ${fmt(w.size)}`,
        figure: `${fmt((w.size - w.fromSize) / w.seconds)} entries/s`,
      });
    }
    report.row({
      what: `scale run: start-up check (checkOnStart) of ${fmt(check.entries)} real operations`,
      figure: `${fmt(check.entries / (check.checkMs / 1000))} entries/s`,
    });
    report.row({
      what: `scale run: resolution at ${fmt(reached)} entries, cold / warm`,
      figure: `${fmt(resolved.coldPerSecond)} / ${fmt(resolved.warmPerSecond)} /s`,
    });
    report.write({
      target,
      reached,
      dids,
      marks,
      witness: witnessFigures,
      startupCheck: check,
      resolution: resolved,
      seconds,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
