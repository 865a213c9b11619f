/**
 * `maxCheckpointAge` (driver setting, seconds) against real ledger nodes over loopback: a node that asks its
 * witnesses to co-sign again while idle (`recosignIntervalMs`) stays resolvable, one that does not is refused with
 * UNTRUSTED_CHECKPOINT once its last cosignature is older than the limit. Waits a few seconds (the limit is in
 * whole seconds, cosignature timestamps too); nothing asserts how long anything took.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createWorld, SJZ as CITY } from '@did-city/testing';
import { startNode } from '@did-city/testing/node';
import { afterAll, expect, test } from 'vitest';
import { ENV_PREFIX, loadSettings } from '../src/config.ts';
import { createLedgerReader } from '../src/ledger-reader.ts';
import { identifierPath, type RunningDriver, rawRequest, startDriver } from './fixtures.ts';

const MAX_AGE_S = 3;
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A node holding the registry and one city, served on loopback, with a driver limited to MAX_AGE_S before it. */
async function ledgerAndDriver(recosignIntervalMs: number | undefined): Promise<RunningDriver> {
  const sequencer = recosignIntervalMs === undefined ? {} : { recosignIntervalMs };
  const ledger = await startNode({ world: await createWorld(), config: { sequencer } });
  cleanups.push(ledger.stop);
  const settings = loadSettings({
    [`${ENV_PREFIX}ledgerUrl`]: ledger.url,
    [`${ENV_PREFIX}trustPolicy`]: ledger.policy,
    [`${ENV_PREFIX}checkpointStore`]: 'memory',
    [`${ENV_PREFIX}maxCheckpointAge`]: String(MAX_AGE_S),
  });
  const driver = await startDriver({ reader: createLedgerReader(settings), freshness: 0 });
  cleanups.push(driver.close);
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
