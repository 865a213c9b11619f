/**
 * The all-in-one's settings, read the same way by `did-city serve` (flags, then variables) and `pnpm start`
 * (variables only): where to listen, the data directory, the public URL and the checkpoint freshness. The request
 * limits, trusted proxies, registration desk and outbound fetches are read by `startAllInOne` itself from the
 * variables of the same rows.
 */
import { type FlagValues, positive, readSettings, type SettingsTable, text } from '@did-city/method/settings';
import {
  DEFAULT_DATA_DIR,
  DEFAULT_HOST,
  DEFAULT_PORT,
  DESK_SETTINGS,
  FETCH_SETTINGS,
  LISTEN_SETTINGS,
  RATE_LIMIT_SETTINGS,
  TRUST_PROXY_SETTINGS,
} from '../settings/common.ts';
import type { AllInOneOptions } from './server.ts';

export const ALL_IN_ONE_SETTINGS = {
  port: { ...LISTEN_SETTINGS.port, default: String(DEFAULT_PORT) },
  host: { ...LISTEN_SETTINGS.host, default: DEFAULT_HOST },
  dataDir: {
    env: 'DATA_DIR',
    flag: 'data-dir',
    value: 'DIR',
    default: DEFAULT_DATA_DIR,
    doc: 'data directory',
    parse: text,
  },
  publicUrl: {
    env: 'PUBLIC_URL',
    flag: 'public-url',
    value: 'URL',
    defaultDoc: 'http://localhost:<port>',
    doc: 'base URL written into credentials',
    parse: text,
  },
  recosignInterval: {
    env: 'DID_CITY_LEDGER_RECOSIGN_INTERVAL_MS',
    flag: 'recosign-interval',
    value: 'MS',
    defaultDoc: 'never, or a third of the age limit',
    doc: 'while idle, have the witnesses co-sign again this often',
    parse: positive,
  },
  maxCheckpointAge: {
    env: 'DID_CITY_MAX_CHECKPOINT_AGE',
    flag: 'max-checkpoint-age',
    value: 'SECONDS',
    defaultDoc: 'no limit',
    doc: 'refuse checkpoints last co-signed longer ago in the built-in resolver',
    parse: positive,
  },
  ...DESK_SETTINGS,
  ...RATE_LIMIT_SETTINGS,
  ...TRUST_PROXY_SETTINGS,
  ...FETCH_SETTINGS,
} satisfies SettingsTable;

/** The options of `startAllInOne` from the environment and, for `did-city serve`, its flags. */
export function allInOneOptions(
  env: Readonly<Record<string, string | undefined>>,
  flags?: FlagValues,
): AllInOneOptions {
  const { values } = readSettings(ALL_IN_ONE_SETTINGS, { env, ...(flags === undefined ? {} : { flags }) });
  return {
    port: values.port,
    host: values.host,
    dataDir: values.dataDir,
    ...(values.publicUrl === undefined ? {} : { publicUrl: values.publicUrl }),
    ...(values.recosignInterval === undefined ? {} : { recosignIntervalMs: values.recosignInterval }),
    ...(values.maxCheckpointAge === undefined ? {} : { maxCheckpointAgeMs: values.maxCheckpointAge * 1000 }),
  };
}
