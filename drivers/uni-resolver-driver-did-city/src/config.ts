/**
 * Driver settings from environment variables, named `uniresolver_driver_did_city_<setting>` as the Universal
 * Resolver's driver convention asks. Every setting has a documented default except the ledger URL and the trust
 * policy, which a verifying resolver cannot guess, and the genesis pins (none: any self-signed registry genesis is
 * accepted). The rows of `SETTINGS` are read by the parsers every did:city server shares (`@did-city/method/settings`);
 * the README's settings table and the CLI's `did-city driver` flags follow them.
 */
import {
  boolean,
  ConfigError,
  type Env,
  type FlagValues,
  type GenesisSetting,
  genesisPins,
  httpUrlList,
  integer,
  NODE_IO,
  oneOf,
  policyText,
  port,
  readSettings,
  type SettingIo,
  text,
} from '@did-city/method/settings';
import { ERROR_STYLES, type ErrorStyle, PROFILES, type Profile } from './problems.ts';
import { DEFAULT_CACHE_TTL } from './reply.ts';

export { ConfigError, type GenesisSetting };

export const ENV_PREFIX = 'uniresolver_driver_did_city_';
export const DEFAULT_PORT = 8080;
/** Seconds a verified DID state and its replies are served without asking the ledger (the standalone driver). */
export const DEFAULT_FRESHNESS = 5;
/** Where the standalone driver remembers the checkpoints it trusts, relative to its working directory. */
export const DEFAULT_CHECKPOINT_STORE = 'data/checkpoints.json';

const YEAR_S = 31_536_000;

/**
 * Every setting: its variable, the `did-city driver` flag where the CLI has one (the ledger and the policy come
 * from the CLI's own --ledger and --policy), default, parser and meaning. The README's settings table mirrors it.
 */
export const SETTINGS = Object.freeze({
  ledgerUrl: {
    env: `${ENV_PREFIX}ledgerUrl`,
    doc: 'Base URL of a did:city ledger node HTTP API, or several serving the same log, comma-separated (required)',
    parse: httpUrlList,
  },
  trustPolicy: {
    env: `${ENV_PREFIX}trustPolicy`,
    doc: 'C2SP tlog-policy text, or a path to a file holding it (required)',
    parse: policyText,
  },
  genesis: {
    env: `${ENV_PREFIX}genesis`,
    defaultDoc: 'none (any self-signed registry genesis)',
    doc: 'Registry genesis pins, JSON {"did:city:cn": {"operationHash": "zQm…"}}, or a path to a file holding it',
    parse: genesisPins,
  },
  profile: {
    env: `${ENV_PREFIX}profile`,
    flag: 'profile',
    value: 'P',
    default: 'w3c',
    doc: 'w3c: the W3C DID Resolution HTTP(S) binding; universal-resolver: what the Universal Resolver reads where the two differ',
    parse: oneOf(PROFILES),
  },
  errorStyle: {
    env: `${ENV_PREFIX}errorStyle`,
    flag: 'error-style',
    value: 'S',
    defaultDoc: 'uri (short under the universal-resolver profile)',
    doc: 'uri: W3C error type URIs; short: bare codes (NOT_FOUND), the only ones uni-resolver-web maps to a status',
    parse: oneOf(ERROR_STYLES),
  },
  port: {
    env: `${ENV_PREFIX}port`,
    alsoEnv: ['PORT'],
    default: String(DEFAULT_PORT),
    doc: 'HTTP port; PORT is read when this is unset',
    parse: port,
  },
  cacheTtl: {
    env: `${ENV_PREFIX}cacheTtl`,
    flag: 'cache-ttl',
    value: 'SECONDS',
    default: String(DEFAULT_CACHE_TTL),
    doc: 'Seconds for Cache-Control max-age on results (0: revalidate)',
    parse: integer({ min: 0, max: YEAR_S }),
  },
  refuseNoCache: {
    env: `${ENV_PREFIX}refuseNoCache`,
    flag: 'refuse-no-cache',
    default: 'false',
    doc: 'true: answer noCache=true with 501 FEATURE_NOT_SUPPORTED',
    parse: boolean,
  },
  freshness: {
    env: `${ENV_PREFIX}freshness`,
    flag: 'freshness',
    value: 'SECONDS',
    default: String(DEFAULT_FRESHNESS),
    doc: 'Seconds a verified DID state and its replies are served without asking the ledger (0: ask every time)',
    parse: integer({ min: 0, max: 3600 }),
  },
  maxCheckpointAge: {
    env: `${ENV_PREFIX}maxCheckpointAge`,
    flag: 'max-checkpoint-age',
    value: 'SECONDS',
    default: '0',
    defaultDoc: '0 (no limit)',
    doc: 'Seconds: refuse a checkpoint its witness quorum last co-signed longer ago (the ledger must re-cosign more often, DID_CITY_LEDGER_RECOSIGN_INTERVAL_MS)',
    parse: integer({ min: 0, max: YEAR_S }),
  },
  checkpointStore: {
    env: `${ENV_PREFIX}checkpointStore`,
    default: DEFAULT_CHECKPOINT_STORE,
    doc: 'File keeping the last trusted checkpoint per ledger and any split-view evidence across restarts (memory: none)',
    parse: text,
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

export type ConfigIo = SettingIo;

/**
 * The error style follows the profile unless set. uni-resolver-web maps only bare codes to a status (every type
 * URI becomes 500 there), so the two cannot be combined; an empty value (what compose passes for a variable
 * missing from `.env`) counts as unset.
 */
function errorStyleOf(profile: Profile, style: ErrorStyle | undefined): ErrorStyle {
  if (profile === 'universal-resolver' && style === 'uri') {
    throw new ConfigError(
      `${ENV_PREFIX}errorStyle=uri cannot be used with profile=universal-resolver: uni-resolver-web answers 500 to every error type URI`,
    );
  }
  return style ?? (profile === 'universal-resolver' ? 'short' : 'uri');
}

/**
 * Reads and validates every setting; throws ConfigError naming the first bad variable. `flags` are the
 * `did-city driver` flags of the table, which win over the variables.
 */
export function loadSettings(env: Env, io: ConfigIo = NODE_IO, flags?: FlagValues): DriverSettings {
  const { values } = readSettings(SETTINGS, { env, io, ...(flags === undefined ? {} : { flags }) });
  const { ledgerUrl, trustPolicy, genesis, errorStyle, ...rest } = values;
  return {
    ...rest,
    errorStyle: errorStyleOf(rest.profile, errorStyle),
    ...(ledgerUrl === undefined ? {} : { ledgerUrl }),
    ...(trustPolicy === undefined ? {} : { trustPolicy }),
    ...(genesis === undefined ? {} : { genesis }),
  };
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
