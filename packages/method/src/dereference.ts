/**
 * DID URL dereferencing (W3C DID Resolution §5, spec/did-city.md §6.4): a DID URL names the document (or one
 * version of it), a verification method or service by fragment, or service endpoints by `service` /
 * `serviceType` (+ `relativeRef`). Never throws: failures are results with `dereferencingMetadata.error`.
 */
import { parseDidUrl } from './did-url.ts';
import { dereferenceResource, isResourceUrl, type ResourceLoader } from './resource-dereference.ts';
import { DidCityError, type ProblemDetails, toResolutionProblem } from './errors.ts';
import {
  DEFAULT_REPRESENTATION,
  DOCUMENT_REPRESENTATIONS,
  negotiate,
  type Representation,
} from './resolution-options.ts';
import type {
  DereferencedContent,
  DereferencingOptions,
  DIDDereferencingResult,
  DIDResolutionOptions,
  DIDResolutionResult,
} from './resolution-types.ts';
import type { CityDidUrl, DIDDocument, Service } from './types.ts';

const URI_LIST = 'text/uri-list';

/** DID parameters did:city dereferences; any other one names a resource the method does not define. */
const PARAMETERS = new Set([
  'service',
  'serviceType',
  'relativeRef',
  'versionId',
  'versionTime',
  'verificationRelationship',
]);

export interface DereferenceContext {
  resolve(did: string, options?: DIDResolutionOptions): Promise<DIDResolutionResult>;
  /** The verified history and resource content of a DID, for DID-Linked Resource URLs (spec §6.8). */
  resources?: ResourceLoader;
}

interface Request {
  url: CityDidUrl;
  /** The document representation, or text/uri-list for endpoint URLs. */
  mode: Representation | 'uri-list';
  relationships: string[];
  options: DIDResolutionOptions;
}

function invalidUrl(detail: string): never {
  throw new DidCityError('INVALID_DID_URL', detail);
}

function notFound(detail: string): never {
  throw new DidCityError('NOT_FOUND', detail);
}

function selectsServices(url: CityDidUrl): boolean {
  return url.query.service !== undefined || url.query.serviceType !== undefined;
}

/**
 * text/uri-list only when asked for: without `accept`, or with a document type, the spec's algorithm (§4.2,
 * service selection) returns the document filtered to the selected services, with or without `relativeRef`.
 */
function chooseMode(url: CityDidUrl, accept: string | undefined): Request['mode'] {
  const explicit = accept !== undefined && accept.trim() !== '';
  const supported = new Set([...Object.keys(DOCUMENT_REPRESENTATIONS), ...(selectsServices(url) ? [URI_LIST] : [])]);
  const chosen = explicit ? negotiate(accept, supported) : 'default';
  if (chosen === undefined) {
    throw new DidCityError(
      'REPRESENTATION_NOT_SUPPORTED',
      `No supported representation in accept "${accept}" for ${url.didUrl}`,
    );
  }
  if (chosen === URI_LIST) return 'uri-list';
  if (chosen === 'default') return DEFAULT_REPRESENTATION;
  return DOCUMENT_REPRESENTATIONS[chosen]!;
}

/**
 * Both the option and the DID parameter must hold when both are given: a DID URL from an untrusted source must
 * not be able to swap the relationship a verifier asked for.
 */
function relationshipsOf(url: CityDidUrl, options: DereferencingOptions): string[] {
  const requested = [options.verificationRelationship, url.query.verificationRelationship];
  return [...new Set(requested.filter((value): value is string => typeof value === 'string'))];
}

/** DID parameters of the URL become resolution options (they win over options given separately). */
function resolutionOptions(
  url: CityDidUrl,
  options: DereferencingOptions,
  mode: Request['mode'],
): DIDResolutionOptions {
  const { accept: _accept, verificationRelationship: _relationship, ...rest } = options;
  const result: DIDResolutionOptions = { ...rest };
  if (url.query.versionId !== undefined) result.versionId = url.query.versionId;
  if (url.query.versionTime !== undefined) result.versionTime = url.query.versionTime;
  if (mode !== 'uri-list') result.accept = mode.contentType;
  return result;
}

function readOptions(input: DereferencingOptions | undefined): DereferencingOptions {
  const options: DereferencingOptions = input ?? {};
  if (typeof options !== 'object') throw new DidCityError('INVALID_OPTIONS', 'Dereferencing options must be an object');
  return options;
}

