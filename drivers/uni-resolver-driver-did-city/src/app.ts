/**
 * The Universal Resolver driver for did:city as express routes: `GET /1.0/identifiers/{did-or-did-url}`,
 * `GET /1.0/properties` (a router the all-in-one server mounts), plus `GET /health` in the standalone app.
 *
 * @example
 * const app = createDriverApp({ reader: ledgerReader, cacheTtl: 60 });
 * app.listen(8080);
 */
import { type DIDResolutionOptions, verifiedAt } from '@did-city/method';
import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import { negotiateAccept } from './accept.ts';
import { namesResource, resourceOptions, resourceReply, wantsResult } from './resources.ts';
import {
  DEFAULT_MAX_PATH_BYTES,
  IDENTIFIERS_PREFIX,
  type IdentifierRequest,
  parseIdentifierPath,
} from './identifier-path.ts';
import type { ErrorStyle, Profile, ResultShape } from './problems.ts';
import { DEFAULT_CACHE_TTL, encodeReply, type Reply, sendEncoded, sendReply, setCors } from './reply.ts';
import { type CachedReply, ResponseCache, requestKey } from './response-cache.ts';
import { type DriverResolver, type ResolverSource, resolverFrom } from './resolver.ts';
import { SharedResolutions } from './shared-resolutions.ts';
import { acceptOption, dereferencingReply, driverProblem, type ReplyStyle, resolutionReply } from './results.ts';
import { DRIVER_VERSION } from './version.ts';

export interface DriverOptions extends ResolverSource {
  /**
   * `w3c` (default): the W3C DID Resolution HTTP(S) binding. `universal-resolver`: what the Universal Resolver's
   * `HttpDriver` can read where the two differ (docs/conformance.md, "Two profiles").
   */
  profile?: Profile;
  /**
   * `uri`: full W3C error type URIs. `short`: bare codes (`NOT_FOUND`), the only ones uni-resolver-web maps to a
   * status. Default: `uri`, `short` under the `universal-resolver` profile.
   */
  errorStyle?: ErrorStyle;
  /**
   * Seconds clients and proxies may keep a successful result after the driver verified it against the ledger:
   * `Cache-Control: max-age` is this minus the seconds since the verification. Default 60.
   */
  cacheTtl?: number;
  /**
   * Seconds a verified DID state, and each reply built from it, is served without asking the ledger again:
   * the resolver's `cache.freshnessMs` (with `reader`) and the driver's response cache. Default 0 (every
   * resolution reads the ledger); the standalone driver's setting defaults to 5. `noCache=true` bypasses both.
   */
  freshness?: number;
  /** Requests whose path and query after `/1.0/identifiers/` are longer are refused with 400. Default 4096. */
  maxPathBytes?: number;
  /** Extra entries for `GET /1.0/properties` (e.g. the ledger URL); never put secrets here. */
  properties?: Record<string, unknown>;
  /** Reports unexpected failures with their cause (the client sees a generic problem). Default: console.error. */
  onError?: (error: unknown) => void;
}

interface DriverContext {
  resolver: DriverResolver;
  profile: Profile;
  errorStyle: ErrorStyle;
  cacheTtl: number;
  freshness: number;
  responses: ResponseCache;
  /** Concurrent requests for one reply share a resolution started after they arrived. */
  shared: SharedResolutions<CachedReply>;
  maxPathBytes: number;
  properties: Record<string, unknown>;
  onError: (error: unknown) => void;
}

function resolverCache(options: DriverOptions, freshness: number): DriverOptions['cache'] {
  if (options.cache === false) return false;
  return { ...(typeof options.cache === 'object' ? options.cache : {}), freshnessMs: freshness * 1000 };
}

