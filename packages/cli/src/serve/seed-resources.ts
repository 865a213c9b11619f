/**
 * The national registry uses DID-Linked Resources itself (spec §3.9): `did:city:cn` publishes, as its own linked
 * resources, the JSON Schemas of the four credential types (resourceType `JsonSchema`, named by the credential
 * type), the did:city credentials JSON-LD context (`JsonLdContext`) and the edition of the GB/T 2260 division table
 * it allocates from (`DivisionCodeTable`, resourceVersion = the edition; its SHA-256 is the edition's digest in the
 * bundled record). Each is a `resource` operation signed by the registry quorum (2 of the 3 institutes), its content
 * stored by the node.
 *
 * Idempotent: a resource is published only when the DID has no version of that name and type yet, or when the
 * latest one anchors another checksum (the content changed, e.g. the registry now states a newer edition). The
 * resourceId is derived from the DID, name, type, checksum and the version it follows, so a start that is killed
 * between submitting and anchoring submits the same resource again, never a second copy under a new id.
 */
import { createHash } from 'node:crypto';
import { BUNDLED_CONTEXTS, BUNDLED_SCHEMAS, CITY_CREDENTIALS_CONTEXT, type CityCredentialType } from '@did-city/issuer';
import {
  createSigner,
  currentContent,
  type DidHistory,
  describeResource,
  divisionEditionOf,
  divisionEditionText,
  type LinkedResource,
  latestDivisionEdition,
  resourceChecksum,
  resourceOperation,
  signOperation,
} from '@did-city/method';
import { REGISTRY_DID, REGISTRY_THRESHOLD, type SeedContext } from './seed.ts';

export const SCHEMA_RESOURCE_TYPE = 'JsonSchema';
export const CONTEXT_RESOURCE = {
  resourceName: 'CityCredentials',
  resourceType: 'JsonLdContext',
  resourceVersion: 'v1',
} as const;
export const DIVISION_TABLE_RESOURCE = { resourceName: 'GBT2260', resourceType: 'DivisionCodeTable' } as const;

/** What the registry publishes: one entry per name and type. */
export interface RegistryResource {
  resourceName: string;
  resourceType: string;
  mediaType: string;
  resourceVersion?: string;
  content: Uint8Array;
}

function json(value: unknown): Uint8Array {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
}

/** The registry's resources for the edition it states (`edition`): the schemas, the context, the division table. */
export function registryResources(edition: string): RegistryResource[] {
  const schemas = (Object.keys(BUNDLED_SCHEMAS) as CityCredentialType[]).map((type) => ({
    resourceName: type,
    resourceType: SCHEMA_RESOURCE_TYPE,
    mediaType: 'application/schema+json',
    content: json(BUNDLED_SCHEMAS[type]),
  }));
  const context = {
    ...CONTEXT_RESOURCE,
    mediaType: 'application/ld+json',
    content: json(BUNDLED_CONTEXTS.get(CITY_CREDENTIALS_CONTEXT)),
  };
  const text = divisionEditionText(edition);
  if (text === undefined)
    throw new Error(`${REGISTRY_DID} states division edition ${edition}, which the bundled record does not cover`);
  const table = {
    ...DIVISION_TABLE_RESOURCE,
    resourceVersion: edition,
    mediaType: 'text/plain',
    content: Buffer.from(text, 'utf8'),
  };
  return [...schemas, context, table];
}

/** A version-8 UUID (RFC 9562 §5.8) from the SHA-256 of the parts: the same resource always gets the same id. */
export function derivedResourceId(parts: ReadonlyArray<string | null>): string {
  const bytes = createHash('sha256').update(JSON.stringify(parts)).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function latestVersion(history: DidHistory, wanted: RegistryResource): LinkedResource | undefined {
  return (history.resources ?? [])
    .filter((r) => r.resourceName === wanted.resourceName && r.resourceType === wanted.resourceType)
    .at(-1);
}

async function registry(context: SeedContext): Promise<DidHistory> {
  const history = await context.node.store.didState(REGISTRY_DID);
  if (history === undefined) throw new Error(`${REGISTRY_DID} is not on the ledger`);
  return history;
}

/** Publishes `wanted` unless its latest version has the same content; returns the DID URL of the current version. */
async function publishOne(context: SeedContext, wanted: RegistryResource): Promise<string> {
  const history = await registry(context);
  const latest = latestVersion(history, wanted);
  const checksum = resourceChecksum(wanted.content);
  const same = latest !== undefined && latest.checksum === checksum && latest.mediaType === wanted.mediaType;
  if (same && latest.resourceVersion === wanted.resourceVersion)
    return `${REGISTRY_DID}/resources/${latest.resourceId}`;
  const { resourceName, resourceType } = wanted;
  const resourceId = derivedResourceId([
    REGISTRY_DID,
    resourceName,
    resourceType,
    checksum,
    latest?.resourceId ?? null,
  ]);
  const described = describeResource({ ...wanted, resourceId });
  const signers = context.keys.institutes.slice(0, REGISTRY_THRESHOLD).map(createSigner);
  const operation = await signOperation(resourceOperation(history, described), signers);
  // As POST /resources does: the content is stored first (under its checksum), then the operation is submitted.
  await context.node.resources.put(checksum, wanted.content);
  await context.node.submit(operation);
  const url = `${REGISTRY_DID}/resources/${resourceId}`;
  const version = wanted.resourceVersion === undefined ? '' : ` ${wanted.resourceVersion}`;
  context.log(`${REGISTRY_DID} published ${resourceType} ${resourceName}${version} as ${url} (sha-256 ${checksum})`);
  return url;
}

export interface SeededResource {
  url: string;
  resourceName: string;
  resourceType: string;
  resourceVersion?: string;
}

/**
 * Publishes what is missing or changed; returns the current version of each, in the order of registryResources.
 * `divisionTable: false` leaves the division table out (the start publishes the schemas before it issues the first
 * credentials, and the table once the division change is seeded and the edition settled).
 */
export async function seedRegistryResources(
  context: SeedContext,
  options: { divisionTable?: boolean } = {},
): Promise<SeededResource[]> {
  const edition = divisionEditionOf(currentContent(await registry(context)) ?? {}) ?? latestDivisionEdition();
  const seeded: SeededResource[] = [];
  const wantedList = registryResources(edition).filter(
    (resource) => options.divisionTable !== false || resource.resourceType !== DIVISION_TABLE_RESOURCE.resourceType,
  );
  for (const wanted of wantedList) {
    const url = await publishOne(context, wanted);
    const { resourceName, resourceType, resourceVersion } = wanted;
    seeded.push({ url, resourceName, resourceType, ...(resourceVersion === undefined ? {} : { resourceVersion }) });
  }
  return seeded;
}
