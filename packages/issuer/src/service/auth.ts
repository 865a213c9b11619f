/**
 * Authorisation of the write endpoints: each client has a bearer token and/or an API key (`X-API-Key`). Secrets are
 * compared as SHA-256 digests with timingSafeEqual, so neither length nor content leaks through timing. A client's
 * `id` is recorded with what it issues (only it, or a client with the `admin` role, may change their status), so ids
 * must be unique.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { IssuerError } from '../errors.ts';

export type ServiceRole = 'admin';

export interface ServiceClient {
  id: string;
  token?: string;
  apiKey?: string;
  /** `admin`: may change the status of any credential, whichever client issued it. */
  roles?: readonly ServiceRole[];
}

/** The authenticated caller, as `response.locals.client`. */
export interface AuthenticatedClient {
  id: string;
  admin: boolean;
}

const ROLES: ReadonlySet<string> = new Set<ServiceRole>(['admin']);

const digest = (secret: string) => createHash('sha256').update(secret, 'utf8').digest();

interface Credential {
  client: AuthenticatedClient;
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

/** Refuses a configuration in which two clients would share an id, or a role is unknown. */
function checkClients(clients: readonly ServiceClient[]): void {
  const ids = new Set<string>();
  for (const client of clients) {
    if (typeof client.id !== 'string' || client.id === '')
      throw new TypeError('each issuer service client needs a non-empty id');
    if (ids.has(client.id))
      throw new TypeError(`issuer service client id ${JSON.stringify(client.id)} is configured twice`);
    ids.add(client.id);
    for (const role of client.roles ?? []) {
      if (!ROLES.has(role))
        throw new TypeError(
          `issuer service client ${JSON.stringify(client.id)} has an unknown role ${JSON.stringify(role)}`,
        );
    }
  }
}

/** Express middleware: sets `response.locals.client` (an AuthenticatedClient) or answers 401 through the error handler. */
export function requireClient(clients: readonly ServiceClient[]) {
  checkClients(clients);
  const known: Credential[] = [];
  for (const client of clients) {
    const caller: AuthenticatedClient = { id: client.id, admin: client.roles?.includes('admin') ?? false };
    if (client.token !== undefined) known.push({ client: caller, kind: 'token', digest: digest(client.token) });
    if (client.apiKey !== undefined) known.push({ client: caller, kind: 'apiKey', digest: digest(client.apiKey) });
  }
  return (request: Request, response: Response, next: NextFunction): void => {
    const given = presented(request);
    const given256 = given === undefined ? undefined : digest(given.secret);
    // Compare against every entry so the time taken does not depend on which (if any) matched.
    let match: AuthenticatedClient | undefined;
    for (const entry of known) {
      if (given256 !== undefined && entry.kind === given?.kind && timingSafeEqual(entry.digest, given256))
        match ??= entry.client;
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
