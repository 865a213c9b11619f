/**
 * `did-city ledger`: a ledger node with its HTTP API and registration routes. On SQLite (the data directory) it is
 * the only node of its log. With --database it is one institute's node of a log on PostgreSQL that several
 * institutes run: while its database is a standby it serves reads (a read-only node) and waits for leadership;
 * once its database is the primary and the sequencer lock is free it reloads the head and sequences, signing with
 * its own log key. A node that loses the database session holding the lock exits 1, so that its supervisor
 * restarts it to wait for leadership again. Settings come from flags, else from the DID_CITY_LEDGER_* environment
 * (deploy/three-institutes/institute-X/ledger-node.env).
 */
import { join, resolve } from 'node:path';
import type { DeskSettings, LedgerNode, LedgerNodeConfig, PostgresLogStore, PostgresLogStoreOptions, Limiters, TrustProxy } from '@did-city/ledger';
import { DidCityError, type GenesisPolicy } from '@did-city/method';
import { parsePolicy, type TlogPolicy, verifierKeyOf } from '@did-city/tlog';
import type { Request, RequestHandler, Response, Router } from 'express';
import { type CommandSpec, list, str, UsageError, type Values } from '../args.ts';
import { type Config, policyFingerprint } from '../config.ts';
import { defaultExplorerDir } from '../explorer-dir.ts';
import { genesisFromText } from '../genesis.ts';
import { CliError, EXIT, type Output } from '../output.ts';
import { DATA_DIR, dataDirOf, envSetting, HOST, type Listen, listenOf, PORT, pair, readSettingFile, readTextOrFile, serveApp } from './serving.ts';

type LedgerLib = typeof import('@did-city/ledger');

interface LedgerSettings {
  dataDir: string;
  listen: Listen;
  /** Everything of the node's config but its store. */
  node: LedgerNodeConfig;
  /** PostgreSQL: the connection and how often to retry for leadership. */
  database?: { connection: PostgresLogStoreOptions['connection']; retryMs: number };
  adminToken?: string;
  instituteTokens: Record<string, string>;
  /** DID_CITY_RATE_* (spec §9.7): one set for the ledger and registration routers of this server. */
  limiters: Limiters;
  /** DID_CITY_TRUST_PROXY: whose X-Forwarded-For names the client. */
  trustProxy: TrustProxy;
  /** The registration desk's pending time and bound (DID_CITY_REGISTRATION_*). */
  desk: DeskSettings;
}

function integerSetting(config: Config, name: string): number | undefined {
  const text = config.env(name);
  if (text === undefined) return undefined;
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value)) throw new UsageError(`${name}="${text}" must be a non-negative integer`);
  return value;
}

/**
 * `--recosign-interval MS` or DID_CITY_LEDGER_RECOSIGN_INTERVAL_MS: how often an idle node asks its witnesses to
 * co-sign the latest checkpoint again, so that readers with a maximum checkpoint age keep accepting it (spec §7.9).
 * Unset: never. 0 is refused (it would mean "continuously").
 */
function recosignInterval(values: Values, config: Config): number | undefined {
  const flag = str(values, 'recosign-interval');
  const name = flag === undefined ? 'DID_CITY_LEDGER_RECOSIGN_INTERVAL_MS' : '--recosign-interval';
  const text = flag ?? config.env('DID_CITY_LEDGER_RECOSIGN_INTERVAL_MS');
  if (text === undefined) return undefined;
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`${name}="${text}" must be a positive number of milliseconds`);
  return value;
}

/** `NAME=TOKEN` lines; blank lines and `#` comments are skipped. */
function tokenLines(text: string, what: string): Array<[string, string]> {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => pair(line, what));
}

/** The connection string with the password from its file (never logged, never in the process list). */
function databaseConnection(url: string, passwordFile: string | undefined): string {
  if (!URL.canParse(url) || !/^postgres(ql)?:$/.test(new URL(url).protocol)) {
    throw new UsageError('--database must be a postgresql:// connection URL');
  }
  if (passwordFile === undefined) return url;
  const withPassword = new URL(url);
  withPassword.password = encodeURIComponent(readSettingFile(passwordFile, 'DID_CITY_LEDGER_DATABASE_PASSWORD_FILE').trim());
  return withPassword.href;
}

