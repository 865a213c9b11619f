/**
 * Authorisation of the write endpoints: each client has a bearer token and/or an API key (`X-API-Key`). Secrets are
 * compared as SHA-256 digests with timingSafeEqual, so neither length nor content leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { IssuerError } from '../errors.ts';

export interface ServiceClient {
  id: string;
  token?: string;
  apiKey?: string;
}

const digest = (secret: string) => createHash('sha256').update(secret, 'utf8').digest();

interface Credential {
  client: string;
  kind: 'token' | 'apiKey';
  digest: Buffer;
}

function presented(request: Request): { kind: 'token' | 'apiKey'; secret: string } | undefined {
  const authorization = request.get('authorization');
  const bearer = authorization === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  if (bearer !== undefined) return { kind: 'token', secret: bearer };
  const apiKey = request.get('x-api-key');
  return apiKey === undefined || apiKey === '' ? undefined : { kind: 'apiKey', secret: apiKey };
}

/** Express middleware: sets `response.locals.client` or answers 401 through the error handler. */
export function requireClient(clients: readonly ServiceClient[]) {
  const known: Credential[] = [];
  for (const client of clients) {
    if (client.token !== undefined) known.push({ client: client.id, kind: 'token', digest: digest(client.token) });
    if (client.apiKey !== undefined) known.push({ client: client.id, kind: 'apiKey', digest: digest(client.apiKey) });
  }
  return (request: Request, response: Response, next: NextFunction): void => {
    const given = presented(request);
    const given256 = given === undefined ? undefined : digest(given.secret);
    // Compare against every entry so the time taken does not depend on which (if any) matched.
    let match: string | undefined;
    for (const entry of known) {
      if (given256 !== undefined && entry.kind === given?.kind && timingSafeEqual(entry.digest, given256)) match ??= entry.client;
    }
    if (match === undefined) {
      response.set('WWW-Authenticate', 'Bearer realm="did-city-issuer"');
      next(new IssuerError('UNAUTHORIZED', 'a valid bearer token or X-API-Key is required'));
      return;
    }
    response.locals.client = match;
    next();
  };
}
