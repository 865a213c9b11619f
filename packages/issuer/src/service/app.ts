/**
 * The issuer service: VC API endpoints on an express Router, mountable into the all-in-one server, plus the served
 * context and schemas. Issuing and status changes need a configured client; verifying and reading lists are public.
 *
 * @example
 * app.use('/issuer', createIssuerRouter({ issuer, verifier, statusLists, clients: [{ id: 'ops', token }] }));
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { CITY_CREDENTIALS_CONTEXT_DOCUMENT } from '../context.ts';
import { IssuerError } from '../errors.ts';
import type { CityIssuer } from '../issuer.ts';
import { BUNDLED_SCHEMAS, schemaFile } from '../schemas.ts';
import type { StatusLists } from '../status-lists.ts';
import type { IssuerKey } from '../types.ts';
import type { Verifier } from '../verifier.ts';
import { type AuthenticatedClient, requireClient, type ServiceClient } from './auth.ts';
import { presentationRoutes } from './presentations.ts';
import { describedIssues, problemHandler } from './problems.ts';
import { readCreateListRequest, readIssueRequest, readStatusRequest } from './requests.ts';

export interface IssuerServiceOptions {
  issuer: CityIssuer;
  verifier: Verifier;
  statusLists?: StatusLists;
  clients: readonly ServiceClient[];
  /** JSON body limit; default 64 KiB (a credential is a few KiB). */
  bodyLimit?: string | number;
  /** The key `POST /presentations/prove` signs with (a key of this city's DID in `authentication`); absent: no proving. */
  holderKey?: IssuerKey;
}

/**
 * What GET /status-lists/{id} negotiates (first = default for `*\/*` or no Accept): the Data Integrity credential as
 * `application/vc` (VC 2.0 §6.3), the same JSON under the JSON-LD and plain JSON types generic clients ask for, and
 * the list as a VC-JOSE-COSE JWT.
 */
const STATUS_LIST_TYPES = [
  'application/vc',
  'application/vc+ld+json',
  'application/ld+json',
  'application/json',
  'application/vc+jwt',
];

export type Handler = (request: Request, response: Response) => Promise<void> | void;

/** Express 5 forwards rejected promises itself; the wrapper keeps handlers small and typed. */
export function route(handler: Handler) {
  return (request: Request, response: Response, next: NextFunction) => {
    Promise.resolve(handler(request, response)).catch(next);
  };
}

function needLists(statusLists: StatusLists | undefined): StatusLists {
  if (statusLists === undefined) throw new IssuerError('STATUS_LIST_NOT_FOUND', 'this issuer has no status lists');
  return statusLists;
}

function served(router: Router): void {
  router.get('/contexts/credentials/v1', (_request, response) => {
    response
      .type('application/ld+json')
      .set('Cache-Control', 'public, max-age=86400')
      .send(JSON.stringify(CITY_CREDENTIALS_CONTEXT_DOCUMENT));
  });
  const files = new Map(Object.values(BUNDLED_SCHEMAS).map((schema) => [schemaFile(schema), schema]));
  router.get('/schemas/v1/:file', (request, response, next) => {
    const schema = files.get(String(request.params.file));
    if (schema === undefined) return next(new IssuerError('MALFORMED_REQUEST', 'no such schema'));
    response.type('application/schema+json').set('Cache-Control', 'public, max-age=86400').send(JSON.stringify(schema));
  });
}

function verification(router: Router, verifier: Verifier): void {
  router.post(
    '/credentials/verify',
    route(async (request, response) => {
      const body = request.body as { verifiableCredential?: unknown } | undefined;
      if (body?.verifiableCredential === undefined)
        throw new IssuerError('MALFORMED_REQUEST', 'body must carry verifiableCredential');
      const result = await verifier.verify(body.verifiableCredential);
      const checks = ['proof', 'validity', 'status', 'schema', 'relatedResource'];
      response.status(result.verified ? 200 : 400).json({
        verified: result.verified,
        checks,
        errors: describedIssues(result.errors),
        warnings: describedIssues(result.warnings ?? []),
        format: result.format,
        issuer: result.issuer,
        ...(result.relatedResources === undefined ? {} : { relatedResources: result.relatedResources }),
      });
    }),
  );
}

