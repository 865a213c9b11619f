/**
 * Dereferencing DID URLs to DID-Linked Resources (spec §6.8): `<did>/resources/<uuid>` (and `/metadata`), and the
 * query `?resourceName=…&resourceType=…` with `resourceVersionId`, `resourceVersionTime`, `resourceVersion`, and
 * `resourceMetadata=true` to list every match, all versions. Content is returned only after its SHA-256 matched the
 * checksum the verified history anchors.
 */
import { DidCityError } from './errors.ts';
import { linkedResourceMetadata, type LinkedResourceMetadata, verifyResourceContent } from './resource.ts';
import { negotiate, parseXmlDatetime, toUtcSeconds } from './resolution-options.ts';
import type { DereferencingOptions, DIDDereferencingResult } from './resolution-types.ts';
import type { CityDidUrl, DidHistory, LedgerHistory, LinkedResource } from './types.ts';

/** What the resolver verified of a DID, and a way to its resources' stored content. */
export interface ResourceView {
  history?: DidHistory;
  ledger?: NonNullable<LedgerHistory['ledger']>;
  /** The stored bytes of one resource (checked again by the caller), undefined when the ledger has none. */
  content(resource: LinkedResource): Promise<Uint8Array | undefined>;
}

export type ResourceLoader = (did: string, options: { noCache: boolean }) => Promise<ResourceView>;

/** DID parameters of a resource query (did:cheqd's names; W3C CCG DID-Linked Resources). */
export const RESOURCE_PARAMETERS: ReadonlySet<string> = new Set([
  'resourceId',
  'resourceName',
  'resourceType',
  'resourceVersionId',
  'resourceVersionTime',
  'resourceVersion',
  'resourceMetadata',
]);
const PATH = /^\/resources\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(\/metadata)?$/;
const JSON_TYPE = 'application/json';
const WRAPPER = 'application/did-url-dereferencing';

interface ResourceQuery {
  filters: Partial<Record<'resourceId' | 'resourceName' | 'resourceType' | 'resourceVersion', string>>;
  /** resourceVersionTime in milliseconds. */
  at?: number;
  /** List metadata instead of returning content. */
  metadata: 'list' | 'one' | false;
}

function invalidUrl(detail: string): never {
  throw new DidCityError('INVALID_DID_URL', detail);
}

function notFound(detail: string): never {
  throw new DidCityError('NOT_FOUND', detail);
}

/** Whether `url` asks for linked resources rather than the document. */
export function isResourceUrl(url: CityDidUrl): boolean {
  return url.path.startsWith('/resources') || Object.keys(url.query).some((name) => RESOURCE_PARAMETERS.has(name));
}

function readPath(url: CityDidUrl): ResourceQuery {
  const match = PATH.exec(url.path);
  if (match === null) notFound(`${url.path} is not a resource path (/resources/<uuid> or /resources/<uuid>/metadata)`);
  if (Object.keys(url.query).length > 0)
    invalidUrl('a resource path takes no query; use the resource query parameters on the DID instead');
  return { filters: { resourceId: match[1]! }, metadata: match[2] === undefined ? false : 'one' };
}

function readQuery(url: CityDidUrl): ResourceQuery {
  const { query } = url;
  const other = Object.keys(query).find((name) => !RESOURCE_PARAMETERS.has(name));
  if (other !== undefined) invalidUrl(`"${other}" cannot be combined with resource parameters`);
  const metadata = query.resourceMetadata;
  if (metadata !== undefined && metadata !== 'true' && metadata !== 'false')
    invalidUrl('resourceMetadata must be "true" or "false"');
  const filters: ResourceQuery['filters'] = {};
  for (const name of ['resourceId', 'resourceName', 'resourceType', 'resourceVersion'] as const) {
    if (query[name] !== undefined) filters[name] = query[name];
  }
  const versionId = query.resourceVersionId;
  if (versionId !== undefined) {
    if (filters.resourceId !== undefined && filters.resourceId !== versionId)
      invalidUrl('resourceId and resourceVersionId name different resources');
    filters.resourceId = versionId;
  }
  if (Object.keys(filters).length === 0)
    invalidUrl('a resource query names at least one of resourceId, resourceName, resourceType, resourceVersion');
  const request: ResourceQuery = { filters, metadata: metadata === 'true' ? 'list' : false };
  if (query.resourceVersionTime !== undefined) {
    const at = parseXmlDatetime(query.resourceVersionTime);
    if (at === undefined)
      invalidUrl(`resourceVersionTime "${query.resourceVersionTime}" is not an XML datetime with a time zone`);
    request.at = at;
  }
  return request;
}

function matches(resource: LinkedResource, filters: ResourceQuery['filters']): boolean {
  return Object.entries(filters).every(([name, value]) => resource[name as keyof LinkedResource] === value);
}

