/**
 * Method benchmark: how close full operation verification gets to the raw signature check it is built on, and
 * whether replay is linear in the history length. Prints one table; asserts nothing (times depend on the machine).
 *
 *     pnpm --filter @did-city/test bench
 *
 * (a) node:crypto Ed25519 verifications/s of 32-byte messages, the floor every operation pays once per proof;
 * (b) full verifications/s of a signed update as received (plain JSON) against its history: verifyOperation, what
 *     replay and the sequencer run (parse: JCS, size, shape, operation hash; every proof over the unsigned JCS cut
 *     from the same text; chain and authorisation), and the ratio (b)/(a);
 * (c) replay (replayHistory) of 250-, 500- and 1,000-operation histories, total and per operation;
 * (c') warm resolutions/s of an unchanged DID (10 operations) through createCityResolver over a MemoryLedger: the
 *      verified-state cache's common case, one ledger read, a head comparison and building the result;
 * (d) raw SM2 verifications/s (sm2Verify, SM3 and identifier 1234567812345678, 64-byte messages, key cached), and
 *     its ratio to (a); (e) full verifications/s of the same update signed by an SM2 city key (one sm2-jcs-2026
 *     proof), and the ratio (e)/(d).
 *
 * Each figure is the median of several rounds after a warm-up round; the measurements are interleaved round by round
 * so that background load affects them alike, and the ratio is the median of the per-round ratios.
 */
import { createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import { availableParallelism, cpus, platform, release } from 'node:os';
import {
  applyOperation,
  createCityResolver,
  createOperation,
  createSigner,
  type DidHistory,
  type DocumentContent,
  decodeMultikey,
  type KeyPair,
  type KeyType,
  type LogEntry,
  MemoryLedger,
  type Operation,
  replayHistory,
  signOperation,
  sm2Sign,
  sm2Verify,
  type UnsignedOperation,
  updateOperation,
  verifyOperation,
} from '@did-city/method';
import { testKey } from '@did-city/testing';

import { benchReport } from './report.ts';

type Measurement = () => void | Promise<void>;

const ROUNDS = 7;
const ROUND_MS = 300;

function key(label: string, keyType: KeyType = 'Ed25519'): KeyPair {
  return testKey(`bench-${label}`, keyType);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Calls per second of `fn` over one round of about ROUND_MS. */
async function rate(fn: Measurement): Promise<number> {
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    const pending = fn();
    if (pending !== undefined) await pending;
    count++;
    elapsed = performance.now() - start;
  } while (elapsed < ROUND_MS);
  return (count * 1000) / elapsed;
}

/**
 * Runs every measurement once per round, interleaved, so that background load hits them alike; the first round
 * warms up and is dropped. Returns the rates (calls per second) of each measurement, one per round.
 */
async function rounds(measurements: ReadonlyArray<Measurement>): Promise<number[][]> {
  const rates: number[][] = measurements.map(() => []);
  for (let round = -1; round < ROUNDS; round++) {
    for (const [i, fn] of measurements.entries()) {
      const value = await rate(fn);
      if (round >= 0) rates[i]!.push(value);
    }
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
const sm2CityKey = key('city-sm2', 'SM2');
/** SM2 verifications per call: about 8× slower than Ed25519, so fewer per call keep rounds comparable. */
const SM2_PER_CALL = 8;
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
  /** The registry's create, entry 0. */
  genesis: LogEntry;
  registry: DidHistory;
  entries: LogEntry[];
  histories: DidHistory[];
}

/** The registry, then a city with a create and `length - 1` updates (one proof each, by `city`). */
async function cityHistory(length: number, city: KeyPair = cityKey): Promise<Fixture> {
  const genesis = await signWith(
    createOperation({
      did: REGISTRY,
      updateKeys: institutes.map((k) => k.publicKeyMultibase),
      threshold: 2,
      document: {},
    }),
    institutes,
  );
  const genesisEntry: LogEntry = { index: 0, integratedTime: time(0), operation: genesis };
  const registry = applyOperation(undefined, genesisEntry);
  const create = await signWith(
    createOperation({ did: CITY, updateKeys: [city.publicKeyMultibase], document: cityDocument(0) }),
    [city, institutes[0]!, institutes[1]!],
  );
  const entries: LogEntry[] = [{ index: 1, integratedTime: time(1), operation: create }];
  let history = applyOperation(undefined, entries[0]!, { parent: registry });
  const histories = [history];
  for (let version = 1; version < length; version++) {
    const operation = await signWith(updateOperation(history, { document: cityDocument(version) }), [city]);
    const entry = { index: version + 1, integratedTime: time(version + 1), operation };
    entries.push(entry);
    history = applyOperation(history, entry, { parent: registry });
    histories.push(history);
  }
  return { genesis: genesisEntry, registry, entries, histories };
}

// (b), (e) full verification of one signed update against its history, `perCall` per call.
async function operationVerification(
  city: KeyPair = cityKey,
  perCall = 64,
): Promise<{ run: () => void; bytes: number }> {
  const { registry, entries, histories } = await cityHistory(2, city);
  const history = histories[0]!;
  // As received: plain JSON, not the object the library built.
  const received: unknown = JSON.parse(JSON.stringify(entries[1]!.operation));
  const bytes = Buffer.byteLength(JSON.stringify(received));
  const run = () => {
    for (let i = 0; i < perCall; i++) verifyOperation(received, { history, parent: registry, leafIndex: 2 });
  };
  return { run, bytes };
}

// (d) raw SM2 verification of 64-byte messages (what an sm2-jcs-2026 proof signs), SM2_PER_CALL per call.
function rawSm2(): () => void {
  const publicKey = decodeMultikey(sm2CityKey.publicKeyMultibase).publicKey;
  const messages = Array.from(
    { length: SM2_PER_CALL },
    (_, i) => new Uint8Array(createHash('sha512').update(`message ${i}`).digest()),
  );
  const signatures = messages.map((m) => sm2Sign(sm2CityKey.secretKey, m));
  return () => {
    for (let i = 0; i < SM2_PER_CALL; i++) {
      if (!sm2Verify(publicKey, messages[i]!, signatures[i]!)) throw new Error('SM2 signature did not verify');
    }
  };
}

// (c) replay of a whole history, one per call.
function replay(fixture: Fixture, length: number): () => void {
  const entries = fixture.entries.slice(0, length);
  return () => {
    const history = replayHistory(CITY, entries, { parent: fixture.registry });
    if (history.versions.length !== length) throw new Error('replay lost versions');
  };
}

const WARM_LENGTH = 10;

// (c') warm resolution of an unchanged DID through the resolver's verified-state cache, 64 per call.
async function warmResolution(fixture: Fixture): Promise<() => Promise<void>> {
  const ledger = new MemoryLedger();
  for (const entry of [fixture.genesis, ...fixture.entries.slice(0, WARM_LENGTH)]) {
    await ledger.append(entry.operation, { integratedTime: entry.integratedTime });
  }
  const resolver = createCityResolver({ reader: ledger });
  const check = async () => {
    const { didDocument, didResolutionMetadata } = await resolver.resolve(CITY);
    if (didDocument === null) throw new Error(`warm resolution failed: ${JSON.stringify(didResolutionMetadata.error)}`);
  };
  await check();
  return async () => {
    for (let i = 0; i < 64; i++) await check();
  };
}

function format(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

async function main(): Promise<void> {
  const report = benchReport('method');
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `did:city method benchmark — ${cpu}, ${availableParallelism()} cores, Node ${process.version}, ${platform()} ${release()}`,
  );
  console.log(`median of ${ROUNDS} interleaved rounds of ${ROUND_MS} ms per measurement, after one warm-up round\n`);

  const lengths = [250, 500, 1000];
  const op = await operationVerification();
  const fixture = await cityHistory(Math.max(...lengths));
  const warm = await warmResolution(fixture);
  const sm2Op = await operationVerification(sm2CityKey, SM2_PER_CALL);
  const [raw, full, resolved, sm2Raw, sm2Full, ...replays] = await rounds([
    rawEd25519(),
    op.run,
    warm,
    rawSm2(),
    sm2Op.run,
    ...lengths.map((n) => replay(fixture, n)),
  ]);
  const sm2RawRate = median(sm2Raw!) * SM2_PER_CALL;
  const sm2Ratio = median(raw!.map((r, i) => (sm2Raw![i]! * SM2_PER_CALL) / (r * 64)));
  const sm2OpRate = median(sm2Full!) * SM2_PER_CALL;
  const sm2OpRatio = median(sm2Raw!.map((r, i) => sm2Full![i]! / r));
  const warmRate = median(resolved!) * 64;
  const warmRatio = median(raw!.map((r, i) => resolved![i]! / r));
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
    [
      `(c') warm resolution, ${WARM_LENGTH} operations, cached`,
      `${format(warmRate)} /s, ${format(1e6 / warmRate, 1)} µs`,
      warmRatio.toFixed(2),
    ],
    [
      '(d) SM2 verify (sm-crypto-v2, SM3, default ID), 64-byte message',
      `${format(sm2RawRate)} /s`,
      sm2Ratio.toFixed(2),
    ],
    [`(e) full update verification (${sm2Op.bytes} B, 1 SM2 proof)`, `${format(sm2OpRate)} /s`, sm2OpRatio.toFixed(2)],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  const second = Math.max(...rows.map((r) => r[1].length));
  console.log(`${'measure'.padEnd(width)}  ${'result'.padEnd(second)}  ratio`);
  console.log(`${'-'.repeat(width)}  ${'-'.repeat(second)}  -----`);
  for (const [name, result, ratio] of rows) console.log(`${name.padEnd(width)}  ${result.padEnd(second)}  ${ratio}`);
  const baselines = [
    '',
    `(a) ${rows[0]![1]}`,
    ...lengths.map(() => 'the 250-operation replay, per operation'),
    `(a) ${rows[0]![1]}`,
    `(a) ${rows[0]![1]}`,
    `(d) ${rows[lengths.length + 3]![1]}`,
  ];
  rows.forEach(([what, figure, ratio], i) => {
    report.row(i === 0 ? { what, figure } : { what, figure, baseline: baselines[i]!, ratio });
  });
  report.write({
    rawEd25519PerSecond: rawRate,
    operationPerSecond: opRate,
    operationRatio: ratio,
    replay: replayed,
    warmPerSecond: warmRate,
    sm2PerSecond: sm2RawRate,
    sm2OperationPerSecond: sm2OpRate,
    sm2OperationRatio: sm2OpRatio,
  });
  console.log(
    "\nratio: (b), (c') and (d) relative to (a) (median of the per-round ratios), aim for (b) ≥ 0.80; (c) per-operation time relative to the 250-operation replay (1.00 = linear); (e) relative to (d), aim ≥ 0.80",
  );
}

await main();
