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
import type {
  DeskSettings,
  LedgerNode,
  LedgerNodeConfig,
  PostgresLogStore,
  PostgresLogStoreOptions,
  Limiters,
  TrustProxy,
} from '@did-city/ledger';
import { DidCityError } from '@did-city/method';
import { sendProblem } from '@did-city/method/http';
import { flagOptions, namedValue, readSettingFile, readSettings, type SettingValues } from '@did-city/method/settings';
import { parsePolicy, type TlogPolicy, verifierKeyOf } from '@did-city/tlog';
import type { Request, RequestHandler, Response, Router } from 'express';
import { type CommandSpec, UsageError, type Values } from '../args.ts';
import { type Config, policyFingerprint } from '../config.ts';
import { defaultExplorerDir } from '../explorer-dir.ts';
import { CliError, EXIT, type Output } from '../output.ts';
import {
  DESK_SETTINGS,
  envOf,
  environmentOnly,
  listenFrom,
  RATE_LIMIT_SETTINGS,
  TRUST_PROXY_SETTINGS,
} from '../settings/common.ts';
import { LEDGER_SETTINGS } from '../settings/ledger-node.ts';
import { envSetting, type Listen, readTextOrFile, serveApp } from './serving.ts';

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

/** `NAME=TOKEN` lines; blank lines and `#` comments are skipped. */
function tokenLines(text: string, what: string): Array<[string, string]> {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => namedValue(line, what));
}

/** The connection string with the password from its file (never logged, never in the process list). */
function databaseConnection(url: string, passwordFile: string | undefined): string {
  if (passwordFile === undefined) return url;
  const withPassword = new URL(url);
  withPassword.password = encodeURIComponent(
    readSettingFile(passwordFile, 'DID_CITY_LEDGER_DATABASE_PASSWORD_FILE').trim(),
  );
  return withPassword.href;
}

/** The remote witnesses: the policy's witness URLs, each replaced by a `--witness NAME=URL` for the same name. */
function witnessUrls(given: Array<[string, string]>, policy: TlogPolicy): Array<{ name: string; url: string }> {
  const urls = new Map(policy.witnesses.flatMap((w) => (w.url === undefined ? [] : [[w.name, w.url] as const])));
  for (const [name, url] of given) {
    if (!policy.witnesses.some((w) => w.name === name))
      throw new UsageError(`witness "${name}" is not a witness of the trust policy`);
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
      throw new UsageError(`witness ${name}: "${url}" must be an http(s) URL`);
    urls.set(name, url);
  }
  if (urls.size === 0)
    throw new UsageError('no witness URLs: give --witness NAME=URL, or URLs on the policy\'s "witness" lines');
  return [...urls].map(([name, url]) => ({ name, url }));
}

