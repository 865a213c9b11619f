/**
 * Rate limits (spec §9.7) in front of the issuer and driver routes, whose packages carry no limiter of their own:
 * the ledger's limiter classes applied by path, in the all-in-one and in the standalone `did-city issuer` and
 * `did-city driver`. Also the all-in-one's exemption for its own loopback reader, which only this process can claim.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { applyTrustProxy, createLimiters, type Limiters, rateLimitsFromEnv, trustProxyFromEnv } from '@did-city/ledger';
import express, { type Express, type RequestHandler } from 'express';

const IDENTIFIERS = '/1.0/identifiers/';

/**
 * Issuer POSTs: verifying (a credential or a presentation) is an expensive read, resolving issuers and fetching
 * status lists; issuing, status changes, new lists and proving are writes. Mount under the issuer's path.
 */
function issuerLimit(limiters: Limiters): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'POST') return next();
    return (/\/verify\/?$/i.test(req.path) ? limiters.reads : limiters.writes)(req, res, next);
  };
}

/** Resolution and dereferencing, matched the way the driver router matches them (prefix, GET or HEAD). */
function driverLimit(limiters: Limiters): RequestHandler {
  return (req, res, next) => {
    if (!req.path.startsWith(IDENTIFIERS) || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
    return limiters.reads(req, res, next);
  };
}

/** Mounts the limits of the issuer (under `issuerPath`) and of the driver on `app`, before their routers. */
export function mountLimits(app: Express, limiters: Limiters, issuerPath = '/'): void {
  app.use(issuerPath, issuerLimit(limiters));
  app.use(driverLimit(limiters));
}

/** A standalone server's app with the limits (DID_CITY_RATE_*) and the proxy setting (DID_CITY_TRUST_PROXY) in front. */
export function limitedApp(inner: Express, env: Readonly<Record<string, string | undefined>> = process.env): Express {
  const outer = express();
  outer.disable('x-powered-by');
  applyTrustProxy(outer, trustProxyFromEnv(env));
  mountLimits(outer, createLimiters(rateLimitsFromEnv(env)));
  outer.use(inner);
  return outer;
}

const OWN_HEADER = 'x-did-city-own-request';

/**
 * The all-in-one's requests to itself: a header with a random secret made at start (never written anywhere, sent
 * only to this server over loopback, by its own reader's `headers` option), and the check the limiters skip on. A
 * stranger cannot guess the secret, and a constant header would be one anybody could copy from the source.
 */
export function ownRequests(): { headers: Readonly<Record<string, string>>; isOwn: (req: IncomingMessage) => boolean } {
  const secret = randomBytes(32).toString('base64url');
  const expected = Buffer.from(secret);
  return {
    headers: Object.freeze({ [OWN_HEADER]: secret }),
    isOwn: (req) => {
      const given = Buffer.from(String(req.headers[OWN_HEADER] ?? ''));
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
