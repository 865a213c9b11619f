/**
 * A ledger node that rate limits the driver (spec §9.7: 429 with Retry-After), over loopback: the driver answers
 * 503 Service Unavailable with the ledger's Retry-After and an INTERNAL_ERROR problem saying so (status 503,
 * `retryAfter`), in both profiles and for a DID URL too; it never answers 500 for it nor echoes the ledger's
 * address, and resolves again once the ledger's window has passed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLedgerApp, createLimiters, LedgerNode } from '@did-city/ledger';
import { createOperation, createSigner, generateKeyPair, type KeyPair, signOperation } from '@did-city/method';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ENV_PREFIX, loadSettings } from '../src/config.ts';
import { createLedgerReader } from '../src/ledger-reader.ts';
import { identifierPath, type RunningDriver, rawRequest, startDriver } from './fixtures.ts';

const CITY = 'did:city:cn:130100';
/** Requests the ledger allows per window, and the window: long enough that the test sees the limit. */
const LIMIT = 4;
const WINDOW_S = 6;

let dir: string;
let node: LedgerNode;
let server: Server;
let ledgerUrl: string;
const drivers: RunningDriver[] = [];

const document = (key: KeyPair) => ({
  verificationMethod: [{ id: '#key-1', type: 'Multikey' as const, publicKeyMultibase: key.publicKeyMultibase }],
  authentication: ['#key-1'],
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'driver-rate-'));
  node = await LedgerNode.open({ allowUnpinnedGenesis: true, dataDir: dir });
  const institutes = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
  const genesis = createOperation({ did: 'did:city:cn', updateKeys: institutes.map((k) => k.publicKeyMultibase), threshold: 2, document: document(institutes[0]!) });
  await node.submitGovernance(await signOperation(genesis, institutes.slice(0, 2).map(createSigner)));
  const city = generateKeyPair();
  const create = createOperation({ did: CITY, updateKeys: [city.publicKeyMultibase], document: document(city) });
  await node.submit(await signOperation(create, [city, institutes[0]!, institutes[1]!].map(createSigner)));
  const limiters = createLimiters({ reads: { limit: LIMIT, windowMs: WINDOW_S * 1000 } });
  server = await new Promise((done) => {
    const listening = createLedgerApp(node, { limiters }).listen(0, '127.0.0.1', () => done(listening));
  });
  ledgerUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  for (const driver of drivers) await driver.close();
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  await node.close();
  rmSync(dir, { recursive: true, force: true });
});

async function driverOf(profile: 'w3c' | 'universal-resolver'): Promise<RunningDriver> {
  const settings = loadSettings({
    [`${ENV_PREFIX}ledgerUrl`]: ledgerUrl,
    [`${ENV_PREFIX}trustPolicy`]: node.policyText,
    [`${ENV_PREFIX}checkpointStore`]: 'memory',
  });
  const driver = await startDriver({ reader: createLedgerReader(settings), freshness: 0, profile, onError: () => {} });
  drivers.push(driver);
  return driver;
}

test('503 with the ledger Retry-After and an INTERNAL_ERROR problem that says so; 200 again after the window', async () => {
  const [w3c, ur] = [await driverOf('w3c'), await driverOf('universal-resolver')];
  const path = identifierPath(CITY);
  // Each resolution is one ledger read (freshness 0): use up the ledger's budget for this client (the loopback address).
  let first = await rawRequest(w3c.url, path);
  expect(first.status).toBe(200);
  for (let i = 1; i < LIMIT + 1 && first.status === 200; i++) first = await rawRequest(w3c.url, path);
  expect(first.status).toBe(503);
  for (const [driver, type] of [
    [w3c, 'https://www.w3.org/ns/did#INTERNAL_ERROR'],
    [ur, 'INTERNAL_ERROR'],
  ] as const) {
    const limited = await rawRequest(driver.url, path);
    expect(limited.status).toBe(503);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_S);
    expect(limited.headers['cache-control']).toBe('no-store');
    expect(limited.headers['access-control-expose-headers']).toMatch(/Retry-After/);
    const { error } = limited.json().didResolutionMetadata;
    expect(error).toMatchObject({ type, status: 503, retryAfter });
    expect(error.detail).toMatch(/rate limiting/);
    expect(limited.text).not.toContain('127.0.0.1');
  }
  // A DID URL gets the dereferencing result with the same answer.
  const dereference = await rawRequest(w3c.url, identifierPath(`${CITY}#key-1`));
  expect(dereference.status).toBe(503);
  expect(dereference.json().dereferencingMetadata.error.status).toBe(503);
  // The ledger's window ends within the Retry-After it gave.
  const wait = Number(dereference.headers['retry-after']);
  await new Promise((resume) => setTimeout(resume, (wait + 0.5) * 1000));
  expect((await rawRequest(w3c.url, path)).status).toBe(200);
});