/** Per name and type, the latest version at `at` (default: now), keeping log order. */
function latestOfEach(resources: LinkedResource[], at: number | undefined): LinkedResource[] {
  const inForce = at === undefined ? resources : resources.filter((resource) => Date.parse(resource.created) <= at);
  const latest = new Map<string, LinkedResource>();
  for (const resource of inForce) latest.set(JSON.stringify([resource.resourceName, resource.resourceType]), resource);
  return [...latest.values()];
}

/**
 * R-DLR-7: the resources a query selects. An explicit resourceId (path, `resourceId`, `resourceVersionId`) selects
 * that version; otherwise the latest version of each name and type (at `resourceVersionTime` when given), or for
 * `resourceMetadata=true` every version.
 */
function select(history: DidHistory, request: ResourceQuery): LinkedResource[] {
  const found = (history.resources ?? []).filter((resource) => matches(resource, request.filters));
  if (request.filters.resourceId !== undefined) {
    return request.at === undefined ? found : found.filter((resource) => Date.parse(resource.created) <= request.at!);
  }
  if (request.metadata === 'list' && request.at === undefined) return found;
  return latestOfEach(found, request.at);
}

/** R-DLR-8: a deactivated DID serves no resource as current; only a time before the deactivation reaches one. */
function servesAfterDeactivation(history: DidHistory, request: ResourceQuery): boolean {
  const { deactivation } = history;
  return (
    deactivation === undefined || (request.at !== undefined && request.at < Date.parse(deactivation.integratedTime))
  );
}

function checkAccept(accept: string | undefined, mediaType: string): void {
  if (accept === undefined || accept.trim() === '') return;
  if (negotiate(accept, new Set([mediaType, WRAPPER])) !== undefined) return;
  throw new DidCityError(
    'REPRESENTATION_NOT_SUPPORTED',
    `The resource is ${mediaType}, not acceptable under accept "${accept}"`,
  );
}

function result(
  content: DIDDereferencingResult['content'],
  contentType: string,
  contentMetadata: object,
  view: ResourceView,
): DIDDereferencingResult {
  const dereferencingMetadata: DIDDereferencingResult['dereferencingMetadata'] = { contentType };
  if (view.ledger !== undefined) dereferencingMetadata.ledger = view.ledger;
  return { dereferencingMetadata, content, contentStream: content, contentMetadata };
}

function deactivatedResult(history: DidHistory, view: ResourceView): DIDDereferencingResult {
  const at = toUtcSeconds(history.deactivation!.integratedTime);
  return result(null, JSON_TYPE, { deactivated: true, updated: at }, view);
}

function metadataOf(history: DidHistory, chosen: LinkedResource[]): LinkedResourceMetadata[] {
  const ids = new Set(chosen.map((resource) => resource.resourceId));
  return linkedResourceMetadata(history, (resource) => ids.has(resource.resourceId));
}

async function contentResult(
  history: DidHistory,
  resource: LinkedResource,
  view: ResourceView,
  accept: string | undefined,
) {
  checkAccept(accept, resource.mediaType);
  const content = await view.content(resource);
  if (content === undefined) {
    throw new DidCityError(
      'LEDGER_UNAVAILABLE',
      `the ledger does not serve the content of resource ${resource.resourceId}`,
    );
  }
  verifyResourceContent(resource, content);
  return result(content, resource.mediaType, metadataOf(history, [resource])[0]!, view);
}

function readRequest(url: CityDidUrl): ResourceQuery {
  return url.path === '' ? readQuery(url) : readPath(url);
}

/** Dereferences a resource DID URL (`isResourceUrl`); throws DidCityError, which `dereference` turns into a result. */
export async function dereferenceResource(
  url: CityDidUrl,
  options: DereferencingOptions,
  load: ResourceLoader,
): Promise<DIDDereferencingResult> {
  const request = readRequest(url);
  const noCache = options.noCache === true || options.noCache === 'true';
  const view = await load(url.did, { noCache });
  const { history } = view;
  if (history === undefined) notFound(`${url.did} is not on the ledger`);
  if (!servesAfterDeactivation(history, request)) return deactivatedResult(history, view);
  const chosen = select(history, request);
  if (request.metadata === 'list')
    return result({ linkedResourceMetadata: metadataOf(history, chosen) }, JSON_TYPE, {}, view);
  if (chosen.length === 0) notFound(`${url.did} has no resource matching ${url.didUrl}`);
  if (chosen.length > 1) {
    invalidUrl(
      `${url.didUrl} matches ${chosen.length} resources of different names or types; name one, or list them with resourceMetadata=true`,
    );
  }
  const [resource] = chosen as [LinkedResource];
  if (request.metadata === 'one') return result(metadataOf(history, chosen)[0]!, JSON_TYPE, {}, view);
  return contentResult(history, resource, view, options.accept);
}
