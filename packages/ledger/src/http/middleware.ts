/**
 * Express middleware every ledger router uses (the ledger API and the registration desk): async routes, the
 * JSON content-type check, request logs and problem-details error handling. Logs name method, path, status and
 * time only (no headers, bodies or query strings, so no token or key material can reach them).
 */
import { DidCityError, jsonTooDeep, MAX_JSON_DEPTH } from '@did-city/method';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { type Classified, sendProblem } from './problem.ts';

export type Handler = (req: Request, res: Response) => Promise<void>;

/** Runs an async handler, handing a rejection to the router's error middleware. */
export function route(handler: Handler) {
  return (req: Request, res: Response, next: NextFunction): void => {
    handler(req, res).catch(next);
  };
}

export function requireJson(req: Request, _res: Response, next: NextFunction): void {
  if (req.is('application/json') !== 'application/json') {
    const given = req.headers['content-type'] ?? 'none';
    next(new DidCityError('MALFORMED_REQUEST', `Content-Type must be application/json, got ${given.slice(0, 80)}`));
    return;
  }
  next();
}

/** The JSON body parser of every write route: a size limit, then at most MAX_JSON_DEPTH levels of nesting. */
export function jsonBody(limit: number | string): RequestHandler[] {
  const depth: RequestHandler = (req, _res, next) => {
    next(
      jsonTooDeep(req.body)
        ? new DidCityError('MALFORMED_REQUEST', `request body is nested too deeply (at most ${MAX_JSON_DEPTH} levels)`)
        : undefined,
    );
  };
  return [express.json({ limit, strict: true }), depth];
}

/** The request path without its query string (which may carry anything), capped for logs. */
export function pathOf(req: Request): string {
  const url = req.originalUrl;
  const query = url.indexOf('?');
  return (query < 0 ? url : url.slice(0, query)).slice(0, 300);
}

/** One line per request: method, path, status, milliseconds. */
export function requestLog(log: (line: string) => void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log(`${req.method} ${pathOf(req)} ${res.statusCode} ${ms.toFixed(1)}ms`);
    });
    next();
  };
}

export interface ProblemHandlerOptions {
  log: (line: string) => void;
  /** The problem a thrown error becomes; an `unexpected` one is also logged. */
  classify: (error: unknown) => Classified;
  /** Whether the log line of an unexpected error carries its message, or only its name. */
  logMessages: boolean;
}

/** The error middleware: every failure answered as an RFC 9457 problem. */
export function problemHandler(options: ProblemHandlerOptions) {
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const known = options.classify(error);
    if (known.unexpected) options.log(`error ${req.method} ${pathOf(req)}: ${describe(error, options.logMessages)}`);
    sendProblem(res, known.code, known.detail);
  };
}

function describe(error: unknown, withMessage: boolean): string {
  if (!(error instanceof Error)) return typeof error;
  return withMessage ? `${error.name}: ${error.message}` : error.name;
}
