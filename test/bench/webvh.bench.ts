/**
 * A peer side by side: cold resolution of a did:webvh DID (didwebvh-ts, its log held in memory) and of a did:city
 * DID with the same number of operations (createCityResolver over a MemoryLedger), 1, 10, 100 and 1,000 of them,
 * in the same run. Both verify every entry's Ed25519 Data Integrity proof (eddsa-jcs-2022) with node:crypto, so the
 * ratio compares what each method does around the signatures: did:webvh hashes each entry into its versionId
 * chain and checks its SCID; did:city parses, hashes and authorises each operation and builds its documents.
 *
 *     tsx --conditions=source test/bench/webvh.bench.ts
 *
 * Logs are made by each library itself (didwebvh-ts createDID/updateDID, did:city createOperation/updateOperation),
 * one 1,000-entry log each; the shorter DIDs are its prefixes (a prefix of a valid log is a valid log). Cold: a new
 * resolver (did:city) or a plain call (did:webvh, which keeps no state) per resolution. Each figure is the median of
 * ROUNDS interleaved rounds; nothing is asserted about time.
 */
import { createHash, createPublicKey, type KeyObject, generateKeyPairSync, sign, verify } from 'node:crypto';
import {
  applyOperation,
  createCityResolver,
  createOperation,
  createSigner,
  type DidHistory,
  type KeyPair,
  MemoryLedger,
  type Operation,
  signOperation,
  type UnsignedOperation,
  updateOperation,
} from '@did-city/method';
import { testKey } from '@did-city/testing';
import {
  createDID,
  MultibaseEncoding,
  multibaseEncode,
  prepareDataForSigning,
  resolveDIDFromLog,
  updateDID,
} from 'didwebvh-ts';
import { benchReport, fmt, machine, median } from './report.ts';

const LENGTHS = [1, 10, 100, 1000] as const;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
/** Resolutions per measurement, fewer for long logs so that each round takes about as long. */
const PER_ROUND: Record<number, number> = { 1: 200, 10: 60, 100: 8, 1000: 1 };
const CREATED = '2026-11-21T08:00:00Z';

// didwebvh-ts's own types, named from its functions (its index re-exports them under paths TypeScript does not follow).
type CreateOptions = Parameters<typeof createDID>[0];
type Signer = CreateOptions['signer'];
type Verifier = NonNullable<CreateOptions['verifier']>;
type DIDLog = Awaited<ReturnType<typeof createDID>>['log'];

// --- did:webvh: a node:crypto Ed25519 signer and verifier for didwebvh-ts -------------------------------------

const ED25519_MULTIKEY_PREFIX = Uint8Array.of(0xed, 0x01);
const keyObjects = new Map<string, KeyObject>();

/** Raw Ed25519 public key to a node:crypto KeyObject, once per key (did:city caches its KeyObjects too). */
function publicKeyObject(raw: Uint8Array): KeyObject {
  const id = Buffer.from(raw).toString('base64url');
  let keyObject = keyObjects.get(id);
  if (keyObject === undefined) {
    keyObject = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: id }, format: 'jwk' });
    keyObjects.set(id, keyObject);
  }
  return keyObject;
}

const verifier: Verifier = {
  verify: async (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) =>
    verify(null, message, publicKeyObject(publicKey), signature),
};

/**
 * While the log is built: updateDID re-resolves the whole log before each append (quadratic), re-checking
 * signatures this bench has just made. Building skips that re-check; every measured resolution verifies all of them.
 */
const builder: Verifier = { verify: async () => true };

function webvhSigner(): { signer: Signer; multikey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const multikey = multibaseEncode(Uint8Array.from([...ED25519_MULTIKEY_PREFIX, ...raw]), MultibaseEncoding.BASE58_BTC);
  const signer: Signer = {
    async sign({ document, proof }: Parameters<Signer['sign']>[0]) {
      const data = await prepareDataForSigning(document, proof);
      return { proofValue: multibaseEncode(sign(null, data, privateKey), MultibaseEncoding.BASE58_BTC) };
    },
    getVerificationMethodId: () => `did:key:${multikey}#${multikey}`,
  };
  return { signer, multikey };
}

function catalog(version: number) {
  return [{ id: '#catalog', type: 'DataCatalog', serviceEndpoint: `https://data.sjz.example/catalog/v${version}/` }];
}

