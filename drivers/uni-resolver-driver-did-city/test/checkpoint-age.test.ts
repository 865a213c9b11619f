/**
 * `maxCheckpointAge` (driver setting, seconds) against real ledger nodes over loopback: a node that asks its
 * witnesses to co-sign again while idle (`recosignIntervalMs`) stays resolvable, one that does not is refused with
 * UNTRUSTED_CHECKPOINT once its last cosignature is older than the limit. Waits a few seconds (the limit is in
 * whole seconds, cosignature timestamps too); nothing asserts how long anything took.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLedgerApp, LedgerNode } from '@did-city/ledger';
import { createOperation, createSigner, generateKeyPair, type KeyPair, signOperation } from '@did-city/method';
import { afterAll, expect, test } from 'vitest';
import { ENV_PREFIX, loadSettings } from '../src/config.ts';
import { createLedgerReader } from '../src/ledger-reader.ts';
import { identifierPath, type RunningDriver, rawRequest, startDriver } from './fixtures.ts';

const CITY = 'did:city:cn:130100';
const MAX_AGE_S = 3;
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

const document = (key: KeyPair) => ({
  verificationMethod: [{ id: '#key-1', type: 'Multikey' as const, publicKeyMultibase: key.publicKeyMultibase }],
  authentication: ['#key-1'],
});

/** A node holding the registry and one city, served on loopback, with a driver limited to MAX_AGE_S before it. */
async function ledgerAndDriver(recosignIntervalMs: number | undefined): Promise<RunningDriver> {
  const dir = mkdtempSync(join(tmpdir(), 'driver-age-'));
  const sequencer = recosignIntervalMs === undefined ? {} : { recosignIntervalMs };
  const node = await LedgerNode.open({ allowUnpinnedGenesis: true, dataDir: dir, sequencer });
  const institutes = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
  const genesis = createOperation({ did: 'did:city:cn', updateKeys: institutes.map((k) => k.publicKeyMultibase), threshold: 2, document: document(institutes[0]!) });
  await node.submitGovernance(await signOperation(genesis, institutes.slice(0, 2).map(createSigner)));
  const city = generateKeyPair();
  const create = createOperation({ did: CITY, updateKeys: [city.publicKeyMultibase], document: document(city) });
  await node.submit(await signOperation(create, [city, institutes[0]!, institutes[1]!].map(createSigner)));
  const server: Server = await new Promise((done) => {
    const listening = createLedgerApp(node).listen(0, '127.0.0.1', () => done(listening));
  });
  const settings = loadSettings({
    [`${ENV_PREFIX}ledgerUrl`]: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    [`${ENV_PREFIX}trustPolicy`]: node.policyText,
    [`${ENV_PREFIX}checkpointStore`]: 'memory',
    [`${ENV_PREFIX}maxCheckpointAge`]: String(MAX_AGE_S),
  });
  const driver = await startDriver({ reader: createLedgerReader(settings), freshness: 0 });
  cleanups.push(async () => {
    await driver.close();
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return driver;
}

test('a ledger that re-cosigns while idle stays resolvable under maxCheckpointAge; one that does not is refused', async () => {
  const [recosigning, idle] = await Promise.all([ledgerAndDriver(250), ledgerAndDriver(undefined)]);
  const path = identifierPath(CITY);
  for (const driver of [recosigning, idle]) expect((await rawRequest(driver.url, path)).status).toBe(200);
  await sleep((MAX_AGE_S + 1.5) * 1000);
  const fresh = await rawRequest(recosigning.url, path);
  expect(fresh.status).toBe(200);
  const provenAt = Date.parse(fresh.json().didResolutionMetadata.ledger.provenAt);
  expect(Date.now() - provenAt).toBeLessThan(MAX_AGE_S * 1000);
  const stale = await rawRequest(idle.url, path);
  expect(stale.status).toBe(500);
  expect(stale.text).toMatch(/INTERNAL_ERROR/);
});
