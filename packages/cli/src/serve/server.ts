/**
 * `startAllInOne`: a did:city network on one machine and one port. A ledger node on SQLite with three in-process
 * witnesses, its registration desk, the driver and the issuer, all in one express app (see app.ts), seeded on
 * first start with the national registry and three cities (see seed.ts), with Laiwu registered before its 2019
 * merger into Jinan and then merged (see seed-divisions.ts), and with the registry's own linked resources (the
 * credential schemas, the credentials context and its division table; see seed-resources.ts).
 *
 * The driver and the issuer's verifier resolve through an HttpLedgerReader pointed at this server's own ledger
 * routes over loopback: resolution verifies checkpoints, witness quorum and inclusion proofs exactly as a remote
 * resolver does, with the registry genesis pinned to the institute keys.
 *
 * @example
 * const running = await startAllInOne({ port: 8080, dataDir: './data' });
 * // … later
 * await running.close();
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Provider } from '@did-city/exchange';
import { join, resolve } from 'node:path';
import {
  createLimiters,
  createRegistrationRouter,
  deskSettingsFromEnv,
  LedgerNode,
  type RateLimitSettings,
  Registrations,
  rateLimitsFromEnv,
  type TrustProxy,
  trustProxyFromEnv,
} from '@did-city/ledger';
import { createCityResolver } from '@did-city/method';
import {
  FileCheckpointStore,
  fetchPolicyFromEnv,
  HttpLedgerReader,
  hostsOf,
  type OutboundFetchPolicy,
} from '@did-city/method/http';
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT } from '../settings/common.ts';
import { buildApp } from './app.ts';
import { policyFingerprint } from '../config.ts';
import { resourceLines, tokenText, tryText } from './banner.ts';
import { createExchangeProvider, DATA_PATH, seedExchange } from './exchange.ts';
import { createIssuerParts, type IssuerParts } from './issuer.ts';
import { ownRequests } from './limits.ts';
import {
  INSTITUTE_NAMES,
  layoutOf,
  loadOrCreateOperatorKeys,
  loadOrCreateSettings,
  loadOrCreateTokens,
} from './layout.ts';
import { registryPin, seedAll, seedRegistry } from './seed.ts';
import { seedDivisionChange } from './seed-divisions.ts';
import { SCHEMA_RESOURCE_TYPE, seedRegistryResources } from './seed-resources.ts';

export interface AllInOneOptions {
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1 (the server holds the institutes' keys: expose it deliberately). */
  host?: string;
  /** Default `./data`. */
  dataDir?: string;
  /**
   * Base URL printed in the curl lines. Default `http://localhost:<port>`. At first start it also fixes the issuer's
   * base URL (`<publicUrl>/issuer`), which credentials and status lists keep naming after a port change.
   */
  publicUrl?: string;
  /**
   * What the issuer's verifier may fetch (spec §9.15). Default: the DID_CITY_FETCH_* environment settings, plus this
   * server's own public URL over http; its own status lists are read in process either way.
   */
  fetchPolicy?: OutboundFetchPolicy;
  /**
   * Rate limits of the writes, the expensive reads and the registration applications (spec §9.7); a class not
   * given takes its DID_CITY_RATE_* setting, else the default. The server's own loopback reads are never counted.
   */
  rateLimits?: Partial<RateLimitSettings>;
  /** Whose X-Forwarded-For names the client (express `trust proxy`). Default: DID_CITY_TRUST_PROXY, else off. */
  trustProxy?: TrustProxy;
  /**
   * While idle, have the witnesses co-sign the latest checkpoint again this often (spec §7.9). Default: never, or a
   * third of `maxCheckpointAgeMs` when that is set (the server's own resolutions must not go stale).
   */
  recosignIntervalMs?: number;
  /** The server's own resolver refuses a checkpoint its quorum last co-signed longer ago. Default: no limit. */
  maxCheckpointAgeMs?: number;
  /** Where the banner, the seeding progress and request lines go. Default console.log. */
  log?: (line: string) => void;
}

/** The re-cosigning interval and age limit; one that could never keep the other satisfied is refused. */
function freshnessSettings(options: AllInOneOptions): { recosignIntervalMs?: number; maxCheckpointAgeMs?: number } {
  const { maxCheckpointAgeMs: maxAge } = options;
  const recosign =
    options.recosignIntervalMs ?? (maxAge === undefined ? undefined : Math.max(1, Math.floor(maxAge / 3)));
  for (const [name, value] of [
    ['recosignIntervalMs', recosign],
    ['maxCheckpointAgeMs', maxAge],
  ] as const) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0))
      throw new RangeError(`${name} must be a positive integer of milliseconds`);
  }
  // Cosignature timestamps have whole seconds: the limit must leave a second beside the interval.
  if (maxAge !== undefined && recosign !== undefined && recosign + 1000 >= maxAge) {
    throw new RangeError(
      `recosignIntervalMs (${recosign}) must be at least 1000 ms below maxCheckpointAgeMs (${maxAge}), or resolutions go stale between cosignatures`,
    );
  }
  return {
    ...(recosign === undefined ? {} : { recosignIntervalMs: recosign }),
    ...(maxAge === undefined ? {} : { maxCheckpointAgeMs: maxAge }),
  };
}

export interface AllInOne {
  url: string;
  port: number;
  dataDir: string;
  node: LedgerNode;
  close(): Promise<void>;
}

export { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT };
const EXCHANGE_FRESHNESS_MS = 5000;

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      done((server.address() as AddressInfo).port);
    });
  });
}

/** Where this process reaches its own server: the wildcard addresses are reached over loopback. */
function loopbackUrl(host: string, port: number): string {
  const name = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return `http://${name.includes(':') ? `[${name}]` : name}:${port}`;
}