/** DID_CITY_REGISTRATION_PENDING_TTL_S and _MAX_PENDING, a bad value being a usage error. */
export function deskSettings(
  lib: Pick<LedgerLib, 'deskSettingsFromEnv'>,
  env: Readonly<Record<string, string | undefined>>,
): DeskSettings {
  try {
    return lib.deskSettingsFromEnv(envOf(DESK_SETTINGS, env));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

type NodeValues = SettingValues<typeof LEDGER_SETTINGS>;

/** The trust policy and remote witnesses, checked against this node's log key. */
function remoteWitnesses(node: LedgerNodeConfig, settings: NodeValues, logKeyFile: string, lib: LedgerLib): void {
  const policyFile = settings.witnessPolicy;
  if (policyFile === undefined) {
    if (settings.witness !== undefined)
      throw new UsageError('--witness needs --witness-policy (the trust policy naming the witnesses and their keys)');
    return;
  }
  const text = readTextOrFile(policyFile);
  const own = verifierKeyOf(node.logKey!);
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
  node.witnesses = witnessUrls(settings.witness ?? [], policy).map((w) => new lib.HttpWitnessClient(w));
}

function nodeConfig(settings: NodeValues, lib: LedgerLib): LedgerNodeConfig {
  const dataDir = resolve(settings.dataDir);
  const origin = settings.origin ?? `city.ledger/${settings.network ?? 'prod'}`;
  const logKeyFile = resolve(settings.logKey ?? join(dataDir, 'keys', 'log.key'));
  const logKey = lib.loadOrCreateKey({ file: logKeyFile, name: origin });
  const node: LedgerNodeConfig = { dataDir, origin, logKey };
  if (settings.network !== undefined) node.network = settings.network;
  remoteWitnesses(node, settings, logKeyFile, lib);
  if (settings.genesis !== undefined) node.genesis = settings.genesis.pins;
  node.allowUnpinnedGenesis = settings.allowUnpinnedGenesis;
  const sequencer = {
    batchIntervalMs: settings.batchIntervalMs,
    maxBatch: settings.maxBatch,
    ackTimeoutMs: settings.ackTimeoutMs,
    recosignIntervalMs: settings.recosignInterval,
  };
  node.sequencer = Object.fromEntries(Object.entries(sequencer).filter(([, v]) => v !== undefined));
  return node;
}

function ledgerSettings(values: Values, config: Config, lib: LedgerLib): LedgerSettings {
  const env = config.environment;
  const { values: settings, from } = readSettings(LEDGER_SETTINGS, { env, flags: values });
  const node = nodeConfig(settings, lib);
  const adminFile = settings.adminTokenFile;
  const adminToken =
    settings.adminToken ??
    (adminFile === undefined ? undefined : readSettingFile(adminFile, 'DID_CITY_LEDGER_ADMIN_TOKEN_FILE').trim());
  const tokensFile = settings.instituteTokensFile;
  const instituteTokens = Object.fromEntries([
    ...(tokensFile === undefined
      ? []
      : tokenLines(readSettingFile(tokensFile, 'DID_CITY_LEDGER_INSTITUTE_TOKENS_FILE'), tokensFile)),
    ...(settings.instituteToken ?? []),
  ]);
  const result: LedgerSettings = {
    limiters: lib.createLimiters(envSetting(() => lib.rateLimitsFromEnv(envOf(RATE_LIMIT_SETTINGS, env)))),
    trustProxy: envSetting(() => lib.parseTrustProxy(settings.trustProxy, TRUST_PROXY_SETTINGS.trustProxy.env)),
    dataDir: node.dataDir,
    listen: listenFrom(settings, from, settings.listen),
    node,
    instituteTokens,
    desk: deskSettings(lib, env),
    ...(adminToken ? { adminToken } : {}),
  };
  if (settings.database !== undefined) {
    const connection = databaseConnection(settings.database, settings.databasePasswordFile);
    result.database = { connection, retryMs: settings.leadershipRetryMs };
    if (node.policy === undefined)
      throw new UsageError('--database needs the trust policy and witnesses of the institutes (--witness-policy)');
  }
  return result;
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
  const ledgerRouter = lib.createLedgerRouter(node, {
    ...(settings.adminToken ? { adminToken: settings.adminToken } : {}),
    log,
    limiters,
  });
  if (node.sequencer === undefined) {
    handler.use('/registrations', notSequencing);
    handler.post(['/operations', '/governance/operations'], notSequencing);
    handler.use(ledgerRouter);
    return { node, handler, close: () => node.close() };
  }
  const registrations = lib.createRegistrationRouter(node, {
    dataDir: settings.dataDir,
    desk: settings.desk,
    instituteTokens: settings.instituteTokens,
    limiters,
  });
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
    out.warn(
      `--allow-unpinned-genesis: besides the pinned ${pinned.join(', ')}, the admin token alone can create a country registry with any keys (spec §3.5, R-GEN-4)`,
    );
  }
}

/** Writes and registration (approvals anchor the create) need the sequencer: a waiting node refuses them. */
const notSequencing: RequestHandler = (_req: Request, res: Response) => {
  const error = new DidCityError(
    'LEDGER_UNAVAILABLE',
    'this node does not sequence (its database is a standby, or another node holds the sequencer lock): submit, apply and approve at the sequencing node',
  );
  res.setHeader('Retry-After', '5');
  sendProblem(res, error.toProblem());
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

Environment only (flags win over the settings named in the options): ${environmentOnly(LEDGER_SETTINGS)}.
Readers that limit the checkpoint age (driver maxCheckpointAge) need --recosign-interval below their limit.
The deployment's files: deploy/three-institutes/institute-X/ledger-node.env.`,
  options: flagOptions(LEDGER_SETTINGS),
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
      out.print(
        `sequencing: this node holds the sequencer lock; log size ${(await store.head()).size}, signing with its own log key`,
      );
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
    out.print(
      'not sequencing: the database is a standby or another node holds the sequencer lock; serving reads, waiting for leadership',
    );
    const takeOver = async () => {
      const store = await lib.PostgresLogStore.open({
        connection,
        waitForLeadership: { retryMs, signal: waiting.signal },
      });
      const previous = current;
      current = await sequencing(store);
      await previous?.close();
    };
    takeOver().catch((error: unknown) => {
      if (waiting.signal.aborted) return;
      const detail = error instanceof Error ? error.message : String(error);
      exitWith(out, new CliError({ exit: EXIT.refused, title: 'Could not take over as sequencer', detail }), () =>
        current?.close(),
      );
    });
    return running;
  },
};

/** Exits 1 once the session holding the sequencer lock is gone: only a restart waits for leadership again. */
function watchLease(
  store: PostgresLogStore,
  out: Output,
  close: () => Promise<void> | undefined,
  retryMs: number,
): void {
  const timer = setInterval(
    () => {
      if (store.isWriter) return;
      clearInterval(timer);
      exitWith(
        out,
        new CliError({
          exit: EXIT.refused,
          title: 'Sequencer lock lost',
          detail:
            'the database session holding the sequencer lock ended (primary stopped, demoted or unreachable); this node no longer sequences',
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
