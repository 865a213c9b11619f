/**
 * One table of vectors (spec/vectors/, read by @did-city/testing's `vectorTable`), run through every surface that
 * resolves or sequences, each through its own adapter:
 *
 * - library: createCityResolver over the vector's log; appends validated by MemoryLedger (the node's validator);
 * - driver: the Universal Resolver driver over HTTP on loopback, its body and status;
 * - ledger API: a running node fed the world log through POST /operations (and /governance/operations for a
 *   registry genesis) with the vectors' integration times on its injected clock; appends are submitted and their
 *   receipt or refusal compared, resolutions read back through HttpLedgerReader verifying the node's proofs;
 * - veramo: a Veramo agent's resolveDid (DIDResolverPlugin with @did-city/veramo's resolver) over the same node.
 *
 * Cases run in log order; each case is one `describe`, each surface one test in it, so a new vector is tested through
 * every surface and a surface that disagrees with the vector fails its own test. A surface that cannot take a case
 * skips it with the reason (e.g. a node never holds the invalid entries of a misbehaving log).
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import {
  applyOperation,
  createCityResolver,
  type DidHistory,
  type GenesisPolicy,
  isCityDid,
  type LedgerReader,
  type LogEntry,
  operationHash,
  parentDid,
  parseDid,
  toDidResolverResult,
} from '@did-city/method';
import { HttpLedgerReader } from '@did-city/method/http';
import {
  type AppendCase,
  type AppendOutcome,
  type DereferenceCase,
  type ResolveCase,
  type VectorCase,
  VECTORS_DIR,
  vectorTable,
} from '@did-city/testing';
import { type RunningNode, startNode } from '@did-city/testing/node';
import { getDidCityResolver } from '@did-city/veramo';
import { createAgent, type IResolver } from '@veramo/core';
import { DIDResolverPlugin } from '@veramo/did-resolver';
import { Resolver } from 'did-resolver';
import { createDriverApp } from 'uni-resolver-driver-did-city';
import { afterAll, describe, expect, test } from 'vitest';

// biome-ignore lint/suspicious/noExplicitAny: results are JSON compared whole with the vectors'.
type Json = any;

const table = vectorTable();
const STATUS_BY_TYPE: ReadonlyMap<string, number> = new Map(
  JSON.parse(readFileSync(join(VECTORS_DIR, '..', 'errors.json'), 'utf8')).errors.map((e: Json) => [e.type, e.status]),
);
const ADMIN_TOKEN = 'vector-suite-admin-token';

/** What a surface answered, and what it should have answered for this case (the vector, in its dialect). */
interface Check {
  answer: unknown;
  expected: unknown;
}

interface Surface {
  name: string;
  /** A check, or the reason this surface cannot take the case. */
  run(c: VectorCase): Promise<Check | string>;
}

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

const logOf = (c: ResolveCase | DereferenceCase): LogEntry[] => [
  ...table.world.slice(0, c.prefix),
  ...('extraEntries' in c ? (c.extraEntries ?? []) : []),
];

/** A reader that trusts its log, valid or not, as the vectors' expected results were produced. */
function trustingReader(entries: readonly LogEntry[]): LedgerReader {
  return { history: async (did) => ({ entries: structuredClone(entries.filter((e) => e.operation?.did === did)) }) };
}

function errorCode(error: unknown): string {
  return (error as { code?: string }).code ?? String(error);
}

/** Resolution metadata a ledger reader adds about the checkpoint it verified (the node's own, not the vectors'). */
function withoutLedger(result: Json): Json {
  const copy = structuredClone(result);
  if (copy.didResolutionMetadata !== undefined) delete copy.didResolutionMetadata.ledger;
  if (copy.dereferencingMetadata !== undefined) delete copy.dereferencingMetadata.ledger;
  return copy;
}

// --- library ----------------------------------------------------------------------------------------------------

/** Validates and applies `entry` as a ledger or resolver replays it, the parent's state taken from `state`. */
function apply(state: Map<string, DidHistory>, entry: LogEntry, genesis: GenesisPolicy): void {
  const did = (entry.operation as { did?: unknown })?.did;
  const parent = isCityDid(did) ? parentDid(did) : undefined;
  const context = { ...(parent !== undefined && state.has(parent) ? { parent: state.get(parent)! } : {}), genesis };
  const history = applyOperation(typeof did === 'string' ? state.get(did) : undefined, entry, context);
  state.set(history.did, history);
}

