/**
 * A man in the middle on loopback between resolvers and a real ledger node (spec §7.6, §7.9): it replays an older
 * answer, serves an older checkpoint, trims the last entries, or hides a DID. Each fails closed with a named error
 * through the library, the driver (with and without noCache) and the CLI `history` command, and everything
 * resolves again once the proxy steps aside.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLedgerApp, LedgerNode } from '@did-city/ledger';
import {
  createCityResolver,
  createOperation,
  createSigner,
  DidCityError,
  generateKeyPair,
  type Operation,
  operationHash,
  signOperation,
  updateOperation,
} from '@did-city/method';
import { HttpLedgerReader } from '@did-city/method/http';
import { createDriverApp } from 'uni-resolver-driver-did-city';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../src/cli.ts';

type Mode = 'pass' | 'replay' | 'older-checkpoint' | 'trim' | 'hide';
type Json = Record<string, unknown> & { entries: Record<string, unknown>[] };

const REGISTRY = 'did:city:cn';
const CITY = 'did:city:cn:130100';
const institutes = [generateKeyPair('Ed25519'), generateKeyPair('Ed25519'), generateKeyPair('Ed25519')];
const cityKey = generateKeyPair('Ed25519');
const servers: Server[] = [];
let dir: string;
let node: LedgerNode;
let ledgerUrl: string;
let proxyUrl: string;
let policyFile: string;
let mode: Mode = 'pass';
/** Whether passing answers are recorded (only before the city's update: those are the old answers replayed). */
let recording = true;
/** Answers recorded while passing through, by request path: what a replaying proxy serves later. */
const recorded = new Map<string, Json>();
let olderCheckpoint: string | undefined;
let last: Operation;

function listen(server: Server): Promise<string> {
  servers.push(server);
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => done(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)),
  );
}

function doc(key: { publicKeyMultibase: string }) {
  const vm = { id: '#key-1', type: 'Multikey' as const, publicKeyMultibase: key.publicKeyMultibase };
  return { verificationMethod: [vm], authentication: ['#key-1'], assertionMethod: ['#key-1'] };
}

async function signed(unsigned: Parameters<typeof signOperation>[0], keys: typeof institutes): Promise<Operation> {
  return signOperation(
    unsigned,
    keys.map((k) => createSigner(k)),
  );
}

/** What the proxy does to a history answer (the DID's own path, with its query). */
function tamper(path: string, body: Json): Json {
  const key = path.replace(/\?.*$/, '');
  if (mode === 'pass') {
    if (recording) recorded.set(key, body);
    return body;
  }
  if (mode === 'replay') return recorded.get(key) ?? body;
  if (mode === 'older-checkpoint')
    return { ...body, checkpoint: olderCheckpoint, treeSize: Number(olderCheckpoint!.split('\n')[1]) };
  if (mode === 'trim') return { ...body, entries: body.entries.slice(0, -1) };
  return { ...body, head: null, entries: [] }; // hide
}

async function proxy(): Promise<string> {
  return listen(
    createServer(async (req, res) => {
      const upstream = await fetch(new URL(req.url!.slice(1), ledgerUrl), { headers: { accept: 'application/json' } });
      let text = await upstream.text();
      if (
        upstream.status === 200 &&
        /\/dids\/[^/]+\/history/.test(req.url!) &&
        decodeURIComponent(req.url!).includes(CITY)
      ) {
        text = JSON.stringify(tamper(decodeURIComponent(req.url!), JSON.parse(text) as Json));
      }
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(text);
    }),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'proxy-e2e-'));
  node = await LedgerNode.open({
    allowUnpinnedGenesis: true,
    dataDir: join(dir, 'ledger'),
    sequencer: { batchIntervalMs: 5 },
  });
  ledgerUrl = await listen(createServer(createLedgerApp(node, { adminToken: 'admin-token-proxy-test-0123456789' })));
  proxyUrl = await proxy();
  policyFile = join(dir, 'policy.txt');
  writeFileSync(policyFile, node.policyText);
  const keys = institutes.map((k) => k.publicKeyMultibase);
  const genesis = await signed(
    createOperation({ did: REGISTRY, updateKeys: keys, threshold: 2, document: doc(institutes[0]!) }),
    institutes,
  );
  await node.submitGovernance(genesis);
  const create = await signOperation(
    createOperation({ did: CITY, updateKeys: [cityKey.publicKeyMultibase], threshold: 1, document: doc(cityKey) }),
    [createSigner(cityKey), createSigner(institutes[0]!), createSigner(institutes[1]!)],
  );
  await node.submit(create);
  last = create;
  // Through the proxy while it passes: what it records is the answer it replays later.
  await new HttpLedgerReader({ url: proxyUrl, policy: node.policyText }).history(CITY);
  olderCheckpoint = (await node.latestCheckpoint())!;
  recording = false;
  // The city rotates its key: the recorded answer and the older checkpoint now hide this update.
  const head = { did: CITY, seq: 0, operationHash: operationHash(create) };
  last = await signOperation(
    updateOperation(head, {
      updateKeys: [cityKey.publicKeyMultibase],
      document: { ...doc(cityKey), alsoKnownAs: ['https://sjz.example/'] },
    }),
    [createSigner(cityKey)],
  );
  await node.submit(last);
}, 120_000);

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  await node?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function code(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DidCityError);
  return (error as DidCityError).code;
}