/**
 * The client's view of a credential's status: an admin sees every entry; any other client only the entries it
 * issued. A non-admin client that issued nothing under this id is refused with 403 whether or not the credential
 * exists, so a refusal never tells it whether another client issued one.
 */
function scopeOf(lists: StatusLists, credentialId: string, caller: AuthenticatedClient) {
  if (caller.admin) return { scope: {}, view: lists.statusOf(credentialId) };
  const scope = { client: caller.id };
  try {
    return { scope, view: lists.statusOf(credentialId, scope) };
  } catch (error) {
    if (!(error instanceof IssuerError) || error.code !== 'CREDENTIAL_NOT_FOUND') throw error;
    throw new IssuerError(
      'STATUS_CHANGE_FORBIDDEN',
      'only the client that issued a credential, or a client with the admin role, may change its status; this client issued no credential with this id here',
    );
  }
}

function statusRoutes(router: Router, options: IssuerServiceOptions, auth: ReturnType<typeof requireClient>): void {
  router.post(
    '/credentials/status',
    auth,
    route((request, response) => {
      const lists = needLists(options.statusLists);
      const { credentialId, changes } = readStatusRequest(request.body);
      const scoped = scopeOf(lists, credentialId, response.locals.client as AuthenticatedClient);
      let { view } = scoped;
      for (const change of changes) view = lists.update(credentialId, change.purpose, change.value, scoped.scope);
      response.status(200).json(view);
    }),
  );
  router.post(
    '/status-lists',
    auth,
    route((request, response) => {
      const lists = needLists(options.statusLists);
      const { purpose, length } = readCreateListRequest(request.body);
      const id = lists.createList(purpose, length);
      response
        .status(201)
        .location(lists.urlOf(id))
        .json({ id: lists.urlOf(id), statusPurpose: purpose });
    }),
  );
  router.get(
    '/status-lists/:id',
    route(async (request, response) => {
      const lists = needLists(options.statusLists);
      const type = request.accepts(STATUS_LIST_TYPES);
      if (type === false)
        throw new IssuerError('NOT_ACCEPTABLE', `status lists are served as ${STATUS_LIST_TYPES.join(', ')}`);
      const id = String(request.params.id);
      const credential =
        type === 'application/vc+jwt' ? await lists.listCredential(id, 'vc+jwt') : await lists.listCredential(id);
      if (credential === undefined) throw new IssuerError('STATUS_LIST_NOT_FOUND', 'no such status list');
      response
        .type(type)
        .set('Vary', 'Accept')
        .set('Cache-Control', `public, max-age=${Math.floor(lists.ttlMs / 1000)}`)
        .send(typeof credential === 'string' ? credential : JSON.stringify(credential));
    }),
  );
}

export function createIssuerRouter(options: IssuerServiceOptions): Router {
  const router = express.Router();
  router.use(express.json({ limit: options.bodyLimit ?? '64kb', type: ['application/json', 'application/*+json'] }));
  const auth = requireClient(options.clients);
  router.post(
    '/credentials/issue',
    auth,
    route(async (request, response) => {
      const { credential, options: issueOptions } = readIssueRequest(request.body);
      const { id: client } = response.locals.client as AuthenticatedClient;
      const issued = await options.issuer.issue(credential, { ...issueOptions, client });
      response.status(201).json({ verifiableCredential: issued.verifiableCredential });
    }),
  );
  verification(router, options.verifier);
  presentationRoutes(router, { verifier: options.verifier, holderKey: options.holderKey, auth, route });
  statusRoutes(router, options, auth);
  served(router);
  router.use(problemHandler);
  return router;
}

/** A standalone app with the router at `/`. */
export function createIssuerApp(options: IssuerServiceOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(createIssuerRouter(options));
  return app;
}
