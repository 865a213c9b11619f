/**
 * DID-Linked Resources (spec §3.9, W3C CCG DID-Linked Resources): the `resource` operation's member, the content
 * checksum, builders, and the metadata a resolver lists in `didDocumentMetadata.linkedResourceMetadata`.
 *
 * @example
 * const content = new TextEncoder().encode(JSON.stringify(schema));
 * const resource = describeResource({ content, resourceName: 'CityIdentityCredential', resourceType: 'JsonSchema', mediaType: 'application/schema+json' });
 * const op = await signOperation(resourceOperation(history, resource), [signer]);
 */
import { invalidOperation, isRecord } from './document-content.ts';
import { DidCityError } from './errors.ts';
import { sha256 } from './hash.ts';
import type { ChainHead } from './operation.ts';
import type { DidHistory, LinkedResource, ResourceDescription, UnsignedOperation } from './types.ts';

/** R-DLR-3: the largest resource content a node stores and a resolver accepts, in bytes (1 MiB). */
export const MAX_RESOURCE_BYTES = 1_048_576;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const CHECKSUM = /^[0-9a-f]{64}$/;
/** RFC 6838 §4.2 type/subtype names, lower case, no parameters. */
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
/** C0 and C1 controls and the line separators: a name or type is shown to people and put in URLs. */
const CONTROL = /[\p{Cc}\u2028\u2029]/u;
const REQUIRED = ['resourceId', 'resourceName', 'resourceType', 'mediaType', 'checksum'] as const;
const MEMBERS = new Set<string>([...REQUIRED, 'resourceVersion']);
const TEXT_BOUNDS = { resourceName: 200, resourceType: 100, resourceVersion: 64 } as const;

function checkText(value: unknown, name: keyof typeof TEXT_BOUNDS): void {
  const path = `resource.${name}`;
  if (typeof value !== 'string' || value.length === 0) invalidOperation(path, 'must be a non-empty string');
  if (value.length > TEXT_BOUNDS[name]) invalidOperation(path, `at most ${TEXT_BOUNDS[name]} characters`);
  if (CONTROL.test(value) || value.trim() !== value)
    invalidOperation(path, 'no control characters, no leading or trailing space');
}

/** R-DLR-1: the shape of a `resource` operation's `resource` member. Throws INVALID_OPERATION naming the member. */
export function checkResourceDescription(value: unknown): asserts value is ResourceDescription {
  if (!isRecord(value)) invalidOperation('resource', 'must be an object');
  for (const key of Object.keys(value)) if (!MEMBERS.has(key)) invalidOperation(`resource.${key}`, 'unknown member');
  for (const key of REQUIRED) if (!(key in value)) invalidOperation(`resource.${key}`, 'missing');
  if (typeof value.resourceId !== 'string' || !UUID.test(value.resourceId)) {
    invalidOperation('resource.resourceId', 'must be a lowercase RFC 9562 UUID');
  }
  checkText(value.resourceName, 'resourceName');
  checkText(value.resourceType, 'resourceType');
  if (value.resourceVersion !== undefined) checkText(value.resourceVersion, 'resourceVersion');
  if (typeof value.mediaType !== 'string' || !MEDIA_TYPE.test(value.mediaType)) {
    invalidOperation('resource.mediaType', 'must be a lowercase media type "type/subtype" without parameters');
  }
  if (typeof value.checksum !== 'string' || !CHECKSUM.test(value.checksum)) {
    invalidOperation('resource.checksum', 'must be the lowercase hex SHA-256 of the content (64 digits)');
  }
}