function readRequest(url: CityDidUrl, options: DereferencingOptions): Request {
  if (url.path !== '') notFound(`did:city defines no DID paths (${url.path})`);
  const unknown = Object.keys(url.query).find((name) => !PARAMETERS.has(name));
  if (unknown !== undefined) notFound(`did:city does not define the DID parameter "${unknown}"`);
  if (url.query.relativeRef !== undefined && !selectsServices(url))
    invalidUrl('relativeRef needs service or serviceType');
  for (const name of ['accept', 'verificationRelationship'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'string') {
      throw new DidCityError('INVALID_OPTIONS', `Option ${name} must be a string`);
    }
  }
  const mode = chooseMode(url, options.accept);
  return { url, mode, relationships: relationshipsOf(url, options), options: resolutionOptions(url, options, mode) };
}

function serviceTypes(service: Service): string[] {
  return Array.isArray(service.type) ? service.type : [service.type];
}

/** A `service` parameter may be a bare fragment (`files`), `#files` or the absolute id. */
function absoluteServiceId(did: string, service: string): string {
  if (service.startsWith('did:')) return service;
  return service.startsWith('#') ? `${did}${service}` : `${did}#${service}`;
}

function selectServices(document: DIDDocument, url: CityDidUrl): Service[] {
  const { service, serviceType } = url.query;
  const id = service === undefined ? undefined : absoluteServiceId(document.id, service);
  const selected = (document.service ?? []).filter(
    (candidate) =>
      (id === undefined || candidate.id === id) &&
      (serviceType === undefined || serviceTypes(candidate).includes(serviceType)),
  );
  if (selected.length === 0) notFound(`No service in ${document.id} matches ${url.didUrl}`);
  return selected;
}

/** RFC 3986 §4.2: a relative reference has no scheme and, to stay at the endpoint, no authority either. */
const HAS_SCHEME_OR_AUTHORITY = /^(?:[A-Za-z][A-Za-z0-9+.-]*:|[/\\]{2})/;

/**
 * Resolves `relativeRef` against an endpoint (RFC 3986 §5, WHATWG URL). The result must stay on the endpoint's
 * scheme and host and under the endpoint's directory (its path up to the last "/"), so `..` segments, encoded
 * or not, cannot climb out. Returns undefined for an endpoint that cannot be a base (e.g. `mailto:`).
 */
function resolveRelativeRef(endpoint: string, relativeRef: string): string | undefined {
  if (HAS_SCHEME_OR_AUTHORITY.test(relativeRef)) invalidUrl(`relativeRef "${relativeRef}" is not a relative reference`);
  let base: URL;
  let resolved: URL;
  try {
    base = new URL(endpoint);
    resolved = new URL(relativeRef, base);
  } catch {
    return undefined;
  }
  const directory = base.pathname.slice(0, base.pathname.lastIndexOf('/') + 1);
  const staysHome =
    resolved.protocol === base.protocol && resolved.host === base.host && resolved.username === base.username;
  if (!staysHome || !resolved.pathname.startsWith(directory)) {
    invalidUrl(`relativeRef "${relativeRef}" leaves the service endpoint ${endpoint}`);
  }
  return resolved.href;
}

function endpointStrings(service: Service): string[] {
  const endpoint = service.serviceEndpoint;
  if (typeof endpoint === 'string') return [endpoint];
  return Array.isArray(endpoint) ? endpoint.filter((item): item is string => typeof item === 'string') : [];
}

/** The selected endpoint URLs (spec §5.4.1); a DID URL fragment is inherited by each (§5.4.2). */
function endpointUrls(services: Service[], url: CityDidUrl): string[] {
  const { relativeRef } = url.query;
  const urls: string[] = [];
  for (const endpoint of services.flatMap(endpointStrings)) {
    const resolved = relativeRef === undefined ? endpoint : resolveRelativeRef(endpoint, relativeRef);
    if (resolved === undefined) continue;
    if (url.fragment !== undefined && resolved.includes('#')) invalidUrl(`Endpoint ${resolved} already has a fragment`);
    urls.push(url.fragment === undefined ? resolved : `${resolved}#${url.fragment}`);
  }
  if (urls.length === 0) notFound(`The services selected by ${url.didUrl} have no URL endpoint`);
  return urls;
}