/** A did:webvh log of `length` entries made by didwebvh-ts: a create, then updates that change a service. */
async function webvhLog(length: number): Promise<DIDLog> {
  const { signer, multikey } = webvhSigner();
  const methods = [{ type: 'Multikey', purpose: 'assertionMethod' as const, publicKeyMultibase: multikey }];
  const created = await createDID({
    domain: 'data.sjz.example',
    signer,
    verifier: builder,
    updateKeys: [multikey],
    verificationMethods: methods,
    services: catalog(0),
    created: CREATED,
  });
  let log = created.log;
  for (let version = 1; version < length; version++) {
    // updateDID resolves the whole log before it appends, so building is quadratic; it is done once.
    // One minute apart: didwebvh-ts refuses version times in the future and keeps them increasing.
    const updated = new Date(Date.parse(CREATED) + version * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    log = (
      await updateDID({
        log,
        signer,
        verifier: builder,
        updateKeys: [multikey],
        verificationMethods: methods,
        services: catalog(version),
        updated,
      })
    ).log;
  }
  return log;
}

// --- did:city: the same number of operations in a MemoryLedger --------------------------------------------------

const REGISTRY = 'did:city:cn';
const CITY = 'did:city:cn:130100';

function key(label: string): KeyPair {
  return testKey(`webvh-bench-${label}`);
}

const institutes = [key('institute-a'), key('institute-b'), key('institute-c')];
const cityKey = key('city');

function signWith(unsigned: UnsignedOperation, pairs: KeyPair[]): Promise<Operation> {
  return signOperation(unsigned, pairs.map(createSigner), { created: CREATED });
}

function cityContent(version: number) {
  return {
    verificationMethod: [{ id: '#key-1', type: 'Multikey' as const, publicKeyMultibase: cityKey.publicKeyMultibase }],
    assertionMethod: ['#key-1'],
    service: catalog(version),
  };
}

/** The registry's genesis, then the city's create and `length - 1` updates: operations in log order. */
async function cityOperations(length: number): Promise<Operation[]> {
  const genesis = await signWith(
    createOperation({
      did: REGISTRY,
      updateKeys: institutes.map((k) => k.publicKeyMultibase),
      threshold: 2,
      document: {},
    }),
    institutes,
  );
  const registry = applyOperation(undefined, { index: 0, integratedTime: CREATED, operation: genesis });
  const create = await signWith(
    createOperation({ did: CITY, updateKeys: [cityKey.publicKeyMultibase], document: cityContent(0) }),
    [cityKey, institutes[0]!, institutes[1]!],
  );
  const operations = [genesis, create];
  let history: DidHistory = applyOperation(
    undefined,
    { index: 1, integratedTime: CREATED, operation: create },
    { parent: registry },
  );
  for (let version = 1; version < length; version++) {
    const operation = await signWith(updateOperation(history, { document: cityContent(version) }), [cityKey]);
    operations.push(operation);
    history = applyOperation(history, { index: version + 1, integratedTime: CREATED, operation }, { parent: registry });
  }
  return operations;
}

async function cityLedger(operations: Operation[]): Promise<MemoryLedger> {
  const ledger = new MemoryLedger();
  for (const operation of operations) await ledger.append(operation, { integratedTime: CREATED });
  return ledger;
}

// --- measurement ---------------------------------------------------------------------------------------------

async function msPer(count: number, resolve: () => Promise<void>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) await resolve();
  return (performance.now() - started) / count;
}

async function main(): Promise<void> {
  const report = benchReport('webvh');
  const started = performance.now();
  const longest = Math.max(...LENGTHS);
  const fullLog = await webvhLog(longest);
  const webvhBuiltS = (performance.now() - started) / 1000;
  const operations = await cityOperations(longest);
  const cases = await Promise.all(
    LENGTHS.map(async (length) => {
      const log = fullLog.slice(0, length);
      const ledger = await cityLedger(operations.slice(0, length + 1));
      const webvh = async () => {
        const { meta } = await resolveDIDFromLog(log, { verifier });
        if (!meta.versionId.startsWith(`${length}-`))
          throw new Error(`did:webvh resolution failed: ${JSON.stringify(meta)}`);
      };
      const city = async () => {
        const { didDocument, didDocumentMetadata } = await createCityResolver({ reader: ledger }).resolve(CITY);
        if (didDocument === null || didDocumentMetadata.versionId !== String(length - 1))
          throw new Error('did:city resolution failed');
      };
      return { length, webvh, city, webvhMs: [] as number[], cityMs: [] as number[], ratios: [] as number[] };
    }),
  );
  for (const c of cases) await Promise.all([c.webvh(), c.city()]); // warm-up, and both resolve
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of cases) {
      const webvhMs = await msPer(PER_ROUND[c.length]!, c.webvh);
      const cityMs = await msPer(PER_ROUND[c.length]!, c.city);
      c.webvhMs.push(webvhMs);
      c.cityMs.push(cityMs);
      c.ratios.push(webvhMs / cityMs);
    }
  }

  console.log(`did:webvh (didwebvh-ts) beside did:city, cold resolution from memory — ${machine()}`);
  console.log(
    `median of ${ROUNDS} interleaved rounds; the 1,000-entry did:webvh log took ${fmt(webvhBuiltS, 1)} s to build\n`,
  );
  console.log(
    '| log entries / operations | did:webvh ms (µs per entry) | did:city ms (µs per operation) | did:webvh ÷ did:city time |',
  );
  console.log('|---:|---:|---:|---:|');
  const rows = cases.map((c) => ({
    length: c.length,
    webvhMs: median(c.webvhMs),
    cityMs: median(c.cityMs),
    ratio: median(c.ratios),
  }));
  for (const r of rows) {
    const perEntry = (ms: number) => fmt((ms * 1000) / r.length, 1);
    console.log(
      `| ${fmt(r.length)} | ${fmt(r.webvhMs, 2)} (${perEntry(r.webvhMs)}) | ${fmt(r.cityMs, 2)} (${perEntry(r.cityMs)}) | ${fmt(r.ratio, 2)} |`,
    );
    report.row({
      what: `cold resolution from memory, ${fmt(r.length)} log ${r.length === 1 ? 'entry' : 'entries'} (did:webvh, didwebvh-ts) / operations (did:city)`,
      figure: `did:city ${fmt(r.cityMs, 2)} ms, ${perEntry(r.cityMs)} µs per operation`,
      baseline: `did:webvh ${fmt(r.webvhMs, 2)} ms, ${perEntry(r.webvhMs)} µs per entry`,
      ratio: `${fmt(r.ratio, 2)} (did:webvh time ÷ did:city time)`,
    });
  }
  console.log(
    '\nratio > 1: did:city resolves faster. did:city also verifies its registry (1 operation) on every cold resolution.',
  );
  report.write({ rounds: ROUNDS, webvhBuildSeconds: webvhBuiltS, rows });
}

await main();
