/**
 * The registration routes of a ledger node (issue #6 contract), to mount beside `createLedgerRouter`:
 *
 *   POST /registrations                  public, size-limited → 201 { id, did, status: "pending", submittedAt, … }
 *   GET  /registrations?status=&did=&email=&organisation=&submittedBefore=&submittedAfter=&limit=&after=
 *                                        institutes (Bearer token) → { registrations: [ … with contact ], next? }
 *   GET  /registrations/{id}             public → the outcome and the objections, no contact
 *   POST /registrations/{id}/approve     { proof } by a registry update key → the view (with the receipt once anchored)
 *   POST /registrations/{id}/reject      { reason, proof } by a registry update key → the view (one objection;
 *                                        the registry's k of N objections reject)
 *   POST /registrations/reject-matching  institutes (Bearer token) + { filter, reason, proof } by a registry update
 *                                        key → { matched, rejected, objected, more } (one objection to each)
 *
 * Errors are RFC 9457 problem details from the method library's ERRORS table; logs name method, path, status and
 * time only.
 *
 * @example
 * const registrations = createRegistrationRouter(node, { dataDir: './data', instituteTokens: { 'institute-a': token } });
 * app.use('/ledger', registrations, createLedgerRouter(node));
 */
import { join } from 'node:path';
import { DidCityError, isMultihashSha256 } from '@did-city/method';
import { requestFailure } from '@did-city/method/http';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { jsonBody, problemHandler, requestLog, requireJson, route } from '../http/middleware.ts';
import { type Classified, sendPlainProblem } from '../http/problem.ts';
import { type Limiters, NO_LIMITERS } from '../http/rate-limit.ts';
import type { LedgerNode } from '../node.ts';
import { type InstituteTokens, requireInstitute } from './auth.ts';
import { Registrations, UnknownRegistrationError } from './registrations.ts';
import type { DeskSettings } from './settings.ts';
import {
  MAX_REGISTRATION_PAGE,
  REGISTRATION_STATUSES,
  type RegistrationFilter,
  type RegistrationStatus,
} from './types.ts';

export interface RegistrationRouterOptions {
  /** An open desk; default: one opened on `<dataDir>/registrations.db` (and resumed). */
  registrations?: Registrations;
  /** Where `registrations.db` lives when no desk is given. */
  dataDir?: string;
  /** Pending time and bound of the desk opened on `dataDir` (see deskSettingsFromEnv). */
  desk?: DeskSettings;
  /** Institute name → bearer token, for listing applications. None configured: the listing answers 401. */
  instituteTokens?: InstituteTokens;
  /**
   * Institute name (as in `instituteTokens`) → its update keys (Multikeys). When an institute is named here, its
   * token's bulk rejections must be signed by one of its keys; otherwise by any current registry update key.
   */
  instituteKeys?: Readonly<Record<string, readonly string[]>>;
  /** Largest request body in bytes. Default 68 KiB (an operation of at most 60 KiB plus the contact). */
  bodyLimit?: number;
  /** One line per request and per unexpected failure. */
  log?: (line: string) => void;
  /**
   * Rate limits (spec §9.7): applications per client and for all clients together, approvals and rejections as
   * writes. Share one `createLimiters(…)` with the ledger router of the same server. Without them nothing is limited.
   */
  limiters?: Limiters;
}

/** The router, with the desk it serves (close it when the server stops). */
export type RegistrationRouter = Router & { registrations: Registrations };

export const DEFAULT_REGISTRATION_BODY_LIMIT = 68 * 1024;

function readStatus(query: unknown): RegistrationStatus | undefined {
  if (query === undefined) return undefined;
  if (typeof query === 'string' && (REGISTRATION_STATUSES as readonly string[]).includes(query))
    return query as RegistrationStatus;
  throw new DidCityError('MALFORMED_REQUEST', `status must be one of ${REGISTRATION_STATUSES.join(', ')}`);
}

const TEXT_FILTERS = ['did', 'email', 'organisation'] as const;
const TIME_FILTERS = ['submittedBefore', 'submittedAfter'] as const;
const LIST_PARAMETERS = ['status', 'limit', 'after', ...TEXT_FILTERS, ...TIME_FILTERS];
const UTC_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** The listing's filters: each given at most once; times in UTC whole seconds. */
function readFilter(query: Record<string, unknown>): RegistrationFilter {
  const filter: RegistrationFilter = {};
  for (const name of [...TEXT_FILTERS, ...TIME_FILTERS]) {
    const value = query[name];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length === 0 || value.length > 254) {
      throw new DidCityError('MALFORMED_REQUEST', `${name} must be given once, 1 to 254 characters`);
    }
    if ((TIME_FILTERS as readonly string[]).includes(name) && !UTC_SECONDS.test(value)) {
      throw new DidCityError('MALFORMED_REQUEST', `${name} must be a UTC time in whole seconds (2026-12-03T18:00:00Z)`);
    }
    filter[name] = value;
  }
  return filter;
}

