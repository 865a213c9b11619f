/**
 * End to end over real HTTP: genesis through governance, a city created with the registry's authorisation,
 * resolved through createCityResolver + HttpLedgerReader, updated, resolved again; the resolver's cache costs
 * one request for an unchanged DID; LedgerClient verifies receipts and maps problems back to DidCityError; a
 * ledger that is down or silent is LEDGER_UNAVAILABLE, and resolution then says INTERNAL_ERROR.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { type CityResolver, createCityResolver, DidCityError, type Operation, operationHash } from '@did-city/method';
import { HttpLedgerReader, LedgerClient } from '@did-city/method/http';
import { generateKeyPair, verifierKeyOf } from '@did-city/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CITY_KEY, cityCreate, REGISTRY, registryGenesis, SJZ, updateAfter } from './fixtures.ts';
import { errorOf } from './helpers.ts';
import { ADMIN_TOKEN, type LedgerServer, startLedger } from './http-fixtures.ts';

let ledger: LedgerServer;
let client: LedgerClient;
let genesis: Operation;
let city: Operation;
const requests: string[] = [];

/** fetch that records each request path, to count what a resolution costs. */
const countingFetch: typeof fetch = (input, init) => {
  const url = new URL(String(input));
  requests.push(decodeURIComponent(url.pathname) + url.search);
  return fetch(input, init);
};

async function cost<T>(work: () => Promise<T>): Promise<{ result: T; paths: string[] }> {
  requests.length = 0;
  const result = await work();
  return { result, paths: [...requests] };
}

function newResolver(): { reader: HttpLedgerReader; resolver: CityResolver } {
  const reader = new HttpLedgerReader({ url: ledger.url, policy: ledger.node.policyText, fetch: countingFetch });
  return {
    reader,
    resolver: createCityResolver({ reader, genesis: { [REGISTRY]: { operationHash: operationHash(genesis) } } }),
  };
}

beforeAll(async () => {
  ledger = await startLedger();
  client = new LedgerClient({ url: ledger.url, policy: ledger.node.policyText, adminToken: ADMIN_TOKEN });
  genesis = await registryGenesis();
  city = await cityCreate();
});

afterAll(async () => {
  await ledger.stop();
});

describe('LedgerClient', () => {
  it('submits the genesis on the governance path and a city create, returning verified receipts', async () => {
    const g = await client.submitGovernance(genesis);
    expect(g.index).toBe(0);
    const c = await client.submit(city);
    expect(c).toMatchObject({ index: 1, operationHash: operationHash(city) });
    expect(await client.submit(city)).toEqual(c); // idempotent: the same receipt
    expect(await client.receipt(c.operationHash, city)).toMatchObject({ index: 1 });
    const { checkpoint } = await client.checkpoint();
    expect(checkpoint.size).toBe(2);
  });

  it('maps problem details back to DidCityError with the same code', async () => {
    expect((await errorOf(client.submit(genesis))).code).toBe('UNAUTHORIZED_OPERATION');
    const stale = await updateAfter(genesis, CITY_KEY, 'x');
    expect((await errorOf(client.submit({ ...stale, seq: 0 } as Operation))).code).toBe('INVALID_OPERATION');
    const anonymous = new LedgerClient({ url: ledger.url, policy: ledger.node.policyText, adminToken: 'nope' });
    expect((await errorOf(anonymous.submitGovernance(genesis))).code).toBe('UNAUTHORIZED');
  });

  it('refuses a checkpoint that does not meet the quorum of its own policy (UNTRUSTED_CHECKPOINT)', async () => {
    // A policy that also needs witness-x, which this node never asks: no checkpoint of it can satisfy it.
    const witnessX = verifierKeyOf(generateKeyPair('witness-x').signerKey, 0x04);
    const policy = ledger.node.policyText.replace(
      /group institutes 2 .*\n/,
      `witness witness-x ${witnessX}\ngroup institutes 3 witness-a witness-b witness-x\n`,
    );
    const strict = new LedgerClient({ url: ledger.url, policy });
    expect((await errorOf(strict.checkpoint())).code).toBe('UNTRUSTED_CHECKPOINT');
    expect((await errorOf(strict.receipt(operationHash(city), city))).code).toBe('UNTRUSTED_CHECKPOINT');
  });
});

