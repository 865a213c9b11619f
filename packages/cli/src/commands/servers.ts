/**
 * The servers: `serve` (the all-in-one), and the parts a multi-institute deployment runs on their own: `ledger`,
 * `witness`, `driver`, `issuer`. Each runs until SIGINT/SIGTERM and then closes cleanly. Server modules are
 * imported when their command runs, so the other commands do not load SQLite or express.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Express } from 'express';
import { type CommandSpec, list, need, type OptionSpec, str, UsageError, type Values } from '../args.ts';
import { policyFingerprint } from '../config.ts';
import { signerOf } from '../keyfile.ts';
import type { Output } from '../output.ts';

const PORT: OptionSpec = { type: 'string', value: 'PORT', doc: 'port to listen on (env PORT; default 8080, 0 picks one)' };
const HOST: OptionSpec = { type: 'string', value: 'HOST', doc: 'interface to listen on (env HOST; default 127.0.0.1)' };
const DATA_DIR: OptionSpec = { type: 'string', value: 'DIR', doc: 'data directory (env DATA_DIR; default ./data)' };

/** A key or policy given inline, or the path of a file holding it. */
function readTextOrFile(value: string): string {
  try {
    return readFileSync(value, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENAMETOOLONG') return value;
    throw new UsageError(`cannot read ${value} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function portOf(values: Values, fallback = 8080): number {
  const text = str(values, 'port') ?? process.env['PORT'];
  if (text === undefined || text === '') return fallback;
  const port = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(port) || port > 65535) throw new UsageError(`--port "${text}" must be an integer from 0 to 65535`);
  return port;
}

function hostOf(values: Values): string {
  return str(values, 'host') ?? process.env['HOST'] ?? '127.0.0.1';
}

function dataDirOf(values: Values): string {
  return resolve(str(values, 'data-dir') ?? process.env['DATA_DIR'] ?? './data');
}

/** Listens, prints the bound port (with port 0 the system picks it), and closes on a signal. */
function serveApp(options: { app: Express; values: Values; out: Output; what: string; onClose?: () => Promise<void> | void }): Promise<'running'> {
  return new Promise((done, fail) => {
    const server: Server = options.app.listen(portOf(options.values), hostOf(options.values), () => {
      const { port } = server.address() as AddressInfo;
      options.out.print(`${options.what} listening on http://${hostOf(options.values)}:${port}/`);
      done('running');
    });
    server.once('error', fail);
    onSignal(async () => {
      server.close();
      server.closeAllConnections();
      await options.onClose?.();
    });
  });
}

function onSignal(close: () => Promise<void>): void {
  const stop = () => {
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

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
  },
  async run({ values, out }) {
    const { startAllInOne } = await import('../serve/index.ts');
    const publicUrl = str(values, 'public-url') ?? process.env['PUBLIC_URL'];
    const running = await startAllInOne({
      port: portOf(values),
      host: hostOf(values),
      dataDir: dataDirOf(values),
      ...(publicUrl ? { publicUrl } : {}),
      log: (line) => out.print(line),
    });
    onSignal(() => running.close());
    return 'running';
  },
};

export const ledger: CommandSpec = {
  name: 'ledger',
  summary: 'Run a standalone ledger node (SQLite in --data-dir) with its HTTP API and registration routes.',
  details: `Without --witness the node runs three in-process witnesses (quorum 2) and writes its trust policy to
<data-dir>/policy.txt. With remote witnesses give each as --witness NAME=URL and the policy naming their keys
with --witness-policy. Institute tokens (for listing applications) are given as --institute-token NAME=TOKEN.`,
  options: {
    port: PORT,
    host: HOST,
    'data-dir': DATA_DIR,
    network: { type: 'string', value: 'NET', doc: 'ledger network (e.g. test); names the default origin' },
    'admin-token': { type: 'string', value: 'T', doc: 'token of the governance path (env DID_CITY_ADMIN_TOKEN)' },
    'institute-token': { type: 'string', value: 'NAME=T', doc: 'token of an institute for GET /registrations', multiple: true },
    witness: { type: 'string', value: 'NAME=URL', doc: 'a remote witness (C2SP tlog-witness)', multiple: true },
    'witness-policy': { type: 'string', value: 'FILE', doc: 'trust policy naming the remote witnesses (with --witness)' },
  },
  async run({ values, out }) {
    const { createLedgerRouter, createRegistrationRouter, HttpWitnessClient, LedgerNode } = await import('@did-city/ledger');
    const express = (await import('express')).default;
    const dataDir = dataDirOf(values);
    const witnesses = list(values, 'witness').map((spec) => {
      const [name, url] = pair(spec, '--witness');
      return new HttpWitnessClient({ name, url });
    });
    if (witnesses.length > 0 && str(values, 'witness-policy') === undefined) throw new UsageError('--witness needs --witness-policy');
    const policy = witnesses.length > 0 ? readTextOrFile(need(values, 'witness-policy')) : undefined;
    const network = str(values, 'network');
    const node = await LedgerNode.open({ dataDir, ...(network ? { network } : {}), ...(policy ? { witnesses, policy } : {}) });
    const instituteTokens = Object.fromEntries(list(values, 'institute-token').map((spec) => pair(spec, '--institute-token')));
    const registrations = createRegistrationRouter(node, { dataDir, instituteTokens });
    const adminToken = str(values, 'admin-token') ?? process.env['DID_CITY_ADMIN_TOKEN'];
    const app = express();
    app.disable('x-powered-by');
    app.use(registrations, createLedgerRouter(node, { ...(adminToken ? { adminToken } : {}), log: (line) => out.progress(line) }));
    out.print(`ledger ${node.origin}, trust policy fingerprint ${policyFingerprint(node.policyText)} (GET /policy)`);
    return serveApp({ app, values, out, what: 'did:city ledger node', onClose: async () => {
      registrations.registrations.close();
      await node.close();
    } });
  },
};

