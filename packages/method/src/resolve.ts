/**
 * DID resolution (W3C DID Resolution §4, spec/did-city.md §6): verify the DID's history from the ledger, select
 * the version the options ask for, return it with its metadata. Never throws: every failure is a result with
 * `didResolutionMetadata.error`.
 *
 * @example
 * const resolver = createCityResolver({ reader: ledger });
 * const { didDocument, didDocumentMetadata } = await resolver.resolve('did:city:cn:130100');
 */
import { parseDid } from './did.ts';
import { dereference as dereferenceWith } from './dereference.ts';
import { lookupDivision } from './divisions.ts';
import { DidCityError, type ProblemDetails, toResolutionProblem } from './errors.ts';
import { extendHistory, loadHistory } from './history.ts';
import { canonicalize } from './jcs.ts';
import { copyJson, equalsParsedJson } from './json-values.ts';
import { LruCache } from './lru-cache.ts';
import { multihashSha256 } from './hash.ts';
import { operationHash } from './operation.ts';
import { type ResolutionRequest, readResolutionOptions, toUtcSeconds } from './resolution-options.ts';
import { linkedResourceMetadata, verifyResourceContent } from './resource.ts';
import type { ResourceLoader, ResourceView } from './resource-dereference.ts';
import { lastLeafIndex } from './state.ts';
import { successorLinks } from './successors.ts';
import type {
  CityMetadata,
  DereferencingOptions,
  DIDDereferencingResult,
  DIDDocumentMetadata,
  DIDResolutionOptions,
  DIDResolutionResult,
} from './resolution-types.ts';
import type {
  CityDid,
  DIDDocument,
  DidHistory,
  DocumentVersion,
  LedgerHistory,
  LedgerReader,
  LinkedResource,
  LogEntry,
} from './types.ts';

type LoadOptions = NonNullable<Parameters<typeof loadHistory>[2]>;
type Ledger = NonNullable<LedgerHistory['ledger']>;

export interface CityResolverOptions {
  reader: LedgerReader;
  /** The pinned genesis of the country registries (trust policy, spec §3.5), passed to loadHistory. */
  genesis?: LoadOptions['genesis'];
  /**
   * Verified-state cache: on by default (1024 DIDs); `false` turns it off. `freshnessMs` (default 0: always ask
   * the ledger) is how long a verified state, or the verified absence of a DID, is served without reading the
   * ledger again; `noCache` always reads. `verifiedAt(result)` tells when the state behind a result was verified.
   */
  cache?: boolean | HistoryCacheOptions;
  /** Answer FEATURE_NOT_SUPPORTED to `noCache: true`, e.g. for a public driver that protects its ledger. */
  refuseNoCache?: boolean;
}

export interface CityResolver {
  resolve(did: string, options?: DIDResolutionOptions): Promise<DIDResolutionResult>;
  dereference(didUrl: string, options?: DereferencingOptions): Promise<DIDDereferencingResult>;
}

/** Context of a standalone `resolve()`; `createCityResolver` builds one with its cache. */
export interface ResolveContext extends Omit<CityResolverOptions, 'cache'> {
  cache?: HistoryCache;
}

const DEFAULT_CACHE_ENTRIES = 1024;

export interface HistoryCacheOptions {
  /** DIDs kept, least recently used evicted first. Default 1024. */
  maxEntries?: number;
  /** Milliseconds a verified state is served without reading the ledger. Default 0 (every resolution reads). */
  freshnessMs?: number;
}

/**
 * What the resolver verified of one DID: its history (absent: the ledger had no entries for it), the checkpoint it
 * was verified against, and when (`Date.now()` taken before the ledger read, so the state is at least that fresh).
 */
export interface VerifiedState {
  history?: DidHistory;
  ledger?: Ledger;
  verifiedAt: number;
}

/**
 * Verified states by DID, least recently used evicted first. Within `freshnessMs` of its verification a state is
 * served as it is; after that it is used only when the ledger's entries for the DID still end at the cached head,
 * so an unchanged DID costs one ledger read and no replay. Refreshes of one DID share one ledger read.
 */
