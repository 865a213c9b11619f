/**
 * Ledger benchmarks (run: `pnpm exec tsx test/bench/ledger.bench.ts`; `BENCH_1M=1` adds the 1M-entry store;
 * `BENCH_SCALE=1M` or `10M` runs only the scale run of scale.ts instead).
 * Figures are printed with a baseline measured in the same run, as ratios; nothing is asserted about time.
 *
 * 1. Durable batched append into SqliteLogStore (raw AppendBatch entries of 256, ~900-byte synthetic leaves, each
 *    a new DID, no validation: this measures the store; a checkpoint saved after each batch, as the sequencer
 *    does), with the DID index maintained (the prefix tree updated and its root hashed for each checkpoint, the
 *    did_index rows written per flush) against
 *    the same store without it (`didIndex: false`, log only) in the same run (aim ≥ 0.8, flat across sizes), and
 *    raw better-sqlite3 inserts of the same bytes in one transaction. At 10k and 100k entries the same again with
 *    DIDs whose names land at random places in key order (as a national deployment's do; the default synthetic DIDs
 *    are consecutive, so every DID-keyed B-tree grows at its right edge): the ratios should not depend on the order.
 *    Beside the rates, the bytes the indexed store wrote to storage per entry (Linux /proc/self/io), which do not
 *    depend on the machine's load.
 * 2. Submit-to-receipt latency of single operations through a LedgerNode with three in-process witnesses
 *    (validation, append, checkpoint, 3 cosignatures, receipt) vs one raw synchronous=FULL SQLite commit.
 * 3. Inclusion proof generation (from the store) + verification rate and proof size at each log size.
 * 4. Resolution through HttpLedgerReader over loopback HTTP, cold (fresh resolver) and warm (cached), vs raw
 *    node:crypto Ed25519 verifications per second.
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLedgerApp, LedgerNode, SqliteLogStore } from '@did-city/ledger';
import { createCityResolver } from '@did-city/method';
import { HttpLedgerReader } from '@did-city/method/http';
import { verifyInclusion } from '@did-city/tlog';
import {
  batchOf,
  CITY,
  createUnder,
  Database,
  type DidOrder,
  fmt,
  INSTITUTES,
  key,
  machine,
  percentile,
  rawInsert,
  registryGenesis,
} from './ledger-fixtures.ts';
import { benchReport } from './report.ts';
import { scaleRun } from './scale.ts';

const BATCH = 256;
const dirs: string[] = [];
const tmp = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};

/**
 * Appends `size` synthetic entries in batches to a store with the DID index and to one without, taking turns batch
 * by batch (background load and garbage collection then hit both alike), saving a checkpoint after each batch as
 * the sequencer anchors them. Returns the indexed store (for the proofs) and the time each spent.
 */
/**
 * Bytes this process has caused to be written to storage (Linux /proc/self/io `write_bytes`: the WAL, checkpoints
 * into the database file), or undefined elsewhere. Unlike a rate it does not depend on the machine's load.
 */
