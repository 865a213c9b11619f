/**
 * Ledger benchmarks (run: `pnpm exec tsx test/bench/ledger.bench.ts`; `BENCH_1M=1` adds the 1M-entry store).
 * Figures are printed with a baseline measured in the same run, as ratios; nothing is asserted about time.
 *
 * 1. Durable batched append into SqliteLogStore (raw AppendBatch entries of 256, ~900-byte synthetic leaves,
 *    no validation: this measures the store) vs raw better-sqlite3 inserts of the same bytes in one transaction.
 * 2. Submit-to-receipt latency of single operations through a LedgerNode with three in-process witnesses
 *    (validation, append, checkpoint, 3 cosignatures, receipt) vs one raw synchronous=FULL SQLite commit.
 * 3. Inclusion proof generation (from the store) + verification rate and proof size at each log size.
 * 4. Resolution through HttpLedgerReader over loopback HTTP, cold (fresh resolver) and warm (cached), vs raw
 *    node:crypto Ed25519 verifications per second.
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLedgerApp, LedgerNode, SqliteLogStore } from '@did-city/ledger';
import { createCityResolver, HttpLedgerReader } from '@did-city/method';
import { verifyInclusion } from '@did-city/tlog';
import { batchOf, CITY, createUnder, Database, fmt, INSTITUTES, key, machine, percentile, rawInsert, registryGenesis } from './ledger-fixtures.ts';

const BATCH = 256;
const dirs: string[] = [];
const tmp = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};

async function appendStore(size: number): Promise<{ store: SqliteLogStore; ms: number; baselineMs: number }> {
  const dir = tmp('bench-append-');
  const store = new SqliteLogStore({ file: join(dir, 'ledger.db') });
  let ms = 0;
  for (let start = 0; start < size; start += BATCH) {
    const batch = batchOf(start, Math.min(BATCH, size - start)); // built outside the timed part
    const t = performance.now();
    await store.append(batch);
    ms += performance.now() - t;
  }
  const baselineMs = rawInsert(join(dir, 'raw.db'), size);
  return { store, ms, baselineMs };
}

async function proofRate(store: SqliteLogStore, size: number): Promise<{ perSecond: number; hashes: number }> {
  const rounds = 2000;
  let hashes = 0;
  const root = await store.rootAt(size);
  const started = performance.now();
  for (let i = 0; i < rounds; i++) {
    const index = Math.floor(Math.random() * size);
    const [proof, entry] = await Promise.all([store.inclusionProof(index, size), store.entry(index)]);
    if (!verifyInclusion({ leafIndex: index, treeSize: size, leafHash: entry!.leafHash, proof, rootHash: root })) throw new Error('proof failed');
    hashes = Math.max(hashes, proof.length);
  }
  return { perSecond: rounds / ((performance.now() - started) / 1000), hashes };
}

async function appendAndProofs(): Promise<void> {
  const sizes = [1_000, 10_000, 100_000, ...(process.env['BENCH_1M'] === '1' ? [1_000_000] : [])];
  console.log('\n## 1. Durable batched append (SqliteLogStore, batches of 256 raw entries) and 3. inclusion proofs');
  console.log('| entries | store entries/s | raw insert entries/s | store/raw | proofs gen+verify/s | proof hashes (bytes) | ⌈log2 n⌉ |');
  console.log('|---|---|---|---|---|---|---|');
  for (const size of sizes) {
    const { store, ms, baselineMs } = await appendStore(size);
    const rate = size / (ms / 1000);
    const raw = size / (baselineMs / 1000);
    const proofs = await proofRate(store, size);
    await store.close();
    const row = [fmt(size), fmt(rate), fmt(raw), fmt(rate / raw, 2), fmt(proofs.perSecond), `${proofs.hashes} (${proofs.hashes * 32})`, Math.ceil(Math.log2(size))];
    console.log(`| ${row.join(' | ')} |`);
  }
  if (process.env['BENCH_1M'] !== '1') console.log('(1M entries: set BENCH_1M=1; it is left out of the default run to stay within budget)');
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

async function submitLatency(): Promise<void> {
  const node = await LedgerNode.open({ dataDir: tmp('bench-node-'), sequencer: { batchIntervalMs: 0 } });
  await node.submitGovernance(await registryGenesis());
  await node.submit(await createUnder('did:city:cn:130100', CITY, INSTITUTES.slice(0, 2)));
  const ops = await Promise.all(Array.from({ length: 200 }, (_, i) => createUnder(`did:city:cn:130100:d${i}`, key(`d${i}`), [CITY])));
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
  console.log(`| raw SQLite commit (synchronous=FULL) | ${fmt(percentile(raw, 50), 2)} | ${fmt(percentile(raw, 99), 2)} |`);
  console.log(`| ratio | ${fmt(percentile(times, 50) / percentile(raw, 50), 1)}× | ${fmt(percentile(times, 99) / percentile(raw, 99), 1)}× |`);
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

async function resolution(): Promise<void> {
  const node = await LedgerNode.open({ dataDir: tmp('bench-resolve-'), sequencer: { batchIntervalMs: 0 } });
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
  console.log('\n## 4. Resolution of did:city:cn:130100 through HttpLedgerReader (loopback HTTP, 3 witnesses in the policy)');
  console.log('| | per second | Ed25519 verifies per resolution-time |');
  console.log('|---|---|---|');
  console.log(`| cold (fresh resolver: 2 reads, checkpoint + 2 inclusion proofs + replay of 2 operations) | ${fmt(cold)} | ${fmt(ed / cold, 1)} |`);
  console.log(`| warm (cached state: 1 read, checkpoint + inclusion check, no replay) | ${fmt(warm)} | ${fmt(ed / warm, 1)} |`);
  console.log(`| raw node:crypto Ed25519 verify | ${fmt(ed)} | 1 |`);
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(`# did:city ledger benchmarks\n\nmachine: ${machine()}`);
  await appendAndProofs();
  await submitLatency();
  await resolution();
  console.log(`\ntotal ${fmt((performance.now() - started) / 1000, 1)} s`);
}

try {
  await main();
} finally {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
