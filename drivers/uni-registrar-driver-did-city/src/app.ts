/**
 * The Universal Registrar driver for did:city as an express app: `POST /1.0/create`, `/1.0/update`,
 * `/1.0/deactivate` (DID Registration §13 HTTPS binding; the Universal Registrar's OpenAPI), `GET /1.0/properties`
 * and `GET /health`.
 *
 * Every answer of the three operations is a state object: `failed` states carry HTTP 400 or 500, never 404
 * (uni-registrar-web's HttpDriver turns a 404 into "no state received" and drops the body), also for a body that
 * is not JSON or is too large.
 *
 * @example
 * const app = createRegistrarApp({ registrar: new Registrar({ store, ledger }) });
 * app.listen(8080);
 */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { RegistrarCode } from './errors.ts';
import type { Registrar } from './registrar.ts';
import { type Answer, failed, type Operation } from './states.ts';

export interface RegistrarAppOptions {
  registrar: Registrar;
  /** Largest request body in bytes. Default 128 KiB: an operation is at most 60 KiB, its document comes once. */
  bodyLimit?: number;
  /** Entries for `GET /1.0/properties`; never put secrets here. */
  properties?: Record<string, unknown>;
  /** Unexpected failures outside the registrar (it reports its own). */
  onError?: (error: unknown) => void;
  /** One line per request: method, path, status, milliseconds (never bodies, keys or job ids). */
  log?: (line: string) => void;
}

export const DEFAULT_BODY_LIMIT = 128 * 1024;
const OPERATIONS: readonly Operation[] = ['create', 'update', 'deactivate'];

function send(res: Response, answer: Answer): void {
  res.status(answer.status).setHeader('Cache-Control', 'no-store').json(answer.body);
}

/** Body-parser failures as failed states: not JSON, too large. */
function bodyFailure(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  const type = (error as { type?: unknown } | null)?.type;
  if (
    type !== 'entity.parse.failed' &&
    type !== 'entity.too.large' &&
    type !== 'encoding.unsupported' &&
    type !== 'charset.unsupported'
  ) {
    next(error);
    return;
  }
  const code: RegistrarCode = type === 'entity.too.large' ? 'REQUEST_TOO_LARGE' : 'MALFORMED_REQUEST';
  const detail =
    type === 'entity.too.large'
      ? 'the request body is larger than this driver accepts'
      : 'the request body is not UTF-8 JSON';
  send(res, failed({ code, detail }));
}

/**
 * JSON only: a browser can send a cross-origin text/plain or form POST without a preflight, never an
 * application/json one, so a page a stranger controls cannot drive a visitor's browser to make jobs here.
 */
function contentType(req: Request): Answer | undefined {
  if (req.is(['application/json', 'application/*+json'])) return undefined;
  return failed({ code: 'MALFORMED_REQUEST', detail: 'send the request as Content-Type: application/json' });
}

function methodParameter(req: Request): Answer | undefined {
  const method = req.query['method'];
  if (method === undefined || method === 'city') return undefined;
  return failed({ code: 'METHOD_NOT_SUPPORTED', detail: 'this driver registers did:city DIDs only (method=city)' });
}

export function createRegistrarApp(options: RegistrarAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const log = options.log ?? (() => {});
  app.use((req, res, next) => {
    const started = Date.now();
    res.on('finish', () => log(`${req.method} ${req.path.slice(0, 100)} ${res.statusCode} ${Date.now() - started}ms`));
    next();
  });
  app.get('/health', (_req, res) => void res.setHeader('Cache-Control', 'no-store').json({ status: 'ok' }));
  app.get('/1.0/properties', (_req, res) => void res.json(options.properties ?? {}));
  const json = express.json({
    limit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    strict: false,
    type: ['application/json', 'application/*+json'],
  });
  for (const operation of OPERATIONS) {
    app.post(`/1.0/${operation}`, json, bodyFailure, async (req: Request, res: Response) => {
      send(res, contentType(req) ?? methodParameter(req) ?? (await options.registrar.handle(operation, req.body)));
    });
  }
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    options.onError?.(error);
    send(res, failed({ code: 'INTERNAL_ERROR', detail: 'The driver failed to handle this request.' }));
  });
  return app;
}
