import { beforeAll, describe, expect, it } from 'vitest';
import type { DIDResolutionOptions } from '../src/resolution-types.ts';
import { createCityResolver } from '../src/resolve.ts';
import {
  BUREAU,
  CONTEXT,
  cityScenario,
  deactivate,
  errorResult,
  KEYS,
  SJZ,
  type Scenario,
  sjzCity,
  T,
} from './fixtures/cities.ts';

const key = (fragment: string, publicKeyMultibase: string) => ({
  id: `${SJZ}#${fragment}`,
  type: 'Multikey',
  controller: SJZ,
  publicKeyMultibase,
});

const SERVICES = [
  { id: `${SJZ}#data`, type: 'LinkedDomains', serviceEndpoint: 'https://data.sjz.example/' },
  { id: `${SJZ}#files`, type: 'FileService', serviceEndpoint: 'https://files.sjz.example/public/' },
  {
    id: `${SJZ}#api`,
    type: ['DataService', 'OpenAPI'],
    serviceEndpoint: [
      'https://api.sjz.example/v1/',
      { origins: ['https://a.example'] },
      'https://mirror.sjz.example/v1/',
    ],
  },
];

const DOCUMENTS = {
  v0: {
    '@context': CONTEXT,
    id: SJZ,
    verificationMethod: [key('key-1', KEYS.city.publicKeyMultibase)],
    authentication: [`${SJZ}#key-1`],
    assertionMethod: [`${SJZ}#key-1`],
  },
  v1: {
    '@context': CONTEXT,
    id: SJZ,
    verificationMethod: [key('key-1', KEYS.city.publicKeyMultibase), key('key-2', KEYS.cityP256.publicKeyMultibase)],
    authentication: [`${SJZ}#key-1`],
    assertionMethod: [`${SJZ}#key-1`, `${SJZ}#key-2`],
    service: SERVICES,
  },
  v2: {
    '@context': CONTEXT,
    id: SJZ,
    verificationMethod: [
      key('key-3', KEYS.cityRotated.publicKeyMultibase),
      key('key-2', KEYS.cityP256.publicKeyMultibase),
    ],
    authentication: [`${SJZ}#key-3`],
    assertionMethod: [`${SJZ}#key-3`, `${SJZ}#key-2`],
    service: SERVICES,
  },
};

const OK = { contentType: 'application/did' };

describe('versionId: "the version with that seq (decimal string); notFound if there is none"', () => {
  let scenario: Scenario;
  beforeAll(async () => {
    scenario = await cityScenario();
  });
  const resolver = () => createCityResolver({ reader: scenario.ledger });

  it('versionId 0: the create, "updated omitted for version 0", with the next version named', async () => {
    expect(await resolver().resolve(SJZ, { versionId: '0' })).toStrictEqual({
      didResolutionMetadata: OK,
      didDocument: DOCUMENTS.v0,
      didDocumentMetadata: {
        created: T.create,
        versionId: '0',
        nextVersionId: '1',
        nextUpdate: T.update,
        canonicalId: SJZ,
        city: sjzCity(scenario, 'create'),
      },
    });
  });

  it('versionId 1: the update, with updated and the next version', async () => {
    expect(await resolver().resolve(SJZ, { versionId: '1' })).toStrictEqual({
      didResolutionMetadata: OK,
      didDocument: DOCUMENTS.v1,
      didDocumentMetadata: {
        created: T.create,
        updated: T.update,
        versionId: '1',
        nextVersionId: '2',
        nextUpdate: T.rotate,
        canonicalId: SJZ,
        city: sjzCity(scenario, 'update'),
      },
    });
  });

  it('versionId 2, the latest: no nextVersionId or nextUpdate, the same result as no option', async () => {
    const latest = await resolver().resolve(SJZ);
    expect(await resolver().resolve(SJZ, { versionId: '2' })).toStrictEqual(latest);
    expect(latest.didDocumentMetadata).toStrictEqual({
      created: T.create,
      updated: T.rotate,
      versionId: '2',
      canonicalId: SJZ,
      city: sjzCity(scenario, 'rotate'),
    });
  });

  it('a version number given as a JavaScript number selects that version', async () => {
    expect(
      (await resolver().resolve(SJZ, { versionId: 1 } as unknown as DIDResolutionOptions)).didDocument,
    ).toStrictEqual(DOCUMENTS.v1);
  });

  it.each(['3', '01', '-1', '1.0', 'abc', ''])(
    'versionId %j names no version: NOT_FOUND (DID Resolution leaves the form of version ids to the method)',
    async (versionId) => {
      expect(await resolver().resolve(SJZ, { versionId })).toStrictEqual(errorResult('NOT_FOUND', 404));
    },
  );
});