function contextOf(options: DriverOptions): DriverContext {
  const onError = options.onError ?? ((error: unknown) => console.error('[did:city driver]', error));
  const freshness = options.freshness ?? 0;
  if (!Number.isFinite(freshness) || freshness < 0)
    throw new RangeError('freshness must be a non-negative number of seconds');
  const profile = options.profile ?? 'w3c';
  return {
    resolver: resolverFrom({ onReaderError: onError, ...options, cache: resolverCache(options, freshness) }),
    profile,
    errorStyle: options.errorStyle ?? (profile === 'universal-resolver' ? 'short' : 'uri'),
    cacheTtl: options.cacheTtl ?? DEFAULT_CACHE_TTL,
    freshness,
    responses: new ResponseCache(freshness * 1000),
    shared: new SharedResolutions(),
    maxPathBytes: options.maxPathBytes ?? DEFAULT_MAX_PATH_BYTES,
    properties: options.properties ?? {},
    onError,
  };
}

function requestsNoCache(request: IdentifierRequest): boolean {
  return request.options['noCache'] === true || request.options['noCache'] === 'true';
}

interface Resolved {
  reply: Reply;
  /** When the ledger state behind the reply was verified (the resolver's stamp, else when it was asked). */
  verifiedAt: number;
}

function replyStyle(context: DriverContext, shape: ResultShape): ReplyStyle {
  return { errorStyle: context.errorStyle, profile: context.profile, shape };
}

function shapeOf(kind: IdentifierRequest['kind']): ResultShape {
  return kind === 'resolve' ? 'resolution' : 'dereferencing';
}

/** A linked resource: its bytes in their own media type, or the dereferencing result when asked for (resources.ts). */
async function resourceReplyTo(req: Request, request: IdentifierRequest, context: DriverContext): Promise<Resolved> {
  const asked = Date.now();
  const wrapped = wantsResult(req.headers.accept);
  const options = resourceOptions(request.options, req.headers.accept, wrapped);
  const result = await context.resolver.dereference(request.identifier, options);
  const reply = resourceReply(result, wrapped, request.identifier, replyStyle(context, 'dereferencing'));
  return { reply, verifiedAt: verifiedAt(result) ?? asked };
}

async function replyTo(req: Request, request: IdentifierRequest, context: DriverContext): Promise<Resolved> {
  if (request.kind === 'dereference' && namesResource(request.identifier))
    return resourceReplyTo(req, request, context);
  const asked = Date.now();
  const { representation, inner } = negotiateAccept(req.headers.accept, request.kind);
  if (representation === undefined) {
    const detail = `No supported representation in Accept "${(req.headers.accept ?? '').slice(0, 200)}"`;
    const reply = driverProblem('REPRESENTATION_NOT_SUPPORTED', detail, replyStyle(context, shapeOf(request.kind)));
    return { reply, verifiedAt: asked };
  }
  const options: DIDResolutionOptions = { ...request.options };
  const accept = acceptOption(representation, request.options['accept'], inner);
  if (accept === undefined) delete options.accept;
  // A non-string `accept` from JSON options goes through: the library answers INVALID_OPTIONS.
  else options.accept = accept as string;
  if (request.kind === 'resolve' && representation.kind !== 'dereferencing') {
    const result = await context.resolver.resolve(request.identifier, options);
    const reply = resolutionReply(result, representation, request.identifier, replyStyle(context, 'resolution'));
    return { reply, verifiedAt: verifiedAt(result) ?? asked };
  }
  const result = await context.resolver.dereference(request.identifier, options);
  const reply = dereferencingReply(result, representation, request.identifier, replyStyle(context, 'dereferencing'));
  return { reply, verifiedAt: verifiedAt(result) ?? asked };
}

/** Whole seconds since `since`, for taking off max-age (rounded down: HTTP counts whole seconds). */
function ageOf(since: number, now: number): number {
  return Math.max(0, Math.floor((now - since) / 1000));
}