function pair(spec: string, flagName: string): [string, string] {
  const at = spec.indexOf('=');
  if (at <= 0 || at === spec.length - 1) throw new UsageError(`${flagName} "${spec}" must be NAME=VALUE`);
  return [spec.slice(0, at), spec.slice(at + 1)];
}

export const witness: CommandSpec = {
  name: 'witness',
  summary: "Run a witness (C2SP tlog-witness POST /add-checkpoint) for a ledger's log.",
  details: `The witness key is created on first start in <data-dir>/witness.key (mode 0600); its verifier key, for the
trust policy's "witness" line, is printed at start.`,
  options: {
    'data-dir': { ...DATA_DIR, required: true },
    'log-key': { type: 'string', value: 'K', doc: "the log's verifier key (vkey text, or a file holding it)", required: true },
    name: { type: 'string', value: 'N', doc: 'witness name in the trust policy (default witness)' },
    port: PORT,
    host: HOST,
  },
  async run({ values, out }) {
    const { createWitnessApp, loadOrCreateKey, Witness } = await import('@did-city/ledger');
    const dataDir = dataDirOf(values);
    const name = str(values, 'name') ?? 'witness';
    const signerKey = loadOrCreateKey({ file: join(dataDir, 'witness.key'), name });
    const instance = new Witness({ file: join(dataDir, 'state.db'), signerKey, logKeys: [readTextOrFile(need(values, 'log-key')).trim()] });
    out.print(`witness ${instance.name} ${instance.verifierKey}`);
    return serveApp({ app: createWitnessApp(instance), values, out, what: `did:city witness ${instance.name}`, onClose: () => instance.close() });
  },
};

export const driver: CommandSpec = {
  name: 'driver',
  summary: 'Run the Universal Resolver driver (GET /1.0/identifiers/{did}) against a ledger node.',
  details: `Flags override the driver's environment settings (uniresolver_driver_did_city_*). The ledger is --ledger
(or DID_CITY_LEDGER); the trust policy is --policy, else the policy pinned for that ledger (see did-city --help).`,
  options: {
    port: PORT,
    host: HOST,
    'error-style': { type: 'string', value: 'S', doc: 'uri (default) or short (bare codes, for uni-resolver-web)' },
    'cache-ttl': { type: 'string', value: 'SECONDS', doc: 'Cache-Control max-age of results (default 60)' },
    'refuse-no-cache': { type: 'boolean', doc: 'answer noCache=true with 501' },
  },
  async run({ values, out, config }) {
    const { createDriverApp, createLedgerReader, loadSettings, publicProperties } = await import('uni-resolver-driver-did-city');
    const prefix = 'uniresolver_driver_did_city_';
    const env: Record<string, string | undefined> = { ...process.env, [`${prefix}ledgerUrl`]: config.ledger, [`${prefix}trustPolicy`]: await config.policy() };
    if (str(values, 'error-style')) env[`${prefix}errorStyle`] = str(values, 'error-style');
    if (str(values, 'cache-ttl')) env[`${prefix}cacheTtl`] = str(values, 'cache-ttl');
    if (values['refuse-no-cache'] === true) env[`${prefix}refuseNoCache`] = 'true';
    const settings = loadSettings(env);
    const app = createDriverApp({
      reader: createLedgerReader(settings),
      errorStyle: settings.errorStyle,
      cacheTtl: settings.cacheTtl,
      refuseNoCache: settings.refuseNoCache,
      properties: publicProperties(settings),
    });
    return serveApp({ app, values, out, what: 'did:city driver' });
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
    const did = str(values, 'did') ?? 'did:city:cn';
    const keyId = str(values, 'key-id') ?? '#key-1';
    const key = { verificationMethod: `${did}${keyId.startsWith('#') ? keyId : `#${keyId}`}`, signer: signerOf(config.keyFile, need(values, 'key')) };
    const token = config.token(values, 'DID_CITY_ISSUER_TOKEN');
    const baseUrl = str(values, 'public-url') ?? `http://localhost:${portOf(values)}`;
    const store = new parts.SqliteStatusStore(join(dataDirOf(values), 'issuer.db'));
    const statusLists = new parts.StatusLists({ store, key, baseUrl });
    const resolver = parts.createDidResolver({ city: createCityResolver({ reader: await config.reader() }) });
    const app = parts.createIssuerApp({
      issuer: parts.createIssuer({ key, statusLists, baseUrl }),
      verifier: parts.createVerifier({ resolver }),
      statusLists,
      clients: [{ id: 'cli', token }],
    });
    return serveApp({ app, values, out, what: `did:city issuer ${did}`, onClose: () => store.close() });
  },
};