function stopServer(server: Server): Promise<void> {
  return new Promise((done) => {
    if (!server.listening) return done();
    server.close(() => done());
    server.closeAllConnections();
  });
}

export async function startAllInOne(options: AllInOneOptions = {}): Promise<AllInOne> {
  const log = options.log ?? ((line: string) => console.log(line));
  const host = options.host ?? DEFAULT_HOST;
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  // Settings first: a bad one stops the start before anything is opened.
  const rateLimits = { ...rateLimitsFromEnv(process.env), ...options.rateLimits };
  const trustProxy = options.trustProxy ?? trustProxyFromEnv(process.env);
  const { recosignIntervalMs, maxCheckpointAgeMs } = freshnessSettings(options);
  const layout = layoutOf(dataDir);
  const keys = loadOrCreateOperatorKeys(layout);
  const { tokens, created } = loadOrCreateTokens(layout.tokens);
  const genesis = registryPin(keys);
  const sequencer = recosignIntervalMs === undefined ? {} : { sequencer: { recosignIntervalMs } };
  const node = await LedgerNode.open({ dataDir, genesis, log, ...sequencer });
  const server = createServer();
  let desk: Registrations | undefined;
  let issuer: IssuerParts | undefined;
  let provider: Provider | undefined;
  const close = async () => {
    await stopServer(server);
    desk?.close();
    await node.close();
    issuer?.close();
    provider?.close();
  };
  try {
    const port = await listen(server, options.port ?? DEFAULT_PORT, host);
    const publicUrl = options.publicUrl ?? `http://localhost:${port}`;
    const checkpointStore = new FileCheckpointStore(layout.checkpoints);
    // The server's own reader is not counted by the limits: the driver or verifier request it serves was.
    const own = ownRequests();
    const maxAge = maxCheckpointAgeMs === undefined ? {} : { maxCheckpointAgeMs };
    const reader = new HttpLedgerReader({
      url: `${loopbackUrl(host, port)}/`,
      policy: node.policyText,
      checkpointStore,
      headers: own.headers,
      ...maxAge,
    });
    const resolver = createCityResolver({ reader, genesis });
    const onError = (error: unknown) => log(`registration resubmission failed: ${String(error)}`);
    desk = Registrations.open({ ...deskSettingsFromEnv(), node, file: join(dataDir, 'registrations.db'), onError });
    const { issuerBaseUrl: baseUrl } = loadOrCreateSettings(layout.settings, { issuerBaseUrl: `${publicUrl}/issuer` });
    const fetchPolicy = options.fetchPolicy ?? fetchPolicyFromEnv(process.env, hostsOf([publicUrl]));
    // Our credential types name their schema by its DID URL once the registry has published it (below).
    const schemaUrls = new Map<string, string>();
    const schemaReference = (type: string) => schemaUrls.get(type);
    issuer = createIssuerParts({
      file: layout.issuerDb,
      key: keys.issuer,
      baseUrl,
      resolver,
      token: tokens.issuer,
      fetchPolicy,
      schemaReference,
    });
    const limiters = createLimiters(rateLimits, { skip: own.isOwn });
    const onExchangeError = (error: unknown) => log(`data service error: ${String(error)}`);
    // The data service checks consumers' keys on every request: verified states are reused for 5 s (as the driver's
    // default freshness), so a key removed from a consumer's document still authorises requests for at most that long.
    const exchangeResolver = createCityResolver({ reader, genesis, cache: { freshnessMs: EXCHANGE_FRESHNESS_MS } });
    provider = createExchangeProvider({
      layout,
      node,
      publicUrl,
      resolver: exchangeResolver,
      fetchPolicy,
      limiter: limiters.reads,
      onError: onExchangeError,
    });
    // Each institute's token goes with its own key: a bulk rejection under institute-a's token is signed by institute-a.
    const instituteKeys = Object.fromEntries(
      INSTITUTE_NAMES.map((name, n) => [name, [keys.institutes[n]!.publicKeyMultibase]]),
    );
    const registrations = createRegistrationRouter(node, {
      registrations: desk,
      instituteTokens: tokens.institutes,
      instituteKeys,
      log,
      limiters,
    });
    let ready = false;
    const mounts = [[DATA_PATH, provider.router] as const];
    const parts = {
      node,
      registrations,
      issuer: issuer.router,
      resolver,
      adminToken: tokens.admin,
      publicUrl,
      log,
      limiters,
      trustProxy,
      mounts,
    };
    const app = buildApp({ ...parts, isReady: () => ready });
    server.on('request', app);
    const seedContext = { node, desk, keys, layout, issuer: issuer.issuer, log };
    await seedRegistry(seedContext);
    for (const schema of await seedRegistryResources(seedContext, { divisionTable: false })) {
      if (schema.resourceType === SCHEMA_RESOURCE_TYPE) schemaUrls.set(schema.resourceName, schema.url);
    }
    await seedAll(seedContext);
    await seedDivisionChange(seedContext);
    const registryResources = await seedRegistryResources(seedContext);
    await seedExchange(seedContext, provider);
    ready = true;
    if (created) log(tokenText(tokens, layout.tokens));
    log(`did:city all-in-one listening on ${publicUrl} (data in ${dataDir})`);
    // The CLI pins GET /policy on first use and prints this fingerprint for the user to compare.
    log(`trust policy fingerprint ${policyFingerprint(node.policyText)} (${publicUrl}/policy)`);
    log(tryText({ publicUrl, dataDir }));
    log(resourceLines(publicUrl, registryResources));
    return { url: publicUrl, port, dataDir, node, close };
  } catch (error) {
    await close();
    throw error;
  }
}