function identifiersHandler(context: DriverContext) {
  return async (req: Request, res: Response): Promise<void> => {
    // req.url is relative to where the router is mounted and still percent-encoded, as the path rules need; a
    // proxy's absolute-form request target (`GET http://host/1.0/…`) has the scheme and host before it.
    const rest = req.url.slice(req.url.indexOf(IDENTIFIERS_PREFIX) + IDENTIFIERS_PREFIX.length);
    const key = context.responses.keyOf(rest, req.headers.accept);
    const hit = key === undefined ? undefined : context.responses.get(key, Date.now());
    if (hit !== undefined) {
      sendEncoded(req, res, hit.reply, {
        cacheTtl: context.cacheTtl,
        noCache: false,
        age: ageOf(hit.verifiedAt, Date.now()),
      });
      return;
    }
    const parsed = parseIdentifierPath(rest, context.maxPathBytes);
    if (!parsed.ok) {
      const style = replyStyle(context, shapeOf(parsed.problem.kind));
      const problem = driverProblem(parsed.problem.code, parsed.problem.detail, style);
      sendReply(req, res, problem, { cacheTtl: context.cacheTtl, noCache: false });
      return;
    }
    const noCache = requestsNoCache(parsed.request);
    const resolveReply = async (): Promise<CachedReply> => {
      const resolved = await replyTo(req, parsed.request, context).catch((error: unknown): Resolved => {
        context.onError(error);
        const style = replyStyle(context, shapeOf(parsed.request.kind));
        const problem = driverProblem('INTERNAL_ERROR', 'An unexpected error occurred in the driver', style);
        return { reply: problem, verifiedAt: Date.now() };
      });
      return { reply: encodeReply(resolved.reply), verifiedAt: resolved.verifiedAt };
    };
    // A noCache request resolves on its own: it asks for its own re-verification.
    const shared = noCache ? undefined : requestKey(rest, req.headers.accept);
    const resolved = await (shared === undefined ? resolveReply() : context.shared.run(shared, resolveReply));
    const { reply } = resolved;
    const now = Date.now();
    // Nothing a noCache request produced is kept: it bypasses every cache, in both directions.
    if (key !== undefined && !noCache) context.responses.set(key, reply, resolved.verifiedAt, now);
    sendEncoded(req, res, reply, { cacheTtl: context.cacheTtl, noCache, age: ageOf(resolved.verifiedAt, now) });
  };
}

function propertiesOf(context: DriverContext): Record<string, unknown> {
  return {
    method: 'city',
    driverVersion: DRIVER_VERSION,
    profile: context.profile,
    errorStyle: context.errorStyle,
    cacheTtl: context.cacheTtl,
    freshness: context.freshness,
    maxPathBytes: context.maxPathBytes,
    ...context.properties,
  };
}

function sendJson(res: Response, status: number, body: unknown): void {
  setCors(res);
  res.setHeader('Cache-Control', 'no-store');
  res
    .status(status)
    .type('application/json')
    .send(Buffer.from(JSON.stringify(body)));
}

/** Browsers preflight the legacy Accept value (its quotes are not CORS-safelisted). */
function preflight(_req: Request, res: Response): void {
  setCors(res);
  res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', 'Accept, If-None-Match');
  res.setHeader('Access-Control-Max-Age', '86400');
  res.status(204).end();
}

/** The driver's routes, to mount at the root of a server (the paths start with `/1.0/`). */
export function createDriverRouter(options: DriverOptions): Router {
  const context = contextOf(options);
  const router = express.Router();
  const handleIdentifier = identifiersHandler(context);
  // A middleware, not a route pattern: route parameters would be percent-decoded (and a bad escape rejected by
  // express with an HTML page) before the path rules could see the raw text.
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (!req.path.startsWith(IDENTIFIERS_PREFIX)) return next();
    if (req.method === 'OPTIONS') return preflight(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    return handleIdentifier(req, res);
  });
  router.get('/1.0/properties', (_req, res) => sendJson(res, 200, propertiesOf(context)));
  router.options('/1.0/properties', preflight);
  return router;
}

/** The standalone driver: the routes, `GET /health`, and JSON answers for unknown paths and failures. */
export function createDriverApp(options: DriverOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(createDriverRouter(options));
  app.get('/health', (_req, res) =>
    sendJson(res, 200, { status: 'ok', method: 'city', driverVersion: DRIVER_VERSION }),
  );
  app.use((_req: Request, res: Response) =>
    sendJson(res, 404, { error: 'Not found', routes: ['/1.0/identifiers/{did}', '/1.0/properties', '/health'] }),
  );
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    (options.onError ?? console.error)(error);
    if (!res.headersSent) sendJson(res, 500, { error: 'Internal error' });
  });
  return app;
}
