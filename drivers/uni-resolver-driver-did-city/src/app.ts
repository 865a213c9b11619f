/**
 * The Universal Resolver driver for did:city as express routes: `GET /1.0/identifiers/{did-or-did-url}`,
 * `GET /1.0/properties` (a router the all-in-one server mounts), plus `GET /health` in the standalone app.
 *
 * @example
 * const app = createDriverApp({ reader: ledgerReader, cacheTtl: 60 });
 * app.listen(8080);
 */
import type { DIDResolutionOptions } from '@did-city/method';
import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import { negotiateAccept } from './accept.ts';
import { DEFAULT_MAX_PATH_BYTES, IDENTIFIERS_PREFIX, type IdentifierRequest, parseIdentifierPath } from './identifier-path.ts';
import type { ErrorStyle } from './problems.ts';
import { DEFAULT_CACHE_TTL, type Reply, type ReplyPolicy, sendReply, setCors } from './reply.ts';
import { type DriverResolver, type ResolverSource, resolverFrom } from './resolver.ts';
import { acceptOption, dereferencingReply, driverProblem, resolutionReply } from './results.ts';
import { DRIVER_VERSION } from './version.ts';

export interface DriverOptions extends ResolverSource {
  /** `uri` (default): full W3C error type URIs. `short`: bare codes (`NOT_FOUND`) for uni-resolver-web. */
  errorStyle?: ErrorStyle;
  /** Seconds clients and proxies may cache a successful result (`Cache-Control: max-age`). Default 60. */
  cacheTtl?: number;
  /** Requests whose path and query after `/1.0/identifiers/` are longer are refused with 400. Default 4096. */
  maxPathBytes?: number;
  /** Extra entries for `GET /1.0/properties` (e.g. the ledger URL); never put secrets here. */
  properties?: Record<string, unknown>;
  /** Reports unexpected failures with their cause (the client sees a generic problem). Default: console.error. */
  onError?: (error: unknown) => void;
}

interface DriverContext {
  resolver: DriverResolver;
  errorStyle: ErrorStyle;
  cacheTtl: number;
  maxPathBytes: number;
  properties: Record<string, unknown>;
  onError: (error: unknown) => void;
}

function contextOf(options: DriverOptions): DriverContext {
  const onError = options.onError ?? ((error: unknown) => console.error('[did:city driver]', error));
  return {
    resolver: resolverFrom({ onReaderError: onError, ...options }),
    errorStyle: options.errorStyle ?? 'uri',
    cacheTtl: options.cacheTtl ?? DEFAULT_CACHE_TTL,
    maxPathBytes: options.maxPathBytes ?? DEFAULT_MAX_PATH_BYTES,
    properties: options.properties ?? {},
    onError,
  };
}

function requestsNoCache(request: IdentifierRequest): boolean {
  return request.options['noCache'] === true || request.options['noCache'] === 'true';
}

async function replyTo(req: Request, request: IdentifierRequest, context: DriverContext): Promise<Reply> {
  const { representation, inner } = negotiateAccept(req.headers.accept, request.kind);
  if (representation === undefined) {
    const detail = `No supported representation in Accept "${(req.headers.accept ?? '').slice(0, 200)}"`;
    return driverProblem('REPRESENTATION_NOT_SUPPORTED', detail, context.errorStyle);
  }
  const options: DIDResolutionOptions = { ...request.options };
  const accept = acceptOption(representation, request.options['accept'], inner);
  if (accept === undefined) delete options.accept;
  // A non-string `accept` from JSON options goes through: the library answers INVALID_OPTIONS.
  else options.accept = accept as string;
  if (request.kind === 'resolve') {
    return resolutionReply(await context.resolver.resolve(request.identifier, options), representation, context.errorStyle);
  }
  return dereferencingReply(await context.resolver.dereference(request.identifier, options), representation, context.errorStyle);
}

function identifiersHandler(context: DriverContext) {
  return async (req: Request, res: Response): Promise<void> => {
    // req.url is relative to where the router is mounted and still percent-encoded, as the path rules need; a
    // proxy's absolute-form request target (`GET http://host/1.0/…`) has the scheme and host before it.
    const rest = req.url.slice(req.url.indexOf(IDENTIFIERS_PREFIX) + IDENTIFIERS_PREFIX.length);
    const parsed = parseIdentifierPath(rest, context.maxPathBytes);
    let policy: ReplyPolicy = { cacheTtl: context.cacheTtl, noCache: false };
    let reply: Reply;
    if (!parsed.ok) {
      reply = driverProblem(parsed.problem.code, parsed.problem.detail, context.errorStyle);
    } else {
      policy = { ...policy, noCache: requestsNoCache(parsed.request) };
      reply = await replyTo(req, parsed.request, context).catch((error: unknown) => {
        context.onError(error);
        return driverProblem('INTERNAL_ERROR', 'An unexpected error occurred in the driver', context.errorStyle);
      });
    }
    sendReply(req, res, reply, policy);
  };
}

function propertiesOf(context: DriverContext): Record<string, unknown> {
  return {
    method: 'city',
    driverVersion: DRIVER_VERSION,
    errorStyle: context.errorStyle,
    cacheTtl: context.cacheTtl,
    maxPathBytes: context.maxPathBytes,
    ...context.properties,
  };
}

function sendJson(res: Response, status: number, body: unknown): void {
  setCors(res);
  res.setHeader('Cache-Control', 'no-store');
  res.status(status).type('application/json').send(Buffer.from(JSON.stringify(body)));
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
  app.get('/health', (_req, res) => sendJson(res, 200, { status: 'ok', method: 'city', driverVersion: DRIVER_VERSION }));
  app.use((_req: Request, res: Response) => sendJson(res, 404, { error: 'Not found', routes: ['/1.0/identifiers/{did}', '/1.0/properties', '/health'] }));
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    (options.onError ?? console.error)(error);
    if (!res.headersSent) sendJson(res, 500, { error: 'Internal error' });
  });
  return app;
}
