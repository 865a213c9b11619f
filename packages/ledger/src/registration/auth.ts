/**
 * Institute bearer tokens for the listing of applications (it carries contact details) and bulk rejections. Every configured token is
 * compared, as SHA-256 digests with timingSafeEqual, so neither which institute matched nor a token's length or
 * content leaks through timing. Tokens are never logged or echoed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { DidCityError } from '@did-city/method';
import type { NextFunction, Request, Response } from 'express';

/** Institute name → its bearer token. */
export type InstituteTokens = Readonly<Record<string, string>>;

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function bearer(header: string | undefined): string | undefined {
  return header === undefined ? undefined : /^Bearer[ ]+(\S+)[ ]*$/i.exec(header)?.[1];
}

/** Middleware: sets `res.locals.institute`, or answers 401 UNAUTHORIZED (through the router's error handler). */
export function requireInstitute(tokens: InstituteTokens = {}) {
  const known = Object.entries(tokens)
    .filter(([, token]) => token !== '')
    .map(([name, token]) => ({ name, digest: digest(token) }));
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = bearer(req.headers.authorization);
    const givenDigest = given === undefined ? undefined : digest(given);
    let match: string | undefined;
    for (const entry of known) {
      if (givenDigest !== undefined && timingSafeEqual(entry.digest, givenDigest)) match ??= entry.name;
    }
    if (match === undefined) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="did-city-registrations"');
      next(new DidCityError('UNAUTHORIZED', 'this request needs Authorization: Bearer <institute token>'));
      return;
    }
    res.locals.institute = match;
    next();
  };
}
