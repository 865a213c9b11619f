/**
 * Rows that several servers' settings tables share: where to listen, the data directory, the request limits, the
 * trusted proxies and the outbound-fetch policy. The limits, the proxies and the fetch policy are interpreted by
 * the libraries that apply them (`rateLimitsFromEnv`, `parseTrustProxy`, `fetchPolicyFromEnv`), which every server
 * calls with the same variables; the rows here name and document them.
 */
import {
  type Listen,
  port,
  type Setting,
  type SettingSource,
  type SettingsTable,
  text,
} from '@did-city/method/settings';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;
export const DEFAULT_DATA_DIR = './data';

export const LISTEN_SETTINGS = {
  port: {
    env: 'PORT',
    flag: 'port',
    value: 'PORT',
    defaultDoc: `${DEFAULT_PORT}, 0 picks one`,
    doc: 'port to listen on',
    parse: port,
  },
  host: {
    env: 'HOST',
    flag: 'host',
    value: 'HOST',
    defaultDoc: DEFAULT_HOST,
    doc: 'interface to listen on',
    parse: text,
  },
} satisfies SettingsTable;

/** The data directory of a server whose own variable, when it has one, wins over DATA_DIR. */
export function dataDirSetting(own?: string, doc = 'data directory') {
  return {
    ...(own === undefined ? { env: 'DATA_DIR' } : { env: own, alsoEnv: ['DATA_DIR'] }),
    flag: 'data-dir',
    value: 'DIR',
    default: DEFAULT_DATA_DIR,
    doc,
    parse: text,
  } satisfies Setting;
}

/** Request limits (spec §9.7): `LIMIT/WINDOW` (window in seconds, or with s, m or h) or `off`. */
export const RATE_LIMIT_SETTINGS = {
  rateWrites: { env: 'DID_CITY_RATE_WRITES', defaultDoc: '120/60', doc: 'writes per client', parse: text },
  rateReads: { env: 'DID_CITY_RATE_READS', defaultDoc: '1200/60', doc: 'expensive reads per client', parse: text },
  rateApplications: {
    env: 'DID_CITY_RATE_APPLICATIONS',
    defaultDoc: '30/1h',
    doc: 'registration applications per client',
    parse: text,
  },
  rateApplicationsTotal: {
    env: 'DID_CITY_RATE_APPLICATIONS_TOTAL',
    defaultDoc: '1000/1h',
    doc: 'registration applications of all clients together',
    parse: text,
  },
} satisfies SettingsTable;

export const TRUST_PROXY_SETTINGS = {
  trustProxy: {
    env: 'DID_CITY_TRUST_PROXY',
    defaultDoc: 'off',
    doc: 'proxies whose X-Forwarded-For names the client: loopback, addresses or CIDR ranges, or a hop count',
    parse: text,
  },
} satisfies SettingsTable;

/** What the issuer and verifiers may fetch (spec §9.15). */
export const FETCH_SETTINGS = {
  fetchAllowHttp: {
    env: 'DID_CITY_FETCH_ALLOW_HTTP',
    doc: 'hosts that may be fetched over plain http (comma-separated)',
    parse: text,
  },
  fetchAllowPrivate: {
    env: 'DID_CITY_FETCH_ALLOW_PRIVATE',
    doc: 'hosts that may resolve to loopback or private addresses',
    parse: text,
  },
  fetchTimeoutMs: {
    env: 'DID_CITY_FETCH_TIMEOUT_MS',
    defaultDoc: '5000',
    doc: 'milliseconds a fetch may take',
    parse: text,
  },
  fetchMaxBytes: { env: 'DID_CITY_FETCH_MAX_BYTES', defaultDoc: '4194304', doc: 'largest body fetched', parse: text },
  fetchMaxRedirects: { env: 'DID_CITY_FETCH_MAX_REDIRECTS', defaultDoc: '3', doc: 'redirects followed', parse: text },
} satisfies SettingsTable;

/** The registration desk of a server that takes applications. */
export const DESK_SETTINGS = {
  pendingTtl: {
    env: 'DID_CITY_REGISTRATION_PENDING_TTL_S',
    defaultDoc: '2592000, 30 days',
    doc: 'seconds an application may stay pending',
    parse: text,
  },
  maxPending: {
    env: 'DID_CITY_REGISTRATION_MAX_PENDING',
    defaultDoc: '10000',
    doc: 'applications pending at once',
    parse: text,
  },
} satisfies SettingsTable;

/**
 * Where to listen: `--host` / `--port`, else the server's own `HOST:PORT` setting (`DID_CITY_LEDGER_LISTEN`), else
 * HOST / PORT, else 127.0.0.1:8080.
 */
export function listenFrom(
  values: { host?: string | undefined; port?: number | undefined },
  from: { host?: SettingSource | undefined; port?: SettingSource | undefined },
  own?: Listen,
): Listen {
  const host = from.host === 'flag' ? values.host : (own?.host ?? values.host);
  const port = from.port === 'flag' ? values.port : (own?.port ?? values.port);
  return { host: host ?? DEFAULT_HOST, port: port ?? DEFAULT_PORT };
}

/** The variables of some rows, as the libraries that read them from an environment expect. */
export function envOf(
  table: SettingsTable,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.values(table).flatMap((row) => (row.env === undefined ? [] : [[row.env, env[row.env]]])),
  );
}

/** The rows without a flag, for a command's help: `NAME (default)`, comma-separated. */
export function environmentOnly(table: SettingsTable): string {
  return Object.values(table)
    .filter((row) => row.flag === undefined && row.env !== undefined)
    .map((row) => {
      const fallback = row.defaultDoc ?? row.default;
      return fallback === undefined ? row.env : `${row.env} (${fallback})`;
    })
    .join(', ');
}
