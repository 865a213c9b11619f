import { beforeEach, describe, expect, it } from 'vitest';
import { DidCityError } from '../src/errors.ts';
import { keyHash } from '../src/hash.ts';
import { createSigner } from '../src/keys.ts';
import { parseOperation, signOperation, updateOperation } from '../src/operation.ts';
import { createCityResolver } from '../src/resolve.ts';
import {
  describeResource,
  linkedResourceMetadata,
  MAX_RESOURCE_BYTES,
  resourceChecksum,
  resourceOperation,
} from '../src/resource.ts';
import { cityScenario, deactivate, KEYS, type Scenario, SJZ, T } from './fixtures/cities.ts';
import { CONTENTS, DESCRIPTIONS, IDS, publishResources, RT, signedResource } from './fixtures/resources.ts';

function code(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'accepted',
    (err: unknown) => (err instanceof DidCityError ? `${err.code}: ${err.detail}` : err),
  );
}

const utf8 = new TextEncoder();

describe('resource checksum (R-DLR-2)', () => {
  it('is lowercase hex SHA-256 of the bytes (FIPS 180-2 "abc" vector)', () => {
    expect(resourceChecksum(utf8.encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});

describe('the resource operation (spec §3.9)', () => {
  let scenario: Scenario;
  beforeEach(async () => {
    scenario = await cityScenario();
  });

  it("is chained in the DID's history without making a document version", async () => {
    const entries = await publishResources(scenario);
    const history = scenario.ledger.historyOf(SJZ)!;
    expect(history.versions.map((v) => v.versionId)).toEqual(['0', '1', '2']);
    expect(history.head.seq).toBe(5);
    expect(history.resources).toStrictEqual([
      {
        ...DESCRIPTIONS.schemaV1,
        seq: 3,
        operationHash: expect.stringMatching(/^zQm/),
        leafIndex: entries.schemaV1.index,
        created: RT.schemaV1,
      },
      {
        ...DESCRIPTIONS.context,
        seq: 4,
        operationHash: expect.stringMatching(/^zQm/),
        leafIndex: entries.context.index,
        created: RT.context,
      },
      {
        ...DESCRIPTIONS.schemaV2,
        seq: 5,
        operationHash: expect.stringMatching(/^zQm/),
        leafIndex: entries.schemaV2.index,
        created: RT.schemaV2,
      },
    ]);
  });

  it('lists linkedResourceMetadata with version links between the same name and type (R-DLR-5)', async () => {
    await publishResources(scenario);
    const listed = linkedResourceMetadata(scenario.ledger.historyOf(SJZ)!);
    expect(listed).toStrictEqual([
      {
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
      },
      expect.objectContaining({ resourceId: IDS.context, previousVersionId: null, nextVersionId: null }),
      expect.objectContaining({ resourceId: IDS.schemaV2, previousVersionId: IDS.schemaV1, nextVersionId: null }),
    ]);
  });

  it('resolution lists them in didDocumentMetadata.linkedResourceMetadata; the document version is unchanged (R-DLR-6)', async () => {
    await publishResources(scenario);
    const resolver = createCityResolver({ reader: scenario.ledger });
    const current = await resolver.resolve(SJZ);
    expect(current.didDocumentMetadata.versionId).toBe('2');
    expect(current.didDocumentMetadata.linkedResourceMetadata?.map((r) => r.resourceId)).toEqual([
      IDS.schemaV1,
      IDS.context,
      IDS.schemaV2,
    ]);
    const atTime = await resolver.resolve(SJZ, { versionTime: '2026-11-24T11:30:00Z' });
    expect(atTime.didDocumentMetadata.linkedResourceMetadata?.map((r) => r.resourceId)).toEqual([
      IDS.schemaV1,
      IDS.context,
    ]);
    const old = await resolver.resolve(SJZ, { versionId: '1' });
    expect(old.didDocumentMetadata).not.toHaveProperty('linkedResourceMetadata');
  });

  it('a deactivated DID lists no resources as current, and accepts no more', async () => {
    await publishResources(scenario);
    await deactivate(scenario);
    const resolved = await createCityResolver({ reader: scenario.ledger }).resolve(SJZ);
    expect(resolved.didDocumentMetadata.deactivated).toBe(true);
    expect(resolved.didDocumentMetadata).not.toHaveProperty('linkedResourceMetadata');
    const late = describeResource({
      content: utf8.encode('late'),
      resourceName: 'late',
      resourceType: 'Note',
      mediaType: 'text/plain',
    });
    const history = scenario.ledger.historyOf(SJZ)!;
    const op = await signOperation(resourceOperation(history, late), [createSigner(KEYS.cityRotated)]);
    expect(await code(scenario.ledger.appendResource(op, utf8.encode('late')))).toMatch(/^DID_DEACTIVATED: /);
  });

  it('R-DLR-4: signed by a key that is not a current update key is refused (UNAUTHORIZED_OPERATION)', async () => {
    const op = await signedResource(scenario, DESCRIPTIONS.schemaV1, [KEYS.city]);
    expect(await code(scenario.ledger.appendResource(op, CONTENTS.schemaV1))).toMatch(
      /^UNAUTHORIZED_OPERATION: resource not authorised: current update keys: 0 of 1/,
    );
  });

  it("R-DLR-4: the parent quorum cannot publish a city's resources", async () => {
    const [a, b] = KEYS.institutes;
    const op = await signedResource(scenario, DESCRIPTIONS.schemaV1, [a!, b!]);
    expect(await code(scenario.ledger.appendResource(op, CONTENTS.schemaV1))).toMatch(/^UNAUTHORIZED_OPERATION: /);
  });

  it('R-DLR-4: under pre-rotation the current update keys still publish (no key state changes)', async () => {
    const history = scenario.ledger.historyOf(SJZ)!;
    const commit = updateOperation(history, { nextKeyHashes: [keyHash(KEYS.city.publicKeyMultibase)] });
    await scenario.ledger.append(await signOperation(commit, [createSigner(KEYS.cityRotated)]));
    const op = await signedResource(scenario, DESCRIPTIONS.schemaV1);
    expect(await code(scenario.ledger.appendResource(op, CONTENTS.schemaV1))).toBe('accepted');
  });

  it('a forged proof (content checksum swapped after signing) is refused (INVALID_SIGNATURE)', async () => {
    const op = await signedResource(scenario, DESCRIPTIONS.schemaV1);
    const forged = { ...op, resource: { ...DESCRIPTIONS.schemaV1, checksum: resourceChecksum(CONTENTS.context) } };
    expect(await code(scenario.ledger.appendResource(forged, CONTENTS.context))).toMatch(
      /^INVALID_SIGNATURE: proof\[0\]/,
    );
  });

  it('an unsigned resource operation does not parse (INVALID_OPERATION)', async () => {
    const unsigned = resourceOperation(scenario.ledger.historyOf(SJZ)!, DESCRIPTIONS.schemaV1);
    expect(() => parseOperation(unsigned)).toThrow(/proof: missing/);
  });

  it('R-DLR-1: a resourceId used before is refused', async () => {
    await publishResources(scenario);
    const again = { ...DESCRIPTIONS.schemaV2, resourceName: 'Other' };
    const op = await signedResource(scenario, again);
    expect(await code(scenario.ledger.appendResource(op, CONTENTS.schemaV2))).toMatch(
      /^INVALID_OPERATION: resource.resourceId: .* is already used by seq 5/,
    );
  });

  it('R-DLR-2: content that does not match the anchored checksum is refused, nothing appended', async () => {
    const op = await signedResource(scenario, DESCRIPTIONS.schemaV1);
    expect(await code(scenario.ledger.appendResource(op, CONTENTS.context))).toMatch(/^INVALID_RESOURCE_CONTENT: /);
    expect(scenario.ledger.historyOf(SJZ)!.head.seq).toBe(2);
  });

  it('R-DLR-3: content over MAX_RESOURCE_BYTES is refused (RESOURCE_TOO_LARGE)', async () => {
    const big = new Uint8Array(MAX_RESOURCE_BYTES + 1);
    expect(() =>
      describeResource({
        content: big,
        resourceName: 'big',
        resourceType: 'Blob',
        mediaType: 'application/octet-stream',
      }),
    ).toThrow(expect.objectContaining({ code: 'RESOURCE_TOO_LARGE' }));
    const fits = new Uint8Array(MAX_RESOURCE_BYTES);
    const resource = {
      ...describeResource({
        content: fits,
        resourceName: 'big',
        resourceType: 'Blob',
        mediaType: 'application/octet-stream',
      }),
    };
    const op = await signedResource(scenario, { ...resource, checksum: resourceChecksum(big) });
    expect(await code(scenario.ledger.appendResource(op, big))).toMatch(
      /^RESOURCE_TOO_LARGE: resource content: 1048577 bytes/,
    );
  });

  it.each([
    ['resourceId not a UUID', { resourceId: 'not-a-uuid' }, /resource.resourceId: must be a lowercase RFC 9562 UUID/],
    ['upper-case UUID', { resourceId: IDS.schemaV1.toUpperCase() }, /resource.resourceId/],
    ['checksum not hex SHA-256', { checksum: 'zQmabc' }, /resource.checksum/],
    ['media type with parameters', { mediaType: 'text/plain; charset=utf-8' }, /resource.mediaType/],
    ['empty name', { resourceName: '' }, /resource.resourceName: must be a non-empty string/],
    ['control character in the type', { resourceType: 'Json\nSchema' }, /resource.resourceType: no control characters/],
    ['unknown member', { created: T.create }, /resource.created: unknown member/],
  ])('R-DLR-1: %s is refused (INVALID_OPERATION)', (_label, change, message) => {
    const op = {
      type: 'resource',
      did: SJZ,
      seq: 3,
      prev: 'zQmVvJtW6iFt5aJZqSBQ5uc9aNpJPCRLSGeSrkAs8CjN6Tt',
      resource: { ...DESCRIPTIONS.schemaV1, ...change },
      proof: [],
    };
    expect(() => parseOperation(op)).toThrow(message);
  });
});
