/**
 * Driver settings from environment variables, named `uniresolver_driver_did_city_<setting>` as the Universal
 * Resolver's driver convention asks. Every setting has a documented default except the ledger URL and the trust
 * policy, which a verifying resolver cannot guess, and the genesis pins (none: any self-signed registry genesis is
 * accepted). The README's settings table mirrors `SETTINGS`.
 */
import { readFileSync } from 'node:fs';
import { countryRegistryDid, type GenesisPolicy, isCityDid, isMultihashSha256, multikeyType } from '@did-city/method';
import { ERROR_STYLES, type ErrorStyle, PROFILES, type Profile } from './problems.ts';
import { DEFAULT_CACHE_TTL } from './reply.ts';

export const ENV_PREFIX = 'uniresolver_driver_did_city_';
export const DEFAULT_PORT = 8080;
/** Seconds a verified DID state and its replies are served without asking the ledger (the standalone driver). */
export const DEFAULT_FRESHNESS = 5;
/** Where the standalone driver remembers the checkpoints it trusts, relative to its working directory. */
export const DEFAULT_CHECKPOINT_STORE = 'data/checkpoints.json';

/** Name, default and meaning of each setting, for `--help`-style messages and the README. */
export const SETTINGS = Object.freeze({
  ledgerUrl: {
    default: undefined,
    doc: 'Base URL of a did:city ledger node HTTP API, or several serving the same log, comma-separated (required)',
  },
  trustPolicy: { default: undefined, doc: 'C2SP tlog-policy text, or a path to a file holding it (required)' },
  genesis: {
    default: undefined,
    doc: 'Registry genesis pins, JSON {"did:city:cn": {"operationHash": "zQm…"}}, or a path to a file holding it',
  },
  profile: {
    default: 'w3c',
    doc: 'w3c: the W3C DID Resolution HTTP(S) binding; universal-resolver: what the Universal Resolver reads where the two differ',
  },
  errorStyle: {
    default: 'uri (short under the universal-resolver profile)',
    doc: 'uri: W3C error type URIs; short: bare codes (NOT_FOUND), the only ones uni-resolver-web maps to a status',
  },
  port: { default: String(DEFAULT_PORT), doc: 'HTTP port; PORT is read when this is unset' },
  cacheTtl: { default: String(DEFAULT_CACHE_TTL), doc: 'Seconds for Cache-Control max-age on results (0: revalidate)' },
  refuseNoCache: { default: 'false', doc: 'true: answer noCache=true with 501 FEATURE_NOT_SUPPORTED' },
  freshness: {
    default: String(DEFAULT_FRESHNESS),
    doc: 'Seconds a verified DID state and its replies are served without asking the ledger (0: ask every time)',
  },
  maxCheckpointAge: {
    default: '0 (no limit)',
    doc: 'Seconds: refuse a checkpoint its witness quorum last co-signed longer ago (the ledger must re-cosign more often, DID_CITY_LEDGER_RECOSIGN_INTERVAL_MS)',
  },
  checkpointStore: {
    default: DEFAULT_CHECKPOINT_STORE,
    doc: 'File keeping the last trusted checkpoint per ledger and any split-view evidence across restarts (memory: none)',
  },
});

export type SettingName = keyof typeof SETTINGS;

export interface TrustPolicySetting {
  /** The policy text (C2SP tlog-policy). */
  text: string;
  /** `inline`, or the file it was read from. */
  source: string;
}

export interface GenesisSetting {
  /** Pins by registry DID: the genesis operation hash and/or its initial update keys (spec §3.5). */
  pins: GenesisPolicy;
  /** `inline`, or the file it was read from. */
  source: string;
}

export interface DriverSettings {
  /** One or more base URLs of ledger nodes serving the same log, in the order they are tried. */
  ledgerUrl?: URL[];
  trustPolicy?: TrustPolicySetting;
  genesis?: GenesisSetting;
  profile: Profile;
  errorStyle: ErrorStyle;
  port: number;
  cacheTtl: number;
  refuseNoCache: boolean;
  freshness: number;
  /** Seconds; a checkpoint last co-signed by its quorum longer ago is refused (spec §7.9). 0: no limit. */
  maxCheckpointAge: number;
  /** Path of the checkpoint store file, or `memory` (trust on first use at every start). */
  checkpointStore: string;
}

