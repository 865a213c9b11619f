/**
 * The shared vectors of spec/vectors/ through the driver over real HTTP on loopback (spec/README.md, "Over HTTP"):
 * each vector's DID or DID URL is requested in the raw path form and in the `did%3A…` form with its options (as a
 * form and as one URL-encoded JSON object), and the body must be the whole result the library gives, with the
 * status of its error from spec/errors.json (200, or 410 for a deactivated DID without a document).
 *
 * - resolution/*, dereferencing/*, operations/*: the world log prefix loaded into a MemoryLedger with the vectors'
 *   integration times; the expected result is the vector's (test/vectors.test.ts proves it is the library's).
 * - did-syntax.json, and the negative vectors that resolve over a log holding an invalid entry: a reader that
 *   trusts its log, compared with what createCityResolver answers over the same log.
 * - ledger/*: a loopback HTTP server answering the ledger node API with the vector's proven histories (or the
 *   doctored ones of the negative ledger vectors); the driver reads it through the reader src/main.ts builds
 *   (createLedgerReader, i.e. HttpLedgerReader verifying against the vector's trust policy).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  type CityResolverOptions,
  createCityResolver,
  DidIndex,
  type GenesisPolicy,
  type LedgerReader,
  type LogEntry,
  MemoryLedger,
  type Operation,
  operationHash,
} from '@did-city/method';
import { HttpLedgerReader } from '@did-city/method/http';
import { evaluateCheckpoint, parsePolicy, quorumTime } from '@did-city/tlog';
import { afterAll, describe, expect, test } from 'vitest';
import { ENV_PREFIX, loadSettings } from '../src/config.ts';
import { createLedgerReader } from '../src/ledger-reader.ts';
import { type RunningDriver, rawRequest, startDriver } from './fixtures.ts';

const SPEC = join(import.meta.dirname, '..', '..', '..', 'spec');
const VECTORS = join(SPEC, 'vectors');

// biome-ignore lint/suspicious/noExplicitAny: vectors are JSON read from disk; each test reads the members it needs.
type Json = any;

const load = (path: string): Json => JSON.parse(readFileSync(join(VECTORS, path), 'utf8'));

const index = load('index.json');
const files: Array<{ path: string; kind: string; id: string }> = index.files;
const world = load('logs/world.json');
const worldEntries: LogEntry[] = world.entries.map(({ index, integratedTime, operation }: Json) => ({
  index,
  integratedTime,
  operation,
}));
const STATUS_BY_TYPE: ReadonlyMap<string, number> = new Map(
  JSON.parse(readFileSync(join(SPEC, 'errors.json'), 'utf8')).errors.map((e: Json) => [e.type, e.status]),
);

function vectorsOf(kind: string, prefix: string): Json[] {
  return files.filter((f) => f.kind === kind && f.id.startsWith(prefix)).map((f) => load(f.path));
}

const RESOLUTION = 'application/did-resolution';
const DEREFERENCING = 'application/did-url-dereferencing';

// ---------------------------------------------------------------------------------------------------------------
// What the driver must answer for a library result

interface Expected {
  status: number;
  contentType: string | undefined;
  /** The JSON body, or for a 303 `{ location }`. */
  body: Json;
}

/** The driver's status for a resolution-shaped body: the error's, else 410 for a deactivated DID with no document. */
function statusOf(body: Json, gone: boolean): number {
  const error = body.didResolutionMetadata?.error ?? body.dereferencingMetadata?.error;
  if (error !== undefined) {
    const status = STATUS_BY_TYPE.get(error.type);
    if (status === undefined) throw new Error(`${error.type} is not in spec/errors.json`);
    return status;
  }
  return gone ? 410 : 200;
}

function forResolution(result: Json): Expected {
  const gone = result.didDocumentMetadata.deactivated === true && result.didDocument === null;
  return { status: statusOf(result, gone), contentType: RESOLUTION, body: result };
}

/**
 * A dereferencing result as the W3C HTTP(S) binding sends it (docs/conformance.md): errors as the dereferencing
 * result itself, a text/uri-list result as 303 to the first URL, anything else as the result.
 */