/**
 * A reader for `tampering`: one that resolved the latest state once (so it trusts the latest checkpoint) for the
 * replays, a fresh one for the cuts (a warm reader asks only for what follows what it holds: nothing to cut).
 */
async function readerFor(tampering: Mode): Promise<HttpLedgerReader> {
  mode = 'pass';
  const reader = new HttpLedgerReader({ url: proxyUrl, policy: node.policyText });
  if (tampering === 'replay' || tampering === 'older-checkpoint')
    expect((await reader.history(CITY)).entries).toHaveLength(2);
  return reader;
}

const EXPECTED: Record<Exclude<Mode, 'pass'>, { code: string; detail: RegExp }> = {
  replay: { code: 'UNTRUSTED_CHECKPOINT', detail: /older than checkpoint/ },
  'older-checkpoint': { code: 'UNTRUSTED_CHECKPOINT', detail: /older than checkpoint/ },
  trim: { code: 'INVALID_LEDGER_PROOF', detail: /not at the proven head|served no entries/ },
  hide: { code: 'INVALID_LEDGER_PROOF', detail: /index proof of did:city:cn:130100 does not verify/ },
};

describe('a proxy that tampers with history answers', () => {
  for (const [tampering, expected] of Object.entries(EXPECTED) as [
    Exclude<Mode, 'pass'>,
    (typeof EXPECTED)['trim'],
  ][]) {
    it(`${tampering}: the library fails closed with ${expected.code}, with and without noCache, then recovers`, async () => {
      let reader!: HttpLedgerReader;
      for (const noCache of [false, true]) {
        reader = await readerFor(tampering);
        mode = tampering;
        const error = await reader.history(CITY, { noCache }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect((error as DidCityError).code, `noCache ${noCache}`).toBe(expected.code);
        expect((error as DidCityError).detail).toMatch(expected.detail);
      }
      const result = await createCityResolver({ reader }).resolve(CITY);
      expect(result.didResolutionMetadata.error?.type).toBe('https://www.w3.org/ns/did#INTERNAL_ERROR');
      mode = 'pass';
      expect((await reader.history(CITY)).entries.map((e) => e.operation)).toEqual([expect.anything(), last]);
    });

    it(`${tampering}: the driver answers 500 INTERNAL_ERROR (with and without noCache) instead of an old document`, async () => {
      let resolve!: (query?: string) => Promise<Response>;
      for (const query of ['', `?${new URLSearchParams({ noCache: 'true' })}`]) {
        const reader = await readerFor(tampering);
        const driver = await listen(createServer(createDriverApp({ reader, onError: () => {} })));
        resolve = (q = '') => fetch(`${driver}1.0/identifiers/${encodeURIComponent(CITY)}${q}`);
        if (tampering === 'replay' || tampering === 'older-checkpoint') expect((await resolve()).status).toBe(200);
        mode = tampering;
        const answer = await resolve(query);
        expect(answer.status, query).toBe(500);
        const body = (await answer.json()) as { didResolutionMetadata: { error: { type: string; detail: string } } };
        expect(body.didResolutionMetadata.error.type).toBe('https://www.w3.org/ns/did#INTERNAL_ERROR');
        expect(body.didResolutionMetadata.error.detail).toMatch(expected.detail);
      }
      mode = 'pass';
      const again = (await (await resolve()).json()) as { didDocument: { alsoKnownAs?: string[] } };
      expect(again.didDocument.alsoKnownAs).toEqual(['https://sjz.example/']);
    });
  }
});

describe('did-city history through the proxy', () => {
  async function history(): Promise<{ exit: unknown; out: string }> {
    let out = '';
    const sink = new Writable({
      write: (chunk, _enc, done) => {
        out += String(chunk);
        done();
      },
    });
    const exit = await run(['history', CITY, '--ledger', proxyUrl, '--policy', policyFile, '--json'], {
      stdout: sink,
      stderr: new Writable({ write: (_c, _e, done) => done() }),
      env: { DID_CITY_HOME: join(dir, 'home') },
    });
    return { exit, out };
  }

  // Each CLI run is a fresh reader: cutting the history or hiding the DID is caught within one run. (Replays and
  // older checkpoints need the trusted checkpoint to survive between runs, which the CLI's checkpoint store keeps.)
  for (const tampering of ['trim', 'hide'] as const) {
    it(`${tampering}: exits 1 naming ${EXPECTED[tampering].code}; exits 0 once the proxy steps aside`, async () => {
      mode = tampering;
      const refused = await history();
      expect(refused.exit).toBe(1);
      expect(refused.out).toMatch(EXPECTED[tampering].detail);
      mode = 'pass';
      const fine = await history();
      expect(fine.exit).toBe(0);
      expect(JSON.parse(fine.out)).toMatchObject({ did: CITY, verified: true });
    });
  }
});
