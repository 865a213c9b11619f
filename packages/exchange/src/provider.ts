/**
 * The provider side (spec §12): one city's data service as an express router, mounted where its `CityDataService`
 * endpoint points.
 *
 *   GET  /catalogue            the DCAT catalogue as last anchored (public)
 *   GET  /releases/{id}        a release's bytes, to a signed request presenting a grant (R-XCH-2…7), in the
 *                              City-Data-Grant field or in a presentation bound to the request (R-XCH-10)
 *   PUT  /datasets/{name}      define a dataset (operator): JSON title, description, accrualPeriodicity, mediaType
 *   POST /datasets/{name}/releases   publish a release (operator): the body is the content, anchored first
 *   POST /datasets/{name}/locations  publish a release served elsewhere (operator): JSON location, checksum, byteSize
 *   GET  /access-log           the access log as JSON lines, to the provider's operator (bearer token)
 *   /grants/…                  the provider's grant issuer: the VC API (`POST /grants/credentials/issue`,
 *                              `/grants/credentials/status`, operator token) and its public status lists
 *
 * A data request is checked in this order, and every outcome is recorded in the access log: the signature (401),
 * the release (404), the grant (403); then the bytes are served as they are on disk, with their Content-Digest.
 */
import { timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import {
  type CityIssuer,
  createDidResolver,
  createIssuer,
  createIssuerRouter,
  createVerifier,
  type DidResolver,
  httpCredentialFetcher,
  type IssuerKey,
  SqliteStatusStore,
  StatusLists,
  type Verifier,
} from '@did-city/issuer';
import type { Clock } from '@did-city/method';
import type { OutboundFetchPolicy } from '@did-city/method/http';
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import { AccessLog } from './access-log.ts';
import { buildCatalogue } from './catalogue.ts';
import { DatasetStore, datasetId, MAX_RELEASE_BYTES, type ReleaseRecord, releaseId } from './datasets.ts';
import { contentDigest } from './digest.ts';
import { ExchangeError } from './errors.ts';
import { checkGrant, checkGrantPresentation, GrantCache } from './grant.ts';
import { NonceStore, type NonceStoreOptions } from './nonces.ts';
import { problemHandler, toExchangeError } from './problems.ts';
import { Publisher, type ResourceAnchorer } from './publisher.ts';
import { GRANT_FIELD, PRESENTATION_FIELD, type VerifiedRequest, verifyCityRequest } from './signature-profile.ts';

export const DATA_SERVICE_TYPE = 'CityDataService';

export interface ProviderOptions {
  did: string;
  /** The provider's assertion key: it signs grants and their status lists. */
  key: IssuerKey;
  /** Where datasets, grants (`grants.db`) and the access log (`access.jsonl`) live. */
  dir: string;
  /** The public URL of the service, as the DID document's `CityDataService` entry names it. */
  endpoint: string;
  /** The verifying did:city resolver: consumers' keys and grant signatures are checked through it. */
  resolver: DidResolver;
  /** Bearer token of the operator: grants, status changes, the access log. */
  operatorToken: string;
  fetchPolicy?: OutboundFetchPolicy;
  /** Anchors each release and catalogue version as a linked resource of `did` (publisher.ts); default none. */
  anchor?: ResourceAnchorer;
  /** In front of data requests and the grant service (an express-rate-limit handler, spec §9.7); default none. */
  limiter?: RequestHandler;
  nonces?: NonceStoreOptions;
  windowSeconds?: number;
  clockSkewSeconds?: number;
  now?: Clock;
  onError?: (error: unknown) => void;
}

export interface Provider {
  readonly did: string;
  readonly endpoint: string;
  readonly router: Router;
  readonly datasets: DatasetStore;
  readonly publisher: Publisher;
  readonly issuer: CityIssuer;
  readonly statusLists: StatusLists;
  readonly accessLog: AccessLog;
  readonly verifier: Verifier;
  close(): void;
}

/** Data requests carry no body; a few bytes of slack for clients that send an empty JSON object. */
const MAX_DATA_REQUEST_BODY = 1024;

function headersOf(request: Request): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function bearer(token: string): RequestHandler {
  const expected = Buffer.from(`Bearer ${token}`);
  return (request, _response, next) => {
    const given = Buffer.from(String(request.headers.authorization ?? ''));
    if (given.length === expected.length && timingSafeEqual(given, expected)) return next();
    next(new ExchangeError('UNAUTHORIZED', "this route needs the provider operator's bearer token"));
  };
}

function claimedKeyid(request: Request): string | undefined {
  return /keyid="([^"]{1,512})"/.exec(String(request.headers['signature-input'] ?? ''))?.[1];
}

