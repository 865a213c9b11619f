/**
 * THE SEAM for production: the LedgerReader the standalone driver reads through. It must fetch a DID's entries
 * from the ledger node's HTTP API with inclusion proofs and verify them against a checkpoint co-signed by the
 * trust policy's witness quorum (spec/did-city.md §7) before returning them.
 *
 * That reader ships with the ledger's HTTP API and is not available yet, so this function refuses to start the
 * driver rather than serve unverified (or invented) histories. Wire it here once it exists, e.g.
 * `return createHttpLedgerReader({ url: settings.ledgerUrl, policy: settings.trustPolicy.text })`.
 */
import type { LedgerReader } from '@did-city/method';
import { ConfigError, type DriverSettings, ENV_PREFIX } from './config.ts';

export function createLedgerReader(settings: DriverSettings): LedgerReader {
  if (settings.ledgerUrl === undefined) {
    throw new ConfigError(
      `${ENV_PREFIX}ledgerUrl is not set: the driver needs the base URL of a did:city ledger node (e.g. http://ledger:8080)`,
    );
  }
  if (settings.trustPolicy === undefined) {
    throw new ConfigError(
      `${ENV_PREFIX}trustPolicy is not set: the driver verifies every history against a C2SP tlog-policy (the policy text or a path to it)`,
    );
  }
  throw new ConfigError(
    `Cannot use ${ENV_PREFIX}ledgerUrl=${settings.ledgerUrl.origin}: no verifying HTTP ledger reader is available in this build ` +
      '(it ships with the ledger HTTP API). Use the all-in-one server (`pnpm start`) until then.',
  );
}