export class HistoryCache {
  readonly #entries: LruCache<string, VerifiedState>;
  readonly #pending = new Map<string, Promise<VerifiedState>>();
  readonly freshnessMs: number;

  constructor(maxEntries = DEFAULT_CACHE_ENTRIES, freshnessMs = 0) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
      throw new RangeError('maxEntries must be a positive integer');
    if (!Number.isFinite(freshnessMs) || freshnessMs < 0)
      throw new RangeError('freshnessMs must be a non-negative number');
    this.#entries = new LruCache(maxEntries);
    this.freshnessMs = freshnessMs;
  }

  get(did: string): VerifiedState | undefined {
    return this.#entries.get(did);
  }

  set(did: string, state: VerifiedState): void {
    this.#entries.set(did, state);
  }

  /** The state of `did` if it was verified less than `freshnessMs` ago (never when the clock went back). */
  fresh(did: string, now = Date.now()): VerifiedState | undefined {
    if (this.freshnessMs <= 0) return undefined;
    const state = this.#entries.get(did);
    if (state === undefined) return undefined;
    const age = now - state.verifiedAt;
    return age >= 0 && age < this.freshnessMs ? state : undefined;
  }

  /** Runs `refresh` for `did` unless one is already running, whose answer is then shared (window on only). */
  refreshOnce(did: string, refresh: () => Promise<VerifiedState>): Promise<VerifiedState> {
    if (this.freshnessMs <= 0) return refresh();
    const running = this.#pending.get(did);
    if (running !== undefined) return running;
    const started = refresh().finally(() => this.#pending.delete(did));
    this.#pending.set(did, started);
    return started;
  }
}

function headLeafIndex(history: DidHistory): number {
  return lastLeafIndex(history);
}

/**
 * The head operation of each cached history, parsed from its JCS text, which hashes to the history's head hash.
 * A warm resolution compares the ledger's last entry with it instead of canonicalising and hashing the entry again.
 */
const headOperations = new WeakMap<DidHistory, unknown>();

function rememberHead(history: DidHistory, entries: readonly LogEntry[]): void {
  const last = entries.at(-1);
  if (last === undefined) return;
  try {
    const text = canonicalize(last.operation);
    if (multihashSha256(new TextEncoder().encode(text)) === history.head.operationHash)
      headOperations.set(history, JSON.parse(text));
  } catch {
    // Not canonical JSON: nothing to remember, isUnchanged then hashes as it always may.
  }
}

function headIsUnchanged(history: DidHistory, operation: unknown): boolean {
  const head = headOperations.get(history);
  if (head !== undefined && equalsParsedJson(operation, head)) return true;
  return operationHash(operation as LogEntry['operation']) === history.head.operationHash;
}

function isUnchanged(history: DidHistory, entries: LogEntry[]): boolean {
  const last = entries.at(-1);
  return (
    last !== undefined &&
    entries.length === history.head.seq + 1 &&
    last.index === headLeafIndex(history) &&
    headIsUnchanged(history, last.operation)
  );
}

/**
 * The entries after the cached head when the ledger's entries still hold that head at its position (same leaf,
 * same operation hash) and go on past it; undefined otherwise (then the whole history is replayed).
 */
function entriesAfterHead(history: DidHistory, entries: LogEntry[]): LogEntry[] | undefined {
  const at = history.head.seq;
  const head = entries[at];
  if (history.deactivation !== undefined || head === undefined || entries.length <= at + 1) return undefined;
  if (head.index !== headLeafIndex(history) || !headIsUnchanged(history, head.operation)) return undefined;
  return entries.slice(at + 1);
}

async function cachedHistory(did: string, context: ResolveContext & { cache: HistoryCache }): Promise<VerifiedState> {
  const { cache } = context;
  return cache.fresh(did) ?? cache.refreshOnce(did, () => refreshHistory(did, context));
}

