/**
 * The LedgerReader the standalone driver reads through: the method library's HttpLedgerReader, which fetches a
 * DID's entries from the ledger node's HTTP API with inclusion proofs and verifies them against a checkpoint
 * co-signed by the trust policy's witness quorum, and each checkpoint's consistency with the last one it
 * accepted (spec/did-city.md §7.6), before the resolver replays them. The last trusted checkpoint and any split-view
 * evidence are kept in the `checkpointStore` file, so a restart neither trusts on first use again nor forgets a fork. With several ledger URLs (nodes serving the
 * same log) each read goes to the first that answers; an answer that fails verification is never retried elsewhere.
 */
import { type CheckpointStore, DidCityError, type LedgerReader, MemoryCheckpointStore } from '@did-city/method';
import { FileCheckpointStore, HttpLedgerReader } from '@did-city/method/http';
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
  // Several URLs are nodes serving the same log: the reader asks the next only when one is unavailable.
  const url = settings.ledgerUrl.map((u) => u.href);
  // The pins reach the resolver through createDriverApp({ genesis }); the reader applies them too if it is ever
  // made to follow governance (it replays the registry then).
  const genesis = settings.genesis === undefined ? {} : { genesis: settings.genesis.pins };
  const checkpointStore = openCheckpointStore(settings.checkpointStore);
  try {
    const maxAge = settings.maxCheckpointAge > 0 ? { maxCheckpointAgeMs: settings.maxCheckpointAge * 1000 } : {};
    return new HttpLedgerReader({ url, policy: settings.trustPolicy.text, checkpointStore, ...genesis, ...maxAge });
  } catch (error) {
    // Anything the reader refuses at construction is a setting that cannot be used (the policy, in practice).
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      `${ENV_PREFIX}trustPolicy (${settings.trustPolicy.source}) is not a usable C2SP tlog-policy: ${reason}`,
    );
  }
}

/** A damaged store stops the driver at start: answering would mean trusting whatever the ledger serves first. */
function openCheckpointStore(path: string): CheckpointStore {
  if (path === 'memory') return new MemoryCheckpointStore();
  try {
    return new FileCheckpointStore(path);
  } catch (error) {
    if (!(error instanceof DidCityError)) throw error;
    throw new ConfigError(`${ENV_PREFIX}checkpointStore: ${error.message}`);
  }
}
