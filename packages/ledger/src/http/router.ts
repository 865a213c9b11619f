/**
 * The ledger node's HTTP API as express routes: `createLedgerRouter(node, options)` to mount into another server
 * (the all-in-one), `createLedgerApp(node, options)` for a standalone node. Errors are RFC 9457 problem details
 * from the method library's ERRORS table; request logs name method, path, status and time only (no headers,
 * bodies or query strings, so no token or key material can reach them).
 *
 * @example
 * const node = await LedgerNode.open({ dataDir: './data' });
 * createLedgerApp(node, { adminToken: process.env.ADMIN_TOKEN, log: console.log }).listen(8080);
 */
import express, { type Express, type Request, type Response, type Router } from 'express';
import type { LedgerNode } from '../node.ts';
import { explorerRoutes } from './explorer.ts';
import { pathOf, problemHandler, requestLog } from './middleware.ts';
import { operationRoutes } from './operations.ts';
import { classify, sendPlainProblem } from './problem.ts';
import { type Limiters, NO_LIMITERS } from './rate-limit.ts';
import { readRoutes } from './reads.ts';
import { resourceRoutes } from './resources.ts';
import { tileRoutes } from './tiles.ts';
import { applyTrustProxy, type TrustProxy } from './trust-proxy.ts';

export interface LedgerRouterOptions {
  /** Bearer token for `POST /governance/operations`; without one the governance path answers 401. */
  adminToken?: string;
  /** Largest request body in bytes. Default 64 KiB (an operation is at most 60 KiB in JCS form). */
  bodyLimit?: number;
  /** One line per request and per unexpected failure. Default: nothing is logged. */
  log?: (line: string) => void;
  /**
   * Rate limits (spec §9.7): `createLimiters(…)`, built once per server and given to every router of it, so that a
   * class's budget is shared across routes. Without them the router limits nothing (the servers the CLI runs
   * always pass them).
   */
  limiters?: Limiters;
}

export interface LedgerAppOptions extends LedgerRouterOptions {
  /** Whose X-Forwarded-For to believe (express `trust proxy`); default false: the socket's address is the client. */
  trustProxy?: TrustProxy;
  /** The explorer's build output (packages/explorer/dist): served at `/` to browsers. Default: not served. */
  explorerDir?: string;
}

export const DEFAULT_BODY_LIMIT = 64 * 1024;

/** Every ledger route, with its own problem-details error handling (it can be mounted anywhere). */
export function createLedgerRouter(node: LedgerNode, options: LedgerRouterOptions = {}): Router {
  const log = options.log ?? (() => {});
  const router = express.Router();
  router.use(requestLog(log));
  // Limits first, so that a client past its budget makes the node parse and check nothing.
  const limiters = options.limiters ?? NO_LIMITERS;
  router.post(['/operations', '/governance/operations', '/integrity/check', '/resources'], limiters.writes);
  router.get(['/dids/*rest', '/proofs/*rest', '/operations/*rest', '/resources/*rest'], limiters.reads);
  // The reads first: a resolver's head or history read (the hot path) then passes no other router's routes.
  router.use(readRoutes(node, { adminToken: options.adminToken }));
  router.use(
    operationRoutes(node, { adminToken: options.adminToken, bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT }),
  );
  router.use(resourceRoutes(node));
  router.use(tileRoutes(node));
  router.use(problemHandler({ log, classify, logMessages: true }));
  return router;
}

/** A standalone ledger node server: the router, 404/405 problems for anything else. */
export function createLedgerApp(node: LedgerNode, options: LedgerAppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  applyTrustProxy(app, options.trustProxy ?? false);
  if (options.explorerDir !== undefined) app.use(explorerRoutes(options.explorerDir));
  app.use(createLedgerRouter(node, options));
  app.use((req: Request, res: Response) => sendPlainProblem(res, 404, `no route ${req.method} ${pathOf(req)}`));
  return app;
}