describe('resolution through HttpLedgerReader', () => {
  it('resolves the city, then costs one request while it is unchanged; an update is seen at once', async () => {
    const { resolver } = newResolver();
    const first = await cost(() => resolver.resolve(SJZ));
    expect(first.result.didResolutionMetadata.error).toBeUndefined();
    expect(first.result.didDocument?.id).toBe(SJZ);
    expect(first.result.didResolutionMetadata.ledger).toMatchObject({ origin: 'city.ledger/prod', treeSize: '2' });
    expect(first.paths.sort()).toEqual([`/dids/${REGISTRY}/history`, `/dids/${SJZ}/history`].sort());

    // Warm: the head proof and only the operations after the one held (spec §7.9).
    const warm = await cost(() => resolver.resolve(SJZ));
    expect(warm.paths).toEqual([`/dids/${SJZ}/history?after=0`]);
    expect(warm.result.didDocument).toEqual(first.result.didDocument);

    const update = await updateAfter(city, CITY_KEY, 'v2');
    await client.submit(update);
    const after = await cost(() => resolver.resolve(SJZ));
    expect(after.result.didDocumentMetadata.versionId).toBe('1');
    expect(after.result.didDocument?.service?.[0]?.serviceEndpoint).toBe('https://data.example/v2');
    // The checkpoint grew: the reader asked for a consistency proof from the size it trusted.
    expect(after.paths).toContain('/proofs/consistency?from=2&to=3');

    const again = await cost(() => resolver.resolve(SJZ));
    expect(again.paths).toEqual([`/dids/${SJZ}/history?after=1`]);
    const fresh = await cost(() => resolver.resolve(SJZ, { noCache: true }));
    expect(fresh.paths.length).toBe(2); // the DID and its ancestors, read again
    expect(fresh.result.didDocument).toEqual(again.result.didDocument);
  });

  it('answers NOT_FOUND for a DID the ledger does not have', async () => {
    const { resolver } = newResolver();
    const result = await resolver.resolve('did:city:cn:130200');
    expect(result.didResolutionMetadata.error?.type).toBe('https://www.w3.org/ns/did#NOT_FOUND');
  });
});

describe('a ledger that cannot be read', () => {
  it('closed port: LEDGER_UNAVAILABLE from the reader, INTERNAL_ERROR with a clear detail from resolve', async () => {
    const reader = new HttpLedgerReader({ url: 'http://127.0.0.1:9/', policy: ledger.node.policyText });
    const error = await errorOf(reader.history(SJZ));
    expect(error.code).toBe('LEDGER_UNAVAILABLE');
    expect(error.detail).not.toContain('127.0.0.1');
    const result = await createCityResolver({ reader }).resolve(SJZ);
    expect(result.didDocument).toBeNull();
    expect(result.didResolutionMetadata.error).toMatchObject({
      type: 'https://www.w3.org/ns/did#INTERNAL_ERROR',
      detail: expect.stringMatching(/ledger could not be reached/),
    });
  });

  it('a server that never answers: LEDGER_UNAVAILABLE after the timeout, never NOT_FOUND', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    const { port } = silent.address() as { port: number };
    try {
      const reader = new HttpLedgerReader({
        url: `http://127.0.0.1:${port}/`,
        policy: ledger.node.policyText,
        timeoutMs: 200,
      });
      const error = await errorOf(reader.history(SJZ));
      expect(error.code).toBe('LEDGER_UNAVAILABLE');
      expect(error.detail).toMatch(/no answer within 200 ms/);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('fails over to the next URL when the first is down', async () => {
    const reader = new HttpLedgerReader({ url: ['http://127.0.0.1:9/', ledger.url], policy: ledger.node.policyText });
    expect((await reader.history(SJZ)).entries.length).toBeGreaterThan(0);
  });

  it('an error is an instance of DidCityError', async () => {
    const reader = new HttpLedgerReader({ url: 'http://127.0.0.1:9/', policy: ledger.node.policyText });
    await expect(reader.history(SJZ)).rejects.toBeInstanceOf(DidCityError);
  });
});