const library: Surface = {
  name: 'library',
  async run(c) {
    if (c.kind === 'append') {
      const state = new Map<string, DidHistory>();
      for (const entry of table.world.slice(0, c.prefix)) apply(state, entry, c.genesis);
      let answer: AppendOutcome;
      try {
        apply(state, c.entry, c.genesis);
        answer = { accepted: true, operationHash: operationHash(c.entry.operation) };
      } catch (error) {
        answer = { accepted: false, code: errorCode(error) };
      }
      return { answer, expected: c.expected };
    }
    const resolver = createCityResolver({ reader: trustingReader(logOf(c)), cache: false, ...c.resolver });
    if (c.kind === 'resolve') return { answer: await resolver.resolve(c.did, c.options), expected: c.expected };
    return { answer: await resolver.dereference(c.didUrl, c.options), expected: c.expected };
  },
};

// --- driver (HTTP) ----------------------------------------------------------------------------------------------

async function listen(server: Server): Promise<string> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  closers.push(
    () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const drivers = new Map<string, Promise<string>>();

function driverFor(c: ResolveCase | DereferenceCase): Promise<string> {
  const key = JSON.stringify([c.prefix, 'extraEntries' in c ? c.extraEntries : undefined, c.resolver]);
  let url = drivers.get(key);
  if (url === undefined) {
    const reader: LedgerReader = trustingReader(logOf(c));
    url = listen(createServer(createDriverApp({ reader, ...c.resolver, onError: () => {} })));
    drivers.set(key, url);
  }
  return url;
}

/** The status the driver gives a result: its error's (spec/errors.json), 410 for a deactivated DID without document. */
function statusOf(result: Json, gone: boolean): number {
  const error = result.didResolutionMetadata?.error ?? result.dereferencingMetadata?.error;
  if (error === undefined) return gone ? 410 : 200;
  const status = STATUS_BY_TYPE.get(error.type);
  if (status === undefined) throw new Error(`${error.type} is not in spec/errors.json`);
  return status;
}

const driver: Surface = {
  name: 'driver (HTTP)',
  async run(c) {
    if (c.kind === 'append') return 'the resolver driver does not sequence operations';
    const base = await driverFor(c);
    const identifier = c.kind === 'resolve' ? c.did : c.didUrl;
    const query = c.options === undefined ? '' : `?${encodeURIComponent(JSON.stringify(c.options))}`;
    const accept = c.kind === 'resolve' ? 'application/did-resolution' : 'application/did-url-dereferencing';
    const response = await fetch(`${base}/1.0/identifiers/${encodeURIComponent(identifier)}${query}`, {
      headers: { accept },
      redirect: 'manual',
    });
    if (response.status === 303)
      return { answer: { status: 303, location: response.headers.get('location') }, expected: redirectOf(c.expected) };
    const answer = { status: response.status, body: await response.json() };
    if (c.kind === 'resolve') {
      const gone = c.expected.didDocumentMetadata?.deactivated === true && c.expected.didDocument === null;
      return { answer, expected: { status: statusOf(c.expected, gone), body: c.expected } };
    }
    const gone = c.expected.contentMetadata?.deactivated === true && c.expected.content === null;
    return {
      answer,
      expected: {
        status: statusOf(c.expected, gone && c.expected.dereferencingMetadata.error === undefined),
        body: c.expected,
      },
    };
  },
};

/** A text/uri-list dereferencing result goes over HTTP as a 303 to its first URL. */
function redirectOf(expected: Json): Json {
  return expected.dereferencingMetadata?.contentType === 'text/uri-list'
    ? { status: 303, location: expected.content[0] }
    : expected;
}

// --- ledger API (a running node) ----------------------------------------------------------------------------------

interface FedNode {
  running: RunningNode;
  /** World entries the node holds. */
  size: number;
  /** The sequencer's clock: the integration time of the entry being submitted. */
  time: number;
}

/** The node a case at `prefix` continues, by genesis: each accepted world operation moves it one entry on. */
const fedNodes = new Map<string, FedNode>();

/**
 * A node holding the world's first `prefix` entries with their integration times. The entries are written to its
 * store as a replay before it opens (the world log holds creates of codes retired since, which a node admits only
 * while they are in force, R-ALLOC-2); the operations themselves go through the API in the operations/* cases.
 */
async function nodeAt(prefix: number, genesis: GenesisPolicy, fresh = false): Promise<FedNode> {
  const key = JSON.stringify(genesis);
  const current = fresh ? undefined : fedNodes.get(key);
  if (current !== undefined && current.size === prefix) return current;
  const fed: FedNode = { running: undefined as never, size: prefix, time: 0 };
  fed.running = await startNode({
    log: { entries: table.world.slice(0, prefix), genesis },
    config: { allowUnpinnedGenesis: false, genesis, sequencer: { batchIntervalMs: 5, now: () => fed.time } },
    app: { adminToken: ADMIN_TOKEN },
  });
  closers.push(fed.running.stop);
  if (!fresh) fedNodes.set(key, fed);
  return fed;
}

/** Registry geneses go through the operator's governance path (spec §3.5), everything else through /operations. */
function isRegistryGenesis(operation: Json): boolean {
  try {
    const parsed = parseDid(operation.did);
    return parsed.division === undefined && parsed.subIds.length === 0 && operation.seq === 0;
  } catch {
    return false;
  }
}

async function submit(fed: FedNode, entry: LogEntry): Promise<AppendOutcome> {
  fed.time = Date.parse(entry.integratedTime);
  const governance = isRegistryGenesis(entry.operation);
  const response = await fetch(`${fed.running.url}${governance ? 'governance/operations' : 'operations'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(governance ? { authorization: `Bearer ${ADMIN_TOKEN}` } : {}) },
    body: JSON.stringify(entry.operation),
  });
  const body = (await response.json()) as Json;
  if (response.status === 201) return { accepted: true, operationHash: body.operationHash };
  return { accepted: false, code: String(body.type).split('#')[1] ?? `${response.status} ${body.type}` };
}

const WORLD_ENTRY = (c: AppendCase) =>
  c.prefix < table.world.length &&
  JSON.stringify(table.world[c.prefix]!.operation) === JSON.stringify(c.entry.operation);

const ledgerApi: Surface = {
  name: 'ledger API (running node)',
  async run(c) {
    if (c.kind === 'append') {
      // An accepted entry that is not the world's next one changes the log: it goes to a node of its own.
      if (c.entry.index !== c.prefix)
        return `the entry claims leaf ${c.entry.index}; a node places a submission at the end of its log itself`;
      const previous = table.world[c.prefix - 1];
      if (previous !== undefined && c.entry.integratedTime < previous.integratedTime) {
        return 'the entry is dated before the previous one; a node never dates an entry back';
      }
      const own = c.expected.accepted && !WORLD_ENTRY(c);
      const fed = await nodeAt(c.prefix, c.genesis, own);
      const answer = await submit(fed, c.entry);
      if (answer.accepted && !own) fed.size++;
      return { answer, expected: c.expected };
    }
    if ('extraEntries' in c && c.extraEntries !== undefined)
      return 'a misbehaving log: a node refuses to hold its invalid entries';
    const fed = await nodeAt(c.prefix, table.genesis);
    const reader = new HttpLedgerReader({ url: fed.running.url, policy: fed.running.policy });
    const resolver = createCityResolver({ reader, cache: false, ...c.resolver });
    const answer =
      c.kind === 'resolve' ? await resolver.resolve(c.did, c.options) : await resolver.dereference(c.didUrl, c.options);
    return { answer: withoutLedger(answer), expected: c.expected };
  },
};

// --- Veramo (resolver plugin over the same node) ------------------------------------------------------------------

const veramo: Surface = {
  name: 'veramo resolver',
  async run(c) {
    if (c.kind === 'append')
      return "the Veramo provider signs operations with its own keys; a vector's signed operation is submitted through the ledger API";
    if (c.kind === 'dereference') return 'Veramo resolves DIDs; DID URLs are dereferenced by its caller';
    if (c.extraEntries !== undefined) return 'a misbehaving log: a node refuses to hold its invalid entries';
    if (c.resolver.refuseNoCache !== undefined) return 'the Veramo resolver has no refuseNoCache setting';
    if (!c.did.startsWith('did:city:'))
      return 'a DID of another method never reaches the did:city plugin: did-resolver answers it itself';
    const fed = await nodeAt(c.prefix, table.genesis);
    const resolver = getDidCityResolver({
      ledgerUrl: fed.running.url,
      policy: fed.running.policy,
      cache: false,
      ...(c.resolver.genesis ? { genesis: c.resolver.genesis } : {}),
    });
    const agent = createAgent<IResolver>({ plugins: [new DIDResolverPlugin({ resolver: new Resolver(resolver) })] });
    // Veramo's plugin asks for application/did+ld+json unless told; the vectors' default is application/did.
    const options = { accept: 'application/did', ...c.options };
    const answer = await agent.resolveDid({ didUrl: c.did, options: options as never });
    return { answer: withoutLedger(answer), expected: toDidResolverResult(c.expected) };
  },
};

// --- the table through every surface ----------------------------------------------------------------------------

const SURFACES: Surface[] = [library, driver, ledgerApi, veramo];

for (const c of table.cases) {
  describe(`${c.kind} ${c.title}`, () => {
    for (const surface of SURFACES) {
      test(surface.name, async (context) => {
        const check = await surface.run(c);
        if (typeof check === 'string') return context.skip(check);
        expect(check.answer).toEqual(check.expected);
      });
    }
  });
}

test('the table has every kind of case', () => {
  expect(new Set(table.cases.map((c) => c.kind))).toEqual(new Set(['resolve', 'dereference', 'append']));
  expect(table.cases.length).toBeGreaterThan(150);
});