function bytesWritten(): number | undefined {
  try {
    const match = /^write_bytes: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

async function appendStores(
  size: number,
  dids: DidOrder,
): Promise<{ store: SqliteLogStore; indexedMs: number; logOnlyMs: number; indexedBytes: number | undefined }> {
  const indexed = new SqliteLogStore({ file: join(tmp('bench-append-'), 'ledger.db') });
  const logOnly = new SqliteLogStore({ file: join(tmp('bench-append-'), 'ledger.db'), didIndex: false });
  const spent = new Map<SqliteLogStore, number>([
    [indexed, 0],
    [logOnly, 0],
  ]);
  // Written by the indexed store's appends and checkpoints (its turns only: better-sqlite3 writes synchronously).
  let indexedBytes: number | undefined = bytesWritten() === undefined ? undefined : 0;
  for (let start = 0; start < size; start += BATCH) {
    const batch = batchOf(start, Math.min(BATCH, size - start), dids); // built outside the timed part
    const order = (start / BATCH) % 2 === 0 ? [indexed, logOnly] : [logOnly, indexed];
    for (const store of order) {
      const t = performance.now();
      const before = store === indexed ? bytesWritten() : undefined;
      const head = await store.append(batch);
      // What the sequencer does before it signs a checkpoint: the index root of the new size (hashed lazily, so
      // leaving it out would leave out most of what the index costs).
      if (store === indexed) (await store.didIndex(head.size)).root();
      await store.saveCheckpoint({ size: head.size, root: head.root, note: `bench checkpoint ${head.size}` });
      spent.set(store, spent.get(store)! + performance.now() - t);
      if (store === indexed && indexedBytes !== undefined) {
        const after = bytesWritten();
        indexedBytes = before === undefined || after === undefined ? undefined : indexedBytes + after - before;
      }
    }
  }
  await logOnly.close();
  return { store: indexed, indexedMs: spent.get(indexed)!, logOnlyMs: spent.get(logOnly)!, indexedBytes };
}

async function proofRate(store: SqliteLogStore, size: number): Promise<{ perSecond: number; hashes: number }> {
  const rounds = 2000;
  let hashes = 0;
  const root = await store.rootAt(size);
  const started = performance.now();
  for (let i = 0; i < rounds; i++) {
    const index = Math.floor(Math.random() * size);
    const [proof, entry] = await Promise.all([store.inclusionProof(index, size), store.entry(index)]);
    if (!verifyInclusion({ leafIndex: index, treeSize: size, leafHash: entry!.leafHash, proof, rootHash: root }))
      throw new Error('proof failed');
    hashes = Math.max(hashes, proof.length);
  }
  return { perSecond: rounds / ((performance.now() - started) / 1000), hashes };
}

interface AppendRow {
  entries: number;
  order: DidOrder;
  /** Bytes written to storage per entry by the indexed store (Linux only). */
  writtenPerEntry?: number;
  indexed: number;
  logOnly: number;
  raw: number;
  proofsPerSecond: number;
  proofHashes: number;
}

async function appendAndProofs(): Promise<AppendRow[]> {
  const sizes = [1_000, 10_000, 100_000, ...(process.env['BENCH_1M'] === '1' ? [1_000_000] : [])];
  const runs = sizes.flatMap((size) =>
    size === 10_000 || size === 100_000
      ? [
          { size, order: 'sequential' as const },
          { size, order: 'random' as const },
        ]
      : [{ size, order: 'sequential' as const }],
  );
  console.log(
    '\n## 1. Durable batched append (SqliteLogStore, batches of 256 raw entries, a checkpoint each) and 3. inclusion proofs',
  );
  console.log(
    '| entries | DIDs in key order | with DID index entries/s | log only entries/s | index ÷ log only (aim ≥ 0.8) | raw insert entries/s | with index ÷ raw | bytes written per entry (with index) | proofs gen+verify/s | proof hashes (bytes) | ⌈log2 n⌉ |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  const rows: AppendRow[] = [];
  for (const { size, order } of runs) {
    const { store, indexedMs, logOnlyMs, indexedBytes } = await appendStores(size, order);
    const rawMs = rawInsert(join(tmp('bench-raw-'), 'raw.db'), size, order);
    const proofs = await proofRate(store, size);
    await store.close();
    const row = {
      entries: size,
      order,
      indexed: size / (indexedMs / 1000),
      logOnly: size / (logOnlyMs / 1000),
      raw: size / (rawMs / 1000),
      proofsPerSecond: proofs.perSecond,
      proofHashes: proofs.hashes,
      ...(indexedBytes === undefined ? {} : { writtenPerEntry: indexedBytes / size }),
    };
    rows.push(row);
    const cells = [
      fmt(size),
      order,
      fmt(row.indexed),
      fmt(row.logOnly),
      fmt(row.indexed / row.logOnly, 2),
      fmt(row.raw),
      fmt(row.indexed / row.raw, 2),
      row.writtenPerEntry === undefined ? 'n/a' : fmt(row.writtenPerEntry),
      fmt(proofs.perSecond),
      `${proofs.hashes} (${proofs.hashes * 32})`,
      Math.ceil(Math.log2(size)),
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
  if (process.env['BENCH_1M'] !== '1')
    console.log('(1M entries: set BENCH_1M=1; it is left out of the default run to stay within budget)');
  return rows;
}

function rawCommitLatency(): number[] {
  const db = new Database(join(tmp('bench-commit-'), 'c.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (i INTEGER PRIMARY KEY, b BLOB)');
  const insert = db.prepare('INSERT INTO t VALUES (?, ?)');
  const blob = Buffer.alloc(900, 1);
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    insert.run(i, blob);
    times.push(performance.now() - t);
  }
  db.close();
  return times.sort((a, b) => a - b);
}

async function submitLatency(): Promise<Record<string, number>> {
  const node = await LedgerNode.open({
    allowUnpinnedGenesis: true,
    dataDir: tmp('bench-node-'),
    sequencer: { batchIntervalMs: 0 },
  });
  await node.submitGovernance(await registryGenesis());
  await node.submit(await createUnder('did:city:cn:130100', CITY, INSTITUTES.slice(0, 2)));
  const ops = await Promise.all(
    Array.from({ length: 200 }, (_, i) => createUnder(`did:city:cn:130100:d${i}`, key(`d${i}`), [CITY])),
  );
  const times: number[] = [];
  for (const op of ops) {
    const t = performance.now();
    await node.submit(op);
    times.push(performance.now() - t);
  }
  await node.close();
  times.sort((a, b) => a - b);
  const raw = rawCommitLatency();
  console.log('\n## 2. Submit-to-receipt latency, one operation at a time (batchIntervalMs 0, 3 in-process witnesses)');
  console.log('| | p50 ms | p99 ms |');
  console.log('|---|---|---|');
  console.log(`| node.submit → receipt | ${fmt(percentile(times, 50), 2)} | ${fmt(percentile(times, 99), 2)} |`);
  console.log(
    `| raw SQLite commit (synchronous=FULL) | ${fmt(percentile(raw, 50), 2)} | ${fmt(percentile(raw, 99), 2)} |`,
  );
  console.log(
    `| ratio | ${fmt(percentile(times, 50) / percentile(raw, 50), 1)}× | ${fmt(percentile(times, 99) / percentile(raw, 99), 1)}× |`,
  );
  return {
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    rawP50: percentile(raw, 50),
    rawP99: percentile(raw, 99),
  };
}

function ed25519VerifyRate(): number {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const message = Buffer.alloc(200, 7);
  const signature = sign(null, message, privateKey);
  const rounds = 5000;
  const started = performance.now();
  for (let i = 0; i < rounds; i++) verify(null, message, publicKey, signature);
  return rounds / ((performance.now() - started) / 1000);
}

async function timed(rounds: number, work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < rounds; i++) await work();
  return rounds / ((performance.now() - started) / 1000);
}

async function resolution(): Promise<Record<string, number>> {
  const node = await LedgerNode.open({
    allowUnpinnedGenesis: true,
    dataDir: tmp('bench-resolve-'),
    sequencer: { batchIntervalMs: 0 },
  });
  await node.submitGovernance(await registryGenesis());
  await node.submit(await createUnder('did:city:cn:130100', CITY, INSTITUTES.slice(0, 2)));
  const server: Server = await new Promise((done) => {
    const s = createLedgerApp(node).listen(0, '127.0.0.1', () => done(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const resolverOf = () => createCityResolver({ reader: new HttpLedgerReader({ url, policy: node.policyText }) });
  const check = async (resolver: ReturnType<typeof resolverOf>) => {
    const result = await resolver.resolve('did:city:cn:130100');
    if (result.didDocument === null) throw new Error('resolution failed');
  };
  await check(resolverOf()); // warm up the HTTP stack and JIT
  const cold = await timed(200, () => check(resolverOf()));
  const warmResolver = resolverOf();
  const warm = await timed(1000, () => check(warmResolver));
  const ed = ed25519VerifyRate();
  server.closeAllConnections();
  server.close();
  await node.close();
  console.log(
    '\n## 4. Resolution of did:city:cn:130100 through HttpLedgerReader (loopback HTTP, 3 witnesses in the policy)',
  );
  console.log('| | per second | Ed25519 verifies per resolution-time |');
  console.log('|---|---|---|');
  console.log(
    `| cold (fresh resolver: 2 reads, checkpoint + 2 inclusion proofs + replay of 2 operations) | ${fmt(cold)} | ${fmt(ed / cold, 1)} |`,
  );
  console.log(
    `| warm (cached state: 1 read, checkpoint + inclusion check, no replay) | ${fmt(warm)} | ${fmt(ed / warm, 1)} |`,
  );
  console.log(`| raw node:crypto Ed25519 verify | ${fmt(ed)} | 1 |`);
  return { coldPerSecond: cold, warmPerSecond: warm, ed25519PerSecond: ed };
}

async function main(): Promise<void> {
  if (process.env['BENCH_SCALE'] !== undefined) {
    await scaleRun(process.env['BENCH_SCALE']);
    return;
  }
  const report = benchReport('ledger');
  const started = performance.now();
  console.log(`# did:city ledger benchmarks\n\nmachine: ${machine()}`);
  const append = await appendAndProofs();
  const submit = await submitLatency();
  const resolutions = await resolution();
  console.log(`\ntotal ${fmt((performance.now() - started) / 1000, 1)} s`);
  addRows(report, append, submit, resolutions);
  report.write({ append, submit, resolution: resolutions });
}

/** The README table's rows: what the sections above printed, one row per measure. */
function addRows(
  report: ReturnType<typeof benchReport>,
  append: AppendRow[],
  submit: Record<string, number>,
  resolutions: Record<string, number>,
): void {
  for (const row of append) {
    const dids = row.order === 'random' ? ', DIDs in random key order' : '';
    const written = row.writtenPerEntry === undefined ? '' : `, ${fmt(row.writtenPerEntry)} bytes written per entry`;
    const what = `durable append with the DID index (SqliteLogStore, batches of 256), ${fmt(row.entries)} entries${dids}${written}`;
    report.row({
      what,
      figure: `${fmt(row.indexed)} entries/s`,
      baseline: `log only ${fmt(row.logOnly)} entries/s`,
      ratio: fmt(row.indexed / row.logOnly, 2),
    });
    report.row({
      what: `same, ${fmt(row.entries)} entries${dids}, against raw better-sqlite3 inserts`,
      figure: `${fmt(row.indexed)} entries/s`,
      baseline: `raw ${fmt(row.raw)} entries/s`,
      ratio: fmt(row.indexed / row.raw, 2),
    });
  }
  const last = append.filter((row) => row.order === 'sequential').at(-1)!;
  report.row({
    what: `inclusion proof generate + verify at ${fmt(last.entries)} entries`,
    figure: `${fmt(last.proofsPerSecond)} /s, ${last.proofHashes} hashes`,
    baseline: `⌈log2 n⌉ = ${Math.ceil(Math.log2(last.entries))}`,
  });
  report.row({
    what: 'submit → receipt (3 in-process witnesses), p50 / p99',
    figure: `${fmt(submit['p50']!, 2)} / ${fmt(submit['p99']!, 2)} ms`,
    baseline: `raw synchronous=FULL commit ${fmt(submit['rawP50']!, 2)} / ${fmt(submit['rawP99']!, 2)} ms`,
    ratio: `${fmt(submit['p50']! / submit['rawP50']!, 1)}× / ${fmt(submit['p99']! / submit['rawP99']!, 1)}×`,
  });
  report.row({
    what: 'resolution through HttpLedgerReader (library, loopback), cold / warm',
    figure: `${fmt(resolutions['coldPerSecond']!)} / ${fmt(resolutions['warmPerSecond']!)} /s`,
    baseline: `raw Ed25519 verify ${fmt(resolutions['ed25519PerSecond']!)} /s`,
  });
}

try {
  await main();
} finally {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