async function refreshHistory(did: string, context: ResolveContext & { cache: HistoryCache }): Promise<VerifiedState> {
  const { cache } = context;
  const verifiedAt = Date.now();
  const fresh = await context.reader.history(did);
  const cached = cache.get(did)?.history;
  if (cached !== undefined && isUnchanged(cached, fresh.entries)) {
    return remember(cache, did, { history: cached, ...ledgerOf(fresh.ledger), verifiedAt });
  }
  const newer = cached === undefined ? undefined : entriesAfterHead(cached, fresh.entries);
  if (newer !== undefined) {
    const extended = await extendHistory(context.reader, cached!, newer, withGenesis({}, context));
    rememberHead(extended, fresh.entries);
    return remember(cache, did, { history: extended, ...ledgerOf(fresh.ledger), verifiedAt });
  }
  // Hand loadHistory the entries just read instead of reading them twice; ancestors still come from the ledger.
  const reader: LedgerReader = {
    history: (requested, options) =>
      requested === did ? Promise.resolve(fresh) : context.reader.history(requested, options),
  };
  const loaded = await loadHistory(reader, did, withGenesis({}, context));
  if (loaded.history !== undefined) {
    rememberHead(loaded.history, fresh.entries);
    return remember(cache, did, { ...loaded, verifiedAt });
  }
  // The verified absence of a DID is kept only for the freshness window: a new DID is resolvable after it at most.
  return cache.freshnessMs > 0 ? remember(cache, did, { ...loaded, verifiedAt }) : { ...loaded, verifiedAt };
}

function ledgerOf(ledger: Ledger | undefined): { ledger?: Ledger } {
  return ledger === undefined ? {} : { ledger };
}

function remember(cache: HistoryCache, did: string, state: VerifiedState): VerifiedState {
  cache.set(did, state);
  return state;
}

function withGenesis(options: LoadOptions, context: ResolveContext): LoadOptions {
  return context.genesis === undefined ? options : { ...options, genesis: context.genesis };
}

async function verifiedHistory(did: string, noCache: boolean, context: ResolveContext): Promise<VerifiedState> {
  const { cache } = context;
  if (noCache || cache === undefined) {
    const verifiedAt = Date.now();
    return { ...(await loadHistory(context.reader, did, withGenesis({ noCache }, context))), verifiedAt };
  }
  return cachedHistory(did, { ...context, cache });
}

/** When the ledger state behind a result of `createCityResolver` or `resolve()` was read and verified. */
const verificationTimes = new WeakMap<object, number>();

/**
 * When the ledger state a result was built from was read and verified (milliseconds since the epoch), for results
 * of `resolve()` and of a `createCityResolver` resolver; undefined when no verified state was involved (an invalid
 * DID, a ledger failure) and for other results. Within the
 * resolver's `freshnessMs` this can be earlier than the call. The result's own members stay as W3C DID Resolution
 * defines them, so the same ledger state always gives the same result.
 */
export function verifiedAt(result: DIDResolutionResult | DIDDereferencingResult): number | undefined {
  return verificationTimes.get(result);
}

function notFound(detail: string): never {
  throw new DidCityError('NOT_FOUND', detail);
}

function timeOf(datetime: string): number {
  return Date.parse(datetime);
}

/** The selected version, or undefined for the deactivated state (spec §6.2). */
function selectVersion(history: DidHistory, request: ResolutionRequest): DocumentVersion | undefined {
  const { versions, deactivation } = history;
  if (request.versionId !== undefined) {
    return (
      versions.find((version) => version.versionId === request.versionId) ??
      notFound(`${history.did} has no version ${request.versionId}`)
    );
  }
  if (request.versionTime !== undefined) {
    const at = request.versionTime;
    if (deactivation !== undefined && timeOf(deactivation.integratedTime) <= at) return undefined;
    return (
      versions.findLast((version) => timeOf(version.integratedTime) <= at) ??
      notFound(`${history.did} did not exist at that versionTime`)
    );
  }
  return deactivation === undefined ? versions.at(-1) : undefined;
}

