/**
 * Entry point of the standalone driver (the container's CMD): settings from the environment, a verifying ledger
 * reader, the express app on `port`. Exits 1 with one clear line when a setting cannot be used, so a misconfigured
 * container fails at start instead of answering every request with an error.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDriverApp } from './app.ts';
import { ConfigError, type DriverSettings, ENV_PREFIX, loadSettings, publicProperties } from './config.ts';
import { createLedgerReader } from './ledger-reader.ts';
import type { LedgerReader } from '@did-city/method';

function configure(): { settings: DriverSettings; reader: LedgerReader } {
  try {
    const settings = loadSettings(process.env);
    return { settings, reader: createLedgerReader(settings) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`did:city driver: ${error.message}`);
    process.exit(1);
  }
}

function closeOnSignals(server: Server): void {
  const close = (signal: string) => {
    console.log(`did:city driver: ${signal}, closing`);
    server.close(() => process.exit(0));
    // Keep-alive connections would hold close() open; the orchestrator's grace period is the real deadline.
    server.closeIdleConnections();
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}

const { settings, reader } = configure();
if (settings.genesis === undefined) {
  // Loud on purpose (stderr): without a pin, a registry genesis made up by a log operator colluding with the
  // witnesses from the start would be believed (spec §3.5, R-GEN-4).
  console.error(
    `did:city driver: WARNING: NO REGISTRY GENESIS IS PINNED (${ENV_PREFIX}genesis): this driver resolves whichever registry genesis the ledger's log holds.`,
  );
}
const app = createDriverApp({
  reader,
  ...(settings.genesis === undefined ? {} : { genesis: settings.genesis.pins }),
  profile: settings.profile,
  errorStyle: settings.errorStyle,
  cacheTtl: settings.cacheTtl,
  freshness: settings.freshness,
  refuseNoCache: settings.refuseNoCache,
  properties: publicProperties(settings),
});
const server = app.listen(settings.port, () => {
  // The bound port, not the setting: with port 0 the system picks one, and supervisors read it from this line.
  const { port } = server.address() as AddressInfo;
  console.log(`did:city driver listening on port ${port}: GET /1.0/identifiers/did:city:cn:130100`);
});
closeOnSignals(server);