/** A setting that cannot be used; the message names the variable and what it accepts. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface ConfigIo {
  readFile: (path: string) => string;
}

type Env = Readonly<Record<string, string | undefined>>;

function read(env: Env, name: SettingName): string | undefined {
  const value = env[ENV_PREFIX + name]?.trim();
  return value === '' ? undefined : value;
}

function integer(name: string, text: string, range: { min: number; max: number }): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw new ConfigError(`${name}="${text}" must be an integer from ${range.min} to ${range.max}`);
  }
  return value;
}

function readPort(env: Env): number {
  const own = read(env, 'port');
  if (own !== undefined) return integer(ENV_PREFIX + 'port', own, { min: 0, max: 65535 });
  const generic = env['PORT']?.trim();
  return generic ? integer('PORT', generic, { min: 0, max: 65535 }) : DEFAULT_PORT;
}

/** One URL, or several comma-separated (nodes serving the same log, tried in order when one is unavailable). */
function readLedgerUrl(env: Env): URL[] | undefined {
  const text = read(env, 'ledgerUrl');
  if (text === undefined) return undefined;
  return text.split(',').map((part) => {
    const item = part.trim();
    const url = URL.canParse(item) ? new URL(item) : undefined;
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      const which = item === text ? '' : ` (in the list, "${item}")`;
      throw new ConfigError(`${ENV_PREFIX}ledgerUrl="${text}" must be an http(s) URL or a comma-separated list of them${which}`);
    }
    return url;
  });
}

/** Policy text has a newline or starts with a tlog-policy keyword; anything else is a file path. */
function isPolicyText(value: string): boolean {
  return value.includes('\n') || /^(?:log|witness|group|quorum)\s/.test(value);
}

/** `.env` files and compose cannot always carry newlines, so a literal `\n` in inline policy text is one. */
function policyLines(value: string): string {
  const text = value.replaceAll('\\n', '\n');
  return text.endsWith('\n') ? text : `${text}\n`;
}

function readTrustPolicy(env: Env, io: ConfigIo): TrustPolicySetting | undefined {
  const value = read(env, 'trustPolicy');
  if (value === undefined) return undefined;
  if (isPolicyText(value)) return { text: policyLines(value), source: 'inline' };
  try {
    return { text: io.readFile(value), source: value };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`${ENV_PREFIX}trustPolicy: cannot read the policy file "${value}" (${reason})`);
  }
}

function isMultikey(value: unknown): boolean {
  try {
    multikeyType(value as string);
    return true;
  } catch {
    return false;
  }
}

const GENESIS_SHAPE = '{"did:city:cn": {"operationHash": "zQm…"}} (or "updateKeys": ["z6Mk…", …])';

/** Why `value` is not a genesis policy, or undefined when it is one. */
function genesisProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const entries = Object.entries(value);
  if (entries.length === 0) return 'it pins no registry';
  for (const [did, pin] of entries) {
    if (!isCityDid(did) || countryRegistryDid(did) !== did) return `"${did.slice(0, 100)}" is not a country registry DID`;
    if (typeof pin !== 'object' || pin === null || Array.isArray(pin)) return `the pin of ${did} is not an object`;
    const members = Object.keys(pin);
    const unknown = members.filter((m) => m !== 'operationHash' && m !== 'updateKeys');
    if (unknown.length > 0) return `the pin of ${did} has unknown members: ${unknown.slice(0, 5).join(', ')}`;
    if (members.length === 0) return `the pin of ${did} is empty`;
    const { operationHash, updateKeys } = pin as Record<string, unknown>;
    if (operationHash !== undefined && !isMultihashSha256(operationHash)) {
      return `the operationHash of ${did} is not an operation hash (zQm…, base58btc sha2-256 multihash)`;
    }
    if (updateKeys !== undefined && !(Array.isArray(updateKeys) && updateKeys.length > 0 && updateKeys.every(isMultikey))) {
      return `the updateKeys of ${did} must be a non-empty list of Multikey public keys (z6Mk…)`;
    }
  }
  return undefined;
}