function forDereferencing(result: Json): Expected {
  const { dereferencingMetadata, contentMetadata, content } = result;
  if (dereferencingMetadata.error !== undefined)
    return { status: statusOf(result, false), contentType: DEREFERENCING, body: result };
  if (dereferencingMetadata.contentType === 'text/uri-list')
    return { status: 303, contentType: undefined, body: { location: content[0] } };
  const gone = contentMetadata.deactivated === true && content === null;
  return { status: gone ? 410 : 200, contentType: DEREFERENCING, body: result };
}

// ---------------------------------------------------------------------------------------------------------------
// Requests: the raw path form and the URL-encoded form with options

type Form = [name: string, path: string];

/** What an HTTP client sends as a request target unchanged: printable ASCII, and no fragment. */
const isRawSendable = (identifier: string) => /^[\x21-\x7e]+$/.test(identifier) && !identifier.includes('#');

function requestForms(identifier: string, options: Record<string, unknown> = {}): Form[] {
  const forms: Form[] = [];
  const hasOptions = Object.keys(options).length > 0;
  // The raw form carries no options: its query string is part of the DID URL.
  if (!hasOptions && isRawSendable(identifier)) forms.push(['raw path', `/1.0/identifiers/${identifier}`]);
  // Only an identifier starting "did:" encodes to "did%3A…", the form whose query string is options.
  if (!identifier.startsWith('did:')) return forms;
  const encoded = `/1.0/identifiers/${encodeURIComponent(identifier)}`;
  if (!hasOptions) return [...forms, ['did%3A… encoded', encoded]];
  if (Object.values(options).every((value) => typeof value === 'string')) {
    forms.push(['did%3A… with form options', `${encoded}?${new URLSearchParams(options as Record<string, string>)}`]);
  }
  forms.push(['did%3A… with JSON options', `${encoded}?${encodeURIComponent(JSON.stringify(options))}`]);
  return forms;
}

