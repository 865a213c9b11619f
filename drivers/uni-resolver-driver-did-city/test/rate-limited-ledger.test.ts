/**
 * A ledger node that rate limits the driver (spec §9.7: 429 with Retry-After), over loopback: the driver answers
 * 503 Service Unavailable with the ledger's Retry-After and an INTERNAL_ERROR problem saying so (status 503,
 * `retryAfter`), in both profiles and for a DID URL too; it never answers 500 for it nor echoes the ledger's
 * address, and resolves again once the ledger's window has passed.
 */
import { createLimiters } from '@did-city/ledger';
import { createWorld, SJZ as CITY } from '@did-city/testing';
import { type RunningNode, startNode } from '@did-city/testing/node';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ENV_PREFIX, loadSettings } from '../src/config.ts';
import { createLedgerReader } from '../src/ledger-reader.ts';
import { identifierPath, type RunningDriver, rawRequest, startDriver } from './fixtures.ts';

/** Requests the ledger allows per window, and the window: long enough that the test sees the limit. */
const LIMIT = 4;
const WINDOW_S = 6;

let ledger: RunningNode;
let ledgerUrl: string;
const drivers: RunningDriver[] = [];

beforeAll(async () => {
  const limiters = createLimiters({ reads: { limit: LIMIT, windowMs: WINDOW_S * 1000 } });
  ledger = await startNode({ world: await createWorld(), app: { limiters } });
  ledgerUrl = ledger.url;
});

afterAll(async () => {
  for (const driver of drivers) await driver.close();
  await ledger?.stop();
});

async function driverOf(profile: 'w3c' | 'universal-resolver'): Promise<RunningDriver> {
  const settings = loadSettings({
    [`${ENV_PREFIX}ledgerUrl`]: ledgerUrl,
    [`${ENV_PREFIX}trustPolicy`]: ledger.policy,
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
