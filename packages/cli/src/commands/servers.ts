/**
 * The servers: `serve` (the all-in-one), and the parts a multi-institute deployment runs on their own: `driver`
 * and `issuer` here, `ledger` (ledger.ts) and `witness` (witness.ts). Each runs until SIGINT/SIGTERM and then
 * closes cleanly. Server modules are imported when their command runs, so the other commands do not load SQLite
 * or express.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { flagOptions, readSettings } from '@did-city/method/settings';
import { SETTINGS as DRIVER_SETTINGS } from 'uni-resolver-driver-did-city/settings';
import { type CommandSpec, need, UsageError } from '../args.ts';
import { pinsOf } from '../genesis.ts';
import { signerOf } from '../keyfile.ts';
import { ALL_IN_ONE_SETTINGS, allInOneOptions } from '../serve/settings.ts';
import { environmentOnly, LISTEN_SETTINGS, listenFrom } from '../settings/common.ts';
import { ISSUER_SETTINGS } from '../settings/issuer.ts';
import { envSetting, onSignal, serveApp } from './serving.ts';

export const serve: CommandSpec = {
  name: 'serve',
  summary: 'Run the all-in-one: ledger node, three witnesses, registration, driver and issuer on one port.',
  details: `The first start creates the national registry and seeds a few cities through the real workflow, and prints
what to try. Data, keys and tokens live in the data directory; a restart keeps them. \`pnpm start\` reads the same
settings from the environment.

Environment only: ${environmentOnly(ALL_IN_ONE_SETTINGS)}.`,
  options: flagOptions(ALL_IN_ONE_SETTINGS),
  async run({ values, out, config }) {
    const { startAllInOne } = await import('../serve/index.ts');
    const running = await startAllInOne({
      ...allInOneOptions(config.environment, values),
      log: (line) => out.print(line),
    }).catch((error: unknown) => {
      if (error instanceof RangeError) throw new UsageError(error.message);
      throw error;
    });
    onSignal(() => running.close());
    return 'running';
  },
};

export const driver: CommandSpec = {
  name: 'driver',
  summary: 'Run the Universal Resolver driver (GET /1.0/identifiers/{did}) against a ledger node.',
  details: `Flags override the driver's environment settings (uniresolver_driver_did_city_*). The ledger is --ledger
(or DID_CITY_LEDGER); the trust policy is --policy, else the policy pinned for that ledger (see did-city --help).`,
  options: { ...flagOptions(LISTEN_SETTINGS), ...flagOptions(DRIVER_SETTINGS) },
  async run({ values, out, config }) {
    const { createDriverApp, createLedgerReader, loadSettings, publicProperties } = await import(
      'uni-resolver-driver-did-city'
    );
    // The CLI's own --ledger and --policy are the driver's ledger and trust policy.
    const env = {
      ...config.environment,
      [DRIVER_SETTINGS.ledgerUrl.env]: config.ledger,
      [DRIVER_SETTINGS.trustPolicy.env]: await config.policy(),
    };
    const settings = loadSettings(env, undefined, values);
    if (settings.genesis === undefined) {
      out.warn(
        `NO REGISTRY GENESIS IS PINNED (${DRIVER_SETTINGS.genesis.env}): this driver resolves whichever registry genesis the ledger's log holds (spec §3.5, R-GEN-4)`,
      );
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
    const { values: own, from } = readSettings(LISTEN_SETTINGS, { env: config.environment, flags: values });
    return serveApp({
      app: envSetting(() => limitedApp(app, config.environment)),
      listen: listenFrom(own, from),
      out,
      what: 'did:city driver',
    });
  },
};

export const issuer: CommandSpec = {
  name: 'issuer',
  summary: 'Run an issuer service (VC API: /credentials/issue, /verify, /status, status lists) for a did:city DID.',
  details: `The issuer signs with a key of the key file (--key), published in the issuer DID's document as --key-id.
Status lists are kept in <data-dir>/issuer.db. Issuers resolve through the ledger (--ledger, --policy).

Environment only: ${environmentOnly(ISSUER_SETTINGS)}.`,
  options: flagOptions(ISSUER_SETTINGS),
  async run({ values, out, config }) {
    const parts = await import('@did-city/issuer');
    const { createCityResolver } = await import('@did-city/method');
    const { fetchPolicyFromEnv, hostsOf } = await import('@did-city/method/http');
    const { values: settings, from } = readSettings(ISSUER_SETTINGS, { env: config.environment, flags: values });
    const { did, keyId } = settings;
    const key = {
      verificationMethod: `${did}${keyId.startsWith('#') ? keyId : `#${keyId}`}`,
      signer: signerOf(config.keyFile, need(values, 'key')),
    };
    if (settings.token === undefined) throw new UsageError('this needs a token: --token T or DID_CITY_ISSUER_TOKEN');
    const { token, publicUrl } = settings;
    const listen = listenFrom(settings, from);
    // Status-list URLs go into every credential, so the address must be known before the first one is issued.
    if (publicUrl === undefined && listen.port === 0) {
      throw new UsageError('--port 0 needs --public-url: issued credentials name their status lists by URL');
    }
    const baseUrl = publicUrl ?? `http://localhost:${listen.port}`;
    const dataDir = resolve(settings.dataDir);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const store = new parts.SqliteStatusStore(join(dataDir, 'issuer.db'));
    const statusLists = new parts.StatusLists({ store, key, baseUrl });
    const resolver = parts.createDidResolver({
      city: createCityResolver({ reader: await config.reader(), ...pinsOf(config) }),
    });
    const fetchPolicy = fetchPolicyFromEnv(config.environment, hostsOf([baseUrl]));
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
    return serveApp({
      app: envSetting(() => limitedApp(app, config.environment)),
      listen,
      out,
      what: `did:city issuer ${did}`,
      onClose: () => store.close(),
    });
  },
};