describe('versionTime: "the latest version whose integration time ≤ the given XML datetime"', () => {
  let scenario: Scenario;
  beforeAll(async () => {
    scenario = await cityScenario();
  });
  const versionAt = async (versionTime: string) =>
    (await createCityResolver({ reader: scenario.ledger }).resolve(SJZ, { versionTime })).didDocumentMetadata.versionId;

  it.each([
    [T.create, '0', 'exactly at the create'],
    ['2026-11-22T08:59:59Z', '0', 'one second before the update'],
    ['2026-11-22T08:59:59.999Z', '0', 'a fraction of a second before the update'],
    [T.update, '1', 'exactly at the update'],
    ['2026-11-22T17:00:00+08:00', '1', 'the update time written in China Standard Time'],
    ['2026-11-24T08:59:59Z', '1', 'just before the rotation'],
    [T.rotate, '2', 'exactly at the rotation'],
    ['2099-01-01T00:00:00Z', '2', 'in the future'],
  ])('versionTime %s → version %s (%s)', async (versionTime, versionId) => {
    expect(await versionAt(versionTime)).toBe(versionId);
  });

  it('the whole result at the update time', async () => {
    expect(await createCityResolver({ reader: scenario.ledger }).resolve(SJZ, { versionTime: T.update })).toStrictEqual(
      await createCityResolver({ reader: scenario.ledger }).resolve(SJZ, { versionId: '1' }),
    );
  });

  it.each(['2026-11-21T08:59:59Z', '2026-11-21T16:59:59+08:00', '1970-01-01T00:00:00Z'])(
    '"notFound if the DID did not exist then": %s',
    async (versionTime) => {
      expect(await createCityResolver({ reader: scenario.ledger }).resolve(SJZ, { versionTime })).toStrictEqual(
        errorResult('NOT_FOUND', 404),
      );
    },
  );

  it('a sub-identifier before its parent allocated it → NOT_FOUND', async () => {
    expect(
      await createCityResolver({ reader: scenario.ledger }).resolve(BUREAU, { versionTime: T.update }),
    ).toStrictEqual(errorResult('NOT_FOUND', 404));
  });
});

describe('deactivated DIDs (spec §6.2)', () => {
  let scenario: Scenario;
  beforeAll(async () => {
    scenario = await cityScenario();
    await deactivate(scenario, { successor: 'did:city:cn:130200' });
  });
  const resolver = () => createCityResolver({ reader: scenario.ledger });

  const deactivatedResult = () => ({
    didResolutionMetadata: OK,
    didDocument: null,
    didDocumentMetadata: {
      created: T.create,
      updated: T.deactivate,
      deactivated: true,
      successor: 'did:city:cn:130200',
      canonicalId: SJZ,
      city: sjzCity(scenario, 'deactivate'),
    },
  });

  it('"resolves with no error, didDocument: null and didDocumentMetadata.deactivated: true"', async () => {
    expect(await resolver().resolve(SJZ)).toStrictEqual(deactivatedResult());
  });

  it('a versionTime at or after the deactivation is the deactivated state too', async () => {
    expect(await resolver().resolve(SJZ, { versionTime: T.deactivate })).toStrictEqual(deactivatedResult());
    expect(await resolver().resolve(SJZ, { versionTime: '2030-01-01T00:00:00Z' })).toStrictEqual(deactivatedResult());
  });

  it('"Asking for an earlier version returns that version with deactivated: true in its metadata" (versionId)', async () => {
    expect(await resolver().resolve(SJZ, { versionId: '2' })).toStrictEqual({
      didResolutionMetadata: OK,
      didDocument: DOCUMENTS.v2,
      didDocumentMetadata: {
        created: T.create,
        updated: T.rotate,
        versionId: '2',
        deactivated: true,
        successor: 'did:city:cn:130200',
        canonicalId: SJZ,
        city: sjzCity(scenario, 'rotate'),
      },
    });
  });

  it('an earlier version by versionTime, one second before the deactivation', async () => {
    const result = await resolver().resolve(SJZ, { versionTime: '2026-11-25T08:59:59Z' });
    expect(result.didDocument).toStrictEqual(DOCUMENTS.v2);
    expect(result.didDocumentMetadata.deactivated).toBe(true);
    expect(result.didDocumentMetadata.versionId).toBe('2');
  });

  it('the deactivate is not a version: its seq is NOT_FOUND as a versionId', async () => {
    expect(await resolver().resolve(SJZ, { versionId: '3' })).toStrictEqual(errorResult('NOT_FOUND', 404));
  });

  it('a deactivation without successor has no successor member', async () => {
    const other = await cityScenario();
    await deactivate(other);
    const result = await createCityResolver({ reader: other.ledger }).resolve(SJZ);
    expect(result.didDocumentMetadata).toStrictEqual({
      created: T.create,
      updated: T.deactivate,
      deactivated: true,
      canonicalId: SJZ,
      city: sjzCity(other, 'deactivate'),
    });
  });
});
