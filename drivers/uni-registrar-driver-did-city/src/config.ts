/**
 * Driver settings from environment variables named `uniregistrar_driver_did_city_<setting>`, the Universal
 * Registrar's driver convention. The ledger settings (`ledgerUrl`, `trustPolicy`, `genesis`) mean exactly what
 * they mean for the did:city resolver driver and are read by its parser, so both drivers of one deployment accept
 * the same values; the README's settings table mirrors `SETTINGS`.
 */
import { join } from 'node:path';
import type { GenesisPolicy } from '@did-city/method';
import { ConfigError, ENV_PREFIX as RESOLVER_PREFIX, loadSettings as loadLedgerSettings } from 'uni-resolver-driver-did-city';
import { DEFAULT_MAX_JOBS } from './jobs.ts';

export { ConfigError };

export const ENV_PREFIX = 'uniregistrar_driver_did_city_';
/** The port the Universal Registrar's compose file gives its drivers. */
export const DEFAULT_PORT = 9080;

export const SETTINGS = Object.freeze({
  ledgerUrl: { default: undefined, doc: 'Base URL of the did:city ledger node (writes go to the first), or several, comma-separated (required)' },
  trustPolicy: { default: undefined, doc: 'C2SP tlog-policy text, or a path to a file holding it (required)' },
  genesis: { default: undefined, doc: 'Registry genesis pins, JSON {"did:city:cn": {"operationHash": "zQm…"}}, or a path to a file' },
  port: { default: String(DEFAULT_PORT), doc: 'HTTP port; PORT is read when this is unset' },
  dataDir: { default: './data', doc: 'Directory of jobs.db (the jobs, kept across restarts)' },
  maxJobs: { default: String(DEFAULT_MAX_JOBS), doc: 'Most unexpired jobs held at once; beyond it new requests fail with JOB_LIMIT' },
  signTtl: { default: '900', doc: 'Seconds a job waits for its signatures' },
  jobTtl: { default: '2592000', doc: 'Seconds a signed job may wait for the institutes or the ledger (30 days)' },
  resultTtl: { default: '86400', doc: 'Seconds a finished or failed answer is repeated to the same jobId' },
  pollInterval: { default: '30', doc: 'Seconds suggested as waittime while an application is in review' },
  heldKeys: { default: undefined, doc: 'A did:city key file (mode 0600) whose keys the driver signs with itself; default none (off)' },
  heldKeysToken: { default: undefined, doc: 'The token a request gives in secret.heldKeysToken to have the held keys sign (16+ characters)' },
});

export type SettingName = keyof typeof SETTINGS;

export interface RegistrarDriverSettings {
  ledgerUrl: string[];
  trustPolicy: { text: string; source: string };
  genesis?: { pins: GenesisPolicy; source: string };
  port: number;
  dataDir: string;
  jobsFile: string;
  maxJobs: number;
  signTtl: number;
  jobTtl: number;
  resultTtl: number;
  pollInterval: number;
  /** Registrar-held keys: the key file and the token that unlocks them; absent when off. */
  heldKeys?: { file: string; token: string };
}

type Env = Readonly<Record<string, string | undefined>>;

function read(env: Env, name: SettingName): string | undefined {
  const value = env[ENV_PREFIX + name]?.trim();
  return value === '' || value === undefined ? undefined : value;
}

function integer(env: Env, name: SettingName, range: { min: number; max: number }): number {
  const text = read(env, name) ?? SETTINGS[name].default!;
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw new ConfigError(`${ENV_PREFIX}${name}="${text}" must be an integer from ${range.min} to ${range.max}`);
  }
  return value;
}

function readPort(env: Env): number {
  if (read(env, 'port') !== undefined) return integer(env, 'port', { min: 0, max: 65535 });
  const generic = env['PORT']?.trim();
  if (!generic) return DEFAULT_PORT;
  return integer({ [`${ENV_PREFIX}port`]: generic }, 'port', { min: 0, max: 65535 });
}

/** The ledger settings through the resolver driver's parser, its messages naming this driver's variables. */
function ledgerSettings(env: Env) {
  const names = ['ledgerUrl', 'trustPolicy', 'genesis'] as const;
  const mapped = Object.fromEntries(names.map((name) => [RESOLVER_PREFIX + name, read(env, name)]));
  try {
    return loadLedgerSettings(mapped);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(error.message.replaceAll(RESOLVER_PREFIX, ENV_PREFIX));
    throw error;
  }
}

function readHeldKeys(env: Env): { file: string; token: string } | undefined {
  const file = read(env, 'heldKeys');
  const token = read(env, 'heldKeysToken');
  if (file === undefined && token === undefined) return undefined;
  if (file === undefined) throw new ConfigError(`${ENV_PREFIX}heldKeysToken is set without ${ENV_PREFIX}heldKeys (the key file)`);
  if (token === undefined || token.length < 16) {
    throw new ConfigError(`${ENV_PREFIX}heldKeys needs ${ENV_PREFIX}heldKeysToken of at least 16 characters: held keys sign only for requests that give it`);
  }
  return { file, token };
}

/** Reads and validates every setting; throws ConfigError naming the first bad variable. */
export function loadSettings(env: Env): RegistrarDriverSettings {
  const ledger = ledgerSettings(env);
  if (ledger.ledgerUrl === undefined) throw new ConfigError(`${ENV_PREFIX}ledgerUrl is not set: the base URL of a did:city ledger node`);
  if (ledger.trustPolicy === undefined) {
    throw new ConfigError(`${ENV_PREFIX}trustPolicy is not set: the driver verifies what it reads and the receipts it reports against it`);
  }
  const dataDir = read(env, 'dataDir') ?? SETTINGS.dataDir.default;
  const settings: RegistrarDriverSettings = {
    ledgerUrl: ledger.ledgerUrl.map((url) => url.href),
    trustPolicy: ledger.trustPolicy,
    port: readPort(env),
    dataDir,
    jobsFile: join(dataDir, 'jobs.db'),
    maxJobs: integer(env, 'maxJobs', { min: 1, max: 1_000_000 }),
    signTtl: integer(env, 'signTtl', { min: 10, max: 86_400 }),
    jobTtl: integer(env, 'jobTtl', { min: 60, max: 31_536_000 }),
    resultTtl: integer(env, 'resultTtl', { min: 10, max: 31_536_000 }),
    pollInterval: integer(env, 'pollInterval', { min: 1, max: 86_400 }),
  };
  if (ledger.genesis !== undefined) settings.genesis = ledger.genesis;
  const heldKeys = readHeldKeys(env);
  if (heldKeys !== undefined) settings.heldKeys = heldKeys;
  return settings;
}

/** What `/1.0/properties` shows: where the ledger is (without credentials) and the job limits. */
export function publicProperties(settings: RegistrarDriverSettings): Record<string, unknown> {
  const ledgerUrl = settings.ledgerUrl.map((href) => {
    const shown = new URL(href);
    shown.username = '';
    shown.password = '';
    return shown.href;
  });
  return {
    ledgerUrl: ledgerUrl.join(','),
    trustPolicy: settings.trustPolicy.source,
    genesis: settings.genesis?.source,
    clientSecretMode: true,
    heldKeys: settings.heldKeys !== undefined,
    maxJobs: settings.maxJobs,
    signTtl: settings.signTtl,
    jobTtl: settings.jobTtl,
  };
}
