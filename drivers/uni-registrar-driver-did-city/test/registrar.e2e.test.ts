// The registrar driver as a process in front of a real all-in-one process, both on loopback: one network for
// the lifecycle walk (lifecycle.ts), the refusals (bad-input.ts), a busy ledger (busy-ledger.ts), registrar-held keys (held-keys.ts) and expiry (expiry.ts), so the suite starts a ledger once.
import { afterAll, beforeAll } from 'vitest';
import { badInputTests } from './bad-input.ts';
import { busyLedgerTests } from './busy-ledger.ts';
import { expiryTests } from './expiry.ts';
import { type Driver, type E2e, type Network, startDriver, startNetwork, tempDir } from './fixtures.ts';
import { heldKeysTests } from './held-keys.ts';
import { lifecycleTests } from './lifecycle.ts';

const jobs = tempDir('did-city-registrar-jobs-');
let network: Network;
let driver: Driver;

const settings = () => ({
  ledgerUrl: network.ledger.url,
  trustPolicy: network.policy,
  dataDir: jobs.dir,
  pollInterval: '1',
});

const e2e: E2e = {
  get network() {
    return network;
  },
  get driver() {
    return driver;
  },
  dataDir: jobs.dir,
  async restartDriver() {
    await driver.stop();
    driver = await startDriver(settings());
  },
};

beforeAll(async () => {
  network = await startNetwork();
  driver = await startDriver(settings());
});

afterAll(async () => {
  await driver?.stop();
  await network?.cleanup();
  jobs.cleanup();
});

lifecycleTests(e2e);
badInputTests(e2e);
busyLedgerTests(e2e);
heldKeysTests(e2e);
expiryTests(e2e);
