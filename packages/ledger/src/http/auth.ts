/**
 * The operator's bearer token for the governance path (spec §3.5). Compared in constant time over SHA-256
 * digests, so neither the token's content nor its length leaks through timing; never logged, never echoed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { sendProblem } from './problem.ts';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The token in `Authorization: Bearer <token>`, or undefined. */
function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(header);
  return match?.[1];
}

/** Middleware: 401 UNAUTHORIZED unless the request carries the admin token. `what` names the route's purpose. */
export function requireBearer(adminToken: string | undefined, what = 'the governance path') {
  const expected = adminToken === undefined || adminToken === '' ? undefined : digest(adminToken);
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = bearerToken(req.headers.authorization);
    if (expected !== undefined && given !== undefined && timingSafeEqual(digest(given), expected)) {
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', 'Bearer realm="did-city-governance"');
    const detail =
      expected === undefined
        ? `${what} is disabled on this node (no admin token configured)`
        : `${what} needs Authorization: Bearer <admin token>, and the one given is missing or wrong`;
    sendProblem(res, 'UNAUTHORIZED', detail);
  };
}
