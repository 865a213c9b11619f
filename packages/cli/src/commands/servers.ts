/**
 * The servers: `serve` (the all-in-one), and the parts a multi-institute deployment runs on their own: `driver`
 * and `issuer` here, `ledger` (ledger.ts) and `witness` (witness.ts). Each runs until SIGINT/SIGTERM and then
 * closes cleanly. Server modules are imported when their command runs, so the other commands do not load SQLite
 * or express.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type CommandSpec, need, str, UsageError } from '../args.ts';
import { pinsOf } from '../genesis.ts';
import { signerOf } from '../keyfile.ts';
import { DATA_DIR, dataDirOf, envSetting, HOST, listenOf, onSignal, PORT, portOf, serveApp } from './serving.ts';

export const serve: CommandSpec = {
  name: 'serve',
  summary: 'Run the all-in-one: ledger node, three witnesses, registration, driver and issuer on one port.',
  details: `The first start creates the national registry and seeds a few cities through the real workflow, and prints
what to try. Data, keys and tokens live in the data directory; a restart keeps them.`,
  options: {
    port: PORT,
    host: HOST,
    'data-dir': DATA_DIR,
    'public-url': { type: 'string', value: 'URL', doc: 'base URL written into credentials (env PUBLIC_URL; default http://localhost:<port>)' },
    'recosign-interval': {
      type: 'string',
      value: 'MS',
      doc: 'while idle, have the witnesses co-sign again this often (env DID_CITY_LEDGER_RECOSIGN_INTERVAL_MS; default never, or a third of the age limit)',
    },
    'max-checkpoint-age': {
      type: 'string',
      value: 'SECONDS',
      doc: 'refuse checkpoints last co-signed longer ago in the built-in resolver (env DID_CITY_MAX_CHECKPOINT_AGE; default no limit)',
    },
  },
  async run({ values, out }) {
    const { startAllInOne } = await import('../serve/index.ts');
    const publicUrl = str(values, 'public-url') ?? process.env['PUBLIC_URL'];
    const recosign = positive(str(values, 'recosign-interval') ?? process.env['DID_CITY_LEDGER_RECOSIGN_INTERVAL_MS'], 'recosign interval (ms)');
    const maxAge = positive(str(values, 'max-checkpoint-age') ?? process.env['DID_CITY_MAX_CHECKPOINT_AGE'], 'maximum checkpoint age (s)');
    const running = await startAllInOne({
      ...listenOf(values),
      dataDir: dataDirOf(values),
      ...(publicUrl ? { publicUrl } : {}),
      ...(recosign === undefined ? {} : { recosignIntervalMs: recosign }),
      ...(maxAge === undefined ? {} : { maxCheckpointAgeMs: maxAge * 1000 }),
      log: (line) => out.print(line),
    }).catch((error: unknown) => {
      if (error instanceof RangeError) throw new UsageError(error.message);
      throw error;
    });
    onSignal(() => running.close());
    return 'running';
  },
};

/** A positive integer setting, or undefined when unset. */
function positive(text: string | undefined, what: string): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`the ${what} "${text}" must be a positive integer`);
  return value;
}

export const driver: CommandSpec = {
  name: 'driver',
  summary: 'Run the Universal Resolver driver (GET /1.0/identifiers/{did}) against a ledger node.',
  details: `Flags override the driver's environment settings (uniresolver_driver_did_city_*). The ledger is --ledger
(or DID_CITY_LEDGER); the trust policy is --policy, else the policy pinned for that ledger (see did-city --help).`,
  options: {
    port: PORT,
    host: HOST,
    profile: { type: 'string', value: 'P', doc: 'w3c (default) or universal-resolver (what uni-resolver-web reads)' },
    'error-style': { type: 'string', value: 'S', doc: 'uri or short (bare codes); default uri, short with --profile universal-resolver' },
    'cache-ttl': { type: 'string', value: 'SECONDS', doc: 'Cache-Control max-age of results (default 60)' },
    'refuse-no-cache': { type: 'boolean', doc: 'answer noCache=true with 501' },
    freshness: { type: 'string', value: 'SECONDS', doc: 'serve verified state this long without a ledger read (default 5; 0 = always read)' },
    'max-checkpoint-age': {
      type: 'string',
      value: 'SECONDS',
      doc: 'refuse a checkpoint its witness quorum last co-signed longer ago (default 0: no limit; the ledger needs --recosign-interval)',
    },
  },
  async run({ values, out, config }) {
    const { createDriverApp, createLedgerReader, loadSettings, publicProperties } = await import('uni-resolver-driver-did-city');
    const prefix = 'uniresolver_driver_did_city_';
    const env: Record<string, string | undefined> = { ...process.env, [`${prefix}ledgerUrl`]: config.ledger, [`${prefix}trustPolicy`]: await config.policy() };
    if (str(values, 'profile')) env[`${prefix}profile`] = str(values, 'profile');
    if (str(values, 'error-style')) env[`${prefix}errorStyle`] = str(values, 'error-style');
    if (str(values, 'cache-ttl')) env[`${prefix}cacheTtl`] = str(values, 'cache-ttl');
    if (values['refuse-no-cache'] === true) env[`${prefix}refuseNoCache`] = 'true';
    if (str(values, 'freshness')) env[`${prefix}freshness`] = str(values, 'freshness');
    if (str(values, 'max-checkpoint-age')) env[`${prefix}maxCheckpointAge`] = str(values, 'max-checkpoint-age');
    const settings = loadSettings(env);
    if (settings.genesis === undefined) {
      out.warn(`NO REGISTRY GENESIS IS PINNED (${prefix}genesis): this driver resolves whichever registry genesis the ledger's log holds (spec §3.5, R-GEN-4)`);
    }
    const app = createDriverApp({
      reader: createLedgerReader(settings),
      ...(settings.genesis === undefined ? {} : { genesis: settings.genesis.pins }),
      profile: settings.profile,
      errorStyle: settings.errorStyle,
      cacheTtl: settings.cacheTtl,
      refuseNoCache: settings.refuseNoCache,
      freshness: settings.freshness,
      properties: publicProperties(settings),
    });
    const { limitedApp } = await import('../serve/limits.ts');
    return serveApp({ app: envSetting(() => limitedApp(app)), listen: listenOf(values), out, what: 'did:city driver' });
  },
};

