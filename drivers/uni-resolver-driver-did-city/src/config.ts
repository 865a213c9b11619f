/**
 * Driver settings from environment variables, named `uniresolver_driver_did_city_<setting>` as the Universal
 * Resolver's driver convention asks. Every setting has a documented default except the ledger URL and the trust
 * policy, which a verifying resolver cannot guess. The README's settings table mirrors `SETTINGS`.
 */
import { readFileSync } from 'node:fs';
import { ERROR_STYLES, type ErrorStyle } from './problems.ts';
import { DEFAULT_CACHE_TTL } from './reply.ts';

export const ENV_PREFIX = 'uniresolver_driver_did_city_';
export const DEFAULT_PORT = 8080;
/** Seconds a verified DID state and its replies are served without asking the ledger (the standalone driver). */
export const DEFAULT_FRESHNESS = 5;

/** Name, default and meaning of each setting, for `--help`-style messages and the README. */
export const SETTINGS = Object.freeze({
  ledgerUrl: { default: undefined, doc: 'Base URL of a did:city ledger node HTTP API (required)' },
  trustPolicy: { default: undefined, doc: 'C2SP tlog-policy text, or a path to a file holding it (required)' },
  errorStyle: { default: 'uri', doc: 'uri: W3C error type URIs; short: bare codes (NOT_FOUND) for uni-resolver-web' },
  port: { default: String(DEFAULT_PORT), doc: 'HTTP port; PORT is read when this is unset' },
  cacheTtl: { default: String(DEFAULT_CACHE_TTL), doc: 'Seconds for Cache-Control max-age on results (0: revalidate)' },
  refuseNoCache: { default: 'false', doc: 'true: answer noCache=true with 501 FEATURE_NOT_SUPPORTED' },
  freshness: {
    default: String(DEFAULT_FRESHNESS),
    doc: 'Seconds a verified DID state and its replies are served without asking the ledger (0: ask every time)',
  },
});

export type SettingName = keyof typeof SETTINGS;

export interface TrustPolicySetting {
  /** The policy text (C2SP tlog-policy). */
  text: string;
  /** `inline`, or the file it was read from. */
  source: string;
}

export interface DriverSettings {
  ledgerUrl?: URL;
  trustPolicy?: TrustPolicySetting;
  errorStyle: ErrorStyle;
  port: number;
  cacheTtl: number;
  refuseNoCache: boolean;
  freshness: number;
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

function readLedgerUrl(env: Env): URL | undefined {
  const text = read(env, 'ledgerUrl');
  if (text === undefined) return undefined;
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ConfigError(`${ENV_PREFIX}ledgerUrl="${text}" must be an http(s) URL`);
  }
  return url;
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

function readErrorStyle(env: Env): ErrorStyle {
  const value = read(env, 'errorStyle') ?? 'uri';
  if (!(ERROR_STYLES as readonly string[]).includes(value)) {
    throw new ConfigError(`${ENV_PREFIX}errorStyle="${value}" must be one of: ${ERROR_STYLES.join(', ')}`);
  }
  return value as ErrorStyle;
}

function readBoolean(env: Env, name: SettingName, fallback: boolean): boolean {
  const value = read(env, name);
  if (value === undefined) return fallback;
  if (value !== 'true' && value !== 'false') throw new ConfigError(`${ENV_PREFIX}${name}="${value}" must be true or false`);
  return value === 'true';
}

/** Reads and validates every setting; throws ConfigError naming the first bad variable. */
export function loadSettings(env: Env, io: ConfigIo = { readFile: (path) => readFileSync(path, 'utf8') }): DriverSettings {
  const settings: DriverSettings = {
    errorStyle: readErrorStyle(env),
    port: readPort(env),
    cacheTtl: integer(`${ENV_PREFIX}cacheTtl`, read(env, 'cacheTtl') ?? String(DEFAULT_CACHE_TTL), { min: 0, max: 31_536_000 }),
    refuseNoCache: readBoolean(env, 'refuseNoCache', false),
    freshness: integer(`${ENV_PREFIX}freshness`, read(env, 'freshness') ?? String(DEFAULT_FRESHNESS), { min: 0, max: 3600 }),
  };
  const ledgerUrl = readLedgerUrl(env);
  if (ledgerUrl !== undefined) settings.ledgerUrl = ledgerUrl;
  const trustPolicy = readTrustPolicy(env, io);
  if (trustPolicy !== undefined) settings.trustPolicy = trustPolicy;
  return settings;
}

/** What `/1.0/properties` shows of the settings: where the ledger is and where the policy came from. */
export function publicProperties(settings: DriverSettings): Record<string, unknown> {
  const ledgerUrl = settings.ledgerUrl === undefined ? undefined : new URL(settings.ledgerUrl.href);
  // Credentials in the URL are for the driver, not for whoever reads the properties.
  if (ledgerUrl !== undefined) {
    ledgerUrl.username = '';
    ledgerUrl.password = '';
  }
  return {
    ledgerUrl: ledgerUrl?.href,
    trustPolicy: settings.trustPolicy?.source,
    refuseNoCache: settings.refuseNoCache,
  };
}
