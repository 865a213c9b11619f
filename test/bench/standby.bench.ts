/**
 * Resolution throughput through a driver reading from a standby node, against the same through the primary's
 * node (run: `pnpm exec tsx --conditions=source test/bench/standby.bench.ts`; needs PostgreSQL 15 as
 * test/bench/postgres.bench.ts does). A PostgreSQL primary with a synchronous standby; the sequencing
 * LedgerNode on the primary (three embedded witnesses) and a read-only LedgerNode over a `reader` store on the
 * standby, each behind its HTTP API; one driver app per node (`createDriverApp` with an HttpLedgerReader verifying
 * every answer against the trust policy, freshness 0 so that every resolution reads its node). A load generator in
 * a child process keeps CONCURRENCY requests in flight for BENCH_DURATION seconds per run, ROUNDS interleaved
 * rounds; medians are printed. Asserts nothing (figures depend on the machine).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLedgerApp, LedgerNode, PostgresLogStore } from '@did-city/ledger';
import { HttpLedgerReader } from '@did-city/method/http';
import { createDriverApp } from '../../drivers/uni-resolver-driver-did-city/src/index.ts';
import { type PgCluster, postgresBin, startCluster, waitFor } from '../../packages/ledger/test/pg/harness.ts';
import { CITY, createUnder, fmt, INSTITUTES, key, machine, registryGenesis } from './ledger-fixtures.ts';
import { benchReport } from './report.ts';

const DURATION = Number(process.env['BENCH_DURATION'] ?? 3);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const DIDS = 64;

const LOAD = `
const [base, dids, seconds, concurrency] = [process.argv[2], JSON.parse(process.argv[3]), Number(process.argv[4]), Number(process.argv[5])];
const latencies = [];
let errors = 0;
const end = Date.now() + seconds * 1000;
async function worker(n) {
  for (let i = n; Date.now() < end; i += concurrency) {
    const t = performance.now();
    const response = await fetch(base + '1.0/identifiers/' + dids[i % dids.length]);
    await response.arrayBuffer();
    if (response.status !== 200) errors++;
    latencies.push(performance.now() - t);
  }
}
const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, (_, n) => worker(n)));
const elapsed = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
process.send({ rate: latencies.length / elapsed, p50: latencies[Math.floor(latencies.length / 2)], p99: latencies[Math.floor(latencies.length * 0.99)], errors });
`;

interface Run {
  rate: number;
  p50: number;
  p99: number;
  errors: number;
}

function load(base: string, dids: string[], script: string): Promise<Run> {
  return new Promise((done, fail) => {
    const child = fork(script, [base, JSON.stringify(dids), String(DURATION), String(CONCURRENCY)], {
      stdio: 'inherit',
    });
    child.once('message', (run) => done(run as Run));
    child.once('error', fail);
  });
}

function listen(app: {
  listen: (port: number, host: string, done: () => void) => Server;
}): Promise<{ server: Server; url: string }> {
  return new Promise((done) => {
    const server = app.listen(0, '127.0.0.1', () =>
      done({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }),
    );
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const report = benchReport('standby');
  const bin = postgresBin();
  if (bin === undefined) {
    console.log('PostgreSQL 15 not found (PG_BIN): skipped');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'standby-bench-'));
  let cluster: PgCluster | undefined;
  const closers: Array<() => Promise<unknown> | unknown> = [];
  try {
    cluster = await startCluster({ bin, standby: true });
    await cluster.createDatabase('bench');
    const genesis = { 'did:city:cn': { updateKeys: INSTITUTES.map((k) => k.publicKeyMultibase) } };
    const writer = await PostgresLogStore.open({ connection: cluster.primary.connection('bench') });
    const primary = await LedgerNode.open({
      allowUnpinnedGenesis: true,
      dataDir: join(dir, 'primary'),
      store: writer,
      genesis,
      sequencer: { batchIntervalMs: 5 },
    });
    closers.push(() => primary.close());
    await primary.submitGovernance(await registryGenesis());
    const city = 'did:city:cn:130100';
    await primary.submit(await createUnder(city, CITY, INSTITUTES.slice(0, 2)));
    const dids = Array.from({ length: DIDS }, (_, i) => `${city}:service-${i}`);
    await Promise.all(dids.map(async (did, i) => primary.submit(await createUnder(did, key(`service-${i}`), [CITY]))));
    const size = primary.sequencer!.checkpoint!.size;

    const reader = await PostgresLogStore.open({ connection: cluster.standby!.connection('bench'), role: 'reader' });
    const standby = await LedgerNode.open({
      dataDir: join(dir, 'standby'),
      store: reader,
      readOnly: true,
      policy: primary.policyText,
    });
    closers.push(() => standby.close());
    await waitFor(async () => (await reader.latestCheckpoint())?.size === size, 'the standby to replay the log');

    const urls: Record<string, string> = {};
    for (const [name, node] of [
      ['primary', primary],
      ['standby', standby],
    ] as const) {
      const ledger = await listen(createLedgerApp(node));
      const reader = new HttpLedgerReader({ url: ledger.url, policy: primary.policyText });
      const driver = await listen(createDriverApp({ reader, genesis, freshness: 0, onError: () => undefined }));
      closers.push(
        () => ledger.server.close(),
        () => driver.server.close(),
      );
      urls[name] = driver.url;
    }
    const script = join(dir, 'load.mjs');
    writeFileSync(script, LOAD);
    for (const url of Object.values(urls)) await load(url, dids.slice(0, 4), script); // warm-up: JIT, connections
    const runs: Record<string, Run[]> = { primary: [], standby: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of ['primary', 'standby']) runs[name]!.push(await load(urls[name]!, dids, script));
    }
    console.log(
      `Driver resolution through a ledger node on PostgreSQL (${machine()}), ${DIDS} DIDs, log size ${size},`,
    );
    console.log(
      `${CONCURRENCY} in flight, ${ROUNDS} × ${DURATION} s interleaved, medians; every resolution reads the node`,
    );
    console.log('| node the driver reads | resolutions/s | p50 ms | p99 ms | errors |');
    console.log('|---|---:|---:|---:|---:|');
    for (const [name, label] of [
      ['primary', 'sequencing node, primary'],
      ['standby', 'read-only node, synchronous standby'],
    ] as const) {
      const r = runs[name]!;
      const row = [
        fmt(median(r.map((x) => x.rate))),
        fmt(median(r.map((x) => x.p50)), 1),
        fmt(median(r.map((x) => x.p99)), 1),
      ];
      console.log(`| ${label} | ${row.join(' | ')} | ${r.reduce((n, x) => n + x.errors, 0)} |`);
    }
    const ratio = median(runs['standby']!.map((x) => x.rate)) / median(runs['primary']!.map((x) => x.rate));
    console.log(`standby / primary: ${fmt(ratio, 2)}×`);
    const rate = (name: string) => fmt(median(runs[name]!.map((x) => x.rate)));
    report.row({
      what: 'driver resolution through a read-only node on a synchronous standby (PostgreSQL)',
      figure: `${rate('standby')} /s`,
      baseline: `through the sequencing primary, ${rate('primary')} /s`,
      ratio: fmt(ratio, 2),
    });
    report.write({ dids: DIDS, concurrency: CONCURRENCY, rounds: ROUNDS, runs });
  } finally {
    for (const close of closers.reverse()) await close();
    await cluster?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