/** Inline JSON (starts with `{`) or a path to a file holding it. */
function readGenesis(env: Env, io: ConfigIo): GenesisSetting | undefined {
  const value = read(env, 'genesis');
  if (value === undefined) return undefined;
  let text = value;
  let source = 'inline';
  if (!value.startsWith('{')) {
    source = value;
    try {
      text = io.readFile(value);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConfigError(`${ENV_PREFIX}genesis: cannot read the genesis file "${value}" (${reason})`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${ENV_PREFIX}genesis (${source}) is not JSON (${(error as Error).message}); expected ${GENESIS_SHAPE}`);
  }
  const problem = genesisProblem(parsed);
  if (problem !== undefined) throw new ConfigError(`${ENV_PREFIX}genesis (${source}): ${problem}; expected ${GENESIS_SHAPE}`);
  return { pins: parsed as GenesisPolicy, source };
}

function oneOf<T extends string>(env: Env, name: SettingName, allowed: readonly T[]): T | undefined {
  const value = read(env, name);
  if (value !== undefined && !(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(`${ENV_PREFIX}${name}="${value}" must be one of: ${allowed.join(', ')}`);
  }
  return value as T | undefined;
}

/**
 * The error style follows the profile unless set. uni-resolver-web maps only bare codes to a status (every type
 * URI becomes 500 there), so the two cannot be combined; an empty value (what compose passes for a variable
 * missing from `.env`) counts as unset.
 */
function readErrorStyle(env: Env, profile: Profile): ErrorStyle {
  const value = oneOf(env, 'errorStyle', ERROR_STYLES);
  if (profile === 'universal-resolver' && value === 'uri') {
    throw new ConfigError(
      `${ENV_PREFIX}errorStyle=uri cannot be used with profile=universal-resolver: uni-resolver-web answers 500 to every error type URI`,
    );
  }
  return value ?? (profile === 'universal-resolver' ? 'short' : 'uri');
}

function readBoolean(env: Env, name: SettingName, fallback: boolean): boolean {
  const value = read(env, name);
  if (value === undefined) return fallback;
  if (value !== 'true' && value !== 'false') throw new ConfigError(`${ENV_PREFIX}${name}="${value}" must be true or false`);
  return value === 'true';
}

/** Reads and validates every setting; throws ConfigError naming the first bad variable. */
export function loadSettings(env: Env, io: ConfigIo = { readFile: (path) => readFileSync(path, 'utf8') }): DriverSettings {
  const profile = oneOf(env, 'profile', PROFILES) ?? 'w3c';
  const settings: DriverSettings = {
    profile,
    errorStyle: readErrorStyle(env, profile),
    port: readPort(env),
    cacheTtl: integer(`${ENV_PREFIX}cacheTtl`, read(env, 'cacheTtl') ?? String(DEFAULT_CACHE_TTL), { min: 0, max: 31_536_000 }),
    refuseNoCache: readBoolean(env, 'refuseNoCache', false),
    freshness: integer(`${ENV_PREFIX}freshness`, read(env, 'freshness') ?? String(DEFAULT_FRESHNESS), { min: 0, max: 3600 }),
    maxCheckpointAge: integer(`${ENV_PREFIX}maxCheckpointAge`, read(env, 'maxCheckpointAge') ?? '0', { min: 0, max: 31_536_000 }),
    checkpointStore: read(env, 'checkpointStore') ?? DEFAULT_CHECKPOINT_STORE,
  };
  const ledgerUrl = readLedgerUrl(env);
  if (ledgerUrl !== undefined) settings.ledgerUrl = ledgerUrl;
  const trustPolicy = readTrustPolicy(env, io);
  if (trustPolicy !== undefined) settings.trustPolicy = trustPolicy;
  const genesis = readGenesis(env, io);
  if (genesis !== undefined) settings.genesis = genesis;
  return settings;
}

/**
 * What `/1.0/properties` shows of the settings: where the ledger is (the URLs comma-separated, as set), where the
 * policy and the genesis pins came from.
 */
export function publicProperties(settings: DriverSettings): Record<string, unknown> {
  const ledgerUrl = settings.ledgerUrl?.map((url) => {
    // Credentials in the URL are for the driver, not for whoever reads the properties.
    const shown = new URL(url.href);
    shown.username = '';
    shown.password = '';
    return shown.href;
  });
  return {
    ledgerUrl: ledgerUrl?.join(','),
    trustPolicy: settings.trustPolicy?.source,
    genesis: settings.genesis?.source,
    refuseNoCache: settings.refuseNoCache,
  };
}