/** The listing's query, strictly: known parameters only, each at most once, `limit` in decimal without sign. */
function readListQuery(query: Record<string, unknown>): RegistrationFilter & { limit?: number; after?: string } {
  const unknown = Object.keys(query).find((name) => !LIST_PARAMETERS.includes(name));
  if (unknown !== undefined) {
    throw new DidCityError(
      'MALFORMED_REQUEST',
      `unknown query parameter "${unknown.slice(0, 50)}"; known: ${LIST_PARAMETERS.join(', ')}`,
    );
  }
  const status = readStatus(query['status']);
  const limitText = query['limit'];
  let limit: number | undefined;
  if (limitText !== undefined) {
    limit = typeof limitText === 'string' && /^[1-9][0-9]{0,3}$/.test(limitText) ? Number(limitText) : Number.NaN;
    if (!(limit <= MAX_REGISTRATION_PAGE)) {
      throw new DidCityError('MALFORMED_REQUEST', `limit must be an integer from 1 to ${MAX_REGISTRATION_PAGE}`);
    }
  }
  const after = query['after'];
  if (after !== undefined && (typeof after !== 'string' || !isMultihashSha256(after))) {
    throw new DidCityError(
      'MALFORMED_REQUEST',
      'after must be a registration id (zQm…), the `next` of the previous page',
    );
  }
  return {
    ...readFilter(query),
    ...(status ? { status } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(after !== undefined ? { after } : {}),
  };
}

const INTERNAL: Classified = {
  code: 'INTERNAL_ERROR',
  detail: 'The ledger node failed to answer this request.',
  unexpected: true,
};

/** The contract's own errors and body-parser failures; anything else is unexpected (logged by name only). */
function classifyRegistrationError(error: unknown): Classified {
  if (error instanceof DidCityError) return { code: error.code, detail: error.detail, unexpected: false };
  const request = requestFailure(error);
  return request === undefined ? INTERNAL : { ...request, unexpected: false };
}

function errorHandler(log: (line: string) => void) {
  const problems = problemHandler({ log, classify: classifyRegistrationError, logMessages: false });
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (error instanceof UnknownRegistrationError && !res.headersSent) {
      sendPlainProblem(res, 404, error.message);
      return;
    }
    problems(error, req, res, next);
  };
}

function openDesk(node: LedgerNode, options: RegistrationRouterOptions): Registrations {
  if (options.registrations !== undefined) return options.registrations;
  if (options.dataDir === undefined) throw new TypeError('createRegistrationRouter needs `registrations` or `dataDir`');
  const desk = Registrations.open({ ...options.desk, node, file: join(options.dataDir, 'registrations.db') });
  void desk.resume();
  return desk;
}

function routes(desk: Registrations, options: RegistrationRouterOptions): Router {
  const router = express.Router();
  const json = jsonBody(options.bodyLimit ?? DEFAULT_REGISTRATION_BODY_LIMIT);
  const id = (req: Request) => String(req.params['id']);
  const limiters = options.limiters ?? NO_LIMITERS;
  router.post(
    '/',
    // Before the body is read: an application past the budget costs a counter, nothing else.
    ...limiters.applications,
    requireJson,
    json,
    route(async (req, res) => {
      const view = await desk.apply(req.body);
      res.status(201).location(`${req.baseUrl}/${view.id}`).json(view);
    }),
  );
  // The token is checked before anything else is read.
  router.get(
    '/',
    requireInstitute(options.instituteTokens),
    route(async (req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.json(await desk.page(readListQuery(req.query)));
    }),
  );
  // One institute's objection to every pending application matching a filter: the token, then a signed request.
  router.post(
    '/reject-matching',
    limiters.writes,
    requireInstitute(options.instituteTokens),
    requireJson,
    json,
    route(
      async (req, res) =>
        void res.json(await desk.rejectMatching(req.body, options.instituteKeys?.[String(res.locals.institute)])),
    ),
  );
  router.get(
    '/:id',
    route(async (req, res) => void res.setHeader('Cache-Control', 'no-cache').json(await desk.view(id(req)))),
  );
  router.post(
    '/:id/approve',
    limiters.writes,
    requireJson,
    json,
    route(async (req, res) => void res.json(await desk.approve(id(req), req.body))),
  );
  router.post(
    '/:id/reject',
    limiters.writes,
    requireJson,
    json,
    route(async (req, res) => void res.json(await desk.reject(id(req), req.body))),
  );
  return router;
}

/** The registration routes under `/registrations`, mountable wherever the ledger API is. */
export function createRegistrationRouter(
  node: LedgerNode,
  options: RegistrationRouterOptions = {},
): RegistrationRouter {
  const log = options.log ?? (() => {});
  const desk = openDesk(node, options);
  const router = express.Router();
  router.use('/registrations', requestLog(log), routes(desk, options), errorHandler(log));
  return Object.assign(router, { registrations: desk });
}