/** Method metadata (spec §6.3): official name, level and parent code only for a division itself. */
function cityMetadata(parsed: CityDid, source: { operationHash: string; leafIndex: number }): CityMetadata {
  const city: CityMetadata = {
    country: parsed.country,
    operationHash: source.operationHash,
    leafIndex: String(source.leafIndex),
  };
  if (parsed.network !== undefined) city.network = parsed.network;
  if (parsed.division === undefined) return city;
  city.divisionCode = parsed.division;
  const division = parsed.country === 'cn' && parsed.subIds.length === 0 ? lookupDivision(parsed.division) : undefined;
  if (division !== undefined) {
    city.name = division.name;
    city.level = division.level;
    if (division.parent !== undefined) city.parent = division.parent;
  }
  return city;
}

function lifecycleMetadata(history: DidHistory): DIDDocumentMetadata {
  const metadata: DIDDocumentMetadata = { created: toUtcSeconds(history.created) };
  if (history.deactivation !== undefined) {
    metadata.deactivated = true;
    const { successor } = history.deactivation;
    if (successor !== undefined) metadata.successor = Array.isArray(successor) ? [...successor] : successor;
  }
  metadata.canonicalId = history.did;
  return metadata;
}

/**
 * R-DLR-6: the resources published while the selected version was current (before the next version, and not
 * after a requested versionTime); omitted when there are none, and for the deactivated state.
 */
function resourcesOf(history: DidHistory, next: DocumentVersion | undefined, request: ResolutionRequest) {
  if (history.resources === undefined) return undefined;
  const before = next?.leafIndex ?? Number.POSITIVE_INFINITY;
  const at = request.versionTime ?? Number.POSITIVE_INFINITY;
  const listed = linkedResourceMetadata(
    history,
    (resource) => resource.leafIndex < before && timeOf(resource.created) <= at,
  );
  return listed.length === 0 ? undefined : listed;
}

function versionMetadata(
  history: DidHistory,
  version: DocumentVersion,
  parsed: CityDid,
  request: ResolutionRequest,
): DIDDocumentMetadata {
  const metadata = lifecycleMetadata(history);
  if (version.seq > 0) metadata.updated = toUtcSeconds(version.integratedTime);
  metadata.versionId = version.versionId;
  const next = history.versions[history.versions.indexOf(version) + 1];
  if (next !== undefined) {
    metadata.nextVersionId = next.versionId;
    metadata.nextUpdate = toUtcSeconds(next.integratedTime);
  }
  metadata.city = cityMetadata(parsed, version);
  const resources = resourcesOf(history, next, request);
  if (resources !== undefined) metadata.linkedResourceMetadata = resources;
  return metadata;
}

/** Metadata of the deactivated state: no version, `updated` is the deactivation. */
function deactivatedMetadata(history: DidHistory, parsed: CityDid): DIDDocumentMetadata {
  const deactivation = history.deactivation!;
  const metadata = lifecycleMetadata(history);
  metadata.updated = toUtcSeconds(deactivation.integratedTime);
  metadata.city = cityMetadata(parsed, deactivation);
  return metadata;
}

function represent(document: DIDDocument, request: ResolutionRequest): DIDDocument {
  // A copy: the cache holds the verified state, callers may mutate what they get.
  const copy = copyJson(document);
  if (!request.representation.withContext) delete copy['@context'];
  return copy;
}

function success(
  document: DIDDocument | null,
  metadata: DIDDocumentMetadata,
  request: ResolutionRequest,
  ledger: Ledger | undefined,
): DIDResolutionResult {
  const didResolutionMetadata: DIDResolutionResult['didResolutionMetadata'] = {
    contentType: request.representation.contentType,
  };
  if (ledger !== undefined) didResolutionMetadata.ledger = ledger;
  return { didResolutionMetadata, didDocument: document, didDocumentMetadata: metadata };
}

export function resolutionFailure(error: ProblemDetails): DIDResolutionResult {
  return { didResolutionMetadata: { error }, didDocument: null, didDocumentMetadata: {} };
}

