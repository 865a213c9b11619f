/**
 * Driver settings from environment variables named `uniregistrar_driver_did_city_<setting>`, the Universal
 * Registrar's driver convention. The ledger settings (`ledgerUrl`, `trustPolicy`, `genesis`) mean exactly what
 * they mean for the did:city resolver driver and go through the same parsers, so both drivers of one deployment accept
 * the same values (the parsers every did:city server shares, `@did-city/method/settings`); the README's settings
 * table mirrors `SETTINGS`.
 */
import { join } from 'node:path';
import type { GenesisPolicy } from '@did-city/method';
import {
  ConfigError,
  type Env,
  envValue,
  genesisPins,
  httpUrlList,
  integer,
  policyText,
  port,
  readSettings,
  type SettingsTable,
  text,
} from '@did-city/method/settings';
import { DEFAULT_MAX_JOBS } from './jobs.ts';

export { ConfigError };

export const ENV_PREFIX = 'uniregistrar_driver_did_city_';
/** The port the Universal Registrar's compose file gives its drivers. */
export const DEFAULT_PORT = 9080;

const YEAR_S = 31_536_000;

function seconds(min: number, max: number) {
  return integer({ min, max });
}

export const SETTINGS = Object.freeze({
  ledgerUrl: {
    env: `${ENV_PREFIX}ledgerUrl`,
    doc: 'Base URL of the did:city ledger node (writes go to the first), or several, comma-separated (required)',
    parse: httpUrlList,
  },
  trustPolicy: {
    env: `${ENV_PREFIX}trustPolicy`,
    doc: 'C2SP tlog-policy text, or a path to a file holding it (required)',
    parse: policyText,
  },
  genesis: {
    env: `${ENV_PREFIX}genesis`,
    doc: 'Registry genesis pins, JSON {"did:city:cn": {"operationHash": "zQm…"}}, or a path to a file',
    parse: genesisPins,
  },
  port: {
    env: `${ENV_PREFIX}port`,
    alsoEnv: ['PORT'],
    default: String(DEFAULT_PORT),
    doc: 'HTTP port; PORT is read when this is unset',
    parse: port,
  },
  dataDir: {
    env: `${ENV_PREFIX}dataDir`,
    default: './data',
    doc: 'Directory of jobs.db (the jobs, kept across restarts)',
    parse: text,
  },
  maxJobs: {
    env: `${ENV_PREFIX}maxJobs`,
    default: String(DEFAULT_MAX_JOBS),
    doc: 'Most unexpired jobs held at once; beyond it new requests fail with JOB_LIMIT',
    parse: integer({ min: 1, max: 1_000_000 }),
  },
  signTtl: {
    env: `${ENV_PREFIX}signTtl`,
    default: '900',
    doc: 'Seconds a job waits for its signatures',
    parse: seconds(10, 86_400),
  },
  jobTtl: {
    env: `${ENV_PREFIX}jobTtl`,
    default: '2592000',
    doc: 'Seconds a signed job may wait for the institutes or the ledger (30 days)',
    parse: seconds(60, YEAR_S),
  },
  resultTtl: {
    env: `${ENV_PREFIX}resultTtl`,
    default: '86400',
    doc: 'Seconds a finished or failed answer is repeated to the same jobId',
    parse: seconds(10, YEAR_S),
  },
  pollInterval: {
    env: `${ENV_PREFIX}pollInterval`,
    default: '30',
    doc: 'Seconds suggested as waittime while an application is in review',
    parse: seconds(1, 86_400),
  },
  heldKeys: {
    env: `${ENV_PREFIX}heldKeys`,
    defaultDoc: 'none (off)',
    doc: 'A did:city key file (mode 0600) whose keys the driver signs with itself',
    parse: text,
  },
  heldKeysToken: {
    env: `${ENV_PREFIX}heldKeysToken`,
    doc: 'The token a request gives in secret.heldKeysToken to have the held keys sign (16+ characters)',
    parse: text,
  },
} satisfies SettingsTable);

type SettingName = keyof typeof SETTINGS;

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

function heldKeysOf(file: string | undefined, token: string | undefined): { file: string; token: string } | undefined {
  if (file === undefined && token === undefined) return undefined;
  if (file === undefined)
    throw new ConfigError(`${ENV_PREFIX}heldKeysToken is set without ${ENV_PREFIX}heldKeys (the key file)`);
  if (token === undefined || token.length < 16) {
    throw new ConfigError(
      `${ENV_PREFIX}heldKeys needs ${ENV_PREFIX}heldKeysToken of at least 16 characters: held keys sign only for requests that give it`,
    );
  }
  return { file, token };
}

/**
 * Reads and validates every setting; throws ConfigError naming the first bad variable. The ledger settings
 * (`ledgerUrl`, `trustPolicy`, `genesis`) go through the same parsers as the resolver driver's, so both drivers of
 * one deployment accept the same values.
 */
export function loadSettings(env: Env): RegistrarDriverSettings {
  if (envValue(env, SETTINGS.ledgerUrl.env) === undefined) {
    throw new ConfigError(`${ENV_PREFIX}ledgerUrl is not set: the base URL of a did:city ledger node`);
  }
  const { values } = readSettings(SETTINGS, { env });
  const { ledgerUrl, trustPolicy, genesis, heldKeys, heldKeysToken, ...rest } = values;
  if (trustPolicy === undefined) {
    throw new ConfigError(
      `${ENV_PREFIX}trustPolicy is not set: the driver verifies what it reads and the receipts it reports against it`,
    );
  }
  const settings: RegistrarDriverSettings = {
    ...rest,
    ledgerUrl: (ledgerUrl ?? []).map((url) => url.href),
    trustPolicy,
    jobsFile: join(rest.dataDir, 'jobs.db'),
  };
  if (genesis !== undefined) settings.genesis = genesis;
  const held = heldKeysOf(heldKeys, heldKeysToken);
  if (held !== undefined) settings.heldKeys = held;
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
