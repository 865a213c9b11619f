/**
 * Driver benchmark: warm resolutions per second and p50/p99 latency over loopback, against two baselines serving
 * the same bytes in the same run, plus cold resolution of a DID with 100 operations. Prints one table; asserts
 * nothing (figures depend on the machine).
 *
 *     pnpm --filter uni-resolver-driver-did-city bench
 *
 * - driver: `createDriverApp` as src/main.ts builds it with the default settings (HttpLedgerReader verifying every
 *   answer against the trust policy, reading a real LedgerNode's HTTP API on 127.0.0.1; freshness 5 s). A warm
 *   request within the window is answered from the response cache (bytes and ETag); once per window the DID's
 *   proven history is read again, its entries compared with those proven before, and the reply rebuilt.
 * - driver, freshness 0 (verified-fresh): the same with the window off: every reply is built from a ledger read
 *   made after its request arrived (the head proven against the DID index of a checkpoint that passed the
 *   policy, only the operations after the cached ones fetched; with nothing new, a conditional request that the
 *   ledger answers 304 and the proof already held), the result built, serialised and hashed.
 *   Concurrent requests for one DID share a read that started after they arrived (src/shared-resolutions.ts),
 *   so with 50 connections one read serves many; with 1 connection every request is a full ledger round trip.
 *   Its ratio to bare express is the headline figure (aim ≥ 0.5).
 * - (a) bare express: an express app answering the same route with the driver's bytes and Content-Type.
 * - (b) bare node:http: `createServer` doing the same, the floor of what Node can do.
 * - two diagnostic rows that split the driver's cost: "ledger answer from memory" (the same verified ledger answer
 *   handed back without HTTP or proof checks: resolve.ts's warm path plus the driver) and "fixed result" (a
 *   resolver returning the ready result: the driver's own code, express included).
 *
 * Every server is measured in ROUNDS interleaved rounds (a shared machine's background load then hits them alike)
 * and the medians are printed. `BENCH_DURATION` (s per run, default 3), `BENCH_ROUNDS` (default 3) and
 * `BENCH_ONLY=<row name>` (one server, no cold figures; for `node --cpu-prof`) tune it.
 *
 * The load generator (autocannon) runs in a child process: in the servers' process it would share one event loop
 * with them and roughly halve every figure. On a 2-core machine that gives one core to the load generator and one
 * to the servers. The ledger node runs in the servers' process, so a warm resolution's ledger read (the node
 * answering it included) is charged to the driver; with `--ledger-process` it runs in a process of its own instead
 * (then three busy processes share the cores).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLedgerApp, LedgerNode } from '@did-city/ledger';
import {
  createOperation,
  createSigner,
  type DIDResolutionResult,
  type KeyPair,
  keyPairFromSecret,
  type LedgerHistory,
  type LedgerReader,
  MemoryLedger,
  type Operation,
  sha256,
  signOperation,
  type UnsignedOperation,
  updateOperation,
} from '@did-city/method';
import express from 'express';
import { benchReport, machine, median } from '../../../test/bench/report.ts';
import { createDriverApp } from '../src/app.ts';
import { ENV_PREFIX, loadSettings } from '../src/config.ts';
import { createLedgerReader } from '../src/ledger-reader.ts';
import type { DriverResolver } from '../src/resolver.ts';

/** Seconds per measured run; every server is measured ROUNDS times, interleaved, and the medians reported. */
const DURATION_S = Number(process.env['BENCH_DURATION'] ?? 3);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const WARMUP_S = 1;
const CONNECTIONS = [1, 50] as const;
const COLD_SAMPLES = 15;
const HISTORY_OPS = 100;
/** `BENCH_ONLY=driver` measures one server and no cold resolutions (e.g. under `node --cpu-prof`). */
const ONLY = process.env['BENCH_ONLY'];

const WARM_DID = 'did:city:cn:130100';
const LONG_DID = 'did:city:cn:110000';
const ACCEPT = 'application/did-resolution';
const PATH = `/1.0/identifiers/${WARM_DID}`;

// ---------------------------------------------------------------------------------------------------------------
// Load generator (child process)

interface LoadRequest {
  url: string;
  connections: number;
  duration: number;
}

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  requests: number;
}

/** The part of autocannon this bench uses (autocannon ships no types). */
interface AutocannonResult {
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
interface AutocannonRun extends PromiseLike<AutocannonResult> {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  headers: Record<string, string>;
}) => AutocannonRun;

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * autocannon's own latency histogram has whole milliseconds, too coarse on loopback (most answers take less than
 * one); its per-response times are fractional, so the percentiles are computed from them here.
 */
