import { beforeEach, describe, expect, it } from 'vitest';
import type { MemoryLedger } from '../src/memory-ledger.ts';
import type { DIDDereferencingResult } from '../src/resolution-types.ts';
import { createCityResolver } from '../src/resolve.ts';
import { describeResource, resourceChecksum } from '../src/resource.ts';
import type { LedgerHistory, LedgerReader } from '../src/types.ts';
import { cityScenario, deactivate, type Scenario, SJZ } from './fixtures/cities.ts';
import { CONTENTS, IDS, publishResources, RT, signedResource } from './fixtures/resources.ts';

const SCHEMA = `${SJZ}?resourceName=AirQualityCredential&resourceType=JsonSchema`;

function errorOf(result: DIDDereferencingResult): string | undefined {
  return result.dereferencingMetadata.error?.type.split('#')[1];
}

function idOf(result: DIDDereferencingResult): string | undefined {
  return (result.contentMetadata as { resourceId?: string }).resourceId;
}

/** A reader whose stored contents a test can change behind the resolver's back, like an edit on the node's disk. */
class TamperingReader implements LedgerReader {
  readonly swapped = new Map<string, Uint8Array>();
  readonly ledger: MemoryLedger;
  constructor(ledger: MemoryLedger) {
    this.ledger = ledger;
  }
  history(did: string): Promise<LedgerHistory> {
    return this.ledger.history(did);
  }
  async resourceContent(did: string, resourceId: string): Promise<Uint8Array | undefined> {
    return this.swapped.get(resourceId) ?? this.ledger.resourceContent(did, resourceId);
  }
}

