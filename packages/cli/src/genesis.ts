/**
 * Registry genesis pins (spec §3.5): which keys created each country registry. `did-city ledger --genesis FILE`
 * refuses any other registry genesis; the CLI's resolution (`DID_CITY_GENESIS`) and the driver refuse a registry
 * whose genesis differs. All of them read the pins with the same parser (`genesisPins` of
 * `@did-city/method/settings`). Without pins, whatever registry genesis the trusted log holds is believed, so every
 * command that resolves says so on stderr (R-GEN-4).
 */
import type { GenesisPolicy } from '@did-city/method';

export const GENESIS_ENV = 'DID_CITY_GENESIS';

export const UNPINNED_WARNING =
  `NO REGISTRY GENESIS IS PINNED (${GENESIS_ENV}): this run believes whichever registry genesis the ledger's log holds; ` +
  'a log operator and witnesses colluding from the start could have made it up. Pin the keys the institutes publish.';

/** `{ genesis }` for a resolver or history load when the run has pins, `{}` otherwise (after the warning). */
export function pinsOf(config: { genesis(): GenesisPolicy | undefined }): { genesis?: GenesisPolicy } {
  const genesis = config.genesis();
  return genesis === undefined ? {} : { genesis };
}