/** The remote witnesses: the policy's witness URLs, each replaced by a `--witness NAME=URL` for the same name. */
function witnessUrls(values: Values, config: Config, policy: TlogPolicy): Array<{ name: string; url: string }> {
  const given = list(values, 'witness');
  const specs = given.length > 0 ? given : (config.env('DID_CITY_LEDGER_WITNESSES')?.split(',') ?? []).filter((s) => s.trim() !== '');
  const urls = new Map(policy.witnesses.flatMap((w) => (w.url === undefined ? [] : [[w.name, w.url] as const])));
  for (const spec of specs) {
    const [name, url] = pair(spec, '--witness');
    if (!policy.witnesses.some((w) => w.name === name)) throw new UsageError(`witness "${name}" is not a witness of the trust policy`);
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new UsageError(`witness ${name}: "${url}" must be an http(s) URL`);
    urls.set(name, url);
  }
  if (urls.size === 0) throw new UsageError('no witness URLs: give --witness NAME=URL, or URLs on the policy\'s "witness" lines');
  return [...urls].map(([name, url]) => ({ name, url }));
}

function genesisPins(file: string): GenesisPolicy {
  return genesisFromText(readSettingFile(file, '--genesis'), `--genesis ${file}`);
}

/** DID_CITY_REGISTRATION_PENDING_TTL_S and _MAX_PENDING, a bad value being a usage error. */
export function deskSettings(lib: Pick<LedgerLib, 'deskSettingsFromEnv'>, env: (name: string) => string | undefined): DeskSettings {
  const names = ['DID_CITY_REGISTRATION_PENDING_TTL_S', 'DID_CITY_REGISTRATION_MAX_PENDING'];
  try {
    return lib.deskSettingsFromEnv(Object.fromEntries(names.map((name) => [name, env(name)])));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function ledgerSettings(values: Values, config: Config, lib: LedgerLib): LedgerSettings {
  const env = (name: string) => config.env(name);
  const envOf = (names: readonly string[]) => Object.fromEntries(names.map((name) => [name, env(name)]));
  const dataDir = dataDirOf(values, env('DID_CITY_LEDGER_DATA_DIR'));
  const network = str(values, 'network');
  const origin = str(values, 'origin') ?? env('DID_CITY_LEDGER_ORIGIN') ?? `city.ledger/${network ?? 'prod'}`;
  const logKeyFile = resolve(str(values, 'log-key') ?? env('DID_CITY_LEDGER_LOG_KEY_FILE') ?? join(dataDir, 'keys', 'log.key'));
  const logKey = lib.loadOrCreateKey({ file: logKeyFile, name: origin });
  const node: LedgerNodeConfig = { dataDir, origin, logKey };
  if (network !== undefined) node.network = network;
  const policyFile = str(values, 'witness-policy') ?? env('DID_CITY_LEDGER_POLICY_FILE');
  if (policyFile === undefined && (list(values, 'witness').length > 0 || env('DID_CITY_LEDGER_WITNESSES') !== undefined)) {
    throw new UsageError('--witness needs --witness-policy (the trust policy naming the witnesses and their keys)');
  }
  if (policyFile !== undefined) {
    const text = readTextOrFile(policyFile);
    const own = verifierKeyOf(logKey);
    const hint = `the policy of every institute, witness and reader needs the line "log ${own}" (this node's log key)`;
    let policy: TlogPolicy;
    try {
      policy = parsePolicy(text);
    } catch (error) {
      const detail = `the trust policy ${policyFile} is not a C2SP tlog-policy (${(error as Error).message})`;
      throw new CliError({ exit: EXIT.usage, title: 'Unusable trust policy', detail, hint });
    }
    if (!policy.logs.some((log) => log.verifierKey === own)) {
      const detail = `this node's log key (${logKeyFile}) is not a "log" line of ${policyFile}, so no witness or reader would accept its checkpoints`;
      throw new CliError({ exit: EXIT.refused, title: 'Log key not in the trust policy', detail, hint });
    }
    node.policy = text;
    node.witnesses = witnessUrls(values, config, policy).map((w) => new lib.HttpWitnessClient(w));
  }
  const genesisFile = str(values, 'genesis') ?? env('DID_CITY_LEDGER_GENESIS_FILE');
  if (genesisFile !== undefined) node.genesis = genesisPins(genesisFile);
  const unpinned = env('DID_CITY_LEDGER_ALLOW_UNPINNED_GENESIS');
  if (unpinned !== undefined && unpinned !== 'true' && unpinned !== 'false') {
    throw new UsageError(`DID_CITY_LEDGER_ALLOW_UNPINNED_GENESIS="${unpinned.slice(0, 20)}" must be true or false`);
  }
  node.allowUnpinnedGenesis = values['allow-unpinned-genesis'] === true || unpinned === 'true';
  const sequencer = {
    batchIntervalMs: integerSetting(config, 'DID_CITY_LEDGER_BATCH_INTERVAL_MS'),
    maxBatch: integerSetting(config, 'DID_CITY_LEDGER_MAX_BATCH'),
    ackTimeoutMs: integerSetting(config, 'DID_CITY_LEDGER_ACK_TIMEOUT_MS'),
    recosignIntervalMs: recosignInterval(values, config),
  };
  node.sequencer = Object.fromEntries(Object.entries(sequencer).filter(([, v]) => v !== undefined));
  const adminFile = env('DID_CITY_LEDGER_ADMIN_TOKEN_FILE');
  const adminToken =
    str(values, 'admin-token') ??
    env('DID_CITY_ADMIN_TOKEN') ??
    (adminFile === undefined ? undefined : readSettingFile(adminFile, 'DID_CITY_LEDGER_ADMIN_TOKEN_FILE').trim());
  const tokensFile = env('DID_CITY_LEDGER_INSTITUTE_TOKENS_FILE');
  const instituteTokens = Object.fromEntries([
    ...(tokensFile === undefined ? [] : tokenLines(readSettingFile(tokensFile, 'DID_CITY_LEDGER_INSTITUTE_TOKENS_FILE'), tokensFile)),
    ...list(values, 'institute-token').map((spec) => pair(spec, '--institute-token')),
  ]);
  const databaseUrl = str(values, 'database') ?? env('DID_CITY_LEDGER_DATABASE_URL');
  const settings: LedgerSettings = {
    limiters: lib.createLimiters(envSetting(() => lib.rateLimitsFromEnv(envOf(Object.values(lib.RATE_LIMIT_ENV))))),
    trustProxy: envSetting(() => lib.parseTrustProxy(env(lib.TRUST_PROXY_ENV))),
    dataDir,
    listen: listenOf(values, { name: 'DID_CITY_LEDGER_LISTEN', value: env('DID_CITY_LEDGER_LISTEN') }),
    node,
    instituteTokens,
    desk: deskSettings(lib, env),
    ...(adminToken ? { adminToken } : {}),
  };
  if (databaseUrl !== undefined) {
    const connection = databaseConnection(databaseUrl, env('DID_CITY_LEDGER_DATABASE_PASSWORD_FILE'));
    settings.database = { connection, retryMs: integerSetting(config, 'DID_CITY_LEDGER_LEADERSHIP_RETRY_MS') ?? 500 };
    if (node.policy === undefined) throw new UsageError('--database needs the trust policy and witnesses of the institutes (--witness-policy)');
  }
  return settings;
}

/** What the HTTP server answers with for one node: its routes, and how to close them with the node. */
interface Serving {
  node: LedgerNode;
  handler: Router;
  close(): Promise<void>;
}

async function servingOf(lib: LedgerLib, node: LedgerNode, settings: LedgerSettings, out: Output): Promise<Serving> {
  const express = (await import('express')).default;
  const handler = express.Router();
  handler.use(lib.explorerRoutes(defaultExplorerDir()));
  const log = (line: string) => out.progress(line);
  // One set of limiters for both routers, kept when a waiting node takes over: a class's budget is per server.
  const { limiters } = settings;
  const ledgerRouter = lib.createLedgerRouter(node, { ...(settings.adminToken ? { adminToken: settings.adminToken } : {}), log, limiters });
  if (node.sequencer === undefined) {
    handler.use('/registrations', notSequencing);
    handler.post(['/operations', '/governance/operations'], notSequencing);
    handler.use(ledgerRouter);
    return { node, handler, close: () => node.close() };
  }
  const registrations = lib.createRegistrationRouter(node, { dataDir: settings.dataDir, desk: settings.desk, instituteTokens: settings.instituteTokens, limiters });
  handler.use(registrations, ledgerRouter);
  return {
    node,
    handler,
    close: async () => {
      registrations.registrations.close();
      await node.close();
    },
  };
}

/** Loud on purpose (stderr): without pins, nobody can tell the real registry from one the operator made up. */
function warnGenesis(node: LedgerNodeConfig, out: Output): void {
  const pinned = Object.keys(node.genesis ?? {});
  if (pinned.length === 0) {
    out.warn(
      node.allowUnpinnedGenesis
        ? 'NO REGISTRY GENESIS IS PINNED (--genesis) and --allow-unpinned-genesis is set: the admin token alone can create a country registry with any keys (spec §3.5, R-GEN-4)'
        : 'NO REGISTRY GENESIS IS PINNED (--genesis): the governance path refuses every country registry genesis (spec §3.5, R-GEN-4)',
    );
  } else if (node.allowUnpinnedGenesis) {
    out.warn(`--allow-unpinned-genesis: besides the pinned ${pinned.join(', ')}, the admin token alone can create a country registry with any keys (spec §3.5, R-GEN-4)`);
  }
}

/** Writes and registration (approvals anchor the create) need the sequencer: a waiting node refuses them. */
const notSequencing: RequestHandler = (_req: Request, res: Response) => {
  const error = new DidCityError(
    'LEDGER_UNAVAILABLE',
    'this node does not sequence (its database is a standby, or another node holds the sequencer lock): submit, apply and approve at the sequencing node',
  );
  res.status(error.status).setHeader('Retry-After', '5').type('application/problem+json').send(JSON.stringify(error.toProblem()));
};

export const ledger: CommandSpec = {
  name: 'ledger',
  summary: 'Run a ledger node with its HTTP API and registration routes (SQLite in --data-dir, or PostgreSQL).',
  details: `Without --witness-policy the node runs three in-process witnesses (quorum 2) and writes its trust policy
to <data-dir>/policy.txt. With it the witnesses are remote (C2SP tlog-witness over HTTP): the URLs on the policy's
"witness" lines, or --witness NAME=URL for a witness of the policy. The node's log key (--log-key, created mode 0600
if missing, default <data-dir>/keys/log.key) is named after the origin and must be a "log" line of the policy.

With --database (PostgreSQL) the node is one institute's node of a shared log. While its database is a standby
it serves reads, proofs and tiles from it and answers writes and registrations with 503; when the database is
the primary and the sequencer lock is free, it takes the lock, reloads the log head and anchors what a previous
sequencer left unacknowledged, then sequences ("sequencing" is printed). If the session holding the lock is lost
(primary killed, demoted, cut off) the node exits 1: run it under a supervisor that restarts it (systemd
Restart=always) so that it waits for leadership again. Applications are kept in <data-dir>/registrations.db.

Environment only (flags win over the settings named in the options): DID_CITY_LEDGER_LISTEN (HOST:PORT, below
--host/--port, above HOST/PORT), DID_CITY_LEDGER_DATABASE_PASSWORD_FILE, DID_CITY_LEDGER_ADMIN_TOKEN_FILE,
DID_CITY_LEDGER_INSTITUTE_TOKENS_FILE (NAME=TOKEN lines), DID_CITY_LEDGER_LEADERSHIP_RETRY_MS (500),
DID_CITY_LEDGER_BATCH_INTERVAL_MS (100), DID_CITY_LEDGER_MAX_BATCH (256), DID_CITY_LEDGER_ACK_TIMEOUT_MS (30000),
DID_CITY_REGISTRATION_PENDING_TTL_S (2592000: a pending application expires after 30 days),
DID_CITY_REGISTRATION_MAX_PENDING (10000 applications pending at once).
Readers that limit the checkpoint age (driver maxCheckpointAge) need --recosign-interval below their limit.
The deployment's files: deploy/three-institutes/institute-X/ledger-node.env.`,
  options: {
    port: PORT,
    host: HOST,
    'data-dir': { ...DATA_DIR, doc: 'data directory: registrations, SQLite log (env DID_CITY_LEDGER_DATA_DIR, DATA_DIR; default ./data)' },
    network: { type: 'string', value: 'NET', doc: 'ledger network (e.g. test): only its DIDs are accepted; names the default origin' },
    origin: { type: 'string', value: 'O', doc: 'checkpoint origin and log key name (env DID_CITY_LEDGER_ORIGIN; default city.ledger/<network|prod>)' },
    'log-key': { type: 'string', value: 'FILE', doc: "this node's log signer key, created if missing (env DID_CITY_LEDGER_LOG_KEY_FILE)" },
    database: { type: 'string', value: 'URL', doc: "PostgreSQL URL of this institute's member (env DID_CITY_LEDGER_DATABASE_URL)" },
    'admin-token': { type: 'string', value: 'T', doc: 'token of the governance path (env DID_CITY_ADMIN_TOKEN)' },
    'institute-token': { type: 'string', value: 'NAME=T', doc: 'token of an institute for GET /registrations', multiple: true },
    witness: { type: 'string', value: 'NAME=URL', doc: 'URL of a policy witness (env DID_CITY_LEDGER_WITNESSES=N=URL,N=URL)', multiple: true },
    'witness-policy': { type: 'string', value: 'FILE', doc: 'trust policy: log keys, witness keys, quorum (env DID_CITY_LEDGER_POLICY_FILE)' },
    genesis: { type: 'string', value: 'FILE', doc: 'registry genesis pins, JSON {"did:city:cn": {"updateKeys": […]}} (env DID_CITY_LEDGER_GENESIS_FILE)' },
    'recosign-interval': {
      type: 'string',
      value: 'MS',
      doc: 'while idle, have the witnesses co-sign the latest checkpoint again this often (env DID_CITY_LEDGER_RECOSIGN_INTERVAL_MS; default never)',
    },
    'allow-unpinned-genesis': {
      type: 'boolean',
      doc: 'let the admin token create a country registry that --genesis does not pin (env DID_CITY_LEDGER_ALLOW_UNPINNED_GENESIS=true)',
    },
  },
  async run({ values, out, config }) {
    const lib = await import('@did-city/ledger');
    const express = (await import('express')).default;
    const settings = ledgerSettings(values, config, lib);
    settings.node.log = (line) => out.progress(line);
    let current: Serving | undefined;
    const app = express();
    app.disable('x-powered-by');
    lib.applyTrustProxy(app, settings.trustProxy);
    app.use((req, res, next) => (current ? current.handler(req, res, next) : next()));
    const banner = (node: LedgerNode) => {
      out.print(`ledger ${node.origin}, trust policy fingerprint ${policyFingerprint(node.policyText)} (GET /policy)`);
      out.print(`log key ${node.logVerifierKey}`);
      warnGenesis(settings.node, out);
    };
    const what = 'did:city ledger node';
    const onClose = () => current?.close();
    if (settings.database === undefined) {
      const node = await lib.LedgerNode.open(settings.node);
      current = await servingOf(lib, node, settings, out);
      banner(node);
      return serveApp({ app, listen: settings.listen, out, what, onClose });
    }
    const { connection, retryMs } = settings.database;
    const sequencing = async (store: PostgresLogStore) => {
      const node = await lib.LedgerNode.open({ ...settings.node, store });
      const serving = await servingOf(lib, node, settings, out);
      out.print(`sequencing: this node holds the sequencer lock; log size ${(await store.head()).size}, signing with its own log key`);
      watchLease(store, out, () => current?.close(), retryMs);
      return serving;
    };
    const writer = await lib.PostgresLogStore.open({ connection }).catch((error: unknown) => {
      if (error instanceof lib.NotLeaderError) return undefined;
      throw error;
    });
    if (writer !== undefined) {
      current = await sequencing(writer);
      banner(current.node);
      return serveApp({ app, listen: settings.listen, out, what, onClose });
    }
    const reader = await lib.PostgresLogStore.open({ connection, role: 'reader' });
    const readOnly = await lib.LedgerNode.open({ ...settings.node, store: reader, readOnly: true });
    current = await servingOf(lib, readOnly, settings, out);
    banner(readOnly);
    const waiting = new AbortController();
    const running = await serveApp({
      app,
      listen: settings.listen,
      out,
      what,
      onClose: () => {
        waiting.abort();
        return onClose();
      },
    });
    out.print('not sequencing: the database is a standby or another node holds the sequencer lock; serving reads, waiting for leadership');
    const takeOver = async () => {
      const store = await lib.PostgresLogStore.open({ connection, waitForLeadership: { retryMs, signal: waiting.signal } });
      const previous = current;
      current = await sequencing(store);
      await previous?.close();
    };
    takeOver().catch((error: unknown) => {
      if (waiting.signal.aborted) return;
      const detail = error instanceof Error ? error.message : String(error);
      exitWith(out, new CliError({ exit: EXIT.refused, title: 'Could not take over as sequencer', detail }), () => current?.close());
    });
    return running;
  },
};

/** Exits 1 once the session holding the sequencer lock is gone: only a restart waits for leadership again. */
function watchLease(store: PostgresLogStore, out: Output, close: () => Promise<void> | undefined, retryMs: number): void {
  const timer = setInterval(
    () => {
      if (store.isWriter) return;
      clearInterval(timer);
      exitWith(
        out,
        new CliError({
          exit: EXIT.refused,
          title: 'Sequencer lock lost',
          detail: 'the database session holding the sequencer lock ended (primary stopped, demoted or unreachable); this node no longer sequences',
          hint: 'exiting so that the supervisor restarts the node, which then waits for leadership (systemd Restart=always)',
        }),
        close,
      );
    },
    Math.min(retryMs, 1000),
  );
  timer.unref();
}

/** Reports the failure, closes what it can within 3 s, and exits with the failure's code. */
function exitWith(out: Output, error: CliError, close: () => Promise<void> | undefined): void {
  const code = out.fail(error);
  const deadline = new Promise((done) => setTimeout(done, 3000).unref());
  void Promise.race([Promise.resolve(close()).catch(() => undefined), deadline]).then(() => process.exit(code));
}