/** CID 1.0 §3.3: the method must be listed, by reference or by value, in each requested relationship. */
function checkRelationships(document: DIDDocument, target: DereferencedContent, request: Request): void {
  if (request.relationships.length === 0) return;
  const isMethod = document.verificationMethod?.some((method) => method === target) === true;
  if (!isMethod)
    throw new DidCityError(
      'INVALID_VERIFICATION_METHOD',
      `${request.url.didUrl} does not dereference to a verification method`,
    );
  const id = (target as { id: string }).id;
  for (const relationship of request.relationships) {
    const entries: unknown = (document as unknown as Record<string, unknown>)[relationship];
    const listed =
      Array.isArray(entries) && entries.some((entry) => entry === id || (entry as { id?: unknown })?.id === id);
    if (!listed)
      throw new DidCityError(
        'INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD',
        `${id} is not authorised for ${relationship}`,
      );
  }
}

function findFragment(document: DIDDocument, fragment: string): DereferencedContent {
  const id = `${document.id}#${fragment}`;
  const found =
    document.verificationMethod?.find((method) => method.id === id) ??
    document.service?.find((service) => service.id === id);
  return found ?? notFound(`${document.id} has no verification method or service ${id}`);
}

function withContext(document: DIDDocument, content: DereferencedContent): DereferencedContent {
  if (Array.isArray(content) || document['@context'] === undefined || content === document) return content;
  return { '@context': document['@context'], ...content };
}

function succeed(
  content: DereferencedContent | null,
  contentType: string,
  resolution: DIDResolutionResult,
): DIDDereferencingResult {
  const dereferencingMetadata: DIDDereferencingResult['dereferencingMetadata'] = { contentType };
  if (resolution.didResolutionMetadata.ledger !== undefined)
    dereferencingMetadata.ledger = resolution.didResolutionMetadata.ledger;
  // The spec's text/uri-list result carries its type in contentMetadata; anything else, the document's metadata.
  const contentMetadata =
    content !== null && contentType === URI_LIST ? { contentType } : resolution.didDocumentMetadata;
  return { dereferencingMetadata, content, contentStream: content, contentMetadata };
}

/** The document, filtered to the selected services when the URL selects some, then narrowed by the fragment. */
function documentContent(document: DIDDocument, request: Request): DereferencedContent {
  const selected = selectsServices(request.url) ? selectServices(document, request.url) : undefined;
  // The algorithm resolves relativeRef against the endpoints before it picks the representation: a reference
  // that leaves its endpoint is INVALID_DID_URL whichever representation was asked for.
  if (selected !== undefined && request.url.query.relativeRef !== undefined) endpointUrls(selected, request.url);
  const resource = selected === undefined ? document : { ...document, service: selected };
  const { fragment } = request.url;
  const target = fragment === undefined ? resource : findFragment(resource, fragment);
  checkRelationships(resource, target, request);
  return withContext(resource, target);
}

function contentOf(document: DIDDocument, request: Request): { content: DereferencedContent; contentType: string } {
  if (request.mode === 'uri-list')
    return { content: endpointUrls(selectServices(document, request.url), request.url), contentType: URI_LIST };
  return { content: documentContent(document, request), contentType: request.mode.contentType };
}

export function dereferencingFailure(error: ProblemDetails): DIDDereferencingResult {
  return { dereferencingMetadata: { error }, content: null, contentStream: null, contentMetadata: {} };
}

async function dereferenceOrThrow(
  didUrl: string,
  input: DereferencingOptions | undefined,
  context: DereferenceContext,
) {
  const url = parseDidUrl(didUrl);
  const options = readOptions(input);
  if (isResourceUrl(url)) {
    if (context.resources === undefined)
      throw new DidCityError('FEATURE_NOT_SUPPORTED', 'this dereferencer reads no linked resources');
    return dereferenceResource(url, options, context.resources);
  }
  const request = readRequest(url, options);
  const resolution = await context.resolve(request.url.did, request.options);
  const { error } = resolution.didResolutionMetadata;
  if (error !== undefined) return dereferencingFailure(error);
  const document = resolution.didDocument;
  const documentType = request.mode === 'uri-list' ? URI_LIST : request.mode.contentType;
  // Deactivated: nothing to dereference, but no error either; the metadata says why (the driver answers 410).
  if (document === null) return succeed(null, documentType, resolution);
  const { content, contentType } = contentOf(document, request);
  return succeed(content, contentType, resolution);
}

/** Dereferences a did:city DID URL with a resolve function (see createCityResolver). Never throws. */
export async function dereference(
  didUrl: string,
  options: DereferencingOptions | undefined,
  context: DereferenceContext,
): Promise<DIDDereferencingResult> {
  try {
    return await dereferenceOrThrow(didUrl, options, context);
  } catch (err) {
    return dereferencingFailure(toResolutionProblem(err));
  }
}