async function resolveOrThrow(did: string, options: DIDResolutionOptions | undefined, context: ResolveContext) {
  const parsed = parseDid(did);
  const request = readResolutionOptions(options, context);
  const { history, ledger, verifiedAt: at } = await verifiedHistory(parsed.did, request.noCache, context);
  if (history === undefined) return notFound(`${parsed.did} is not on the ledger`);
  const version = selectVersion(history, request);
  const metadata =
    version === undefined ? deactivatedMetadata(history, parsed) : versionMetadata(history, version, parsed, request);
  const load = async (other: string) => (await verifiedHistory(other, request.noCache, context)).history;
  Object.assign(metadata, await successorLinks(history, version?.document, load));
  const result = success(
    version === undefined ? null : represent(version.document, request),
    metadata,
    request,
    ledger,
  );
  verificationTimes.set(result, at);
  return result;
}

/** Resolves a did:city DID against a ledger reader. Never throws. */
export async function resolve(
  did: string,
  options: DIDResolutionOptions | undefined,
  context: ResolveContext,
): Promise<DIDResolutionResult> {
  try {
    return await resolveOrThrow(did, options, context);
  } catch (err) {
    return resolutionFailure(toResolutionProblem(err));
  }
}

function cacheFor(option: CityResolverOptions['cache']): HistoryCache | undefined {
  if (option === false) return undefined;
  return typeof option === 'object' ? new HistoryCache(option.maxEntries, option.freshnessMs) : new HistoryCache();
}

/** Verified resource contents kept, by checksum: the bytes of one checksum never change. */
const CONTENT_CACHE_ENTRIES = 64;
/** Larger contents are read from the ledger each time, so the cache holds at most 16 MiB. */
const CONTENT_CACHE_MAX_BYTES = 256 * 1024;

/** The stored bytes of `resource`, verified against its anchored checksum before they are cached (spec §6.8). */
function contentReader(reader: LedgerReader, did: string, cache: LruCache<string, Uint8Array> | undefined) {
  return async (resource: LinkedResource): Promise<Uint8Array | undefined> => {
    const cached = cache?.get(resource.checksum);
    if (cached !== undefined) return cached.slice();
    if (reader.resourceContent === undefined) {
      throw new DidCityError('FEATURE_NOT_SUPPORTED', 'this ledger reader does not read resource contents');
    }
    const content = await reader.resourceContent(did, resource.resourceId);
    if (content === undefined) return undefined;
    verifyResourceContent(resource, content);
    if (cache !== undefined && content.byteLength <= CONTENT_CACHE_MAX_BYTES)
      cache.set(resource.checksum, content.slice());
    return content;
  };
}

/** A resolver and dereferencer bound to one ledger reader, with its own verified-state cache. */
export function createCityResolver(options: CityResolverOptions): CityResolver {
  const context: ResolveContext = { ...options, cache: cacheFor(options.cache) };
  const contents = context.cache === undefined ? undefined : new LruCache<string, Uint8Array>(CONTENT_CACHE_ENTRIES);
  const resolveDid = (did: string, resolutionOptions?: DIDResolutionOptions) =>
    resolve(did, resolutionOptions, context);
  return {
    resolve: resolveDid,
    async dereference(didUrl, dereferencingOptions) {
      // The dereferencing result is as old as the oldest verified state it was built from.
      let oldest: number | undefined;
      const stamp = (at: number | undefined) => {
        if (at !== undefined) oldest = Math.min(oldest ?? at, at);
      };
      const stamped = async (did: string, resolutionOptions?: DIDResolutionOptions) => {
        const resolution = await resolveDid(did, resolutionOptions);
        stamp(verificationTimes.get(resolution));
        return resolution;
      };
      const resources: ResourceLoader = async (did, { noCache }) => {
        const state = await verifiedHistory(parseDid(did).did, noCache, context);
        stamp(state.verifiedAt);
        const view: ResourceView = { content: contentReader(context.reader, did, noCache ? undefined : contents) };
        if (state.history !== undefined) view.history = state.history;
        if (state.ledger !== undefined) view.ledger = state.ledger;
        return view;
      };
      const result = await dereferenceWith(didUrl, dereferencingOptions, { resolve: stamped, resources });
      if (oldest !== undefined) verificationTimes.set(result, oldest);
      return result;
    },
  };
}