export const issuer: CommandSpec = {
  name: 'issuer',
  summary: 'Run an issuer service (VC API: /credentials/issue, /verify, /status, status lists) for a did:city DID.',
  details: `The issuer signs with a key of the key file (--key), published in the issuer DID's document as --key-id.
Status lists are kept in <data-dir>/issuer.db. Issuers resolve through the ledger (--ledger, --policy).`,
  options: {
    did: { type: 'string', value: 'DID', doc: 'the issuer DID (default did:city:cn)' },
    key: { type: 'string', value: 'N', doc: 'signing key (from the key file)', required: true },
    'key-id': { type: 'string', value: 'ID', doc: 'its verification method id in the DID document (default #key-1)' },
    token: { type: 'string', value: 'T', doc: 'token for the write endpoints (env DID_CITY_ISSUER_TOKEN)' },
    'data-dir': DATA_DIR,
    'public-url': { type: 'string', value: 'URL', doc: 'base URL status lists are published at (default http://localhost:<port>)' },
    port: PORT,
    host: HOST,
  },
  async run({ values, out, config }) {
    const parts = await import('@did-city/issuer');
    const { createCityResolver } = await import('@did-city/method');
    const { fetchPolicyFromEnv, hostsOf } = await import('@did-city/method/http');
    const did = str(values, 'did') ?? 'did:city:cn';
    const keyId = str(values, 'key-id') ?? '#key-1';
    const key = { verificationMethod: `${did}${keyId.startsWith('#') ? keyId : `#${keyId}`}`, signer: signerOf(config.keyFile, need(values, 'key')) };
    const token = config.token(values, 'DID_CITY_ISSUER_TOKEN');
    const publicUrl = str(values, 'public-url');
    // Status-list URLs go into every credential, so the address must be known before the first one is issued.
    if (publicUrl === undefined && portOf(values) === 0) {
      throw new UsageError('--port 0 needs --public-url: issued credentials name their status lists by URL');
    }
    const baseUrl = publicUrl ?? `http://localhost:${portOf(values)}`;
    const dataDir = dataDirOf(values);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const store = new parts.SqliteStatusStore(join(dataDir, 'issuer.db'));
    const statusLists = new parts.StatusLists({ store, key, baseUrl });
    const resolver = parts.createDidResolver({ city: createCityResolver({ reader: await config.reader(), ...pinsOf(config) }) });
    const fetchPolicy = fetchPolicyFromEnv(process.env, hostsOf([baseUrl]));
    const app = parts.createIssuerApp({
      // Related resources' digests are checked before signing, under the same policy as the verifier's fetches.
      issuer: parts.createIssuer({ key, statusLists, baseUrl, fetchResource: parts.httpResourceFetcher(fetchPolicy) }),
      // Own status lists in process; anything else under the outbound-fetch policy (spec §9.15), own URL allowed.
      verifier: parts.createVerifier({
        resolver,
        fetchStatusList: statusLists.ownListsFirst(parts.httpCredentialFetcher(fetchPolicy)),
        fetchPolicy,
      }),
      statusLists,
      holderKey: key,
      clients: [{ id: 'cli', token }],
    });
    const { limitedApp } = await import('../serve/limits.ts');
    return serveApp({ app: envSetting(() => limitedApp(app)), listen: listenOf(values), out, what: `did:city issuer ${did}`, onClose: () => store.close() });
  },
};
