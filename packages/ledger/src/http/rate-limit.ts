/**
 * Rate limits (spec §9.7, R-RATE-1..4): the write endpoints, the expensive reads and the registration applications
 * answer `429` with `Retry-After` and an RFC 9457 `TOO_MANY_REQUESTS` problem once a client (or, for applications,
 * all clients together) is past its budget. Counting is express-rate-limit's: fixed windows per key in its memory
 * store, which forgets a key one window after its last request, so many clients cost memory for two windows at most.
 *
 * The client is `req.ip`: the socket's address unless the server's express `trust proxy` setting names the proxies
 * whose X-Forwarded-For may be believed (see trust-proxy.ts), so a stranger cannot pick a fresh key with a header.
 * IPv6 clients are counted per /56 (`ipv6Subnet`): one host holds a whole /64 and cannot rotate through it.
 *
 * @example
 * const limiters = createLimiters(rateLimitsFromEnv(process.env));
 * app.use(createRegistrationRouter(node, { dataDir, limiters }), createLedgerRouter(node, { limiters }));
 */
import { problem } from '@did-city/method';
import { sendProblem } from '@did-city/method/http';
import type { Request, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';

export interface RateLimit {
  /** Requests allowed in one window. */
  limit: number;
  windowMs: number;
}

/** A limit, or `false` for none. */
export type RateLimitSetting = RateLimit | false;

export interface RateLimitSettings {
  /** Per client, over every write endpoint together (operations, governance, approvals, rejections, issuing, status changes). */
  writes: RateLimitSetting;
  /** Per client, over the expensive reads together (histories, heads, proofs, receipts, resolution, verification). */
  reads: RateLimitSetting;
  /** Per client, on registration applications (`POST /registrations`). */
  applications: RateLimitSetting;
  /** All clients together, on registration applications. */
  applicationsTotal: RateLimitSetting;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const DEFAULT_RATE_LIMITS: Readonly<RateLimitSettings> = Object.freeze({
  writes: { limit: 120, windowMs: MINUTE },
  reads: { limit: 1200, windowMs: MINUTE },
  applications: { limit: 30, windowMs: HOUR },
  applicationsTotal: { limit: 1000, windowMs: HOUR },
});

/** No limit at all, for tests and benchmarks that measure the node rather than its limits. */
export const NO_RATE_LIMITS: Readonly<RateLimitSettings> = Object.freeze({
  writes: false,
  reads: false,
  applications: false,
  applicationsTotal: false,
});

/** The environment setting of each limit: `LIMIT/WINDOW` (window in seconds, or with an s, m or h suffix) or `off`. */
export const RATE_LIMIT_ENV: Readonly<Record<keyof RateLimitSettings, string>> = Object.freeze({
  writes: 'DID_CITY_RATE_WRITES',
  reads: 'DID_CITY_RATE_READS',
  applications: 'DID_CITY_RATE_APPLICATIONS',
  applicationsTotal: 'DID_CITY_RATE_APPLICATIONS_TOTAL',
});

/** IPv6 clients are grouped by this prefix length: a /64 is one host's, a /56 one customer's usual allocation. */
export const IPV6_SUBNET = 56;

const UNIT_MS: Readonly<Record<string, number>> = { '': 1000, s: 1000, m: MINUTE, h: HOUR };

/** `30/3600`, `30/1h`, `120/60s`, `5/10m`, or `off`. */
export function parseRateLimit(name: string, text: string): RateLimitSetting {
  if (text.trim() === 'off') return false;
  const match = /^\s*(\d{1,9})\s*\/\s*(\d{1,7})\s*([smh]?)\s*$/.exec(text);
  const limit = Number(match?.[1]);
  const windowMs = Number(match?.[2]) * (UNIT_MS[match?.[3] ?? ''] ?? Number.NaN);
  if (match === null || !(limit > 0) || !(windowMs > 0) || windowMs > 2 ** 31 - 1) {
    throw new RangeError(`${name}="${text.slice(0, 40)}" must be LIMIT/WINDOW (e.g. 30/1h, 120/60s, 120/60) or off`);
  }
  return { limit, windowMs };
}

/** The settings from `DID_CITY_RATE_*`, the defaults for those not set. Throws RangeError naming a bad setting. */
export function rateLimitsFromEnv(env: Readonly<Record<string, string | undefined>>): RateLimitSettings {
  const settings: RateLimitSettings = { ...DEFAULT_RATE_LIMITS };
  for (const key of Object.keys(RATE_LIMIT_ENV) as Array<keyof RateLimitSettings>) {
    const text = env[RATE_LIMIT_ENV[key]];
    if (text !== undefined && text !== '') settings[key] = parseRateLimit(RATE_LIMIT_ENV[key], text);
  }
  return settings;
}

export interface LimiterOptions {
  /**
   * Requests that are not counted. The all-in-one skips its own loopback reader, whose reads serve a driver or
   * verifier request that was counted already; whatever decides this must not be something a stranger can send.
   */
  skip?: (req: Request) => boolean;
}

const pass: RequestHandler = (_req, _res, next) => next();

function describeWindow(windowMs: number): string {
  if (windowMs % HOUR === 0) return `${windowMs / HOUR} h`;
  if (windowMs % MINUTE === 0) return `${windowMs / MINUTE} min`;
  return `${windowMs / 1000} s`;
}

/**
 * One limiter with its own counters: one per client, or one for everybody with `shared`. `what` names the endpoint
 * class in the problem's detail (which says the budget, never who else is counted).
 */
export function rateLimiter(
  setting: RateLimitSetting,
  what: string,
  options: LimiterOptions & { shared?: boolean } = {},
): RequestHandler {
  if (setting === false) return pass;
  const { limit, windowMs } = setting;
  const scope = options.shared ? 'for all clients together' : 'per client';
  return rateLimit({
    windowMs,
    limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    ...(options.skip ? { skip: options.skip } : {}),
    ...(options.shared ? { keyGenerator: () => 'all clients' } : { ipv6Subnet: IPV6_SUBNET }),
    // The header checks would log a stranger's X-Forwarded-For; trust-proxy.ts documents the setting instead.
    validate: { xForwardedForHeader: false, forwardedHeader: false },
    // The library has set Retry-After (seconds to the end of the window) before calling this.
    handler: (_req, res) => {
      const retry = res.getHeader('Retry-After');
      const body = problem(
        'TOO_MANY_REQUESTS',
        `${what}: at most ${limit} every ${describeWindow(windowMs)} ${scope}; retry after ${retry} s`,
      );
      sendProblem(res, body);
    },
  });
}

/** The limiters of one server, built once so that every route of a class shares its counters. */
export interface Limiters {
  writes: RequestHandler;
  reads: RequestHandler;
  /** Per client, then all clients together: a client over its own budget does not use up everybody's. */
  applications: RequestHandler[];
}

export function createLimiters(settings: Partial<RateLimitSettings> = {}, options: LimiterOptions = {}): Limiters {
  const all = { ...DEFAULT_RATE_LIMITS, ...settings };
  return {
    writes: rateLimiter(all.writes, 'writes', options),
    reads: rateLimiter(all.reads, 'expensive reads', options),
    applications: [
      rateLimiter(all.applications, 'registration applications', options),
      rateLimiter(all.applicationsTotal, 'registration applications', { ...options, shared: true }),
    ],
  };
}

/** Limiters that let everything through (what a router does when it is given none). */
export const NO_LIMITERS: Readonly<Limiters> = Object.freeze({ writes: pass, reads: pass, applications: [] });