/** The checksum a `resource` operation anchors: lowercase hex SHA-256 of the content bytes (R-DLR-2). */
export function resourceChecksum(content: Uint8Array): string {
  let hex = '';
  for (const byte of sha256(content)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** RESOURCE_TOO_LARGE past MAX_RESOURCE_BYTES (R-DLR-3). */
export function checkResourceSize(content: Uint8Array): void {
  if (content.byteLength > MAX_RESOURCE_BYTES) {
    throw new DidCityError(
      'RESOURCE_TOO_LARGE',
      `resource content: ${content.byteLength} bytes, at most ${MAX_RESOURCE_BYTES} allowed`,
    );
  }
}

/**
 * R-DLR-2, R-DLR-3: throws RESOURCE_TOO_LARGE or INVALID_RESOURCE_CONTENT unless `content` is what `resource`
 * anchors. The ledger runs it before storing content; a dereferencer before returning it.
 */
export function verifyResourceContent(
  resource: Pick<ResourceDescription, 'checksum' | 'resourceId'>,
  content: Uint8Array,
): void {
  checkResourceSize(content);
  const actual = resourceChecksum(content);
  if (actual !== resource.checksum) {
    throw new DidCityError(
      'INVALID_RESOURCE_CONTENT',
      `resource ${resource.resourceId}: the content's SHA-256 is ${actual}, the anchored checksum is ${resource.checksum}`,
    );
  }
}

export interface ResourceInput {
  content: Uint8Array;
  resourceName: string;
  resourceType: string;
  mediaType: string;
  /** Default: a new random (version 4) UUID. */
  resourceId?: string;
  resourceVersion?: string;
}

/** The description of new content, checksum computed, checked as a node would check it. */
export function describeResource(input: ResourceInput): ResourceDescription {
  checkResourceSize(input.content);
  const description: ResourceDescription = {
    // Web Crypto's, so the module also runs in the explorer's browser build.
    resourceId: input.resourceId ?? globalThis.crypto.randomUUID(),
    resourceName: input.resourceName,
    resourceType: input.resourceType,
    mediaType: input.mediaType,
    checksum: resourceChecksum(input.content),
  };
  if (input.resourceVersion !== undefined) description.resourceVersion = input.resourceVersion;
  checkResourceDescription(description);
  return description;
}

/** An unsigned `resource` operation chained to `prev` (sign it with signOperation and the DID's update keys). */
export function resourceOperation(prev: ChainHead, resource: ResourceDescription): UnsignedOperation {
  const chain =
    'head' in prev
      ? { seq: prev.head.seq + 1, prev: prev.head.operationHash }
      : { seq: prev.seq + 1, prev: prev.operationHash };
  return { type: 'resource', did: prev.did, ...chain, resource: { ...resource } };
}

/** One resource's metadata as W3C CCG DID-Linked Resources (and did:cheqd) lists it. */
export interface LinkedResourceMetadata {
  resourceURI: string;
  /** The DID whose resources these are (did:cheqd names its collection by the DID's identifier). */
  resourceCollectionId: string;
  resourceId: string;
  resourceName: string;
  resourceType: string;
  resourceVersion?: string;
  mediaType: string;
  created: string;
  checksum: string;
  /** The resource with the same name and type published just before this one, in log order. */
  previousVersionId: string | null;
  nextVersionId: string | null;
}

function versionKey(resource: LinkedResource): string {
  return JSON.stringify([resource.resourceName, resource.resourceType]);
}

/** `resource`'s metadata: its version links computed over `all` (the DID's resources in log order), R-DLR-5. */
function metadataOf(
  did: string,
  resource: LinkedResource,
  links: Map<string, { previous: string | null; next: string | null }>,
) {
  const link = links.get(resource.resourceId)!;
  const metadata: LinkedResourceMetadata = {
    resourceURI: `${did}/resources/${resource.resourceId}`,
    resourceCollectionId: did,
    resourceId: resource.resourceId,
    resourceName: resource.resourceName,
    resourceType: resource.resourceType,
    mediaType: resource.mediaType,
    created: resource.created,
    checksum: resource.checksum,
    previousVersionId: link.previous,
    nextVersionId: link.next,
  };
  if (resource.resourceVersion !== undefined) metadata.resourceVersion = resource.resourceVersion;
  return metadata;
}

/** previousVersionId / nextVersionId of every resource: neighbours with the same name and type, in log order. */
function versionLinks(
  resources: readonly LinkedResource[],
): Map<string, { previous: string | null; next: string | null }> {
  const links = new Map<string, { previous: string | null; next: string | null }>();
  const last = new Map<string, string>();
  for (const resource of resources) {
    const key = versionKey(resource);
    const previous = last.get(key) ?? null;
    if (previous !== null) links.get(previous)!.next = resource.resourceId;
    links.set(resource.resourceId, { previous, next: null });
    last.set(key, resource.resourceId);
  }
  return links;
}

/**
 * The metadata of `history`'s resources (all of them, or those `include` keeps), in log order, each with its
 * version links computed over the whole history.
 */
export function linkedResourceMetadata(
  history: Pick<DidHistory, 'did' | 'resources'>,
  include: (resource: LinkedResource) => boolean = () => true,
): LinkedResourceMetadata[] {
  const resources = history.resources ?? [];
  const links = versionLinks(resources);
  return resources.filter(include).map((resource) => metadataOf(history.did, resource, links));
}
