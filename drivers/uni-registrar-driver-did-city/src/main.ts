/**
 * Entry point of the standalone driver (the container's CMD): settings from the environment, the job store in
 * `<dataDir>/jobs.db`, the verifying ledger gateway, the express app on `port`. Exits 1 with one clear line when a
 * setting cannot be used, so a misconfigured container fails at start instead of failing every request.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type CheckpointStore, DidCityError } from '@did-city/method';
import { FileCheckpointStore } from '@did-city/method/http';
import type { AddressInfo } from 'node:net';
import { createRegistrarApp } from './app.ts';
import { ConfigError, ENV_PREFIX, loadSettings, publicProperties, type RegistrarDriverSettings } from './config.ts';
import { type HeldKeys, loadHeldKeys } from './held-keys.ts';
import { JobStore } from './jobs.ts';
import { LedgerGateway } from './ledger.ts';
import { Registrar } from './registrar.ts';

function fail(message: string): never {
  console.error(`did:city registrar driver: ${message}`);
  process.exit(1);
}

function configure(): RegistrarDriverSettings {
  try {
    return loadSettings(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    fail(error.message);
  }
}

function heldKeysOf(settings: RegistrarDriverSettings): HeldKeys | undefined {
  if (settings.heldKeys === undefined) return undefined;
  try {
    return loadHeldKeys(settings.heldKeys.file, settings.heldKeys.token);
  } catch (error) {
    // The message names the file and what is wrong with it, never key material.
    fail(`${ENV_PREFIX}heldKeys: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The last checkpoint the reader trusted, kept beside the jobs: after a restart the driver neither trusts the
 * ledger's first answer again nor accepts a smaller or forked log. A damaged file stops the driver at start.
 */
function checkpointStoreOf(settings: RegistrarDriverSettings): CheckpointStore {
  try {
    return new FileCheckpointStore(join(settings.dataDir, 'checkpoints.json'));
  } catch (error) {
    if (!(error instanceof DidCityError)) throw error;
    fail(`${join(settings.dataDir, 'checkpoints.json')}: ${error.message}`);
  }
}

const settings = configure();
const heldKeys = heldKeysOf(settings);
mkdirSync(settings.dataDir, { recursive: true, mode: 0o700 });
const checkpointStore = checkpointStoreOf(settings);
const store = new JobStore({ file: settings.jobsFile, maxJobs: settings.maxJobs });
const ledger = new LedgerGateway({
  url: settings.ledgerUrl,
  policy: settings.trustPolicy.text,
  checkpointStore,
  ...(settings.genesis === undefined ? {} : { genesis: settings.genesis.pins }),
});
const registrar = new Registrar({
  store,
  ledger,
  signTtlMs: settings.signTtl * 1000,
  jobTtlMs: settings.jobTtl * 1000,
  resultTtlMs: settings.resultTtl * 1000,
  pollMs: settings.pollInterval * 1000,
  ...(heldKeys === undefined ? {} : { heldKeys }),
  onError: (error) =>
    console.error('did:city registrar driver: unexpected failure:', error instanceof Error ? error.name : typeof error),
});
const app = createRegistrarApp({ registrar, properties: publicProperties(settings), log: (line) => console.log(line) });
const server = app.listen(settings.port, () => {
  // The bound port, not the setting: with port 0 the system picks one, and supervisors read it from this line.
  const { port } = server.address() as AddressInfo;
  const held = heldKeys === undefined ? '' : ` (${heldKeys.count} held key${heldKeys.count > 1 ? 's' : ''})`;
  console.log(
    `did:city registrar driver listening on port ${port}${held}: POST /1.0/create, /1.0/update, /1.0/deactivate`,
  );
});
// Expired jobs are deleted hourly too, not only when a new job needs room.
const purge = setInterval(() => store.purgeExpired(), 3_600_000);
purge.unref();

function close(signal: string): void {
  console.log(`did:city registrar driver: ${signal}, closing`);
  server.close(() => {
    store.close();
    process.exit(0);
  });
  server.closeIdleConnections();
}
process.once('SIGTERM', () => close('SIGTERM'));
process.once('SIGINT', () => close('SIGINT'));
