/**
 * The one parser of registry genesis pins (spec §3.5, §7.4): the JSON a ledger node, a driver, the registrar and
 * the CLI are given, `{"did:city:cn": {"operationHash": "zQm…"}}` and/or `"updateKeys": ["z6Mk…", …]`. Every server
 * takes the same file, so a pin file that one accepts the others accept too. The result is a value, never a throw:
 * each caller turns a problem into its own error, naming its own setting.
 *
 * @example
 * const parsed = parseGenesisPolicy(readFileSync('genesis.json', 'utf8'));
 * if (!parsed.ok) throw new Error(`genesis.json: ${parsed.problem}`);
 */
import { countryRegistryDid, isCityDid } from './did.ts';
import { multikeyType } from './multikey.ts';
import { isMultihashSha256 } from './operation.ts';
import type { GenesisPolicy } from './validate.ts';

/** The accepted shape, for messages. */
export const GENESIS_POLICY_SHAPE = '{"did:city:cn": {"operationHash": "zQm…"}} (or "updateKeys": ["z6Mk…", …])';

/** `syntax`: the text is not JSON; `shape`: JSON, but not pins of the accepted shape. */
export type GenesisPolicyResult =
  | { ok: true; policy: GenesisPolicy }
  | { ok: false; kind: 'syntax' | 'shape'; problem: string };

const PIN_MEMBERS = new Set(['operationHash', 'updateKeys']);

function isMultikey(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    multikeyType(value);
    return true;
  } catch {
    return false;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why one registry's pin is unusable, or undefined when it is usable. */
function pinProblem(did: string, pin: unknown): string | undefined {
  if (!isCityDid(did) || countryRegistryDid(did) !== did) return `"${did.slice(0, 100)}" is not a country registry DID`;
  if (!isPlainObject(pin)) return `the pin of ${did} is not an object`;
  const members = Object.keys(pin);
  const unknown = members.filter((member) => !PIN_MEMBERS.has(member));
  if (unknown.length > 0)
    return `the pin of ${did} has unknown members: ${unknown.slice(0, 5).join(', ').slice(0, 200)}`;
  if (members.length === 0) return `the pin of ${did} is empty`;
  const { operationHash, updateKeys } = pin;
  if (operationHash !== undefined && !isMultihashSha256(operationHash)) {
    return `the operationHash of ${did} is not an operation hash (zQm…, base58btc sha2-256 multihash)`;
  }
  if (
    updateKeys !== undefined &&
    !(Array.isArray(updateKeys) && updateKeys.length > 0 && updateKeys.every(isMultikey))
  ) {
    return `the updateKeys of ${did} must be a non-empty list of Multikey public keys (z6Mk…)`;
  }
  return undefined;
}

/** Checks a parsed JSON value: an object of at least one country registry DID, each with a usable pin. */
export function checkGenesisPolicy(value: unknown): GenesisPolicyResult {
  if (!isPlainObject(value)) return { ok: false, kind: 'shape', problem: 'not a JSON object' };
  const entries = Object.entries(value);
  if (entries.length === 0) return { ok: false, kind: 'shape', problem: 'it pins no registry' };
  for (const [did, pin] of entries) {
    const problem = pinProblem(did, pin);
    if (problem !== undefined) return { ok: false, kind: 'shape', problem };
  }
  return { ok: true, policy: value as GenesisPolicy };
}

/** Parses genesis pins from JSON text (a leading byte-order mark or blanks are ignored). */
export function parseGenesisPolicy(text: string): GenesisPolicyResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return { ok: false, kind: 'syntax', problem: (error as Error).message.slice(0, 200) };
  }
  return checkGenesisPolicy(parsed);
}