describe('dereferencing DID-Linked Resources (spec §6.8)', () => {
  let scenario: Scenario;
  let resolver: ReturnType<typeof createCityResolver>;
  beforeEach(async () => {
    scenario = await cityScenario();
    await publishResources(scenario);
    resolver = createCityResolver({ reader: scenario.ledger });
  });

  it('<did>/resources/<uuid>: the verified bytes, their media type, and the resource metadata', async () => {
    const result = await resolver.dereference(`${SJZ}/resources/${IDS.schemaV1}`);
    expect(result.dereferencingMetadata).toStrictEqual({ contentType: 'application/schema+json' });
    expect(result.content).toStrictEqual(CONTENTS.schemaV1);
    expect(result.contentStream).toStrictEqual(CONTENTS.schemaV1);
    expect(result.contentMetadata).toStrictEqual({
      resourceURI: `${SJZ}/resources/${IDS.schemaV1}`,
      resourceCollectionId: SJZ,
      resourceId: IDS.schemaV1,
      resourceName: 'AirQualityCredential',
      resourceType: 'JsonSchema',
      resourceVersion: '1.0',
      mediaType: 'application/schema+json',
      created: RT.schemaV1,
      checksum: resourceChecksum(CONTENTS.schemaV1),
      previousVersionId: null,
      nextVersionId: IDS.schemaV2,
    });
  });

  it('<did>/resources/<uuid>/metadata: the metadata alone, as JSON', async () => {
    const result = await resolver.dereference(`${SJZ}/resources/${IDS.schemaV2}/metadata`);
    expect(result.dereferencingMetadata.contentType).toBe('application/json');
    expect(result.content).toMatchObject({
      resourceId: IDS.schemaV2,
      previousVersionId: IDS.schemaV1,
      nextVersionId: null,
    });
  });

  it('resourceName + resourceType: the latest version', async () => {
    const result = await resolver.dereference(SCHEMA);
    expect(idOf(result)).toBe(IDS.schemaV2);
    expect(result.content).toStrictEqual(CONTENTS.schemaV2);
  });

  it.each([
    ['before the first version', '2026-11-24T09:59:59Z', undefined],
    ['at the first version', RT.schemaV1, IDS.schemaV1],
    ['between the versions (another zone)', '2026-11-24T19:30:00+08:00', IDS.schemaV1],
    ['at the second version', RT.schemaV2, IDS.schemaV2],
    ['long after', '2030-01-01T00:00:00Z', IDS.schemaV2],
  ])('resourceVersionTime %s selects the version in force then', async (_label, time, expected) => {
    const result = await resolver.dereference(`${SCHEMA}&resourceVersionTime=${encodeURIComponent(time)}`);
    if (expected === undefined) expect(errorOf(result)).toBe('NOT_FOUND');
    else expect(idOf(result)).toBe(expected);
  });

  it('resourceVersionId selects that version; one of another name is not found', async () => {
    expect(idOf(await resolver.dereference(`${SCHEMA}&resourceVersionId=${IDS.schemaV1}`))).toBe(IDS.schemaV1);
    expect(errorOf(await resolver.dereference(`${SCHEMA}&resourceVersionId=${IDS.context}`))).toBe('NOT_FOUND');
  });

  it('resourceVersion (the label) selects that version', async () => {
    expect(idOf(await resolver.dereference(`${SCHEMA}&resourceVersion=1.0`))).toBe(IDS.schemaV1);
  });

  it('resourceType + resourceMetadata=true lists every resource of the type, all versions, in log order', async () => {
    const result = await resolver.dereference(`${SJZ}?resourceType=JsonSchema&resourceMetadata=true`);
    expect(result.dereferencingMetadata.contentType).toBe('application/json');
    const listed = (result.content as { linkedResourceMetadata: Array<{ resourceId: string }> }).linkedResourceMetadata;
    expect(listed.map((r) => r.resourceId)).toEqual([IDS.schemaV1, IDS.schemaV2]);
  });

  it('a type with several names: content needs a name; without one the URL says how to list them all', async () => {
    expect(idOf(await resolver.dereference(`${SJZ}?resourceType=JsonSchema`))).toBe(IDS.schemaV2);
    const other = describeResource({
      content: CONTENTS.context,
      resourceName: 'CityIdentityCredential',
      resourceType: 'JsonSchema',
      mediaType: 'application/schema+json',
    });
    await scenario.ledger.appendResource(await signedResource(scenario, other), CONTENTS.context);
    const ambiguous = await resolver.dereference(`${SJZ}?resourceType=JsonSchema`);
    expect(errorOf(ambiguous)).toBe('INVALID_DID_URL');
    expect(ambiguous.dereferencingMetadata.error?.detail).toMatch(
      'matches 2 resources of different names or types; name one, or list them with resourceMetadata=true',
    );
    const listed = await resolver.dereference(`${SJZ}?resourceType=JsonSchema&resourceMetadata=true`);
    const ids = (
      listed.content as { linkedResourceMetadata: Array<{ resourceId: string }> }
    ).linkedResourceMetadata.map((r) => r.resourceId);
    expect(ids).toEqual([IDS.schemaV1, IDS.schemaV2, other.resourceId]);
  });

  it.each([
    ['an unknown resource id', `${SJZ}/resources/00000000-0000-4000-8000-000000000000`, 'NOT_FOUND'],
    ['a non-UUID path', `${SJZ}/resources/schema`, 'NOT_FOUND'],
    ['a resource parameter with a service parameter', `${SCHEMA}&service=files`, 'INVALID_DID_URL'],
    ['resourceMetadata not a boolean', `${SCHEMA}&resourceMetadata=yes`, 'INVALID_DID_URL'],
    ['a bad resourceVersionTime', `${SCHEMA}&resourceVersionTime=yesterday`, 'INVALID_DID_URL'],
    ['a query on a resource path', `${SJZ}/resources/${IDS.schemaV1}?resourceMetadata=true`, 'INVALID_DID_URL'],
  ])('%s is refused', async (_label, url, code) => {
    expect(errorOf(await resolver.dereference(url))).toBe(code);
  });

  it('an accept that excludes the media type is REPRESENTATION_NOT_SUPPORTED; the dereferencing wrapper is fine', async () => {
    expect(errorOf(await resolver.dereference(SCHEMA, { accept: 'text/html' }))).toBe('REPRESENTATION_NOT_SUPPORTED');
    expect(idOf(await resolver.dereference(SCHEMA, { accept: 'application/did-url-dereferencing' }))).toBe(
      IDS.schemaV2,
    );
    expect(idOf(await resolver.dereference(SCHEMA, { accept: 'application/schema+json' }))).toBe(IDS.schemaV2);
  });

  it('content changed on the ledger after anchoring is detected (INTERNAL_ERROR naming the checksum)', async () => {
    const reader = new TamperingReader(scenario.ledger);
    reader.swapped.set(IDS.schemaV2, new TextEncoder().encode('{"type":"string"}'));
    const result = await createCityResolver({ reader }).dereference(SCHEMA);
    expect(errorOf(result)).toBe('INTERNAL_ERROR');
    expect(result.dereferencingMetadata.error?.detail).toMatch(
      `the anchored checksum is ${resourceChecksum(CONTENTS.schemaV2)}`,
    );
    expect(result.content).toBeNull();
  });

  it('verified content is cached by checksum; noCache reads (and checks) the ledger again', async () => {
    const reader = new TamperingReader(scenario.ledger);
    const cached = createCityResolver({ reader });
    expect(idOf(await cached.dereference(SCHEMA))).toBe(IDS.schemaV2);
    reader.swapped.set(IDS.schemaV2, new Uint8Array([1, 2, 3]));
    expect((await cached.dereference(SCHEMA)).content).toStrictEqual(CONTENTS.schemaV2);
    expect(errorOf(await cached.dereference(SCHEMA, { noCache: true }))).toBe('INTERNAL_ERROR');
  });

  it('a deactivated DID serves no resource as current; a resourceVersionTime before the deactivation still does', async () => {
    await deactivate(scenario);
    for (const url of [
      SCHEMA,
      `${SJZ}/resources/${IDS.schemaV1}`,
      `${SJZ}?resourceType=JsonSchema&resourceMetadata=true`,
    ]) {
      const result = await resolver.dereference(url);
      expect(result.content).toBeNull();
      expect(result.contentMetadata).toMatchObject({ deactivated: true });
      expect(result.dereferencingMetadata.error).toBeUndefined();
    }
    expect(idOf(await resolver.dereference(`${SCHEMA}&resourceVersionTime=2026-11-24T23:00:00Z`))).toBe(IDS.schemaV2);
    const after = await resolver.dereference(`${SCHEMA}&resourceVersionTime=2026-11-26T00:00:00Z`);
    expect(after.content).toBeNull();
  });

  it('a reader without resource contents: FEATURE_NOT_SUPPORTED for content, metadata still served', async () => {
    const bare: LedgerReader = { history: (did) => scenario.ledger.history(did) };
    const plain = createCityResolver({ reader: bare });
    expect(errorOf(await plain.dereference(SCHEMA))).toBe('FEATURE_NOT_SUPPORTED');
    expect((await plain.dereference(`${SJZ}/resources/${IDS.context}/metadata`)).content).toMatchObject({
      resourceId: IDS.context,
    });
  });
});