async function expectAnswers(driver: RunningDriver, forms: Form[], accept: string, expected: Expected): Promise<void> {
  expect(forms.length).toBeGreaterThan(0);
  for (const [name, path] of forms) {
    const res = await rawRequest(driver.url, path, { headers: { accept } });
    const body = res.status === 303 ? { location: res.headers.location } : res.json();
    expect({ form: name, status: res.status, contentType: res.headers['content-type'], body }).toEqual({
      form: name,
      ...expected,
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Drivers over the vectors' logs

const running: RunningDriver[] = [];
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(running.map((driver) => driver.close()));
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
});

async function driverOn(options: Parameters<typeof startDriver>[0]): Promise<RunningDriver> {
  const driver = await startDriver(options);
  running.push(driver);
  return driver;
}

/** World entries [0, count) appended to a MemoryLedger with their integration times (spec/README.md). */
async function memoryLedger(count: number): Promise<MemoryLedger> {
  const ledger = new MemoryLedger({ genesis: world.genesis });
  for (const entry of worldEntries.slice(0, count)) {
    const appended = await ledger.append(entry.operation as Operation, { integratedTime: entry.integratedTime });
    expect(appended.index).toBe(entry.index);
  }
  return ledger;
}

/** A reader that trusts its log, valid or not, as the vectors' expected results were produced. */
function trustingReader(entries: readonly LogEntry[]): LedgerReader {
  return { history: async (did) => ({ entries: structuredClone(entries.filter((e) => e.operation?.did === did)) }) };
}

type ResolverConfig = { genesis?: GenesisPolicy; refuseNoCache?: boolean };

const drivers = new Map<string, Promise<RunningDriver>>();

/** One driver per log prefix and resolver configuration, built with the driver's defaults (its cache on). */
function worldDriver(entries: number, resolver: ResolverConfig): Promise<RunningDriver> {
  const key = JSON.stringify([entries, resolver]);
  let driver = drivers.get(key);
  if (driver === undefined) {
    driver = memoryLedger(entries).then((reader) => driverOn({ reader, ...resolver }));
    drivers.set(key, driver);
  }
  return driver;
}

const title = (v: Json) => `${v.id}: ${v.description}`;

describe('resolution/*: the whole expected result over HTTP, with the status of its error', () => {
  test.each(vectorsOf('resolution', 'resolution/').map((v) => [title(v), v]))('%s', async (_title, v: Json) => {
    const driver =
      v.extraEntries === undefined
        ? await worldDriver(v.entries, v.resolver)
        : await driverOn({
            reader: trustingReader([...worldEntries.slice(0, v.entries), ...v.extraEntries]),
            ...v.resolver,
          });
    await expectAnswers(driver, requestForms(v.did, v.options), RESOLUTION, forResolution(v.expected));
  });

  test('a DID with an earlier version and a deactivation: 200 for the version, 410 for the deactivated state', async () => {
    // spec/README.md says 410 "when didDocumentMetadata.deactivated is true"; docs/conformance.md (and the driver) make
    // it 410 only when the document is null too: an earlier version of a deactivated DID is a document, 200.
    const [earlier, latest] = ['resolution/deactivated-version-0', 'resolution/deactivated-with-successor'].map((id) =>
      load(`${id}.json`),
    );
    expect(earlier.expected.didDocumentMetadata.deactivated).toBe(true);
    expect(forResolution(earlier.expected).status).toBe(200);
    expect(forResolution(latest.expected).status).toBe(410);
  });
});

describe('dereferencing/*: the whole expected result (errors as a dereferencing result, URL lists as 303)', () => {
  test.each(vectorsOf('dereferencing', 'dereferencing/').map((v) => [title(v), v]))('%s', async (_title, v: Json) => {
    const driver = await worldDriver(v.entries, v.resolver);
    await expectAnswers(driver, requestForms(v.didUrl, v.options), DEREFERENCING, forDereferencing(v.expected));
  });
});

describe('operations/*: the focus DID resolved after each prefix of the world log', () => {
  test.each(vectorsOf('operation', 'operations/').map((v) => [title(v), v]))('%s', async (_title, v: Json) => {
    const driver = await worldDriver(v.entries, v.resolver);
    await expectAnswers(driver, requestForms(v.did), RESOLUTION, forResolution(v.expected.resolution));
  });
});

describe('did-syntax.json: the same answer as the library, over the world log', () => {
  const syntax = load('did-syntax.json');
  const library = createCityResolver({ reader: trustingReader(worldEntries), cache: false, genesis: world.genesis });

  const invalid: Array<[string, string, Json]> = syntax.invalid.map((v: Json) => [v.rule, v.did, v]);
  const valid: Array<[string]> = syntax.valid.map((v: Json) => [v.did]);

  test.each(invalid)('%s broken: %s', async (_rule, did, v) => {
    const result = await library.resolve(did);
    expect(result.didResolutionMetadata.error?.type).toBe(v.expected.error.type);
    await expectAnswers(
      await worldDriver(worldEntries.length, { genesis: world.genesis }),
      requestForms(did),
      RESOLUTION,
      forResolution(result),
    );
  });

  test.each(valid)('valid: %s', async (did) => {
    const result = await library.resolve(did);
    expect(result.didResolutionMetadata.error?.type ?? 'none').not.toMatch(/#INVALID_DID$/);
    await expectAnswers(
      await worldDriver(worldEntries.length, { genesis: world.genesis }),
      requestForms(did),
      RESOLUTION,
      forResolution(result),
    );
  });
});

describe('negative/*: resolving over a log that holds the invalid entry (a misbehaving ledger)', () => {
  const vectors = files
    .filter((f) => f.kind === 'append')
    .map((f) => load(f.path))
    .filter((v) => v.resolve !== undefined);

  test.each(vectors.map((v) => [`${v.rule} broken: ${v.description}`, v]))('%s', async (_title, v: Json) => {
    const reader = trustingReader([...worldEntries.slice(0, v.entries), v.entry]);
    const result = await createCityResolver({ reader, cache: false, genesis: v.genesis }).resolve(v.resolve.did);
    expect(result.didResolutionMetadata.error?.type).toBe(v.resolve.error.type);
    const driver = await startDriver({ reader, genesis: v.genesis });
    try {
      await expectAnswers(driver, requestForms(v.resolve.did), RESOLUTION, forResolution(result));
    } finally {
      await driver.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// ledger/*: the driver reading a ledger node's HTTP API through the verifying reader src/main.ts uses

const checkpoints = load('ledger/world-checkpoint.json');

/** What the fake ledger node serves for GET dids/{did}/history; replaced by the negative vectors. */
let serveHistory: (did: string) => Json = () => undefined;
let consistencyProofs: Record<string, string[]> = {};

function defaultHistory(did: string): Json {
  return (
    checkpoints.histories[did] ?? {
      did,
      treeSize: checkpoints.checkpoint.size,
      checkpoint: checkpoints.checkpoint.note,
      entries: [],
    }
  );
}

/** Only the entries after seq `after`, as a ledger node answers `?after=` (spec §7.9). */
function after(served: Json, seq: string | null): Json {
  return seq === null
    ? served
    : { ...served, entries: served.entries.filter((e: Json) => e.operation.seq > Number(seq)) };
}

/** A served history with the head and index proof of its checkpoint's size (spec §7.9), unless it carries its own. */
function withIndexProof(served: Json): Json {
  if (served.indexProof !== undefined || typeof served.checkpoint !== 'string') return served;
  const size = Number(served.checkpoint.split('\n')[1]);
  const heads = worldEntries.slice(0, size).map((e) => ({
    did: e.operation.did,
    seq: e.operation.seq,
    index: e.index,
    operationHash: operationHash(e.operation),
  }));
  return { ...served, ...DidIndex.empty().apply(heads).prove(served.did) };
}

/** Since when the checkpoint's quorum vouches for it, as the reader reports it (RFC 3339). */
function provenAt(note: string): string {
  const policy = parsePolicy(checkpoints.policy);
  const time = quorumTime(policy, evaluateCheckpoint(note, policy).cosigners, policy.index);
  return new Date(time! * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** GET dids/{did}/history and proofs/consistency as a ledger node answers them, on 127.0.0.1. */
async function fakeLedgerNode(): Promise<string> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://ledger');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': status === 200 ? 'application/json' : 'application/problem+json' });
      res.end(JSON.stringify(body));
    };
    const history = /^\/dids\/([^/]+)\/history$/.exec(url.pathname);
    if (history) {
      const did = decodeURIComponent(history[1]!);
      return send(200, after(withIndexProof(serveHistory(did) ?? defaultHistory(did)), url.searchParams.get('after')));
    }
    const proof = consistencyProofs[`${url.searchParams.get('from')}-${url.searchParams.get('to')}`];
    if (url.pathname === '/proofs/consistency' && proof !== undefined) return send(200, { proof });
    return send(404, {
      type: 'https://www.w3.org/ns/did#NOT_FOUND',
      title: 'DID not found',
      status: 404,
      detail: url.pathname,
    });
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/**
 * The driver as src/main.ts builds it from its environment, plus the vector's resolver configuration. Each vector
 * starts with a memory of its own (checkpointStore memory): the vectors are independent ledgers of one origin.
 */
async function verifyingDriver(ledgerUrl: string, resolver: ResolverConfig = {}): Promise<RunningDriver> {
  const env = { ledgerUrl, trustPolicy: checkpoints.policy, checkpointStore: 'memory' };
  const settings = loadSettings(
    Object.fromEntries(Object.entries(env).map(([name, value]) => [ENV_PREFIX + name, value])),
  );
  return driverOn({ reader: createLedgerReader(settings), ...resolver });
}

function libraryOver(ledgerUrl: string, resolver: ResolverConfig = {}) {
  const options: CityResolverOptions = {
    reader: new HttpLedgerReader({ url: ledgerUrl, policy: checkpoints.policy }),
    cache: false,
    ...resolver,
  };
  return createCityResolver(options);
}

describe('ledger/world-checkpoint.json: resolution vectors verified against the co-signed checkpoint', async () => {
  const ledgerUrl = await fakeLedgerNode();
  const plain = vectorsOf('resolution', 'resolution/').filter(
    (v) => v.entries === world.entries.length && v.extraEntries === undefined,
  );

  test.each(plain.map((v) => [title(v), v]))('%s (through HttpLedgerReader)', async (_title, v: Json) => {
    serveHistory = () => undefined;
    const expected = structuredClone(v.expected);
    if (expected.didResolutionMetadata.error === undefined) {
      const { origin, checkpoint } = checkpoints;
      expected.didResolutionMetadata.ledger = {
        origin,
        treeSize: String(checkpoint.size),
        checkpoint: checkpoint.note,
        provenAt: provenAt(checkpoint.note),
      };
    }
    const driver = await verifyingDriver(ledgerUrl, v.resolver);
    await expectAnswers(driver, requestForms(v.did, v.options), RESOLUTION, forResolution(expected));
  });
});

describe('negative ledger vectors: the driver fails closed with the library result (500 INTERNAL_ERROR)', async () => {
  const ledgerUrl = await fakeLedgerNode();
  // Index proofs (check 'index') are checked by the library's vector tests; these go through a ledger answer.
  const negatives = vectorsOf('ledger', 'negative/').filter((n) => n.check !== 'index');

  /** Resolves `did` through a fresh driver and a fresh library reader, after `before` (a first, accepted read). */
  async function compare(did: string, before?: { did: string; afterwards: () => void }): Promise<void> {
    const driver = await verifyingDriver(ledgerUrl, { genesis: world.genesis });
    const library = libraryOver(ledgerUrl, { genesis: world.genesis });
    if (before !== undefined) {
      const first = await library.resolve(before.did);
      expect(first.didResolutionMetadata.error?.type).toBe('https://www.w3.org/ns/did#NOT_FOUND');
      await expectAnswers(driver, requestForms(before.did), RESOLUTION, forResolution(first));
      before.afterwards();
    }
    const result = await library.resolve(did);
    expect(result.didResolutionMetadata.error?.type).toBe('https://www.w3.org/ns/did#INTERNAL_ERROR');
    await expectAnswers(driver, requestForms(did), RESOLUTION, forResolution(result));
  }

  test.each(negatives.map((n) => [`${n.rule} broken (${n.check}): ${n.description}`, n]))(
    '%s',
    async (_title, n: Json) => {
      consistencyProofs = {};
      if (n.check === 'checkpoint') {
        serveHistory = (did) => ({ ...checkpoints.histories['did:city:cn:130100'], did, checkpoint: n.checkpoint });
        return compare('did:city:cn:130100');
      }
      if (n.check === 'inclusion') {
        const did: string = n.entry.operation.did;
        const history = structuredClone(checkpoints.histories[did]);
        history.entries[history.entries.findIndex((e: Json) => e.index === n.entry.index)] = n.entry;
        serveHistory = (requested) => (requested === did ? { ...history, checkpoint: n.checkpoint } : undefined);
        return compare(did);
      }
      if (n.check === 'history') {
        serveHistory = (requested) => (requested === n.history.did ? n.history : undefined);
        return compare(n.history.did);
      }
      // consistency: a reader that accepted `seen` is then shown `presented`
      const sizeOf = (note: string) => Number(note.split('\n')[1]);
      let note: string = n.seen;
      // The DID and its ancestors as the ledger proves them under `note` (the index proves the registry's head).
      serveHistory = (did) => ({ ...defaultHistory(did), treeSize: sizeOf(note), checkpoint: note });
      consistencyProofs = { [`${sizeOf(n.seen)}-${sizeOf(n.presented)}`]: n.consistencyProof };
      return compare('did:city:cn:110000', {
        did: 'did:city:cn:110000',
        afterwards: () => {
          note = n.presented;
        },
      });
    },
  );
});
