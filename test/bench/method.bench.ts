/**
 * Method benchmark: how close full operation verification gets to the raw signature check it is built on, and
 * whether replay is linear in the history length. Prints one table; asserts nothing (times depend on the machine).
 *
 *     pnpm --filter @did-city/test bench
 *
 * (a) node:crypto Ed25519 verifications/s of 32-byte messages, the floor every operation pays once per proof;
 * (b) full verifications/s of a signed update against its history: parseOperation (shape, size, hash) + proof
 *     verification + validateNextOperation (chain, authorisation), and the ratio (b)/(a);
 * (c) replay (replayHistory) of 250-, 500- and 1,000-operation histories, total and per operation.
 *
 * Each figure is the median of several rounds after a warm-up round; the measurements are interleaved round by round
 * so that background load affects them alike, and the ratio is the median of the per-round ratios.
 */
import { createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import { availableParallelism, cpus, platform, release } from 'node:os';
import {
  applyOperation,
  createOperation,
  createSigner,
  type DidHistory,
  type DocumentContent,
  type KeyPair,
  keyPairFromSecret,
  type LogEntry,
  type Operation,
  parseOperation,
  replayHistory,
  signOperation,
  type UnsignedOperation,
  updateOperation,
  validateNextOperation,
} from '@did-city/method';

const ROUNDS = 7;
const ROUND_MS = 300;

function key(label: string): KeyPair {
  return keyPairFromSecret('Ed25519', new Uint8Array(createHash('sha256').update(`did:city bench key ${label}`).digest()));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Calls per second of `fn` over one round of about ROUND_MS. */
function rate(fn: () => void): number {
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    fn();
    count++;
    elapsed = performance.now() - start;
  } while (elapsed < ROUND_MS);
  return (count * 1000) / elapsed;
}

/**
 * Runs every measurement once per round, interleaved, so that background load hits them alike; the first round
 * warms up and is dropped. Returns the rates (calls per second) of each measurement, one per round.
 */
function rounds(measurements: ReadonlyArray<() => void>): number[][] {
  const rates: number[][] = measurements.map(() => []);
  for (let round = -1; round < ROUNDS; round++) {
    measurements.forEach((fn, i) => {
      const value = rate(fn);
      if (round >= 0) rates[i]!.push(value);
    });
  }
  return rates;
}

// (a) raw Ed25519 verification of 32-byte messages, 64 per call.
function rawEd25519(): () => void {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const messages = Array.from({ length: 64 }, (_, i) => createHash('sha256').update(`message ${i}`).digest());
  const signatures = messages.map((m) => sign(null, m, privateKey));
  return () => {
    for (let i = 0; i < 64; i++) {
      if (!verify(null, messages[i]!, publicKey, signatures[i]!)) throw new Error('signature did not verify');
    }
  };
}

const REGISTRY = 'did:city:cn';
const CITY = 'did:city:cn:130100';
const CREATED = '2026-11-21T08:00:00Z';
const institutes = [key('institute-a'), key('institute-b'), key('institute-c')];
const cityKey = key('city');
const assertionKey = key('assertion');

function cityDocument(version: number): DocumentContent {
  return {
    verificationMethod: [{ id: '#key-1', type: 'Multikey', publicKeyMultibase: assertionKey.publicKeyMultibase }],
    authentication: ['#key-1'],
    assertionMethod: ['#key-1'],
    service: [
      { id: '#data', type: 'LinkedDomains', serviceEndpoint: 'https://data.sjz.example/' },
      { id: '#catalog', type: 'DataCatalog', serviceEndpoint: `https://data.sjz.example/catalog/v${version}/` },
    ],
  };
}

function signWith(unsigned: UnsignedOperation, pairs: KeyPair[]): Promise<Operation> {
  return signOperation(unsigned, pairs.map(createSigner), { created: CREATED });
}

function time(index: number): string {
  return new Date(Date.UTC(2026, 10, 21, 8) + index * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

interface Fixture {
  registry: DidHistory;
  entries: LogEntry[];
  histories: DidHistory[];
}

/** The registry, then a city with a create and `length - 1` updates (one Ed25519 proof each). */
async function cityHistory(length: number): Promise<Fixture> {
  const genesis = await signWith(createOperation({ did: REGISTRY, updateKeys: institutes.map((k) => k.publicKeyMultibase), threshold: 2, document: {} }), institutes);
  const registry = applyOperation(undefined, { index: 0, integratedTime: time(0), operation: genesis });
  const create = await signWith(createOperation({ did: CITY, updateKeys: [cityKey.publicKeyMultibase], document: cityDocument(0) }), [cityKey, institutes[0]!, institutes[1]!]);
  const entries: LogEntry[] = [{ index: 1, integratedTime: time(1), operation: create }];
  let history = applyOperation(undefined, entries[0]!, { parent: registry });
  const histories = [history];
  for (let version = 1; version < length; version++) {
    const operation = await signWith(updateOperation(history, { document: cityDocument(version) }), [cityKey]);
    const entry = { index: version + 1, integratedTime: time(version + 1), operation };
    entries.push(entry);
    history = applyOperation(history, entry, { parent: registry });
    histories.push(history);
  }
  return { registry, entries, histories };
}

// (b) full verification of one signed update against its history, 64 per call.
async function operationVerification(): Promise<{ run: () => void; bytes: number }> {
  const { registry, entries, histories } = await cityHistory(2);
  const history = histories[0]!;
  // As received: plain JSON, not the object the library built.
  const received: unknown = JSON.parse(JSON.stringify(entries[1]!.operation));
  const bytes = Buffer.byteLength(JSON.stringify(received));
  const run = () => {
    for (let i = 0; i < 64; i++) validateNextOperation(parseOperation(received), { history, parent: registry, leafIndex: 2 });
  };
  return { run, bytes };
}

// (c) replay of a whole history, one per call.
function replay(fixture: Fixture, length: number): () => void {
  const entries = fixture.entries.slice(0, length);
  return () => {
    const history = replayHistory(CITY, entries, { parent: fixture.registry });
    if (history.versions.length !== length) throw new Error('replay lost versions');
  };
}

function format(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

async function main(): Promise<void> {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`did:city method benchmark — ${cpu}, ${availableParallelism()} cores, Node ${process.version}, ${platform()} ${release()}`);
  console.log(`median of ${ROUNDS} interleaved rounds of ${ROUND_MS} ms per measurement, after one warm-up round\n`);

  const lengths = [250, 500, 1000];
  const op = await operationVerification();
  const fixture = await cityHistory(Math.max(...lengths));
  const [raw, full, ...replays] = rounds([rawEd25519(), op.run, ...lengths.map((n) => replay(fixture, n))]);
  const rawRate = median(raw!) * 64;
  const opRate = median(full!) * 64;
  const ratio = median(raw!.map((r, i) => full![i]! / r));
  const replayed = lengths.map((length, i) => ({ length, ms: 1000 / median(replays[i]!) }));
  const perOp = replayed.map((r) => (r.ms * 1000) / r.length);

  const rows: Array<[string, string, string]> = [
    ['(a) node:crypto Ed25519 verify, 32-byte message', `${format(rawRate)} /s`, '1.00'],
    [`(b) full update verification (${op.bytes} B, 1 Ed25519 proof)`, `${format(opRate)} /s`, ratio.toFixed(2)],
    ...replayed.map((r, i): [string, string, string] => [
      `(c) replay, ${format(r.length)} operations`,
      `${format(r.ms, 1)} ms, ${format(perOp[i]!, 1)} µs/op`,
      `${(perOp[i]! / perOp[0]!).toFixed(2)}`,
    ]),
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  const second = Math.max(...rows.map((r) => r[1].length));
  console.log(`${'measure'.padEnd(width)}  ${'result'.padEnd(second)}  ratio`);
  console.log(`${'-'.repeat(width)}  ${'-'.repeat(second)}  -----`);
  for (const [name, result, ratio] of rows) console.log(`${name.padEnd(width)}  ${result.padEnd(second)}  ${ratio}`);
  console.log('\nratio: (b) relative to (a) (median of the per-round ratios), aim ≥ 0.80; (c) per-operation time relative to the 250-operation replay (1.00 = linear)');
}

await main();
