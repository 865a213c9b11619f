/**
 * Registry genesis pins (spec §3.5): which keys created each country registry. `did-city ledger --genesis FILE`
 * refuses any other registry genesis; the CLI's resolution (`DID_CITY_GENESIS`) and the driver refuse a registry
 * whose genesis differs. Without pins, whatever registry genesis the trusted log holds is believed, so every command
 * that resolves says so on stderr (R-GEN-4).
 */
import { readFileSync } from 'node:fs';
import type { GenesisPolicy } from '@did-city/method';
import { UsageError } from './args.ts';

export const GENESIS_ENV = 'DID_CITY_GENESIS';
const SHAPE = '{"did:city:cn": {"updateKeys": ["z6Mk…", …]}} or {"did:city:cn": {"operationHash": "zQm…"}}';

/** Pins from JSON text; a usage error naming `what` when the text is not JSON of that shape. */
export function genesisFromText(text: string, what: string): GenesisPolicy {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`${what} is not JSON; expected ${SHAPE}`);
  }
  const valid =
    typeof parsed === 'object' &&
    parsed !== null &&
    !Array.isArray(parsed) &&
    Object.values(parsed).every(
      (pin: { updateKeys?: unknown; operationHash?: unknown } | null) =>
        typeof pin === 'object' &&
        pin !== null &&
        (pin.updateKeys === undefined || Array.isArray(pin.updateKeys)) &&
        (pin.operationHash === undefined || typeof pin.operationHash === 'string'),
    );
  if (!valid) throw new UsageError(`${what} must be ${SHAPE}`);
  return parsed as GenesisPolicy;
}

/** Inline JSON (starting with `{`) or the path of a file holding it. */
export function genesisFromSetting(value: string, what: string): GenesisPolicy {
  if (value.trimStart().startsWith('{')) return genesisFromText(value, what);
  let text: string;
  try {
    text = readFileSync(value, 'utf8');
  } catch (error) {
    throw new UsageError(`${what}: cannot read ${value} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return genesisFromText(text, `${what} (${value})`);
}

export const UNPINNED_WARNING =
  `NO REGISTRY GENESIS IS PINNED (${GENESIS_ENV}): this run believes whichever registry genesis the ledger's log holds; ` +
  'a log operator and witnesses colluding from the start could have made it up. Pin the keys the institutes publish.';

/** `{ genesis }` for a resolver or history load when the run has pins, `{}` otherwise (after the warning). */
export function pinsOf(config: { genesis(): GenesisPolicy | undefined }): { genesis?: GenesisPolicy } {
  const genesis = config.genesis();
  return genesis === undefined ? {} : { genesis };
}