async function loadGenerator(): Promise<void> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  process.on('message', async (message: LoadRequest) => {
    const times: number[] = [];
    const run = autocannon({ ...message, headers: { accept: ACCEPT } });
    run.on('response', (_client, _status, _bytes, ms) => times.push(ms));
    const result = await run;
    const sorted = Float64Array.from(times).sort();
    const reply: LoadResult = {
      rps: result.requests.average,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      requests: result.requests.total,
    };
    process.send?.(reply);
  });
  process.send?.('ready');
}

class LoadClient {
  readonly #child: ChildProcess;
  readonly ready: Promise<void>;

  constructor() {
    this.#child = fork(fileURLToPath(import.meta.url), ['--load-generator'], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.ready = new Promise((resolve) => this.#child.once('message', () => resolve()));
  }

  run(request: LoadRequest): Promise<LoadResult> {
    return new Promise((resolve) => {
      this.#child.once('message', (result: LoadResult) => resolve(result));
      this.#child.send(request);
    });
  }

  close(): void {
    this.#child.kill();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// A real ledger node holding real histories

function key(label: string): KeyPair {
  return keyPairFromSecret('Ed25519', sha256(new TextEncoder().encode(`did:city driver bench ${label}`)));
}

const INSTITUTES = [key('institute-a'), key('institute-b'), key('institute-c')];

const content = (pair: KeyPair, n = 0) => ({
  verificationMethod: [{ id: '#key-1', type: 'Multikey' as const, publicKeyMultibase: pair.publicKeyMultibase }],
  authentication: ['#key-1'],
  assertionMethod: ['#key-1'],
  service: [{ id: '#data', type: 'LinkedDomains', serviceEndpoint: `https://data.example/v${n}/` }],
});

const sign = (unsigned: UnsignedOperation, keys: KeyPair[]) => signOperation(unsigned, keys.map(createSigner));

interface Ledger {
  url: string;
  policy: string;
  close(): Promise<void>;
}

/**
 * The registry, Shijiazhuang (2 operations) and Beijing (HISTORY_OPS operations), submitted to a LedgerNode; a
 * MemoryLedger beside it gives each update its chain head.
 */
async function seed(node: LedgerNode): Promise<void> {
  const mirror = new MemoryLedger();
  const submit = async (op: Operation, governance = false) => {
    await mirror.append(op);
    await (governance ? node.submitGovernance(op) : node.submit(op));
  };
  const quorum = INSTITUTES.slice(0, 2);
  const genesis = createOperation({
    did: 'did:city:cn',
    updateKeys: INSTITUTES.map((k) => k.publicKeyMultibase),
    threshold: 2,
    document: content(INSTITUTES[0]!),
  });
  await submit(await sign(genesis, quorum), true);
  for (const [did, ops] of [
    [WARM_DID, 2],
    [LONG_DID, HISTORY_OPS],
  ] as const) {
    const own = key(did);
    await submit(
      await sign(createOperation({ did, updateKeys: [own.publicKeyMultibase], document: content(own) }), [
        own,
        ...quorum,
      ]),
    );
    for (let n = 1; n < ops; n++) {
      await submit(await sign(updateOperation(mirror.historyOf(did)!, { document: content(own, n) }), [own]));
    }
  }
}

async function openLedger(): Promise<Ledger> {
  const dataDir = mkdtempSync(join(tmpdir(), 'driver-bench-'));
  const node = await LedgerNode.open({ allowUnpinnedGenesis: true, dataDir, sequencer: { batchIntervalMs: 1 } });
  await seed(node);
  const server = await listen(createLedgerApp(node, {}));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    policy: node.policyText,
    close: async () => {
      await close(server);
      await node.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** `--ledger-process`: the ledger node in a child process; it prints its URL and policy as one JSON line. */
async function ledgerProcess(): Promise<void> {
  const ledger = await openLedger();
  process.send?.({ url: ledger.url, policy: ledger.policy });
  process.on('disconnect', () => void ledger.close().then(() => process.exit(0)));
}

function forkLedger(): Promise<Ledger> {
  const child = fork(fileURLToPath(import.meta.url), ['--ledger-node'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve) => {
    child.once('message', (message: { url: string; policy: string }) => {
      resolve({ ...message, close: async () => void child.disconnect() });
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Servers under test

function listen(handler: Parameters<typeof createServer>[1] & object): Promise<Server> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

const urlOf = (server: Server, path = PATH) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;

function settingsOf(ledger: Ledger) {
  // Each run's ledger is new (another tree of the same sizes): a checkpoint file kept from an earlier run would be
  // a split view. The file store's cost is a write when the trusted size grows, which a warm read does not do.
  return loadSettings({
    [`${ENV_PREFIX}ledgerUrl`]: ledger.url,
    [`${ENV_PREFIX}trustPolicy`]: ledger.policy,
    [`${ENV_PREFIX}checkpointStore`]: 'memory',
  });
}

function readerOf(ledger: Ledger): LedgerReader {
  return createLedgerReader(settingsOf(ledger));
}

const onError = (error: unknown) => console.error(error);

/** The driver as src/main.ts builds it with the default settings: HttpLedgerReader, 5 s freshness window. */
function driverApp(ledger: Ledger) {
  const settings = settingsOf(ledger);
  return createDriverApp({ reader: createLedgerReader(settings), freshness: settings.freshness, onError });
}

/** The same with `freshness=0`: every resolution reads and verifies the DID's history from the ledger. */
function freshnessOffApp(ledger: Ledger) {
  return createDriverApp({ reader: readerOf(ledger), freshness: 0, onError });
}

/**
 * Diagnostic: the driver and the resolver's warm path without the ledger read. The reader hands back the first
 * verified answer it got for each DID (same entries, same checkpoint), so resolve.ts still compares the head
 * and builds the result, and the body is byte for byte the driver's.
 */
function memoryAnswerApp(ledger: Ledger) {
  const reader = readerOf(ledger);
  const answers = new Map<string, Promise<LedgerHistory>>();
  const replaying: LedgerReader = {
    history(did, options) {
      const answer = answers.get(did) ?? reader.history(did, options);
      answers.set(did, answer);
      return answer.then((history) => structuredClone(history));
    },
  };
  return createDriverApp({ reader: replaying, onError });
}

/** Diagnostic: the driver's own code alone, with a resolver that returns one ready result (the driver's). */
function fixedResultApp(result: DIDResolutionResult) {
  const resolver: DriverResolver = {
    resolve: async () => result,
    dereference: () => Promise.reject(new Error('not benchmarked')),
  };
  return createDriverApp({ resolver, onError });
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: ACCEPT } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The two baselines: the driver's answer (status, Content-Type, body bytes) for the route, nothing else. */
async function baselines(answer: Answer): Promise<{ express: Server; http: Server }> {
  const contentType = String(answer.headers['content-type']);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.get('/1.0/identifiers/*splat', (_req, res) => {
    res.status(answer.status).setHeader('Content-Type', contentType);
    res.end(answer.body);
  });
  const bareHttp = await listen((_req, res) => {
    res.writeHead(answer.status, { 'Content-Type': contentType, 'Content-Length': answer.body.length });
    res.end(answer.body);
  });
  return { express: await listen(app), http: bareHttp };
}

// ---------------------------------------------------------------------------------------------------------------
// Measurements and the table

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Cold: a new driver (empty cache, a reader that has accepted no checkpoint yet) resolving the long DID, each sample. */
async function coldResolutions(ledger: Ledger): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < COLD_SAMPLES; i++) {
    const server = await listen(driverApp(ledger));
    const start = performance.now();
    const answer = await get(urlOf(server, `/1.0/identifiers/${LONG_DID}`));
    ms.push(performance.now() - start);
    await close(server);
    if (answer.status !== 200) throw new Error(`cold resolution answered ${answer.status}`);
  }
  return ms;
}

/** noCache=true on a warm driver: the DID and its ancestors re-read and re-verified, checkpoint already known. */
async function noCacheResolutions(url: string): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < COLD_SAMPLES; i++) {
    const start = performance.now();
    const answer = await get(url);
    if (answer.status !== 200) throw new Error(`noCache resolution answered ${answer.status}`);
    ms.push(performance.now() - start);
  }
  return ms;
}

/** The table: medians over the rounds, and driver ÷ each server as the median of the per-round ratios. */
function perRound(
  runs: ReadonlyMap<string, LoadResult[]>,
  numerator: string,
  denominator: string,
  connections: number,
): number {
  const top = runs.get(`${numerator}@${connections}`) ?? [];
  return median((runs.get(`${denominator}@${connections}`) ?? []).map((r, i) => (top[i]?.rps ?? Number.NaN) / r.rps));
}

function printTable(runs: ReadonlyMap<string, LoadResult[]>, names: readonly string[]): void {
  const ratio = (numerator: string, denominator: string, connections: number) =>
    perRound(runs, numerator, denominator, connections);
  console.log('| server | connections | req/s | p50 ms | p99 ms | driver ÷ this (req/s) |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const connections of CONNECTIONS) {
    for (const name of names) {
      const measured = runs.get(`${name}@${connections}`);
      if (measured === undefined) continue;
      const of = (pick: (r: LoadResult) => number) => median(measured.map(pick));
      const shown = name === 'driver' ? '—' : fmt(ratio('driver', name, connections), 3);
      console.log(
        `| ${name} | ${connections} | ${fmt(of((r) => r.rps))} | ${fmt(
          of((r) => r.p50),
          2,
        )} | ${fmt(
          of((r) => r.p99),
          2,
        )} | ${shown} |`,
      );
    }
  }
  const ownCode = CONNECTIONS.map((c) => `${fmt(ratio('driver, fixed result', 'bare express', c), 2)} at ${c}`);
  console.log(
    `\nmedians of ${ROUNDS} interleaved rounds; driver's own code (fixed result) ÷ bare express: ${ownCode.join(', ')}`,
  );
  const fresh = CONNECTIONS.map((c) => `${fmt(ratio('driver, freshness 0', 'bare express', c), 2)} at ${c}`);
  console.log(
    `verified-fresh resolution (driver, freshness 0) ÷ bare express, same bytes (aim ≥ 0.5): ${fresh.join(', ')}`,
  );
}

/** The README table's rows: the driver, warm and verified-fresh, against bare express serving the same bytes. */
function addRows(
  report: ReturnType<typeof benchReport>,
  runs: ReadonlyMap<string, LoadResult[]>,
  coldMs: number | undefined,
): void {
  const rps = (name: string) =>
    CONNECTIONS.map((c) => fmt(median((runs.get(`${name}@${c}`) ?? []).map((r) => r.rps)))).join(' / ');
  const p99 = (name: string) =>
    CONNECTIONS.map((c) => fmt(median((runs.get(`${name}@${c}`) ?? []).map((r) => r.p99)), 2)).join(' / ');
  const ratios = (name: string, base: string) =>
    CONNECTIONS.map((c) => fmt(perRound(runs, name, base, c), 2)).join(' / ');
  const at = `${CONNECTIONS.join(' / ')} connections`;
  if (runs.has(`driver, freshness 0@${CONNECTIONS[0]}`)) {
    report.row({
      what: `verified-fresh resolution (driver, freshness 0: every reply from a ledger read made after its request, the head proven), ${at}`,
      figure: `${rps('driver, freshness 0')} req/s`,
      baseline: `bare express, same bytes, ${rps('bare express')} req/s`,
      ratio: ratios('driver, freshness 0', 'bare express'),
    });
  }
  if (runs.has(`driver@${CONNECTIONS[0]}`)) {
    report.row({
      what: `driver, warm (freshness 5 s, the default), ${at}`,
      figure: `${rps('driver')} req/s, p99 ${p99('driver')} ms`,
      baseline: `bare express ${rps('bare express')} req/s; bare node:http ${rps('bare node:http')}`,
      ratio: `${ratios('driver', 'bare express')} of express; ${ratios('driver', 'bare node:http')} of node:http`,
    });
  }
  if (coldMs !== undefined)
    report.row({ what: `driver, cold, DID with ${HISTORY_OPS} operations`, figure: `median ${fmt(coldMs)} ms` });
}

async function main(): Promise<void> {
  const separateLedger = process.argv.includes('--ledger-process');
  const report = benchReport('driver');
  const started = performance.now();
  const load = new LoadClient();
  const ledger = separateLedger ? await forkLedger() : await openLedger();
  const seededMs = performance.now() - started;

  const driver = await listen(driverApp(ledger));
  const warm = await get(urlOf(driver));
  if (warm.status !== 200) throw new Error(`the driver answered ${warm.status}: ${warm.body}`);
  const result = JSON.parse(warm.body.toString()) as DIDResolutionResult;
  const bases = await baselines(warm);
  const diagnostics = {
    off: await listen(freshnessOffApp(ledger)),
    memory: await listen(memoryAnswerApp(ledger)),
    fixed: await listen(fixedResultApp(result)),
  };
  const servers = [
    ['driver', urlOf(driver)],
    ['driver, freshness 0', urlOf(diagnostics.off)],
    ['driver, ledger answer from memory', urlOf(diagnostics.memory)],
    ['driver, fixed result', urlOf(diagnostics.fixed)],
    ['bare express', urlOf(bases.express)],
    ['bare node:http', urlOf(bases.http)],
  ] as const;
  for (const [name, url] of servers) {
    const answer = await get(url);
    if (answer.status !== warm.status || !answer.body.equals(warm.body))
      throw new Error(`${name} does not answer the same bytes`);
  }
  await load.ready;

  const runs = new Map<string, LoadResult[]>();
  const measure = async (name: string, url: string, connections: number, duration: number) => {
    const measured = await load.run({ url, connections, duration });
    if (measured.non2xx > 0 || measured.errors > 0)
      throw new Error(`${name}: ${measured.non2xx} non-2xx answers, ${measured.errors} errors`);
    return measured;
  };
  const selected = servers.filter(([name]) => ONLY === undefined || name === ONLY);
  for (const connections of CONNECTIONS) {
    for (const [name, url] of selected) await measure(name, url, connections, WARMUP_S);
  }
  // Interleaved rounds: background load on a shared machine then affects every server alike.
  for (let round = 0; round < ROUNDS; round++) {
    for (const connections of CONNECTIONS) {
      for (const [name, url] of selected) {
        const key = `${name}@${connections}`;
        runs.set(key, [...(runs.get(key) ?? []), await measure(name, url, connections, DURATION_S)]);
      }
    }
  }
  load.close();

  const cold = ONLY === undefined ? await coldResolutions(ledger) : [];
  const noCache =
    ONLY === undefined
      ? await noCacheResolutions(urlOf(driver, `/1.0/identifiers/${encodeURIComponent(LONG_DID)}?noCache=true`))
      : [];

  console.log(`\nuni-resolver-driver-did-city bench — ${machine()}`);
  console.log(
    `ledger: LedgerNode (SQLite, 3 embedded witnesses) ${separateLedger ? 'in its own process' : "in the servers' process"}, seeded in ${fmt(seededMs / 1000, 1)} s`,
  );
  console.log(
    `load: autocannon in a child process, ${ROUNDS} interleaved rounds of ${DURATION_S} s per server and connection count, after a ${WARMUP_S} s warm-up`,
  );
  console.log(`warm: GET ${PATH} (Accept: ${ACCEPT}), 200, ${warm.body.length} bytes, every server the same bytes\n`);
  printTable(
    runs,
    servers.map(([name]) => name),
  );
  if (cold.length > 0)
    console.log(
      `cold resolution of ${LONG_DID} (${HISTORY_OPS} operations; a new driver each time: empty cache, no checkpoint seen): ` +
        `median ${fmt(median(cold), 1)} ms, min ${fmt(Math.min(...cold), 1)} ms over ${cold.length}`,
    );
  if (noCache.length > 0)
    console.log(
      `noCache=true on the warm driver (the ${HISTORY_OPS} operations and the registry re-read and re-verified): ` +
        `median ${fmt(median(noCache), 1)} ms, min ${fmt(Math.min(...noCache), 1)} ms over ${noCache.length}`,
    );
  console.log(`total ${fmt((performance.now() - started) / 1000, 1)} s`);
  const measured = Object.fromEntries(
    [...runs].map(([key, rounds]) => [
      key,
      {
        rps: median(rounds.map((r) => r.rps)),
        p50: median(rounds.map((r) => r.p50)),
        p99: median(rounds.map((r) => r.p99)),
      },
    ]),
  );
  const freshRatio = Object.fromEntries(
    CONNECTIONS.map((c) => [c, perRound(runs, 'driver, freshness 0', 'bare express', c)]),
  );
  const coldMs = cold.length > 0 ? median(cold) : undefined;
  const noCacheMs = noCache.length > 0 ? median(noCache) : undefined;
  addRows(report, runs, coldMs);
  report.write({
    rounds: ROUNDS,
    durationS: DURATION_S,
    separateLedger,
    servers: measured,
    verifiedFreshOverExpress: freshRatio,
    coldMs,
    noCacheMs,
  });

  await Promise.all(
    [driver, bases.express, bases.http, diagnostics.off, diagnostics.memory, diagnostics.fixed].map(close),
  );
  await ledger.close();
}

if (process.argv.includes('--load-generator')) await loadGenerator();
else if (process.argv.includes('--ledger-node')) await ledgerProcess();
else await main();