export function createProvider(options: ProviderOptions): Provider {
  const endpoint = options.endpoint.replace(/\/$/, '');
  const { did } = options;
  const datasets = new DatasetStore(join(options.dir, 'datasets'));
  const accessLog = new AccessLog(join(options.dir, 'access.jsonl'));
  const store = new SqliteStatusStore(join(options.dir, 'grants.db'));
  const statusLists = new StatusLists({ store, key: options.key, baseUrl: `${endpoint}/grants` });
  const issuer = createIssuer({ key: options.key, statusLists, baseUrl: `${endpoint}/grants` });
  const verifier = createVerifier({
    resolver: createDidResolver({ city: options.resolver }),
    fetchStatusList: statusLists.ownListsFirst(httpCredentialFetcher(options.fetchPolicy)),
    ...(options.fetchPolicy === undefined ? {} : { fetchPolicy: options.fetchPolicy }),
    fetchResource: false,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const grants = new GrantCache();
  const nonces = new NonceStore({ ...options.nonces, ...(options.now === undefined ? {} : { now: options.now }) });
  const router = express.Router();
  const operator = bearer(options.operatorToken);

  const publisher = new Publisher(datasets, { did, endpoint }, options.anchor);
  router.get('/catalogue', (_request, response) => {
    const anchored = datasets.anchoredCatalogue();
    response.type('application/ld+json').set('Cache-Control', 'no-cache');
    if (anchored === undefined) return void response.send(JSON.stringify(buildCatalogue(datasets, { did, endpoint })));
    response.set('Content-Location', releaseId(did, anchored.resourceId)).send(anchored.content);
  });
  publishingRoutes(router, operator, publisher, datasets, did);
  router.get('/access-log', operator, (_request, response) => {
    response.type('application/jsonl').set('Cache-Control', 'no-store');
    const stream = accessLog.stream();
    if (stream === undefined) return void response.send('');
    stream.pipe(response);
  });
  // Grant issuance and status changes need the operator's token; verification there is public and expensive.
  if (options.limiter !== undefined) router.use('/grants', options.limiter);
  router.use(
    '/grants',
    createIssuerRouter({
      issuer,
      verifier,
      statusLists,
      clients: [{ id: 'operator', token: options.operatorToken, roles: ['admin'] }],
    }),
  );

  const serveRelease = async (request: Request, response: Response): Promise<void> => {
    const id = String(request.params.id);
    const log = { method: request.method, path: request.originalUrl, release: releaseId(did, id) };
    let signer: VerifiedRequest | undefined;
    let dataset: string | undefined;
    try {
      const body = request.body instanceof Buffer && request.body.length > 0 ? request.body : undefined;
      const url = new URL(request.originalUrl, `${endpoint}/`).toString();
      signer = await verifyCityRequest(
        { method: request.method, url, headers: headersOf(request), ...(body === undefined ? {} : { body }) },
        { resolver: options.resolver, nonces, ...pick(options, ['now', 'windowSeconds', 'clockSkewSeconds']) },
      );
      const release = datasets.release(id);
      if (release === undefined)
        throw new ExchangeError('DATASET_NOT_FOUND', `no release ${id} here; see ${endpoint}/catalogue`);
      dataset = datasetId(did, release.dataset);
      const expected = { provider: did, consumer: signer.did, dataset };
      const grantField = request.headers[GRANT_FIELD] as string | undefined;
      const presentationField = request.headers[PRESENTATION_FIELD] as string | undefined;
      if (grantField !== undefined && presentationField !== undefined) {
        throw new ExchangeError(
          'GRANT_INVALID',
          'present the grant once: in City-Data-Grant or in a presentation in City-Data-Presentation',
        );
      }
      const grant =
        presentationField === undefined
          ? await checkGrant(grantField, expected, verifier, statusLists, grants)
          : await checkGrantPresentation(
              presentationField,
              { ...expected, challenge: signer.nonce, domain: endpoint },
              verifier,
              statusLists,
            );
      if (release.location !== undefined) {
        accessLog.record({ ...log, decision: 'allowed', reason: 'GRANTED', consumer: signer.did, dataset, grant });
        response.status(303).location(release.location).set('Cache-Control', 'no-store').end();
        return;
      }
      const content = datasets.content(id);
      if (content === undefined) throw new ExchangeError('DATASET_NOT_FOUND', `release ${id} has no content here`);
      accessLog.record({ ...log, decision: 'allowed', reason: 'GRANTED', consumer: signer.did, dataset, grant });
      response
        .type(release.mediaType)
        .set({ 'Content-Digest': contentDigest(content), 'Cache-Control': 'no-store' })
        .send(content);
    } catch (error) {
      const refusal = toExchangeError(error);
      const who = signer === undefined ? { claimedKeyid: claimedKeyid(request) } : { consumer: signer.did };
      accessLog.record({
        ...log,
        decision: 'denied',
        reason: refusal.code,
        ...who,
        ...(dataset === undefined ? {} : { dataset }),
      });
      throw refusal;
    }
  };

  const data = express.Router();
  if (options.limiter !== undefined) data.use(options.limiter);
  data.use(express.raw({ type: () => true, limit: MAX_DATA_REQUEST_BODY }));
  data.get('/releases/:id', (request: Request, response: Response, next: NextFunction) => {
    serveRelease(request, response).catch(next);
  });
  router.use(data);
  router.use(problemHandler(options.onError));
  return {
    did,
    endpoint,
    router,
    datasets,
    publisher,
    issuer,
    statusLists,
    accessLog,
    verifier,
    close: () => store.close(),
  };
}

/** The operator's publishing routes; every refusal is a problem from the error handler. */
function publishingRoutes(
  router: Router,
  operator: RequestHandler,
  publisher: Publisher,
  datasets: DatasetStore,
  did: string,
): void {
  const json = express.json({ limit: '16kb' });
  const answer = (release: ReleaseRecord) => ({
    ...release,
    release: releaseId(did, release.id),
    dataset: datasetId(did, release.dataset),
  });
  router.put('/datasets/:name', operator, json, (request: Request, response: Response) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const definition = datasets.define({
      name: String(request.params.name),
      title: body.title as string,
      mediaType: body.mediaType as string,
      ...(typeof body.description === 'string' ? { description: body.description } : {}),
      ...(typeof body.accrualPeriodicity === 'string' ? { accrualPeriodicity: body.accrualPeriodicity } : {}),
    });
    response.status(200).json({ ...definition, id: datasetId(did, definition.name) });
  });
  const raw = express.raw({ type: () => true, limit: MAX_RELEASE_BYTES });
  router.post('/datasets/:name/releases', operator, raw, (request: Request, response: Response, next: NextFunction) => {
    const content = request.body instanceof Buffer ? request.body : Buffer.alloc(0);
    const mediaType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    const options = mediaType === undefined || mediaType === 'application/octet-stream' ? {} : { mediaType };
    publisher
      .publish(String(request.params.name), content, options)
      .then((release) => void response.status(201).location(releaseId(did, release.id)).json(answer(release)))
      .catch(next);
  });
  router.post(
    '/datasets/:name/locations',
    operator,
    json,
    (request: Request, response: Response, next: NextFunction) => {
      const body = (request.body ?? {}) as { location: string; checksum: string; byteSize: number; mediaType?: string };
      publisher
        .publishLocation(String(request.params.name), body)
        .then((release) => void response.status(201).location(releaseId(did, release.id)).json(answer(release)))
        .catch(next);
    },
  );
}

function pick<T extends object, K extends keyof T>(object: T, keys: readonly K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(
    keys.filter((key) => object[key] !== undefined).map((key) => [key, object[key]]),
  ) as Partial<Pick<T, K>>;
}
