/**
 * `did-city ledger`: every setting of a ledger node, its flag where it has one and its `DID_CITY_LEDGER_*`
 * variable (deploy/three-institutes/institute-X/ledger-node.env). Flags win over variables, variables over
 * defaults. The command's options and the "environment only" part of its help are built from this table.
 */
import {
  boolean,
  ConfigError,
  count,
  genesisPins,
  integer,
  listen,
  namedValue,
  namedValues,
  type Parser,
  type SettingsTable,
  text,
} from '@did-city/method/settings';
import { dataDirSetting, DESK_SETTINGS, LISTEN_SETTINGS, RATE_LIMIT_SETTINGS, TRUST_PROXY_SETTINGS } from './common.ts';

const postgresUrl: Parser<string> = (value, { name }) => {
  if (!URL.canParse(value) || !/^postgres(ql)?:$/.test(new URL(value).protocol)) {
    throw new ConfigError(`${name} must be a postgresql:// connection URL`);
  }
  return value;
};

/** One `NAME=VALUE` per flag (a token may hold a comma). */
const namedPair: Parser<Array<[string, string]>> = (value, { name }) => [namedValue(value, name)];

export const LEDGER_SETTINGS = {
  ...LISTEN_SETTINGS,
  listen: {
    env: 'DID_CITY_LEDGER_LISTEN',
    doc: 'HOST:PORT to listen on, below --host/--port, above HOST/PORT',
    parse: listen,
  },
  dataDir: dataDirSetting('DID_CITY_LEDGER_DATA_DIR', 'data directory: registrations, SQLite log'),
  network: {
    flag: 'network',
    value: 'NET',
    doc: 'ledger network (e.g. test): only its DIDs are accepted; names the default origin',
    parse: text,
  },
  origin: {
    env: 'DID_CITY_LEDGER_ORIGIN',
    flag: 'origin',
    value: 'O',
    defaultDoc: 'city.ledger/<network|prod>',
    doc: 'checkpoint origin and log key name',
    parse: text,
  },
  logKey: {
    env: 'DID_CITY_LEDGER_LOG_KEY_FILE',
    flag: 'log-key',
    value: 'FILE',
    defaultDoc: '<data-dir>/keys/log.key',
    doc: "this node's log signer key, created if missing",
    parse: text,
  },
  database: {
    env: 'DID_CITY_LEDGER_DATABASE_URL',
    flag: 'database',
    value: 'URL',
    doc: "PostgreSQL URL of this institute's member",
    parse: postgresUrl,
  },
  databasePasswordFile: {
    env: 'DID_CITY_LEDGER_DATABASE_PASSWORD_FILE',
    doc: 'file holding the database password',
    parse: text,
  },
  leadershipRetryMs: {
    env: 'DID_CITY_LEDGER_LEADERSHIP_RETRY_MS',
    default: '500',
    doc: 'milliseconds between attempts to take the sequencer lock',
    parse: count,
  },
  adminToken: {
    env: 'DID_CITY_ADMIN_TOKEN',
    flag: 'admin-token',
    value: 'T',
    doc: 'token of the governance path',
    parse: text,
  },
  adminTokenFile: {
    env: 'DID_CITY_LEDGER_ADMIN_TOKEN_FILE',
    doc: 'file holding the token of the governance path',
    parse: text,
  },
  instituteToken: {
    flag: 'institute-token',
    value: 'NAME=T',
    multiple: true,
    doc: 'token of an institute for GET /registrations',
    parse: namedPair,
  },
  instituteTokensFile: {
    env: 'DID_CITY_LEDGER_INSTITUTE_TOKENS_FILE',
    doc: 'file of NAME=TOKEN lines, the institutes for GET /registrations',
    parse: text,
  },
  witness: {
    env: 'DID_CITY_LEDGER_WITNESSES',
    flag: 'witness',
    value: 'NAME=URL',
    multiple: true,
    doc: 'URL of a policy witness; the variable takes N=URL,N=URL',
    parse: namedValues,
  },
  witnessPolicy: {
    env: 'DID_CITY_LEDGER_POLICY_FILE',
    flag: 'witness-policy',
    value: 'FILE',
    doc: 'trust policy: log keys, witness keys, quorum',
    parse: text,
  },
  genesis: {
    env: 'DID_CITY_LEDGER_GENESIS_FILE',
    flag: 'genesis',
    value: 'FILE',
    doc: 'registry genesis pins: a file of JSON {"did:city:cn": {"updateKeys": […]}}, or that JSON itself',
    parse: genesisPins,
  },
  recosignInterval: {
    env: 'DID_CITY_LEDGER_RECOSIGN_INTERVAL_MS',
    flag: 'recosign-interval',
    value: 'MS',
    defaultDoc: 'never',
    doc: 'while idle, have the witnesses co-sign the latest checkpoint again this often',
    parse: integer({ min: 1, max: Number.MAX_SAFE_INTEGER }, 'a positive number of milliseconds'),
  },
  allowUnpinnedGenesis: {
    env: 'DID_CITY_LEDGER_ALLOW_UNPINNED_GENESIS',
    flag: 'allow-unpinned-genesis',
    default: 'false',
    doc: 'let the admin token create a country registry that --genesis does not pin',
    parse: boolean,
  },
  batchIntervalMs: {
    env: 'DID_CITY_LEDGER_BATCH_INTERVAL_MS',
    defaultDoc: '100',
    doc: 'milliseconds the sequencer gathers a batch',
    parse: count,
  },
  maxBatch: { env: 'DID_CITY_LEDGER_MAX_BATCH', defaultDoc: '256', doc: 'most operations in one batch', parse: count },
  ackTimeoutMs: {
    env: 'DID_CITY_LEDGER_ACK_TIMEOUT_MS',
    defaultDoc: '30000',
    doc: 'milliseconds to wait for the witness quorum',
    parse: count,
  },
  ...DESK_SETTINGS,
  ...RATE_LIMIT_SETTINGS,
  ...TRUST_PROXY_SETTINGS,
} satisfies SettingsTable;
