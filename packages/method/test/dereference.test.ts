import { beforeAll, describe, expect, it } from 'vitest';
import { type CityResolver, createCityResolver } from '../src/resolve.ts';
import {
  CONTEXT,
  cityScenario,
  deactivate,
  dereferencingError,
  KEYS,
  SJZ,
  type Scenario,
  sjzCity,
  T,
} from './fixtures/cities.ts';

let scenario: Scenario;
let resolver: CityResolver;
beforeAll(async () => {
  scenario = await cityScenario();
  resolver = createCityResolver({ reader: scenario.ledger });
});

const KEY_3 = {
  id: `${SJZ}#key-3`,
  type: 'Multikey',
  controller: SJZ,
  publicKeyMultibase: KEYS.cityRotated.publicKeyMultibase,
};
const KEY_2 = {
  id: `${SJZ}#key-2`,
  type: 'Multikey',
  controller: SJZ,
  publicKeyMultibase: KEYS.cityP256.publicKeyMultibase,
};
const DATA = { id: `${SJZ}#data`, type: 'LinkedDomains', serviceEndpoint: 'https://data.sjz.example/' };
const FILES = { id: `${SJZ}#files`, type: 'FileService', serviceEndpoint: 'https://files.sjz.example/public/' };
const API = {
  id: `${SJZ}#api`,
  type: ['DataService', 'OpenAPI'],
  serviceEndpoint: [
    'https://api.sjz.example/v1/',
    { origins: ['https://a.example'] },
    'https://mirror.sjz.example/v1/',
  ],
};
const DOCUMENT = {
  '@context': CONTEXT,
  id: SJZ,
  verificationMethod: [KEY_3, KEY_2],
  authentication: [`${SJZ}#key-3`],
  assertionMethod: [`${SJZ}#key-3`, `${SJZ}#key-2`],
  service: [DATA, FILES, API],
};
const metadata = () => ({
  created: T.create,
  updated: T.rotate,
  versionId: '2',
  canonicalId: SJZ,
  city: sjzCity(scenario, 'rotate'),
});

function success(content: unknown, contentType = 'application/did', contentMetadata: unknown = metadata()) {
  return { dereferencingMetadata: { contentType }, content, contentStream: content, contentMetadata };
}

const URI_LIST = { accept: 'text/uri-list' };
describe('dereference: the document and its fragments', () => {
  it('"a DID URL with no path/query/fragment dereferences to the document", with its metadata', async () => {
    expect(await resolver.dereference(SJZ)).toStrictEqual(success(DOCUMENT));
  });

  it('"did#fragment → the verification method" (with the document\'s @context, as DID Resolution example 12)', async () => {
    expect(await resolver.dereference(`${SJZ}#key-2`)).toStrictEqual(success({ '@context': CONTEXT, ...KEY_2 }));
  });

  it('a fragment in application/did+json has no @context', async () => {
    expect(await resolver.dereference(`${SJZ}#key-3`, { accept: 'application/did+json' })).toStrictEqual(
      success(KEY_3, 'application/did+json'),
    );
  });

  it('"did#fragment → the ... service"', async () => {
    expect(await resolver.dereference(`${SJZ}#data`, { accept: 'application/did+json' })).toStrictEqual(
      success(DATA, 'application/did+json'),
    );
  });

  it('"notFound if none": an unknown fragment', async () => {
    expect(await resolver.dereference(`${SJZ}#key-1`)).toStrictEqual(
      dereferencingError('NOT_FOUND', 404, expect.stringContaining(`${SJZ}#key-1`)),
    );
  });

  it('"?versionId= / ?versionTime= select a version as in §6.1": key-1 is in version 0', async () => {
    const result = await resolver.dereference(`${SJZ}?versionId=0#key-1`, { accept: 'application/did+json' });
    expect(result).toStrictEqual(
      success(
        { id: `${SJZ}#key-1`, type: 'Multikey', controller: SJZ, publicKeyMultibase: KEYS.city.publicKeyMultibase },
        'application/did+json',
        {
          created: T.create,
          versionId: '0',
          nextVersionId: '1',
          nextUpdate: T.update,
          canonicalId: SJZ,
          city: sjzCity(scenario, 'create'),
        },
      ),
    );
    const byTime = await resolver.dereference(`${SJZ}?versionTime=2026-11-21T09:00:00Z#key-1`, {
      accept: 'application/did+json',
    });
    expect(byTime).toStrictEqual(result);
  });

  it('DID URL version parameters go through resolution: versionId and versionTime together → INVALID_OPTIONS', async () => {
    expect(await resolver.dereference(`${SJZ}?versionId=0&versionTime=${T.update}`)).toStrictEqual(
      dereferencingError('INVALID_OPTIONS', 400),
    );
  });
});

describe('dereference: services (DID Resolution §5.4.1)', () => {
  it('"service without relativeRef and without text/uri-list → the document filtered to the matching services"', async () => {
    expect(await resolver.dereference(`${SJZ}?service=files`)).toStrictEqual(
      success({ ...DOCUMENT, service: [FILES] }),
    );
  });

  it('service may name the absolute id or #fragment', async () => {
    const byFragment = await resolver.dereference(`${SJZ}?service=files`);
    expect(await resolver.dereference(`${SJZ}?service=${encodeURIComponent(`${SJZ}#files`)}`)).toStrictEqual(
      byFragment,
    );
    expect(await resolver.dereference(`${SJZ}?service=%23files`)).toStrictEqual(byFragment);
  });

  it('"serviceType": every service of that type (a service may have several types)', async () => {
    expect(await resolver.dereference(`${SJZ}?serviceType=OpenAPI`)).toStrictEqual(
      success({ ...DOCUMENT, service: [API] }),
    );
  });

  it('service and serviceType must both match', async () => {
    expect(await resolver.dereference(`${SJZ}?service=files&serviceType=OpenAPI`)).toStrictEqual(
      dereferencingError('NOT_FOUND', 404),
    );
  });

  it('accept text/uri-list → the endpoint URLs; a map endpoint is skipped', async () => {
    expect(await resolver.dereference(`${SJZ}?serviceType=DataService`, { accept: 'text/uri-list' })).toStrictEqual(
      success(['https://api.sjz.example/v1/', 'https://mirror.sjz.example/v1/'], 'text/uri-list', {
        contentType: 'text/uri-list',
      }),
    );
  });

  it('"relativeRef resolved against the endpoint URL per RFC 3986 §5" (accept text/uri-list)', async () => {
    expect(
      await resolver.dereference(`${SJZ}?service=files&relativeRef=reports/2026.pdf%3Flang%3Dzh`, URI_LIST),
    ).toStrictEqual(
      success(['https://files.sjz.example/public/reports/2026.pdf?lang=zh'], 'text/uri-list', {
        contentType: 'text/uri-list',
      }),
    );
  });

  it('relativeRef to every selected endpoint, and "the DID fragment is inherited" by each URL', async () => {
    const result = await resolver.dereference(
      `${SJZ}?serviceType=DataService&relativeRef=items%3Fpage%3D2#top`,
      URI_LIST,
    );
    expect(result.content).toStrictEqual([
      'https://api.sjz.example/v1/items?page=2#top',
      'https://mirror.sjz.example/v1/items?page=2#top',
    ]);
  });

  it('an absolute-path relativeRef that stays under the endpoint path is fine', async () => {
    const result = await resolver.dereference(`${SJZ}?service=files&relativeRef=%2Fpublic%2Fmap.geojson`, URI_LIST);
    expect(result.content).toStrictEqual(['https://files.sjz.example/public/map.geojson']);
  });

  it('relativeRef without accept: "the resolved DID document with selected services" (DID Resolution §4.2)', async () => {
    const result = await resolver.dereference(`${SJZ}?service=files&relativeRef=a.pdf`);
    expect(result).toStrictEqual(success({ ...DOCUMENT, service: [FILES] }));
  });

  it("relativeRef with an explicit document accept: the filtered document, as the spec's algorithm says", async () => {
    const result = await resolver.dereference(`${SJZ}?service=files&relativeRef=a.pdf`, { accept: 'application/did' });
    expect(result).toStrictEqual(success({ ...DOCUMENT, service: [FILES] }));
  });

  it.each([
    ['../../etc/passwd', 'dot segments'],
    ['%2E%2E/%2E%2E/etc/passwd', 'percent-encoded dot segments'],
    ['..%2F..%2Fetc%2Fpasswd', 'encoded slashes'],
    ['%2Fetc%2Fpasswd', 'an absolute path outside the endpoint'],
    ['%2F%2Fevil.example%2Fx', 'a network-path reference'],
    ['%5C%5Cevil.example%2Fx', 'backslashes (WHATWG reads them as slashes)'],
    ['https://evil.example/x', 'an absolute URI'],
    ['public/../../x', 'climbing out after a descent'],
  ])('"a relativeRef that would climb above the endpoint\'s path is invalidDidUrl": %s (%s)', async (relativeRef) => {
    expect(await resolver.dereference(`${SJZ}?service=files&relativeRef=${relativeRef}`)).toStrictEqual(
      dereferencingError('INVALID_DID_URL', 400),
    );
  });

  it('relativeRef without service or serviceType → INVALID_DID_URL', async () => {
    expect(await resolver.dereference(`${SJZ}?relativeRef=a.pdf`)).toStrictEqual(
      dereferencingError('INVALID_DID_URL', 400, expect.stringContaining('relativeRef')),
    );
  });

  it('an unknown service → NOT_FOUND', async () => {
    expect(await resolver.dereference(`${SJZ}?service=nope`, { accept: 'text/uri-list' })).toStrictEqual(
      dereferencingError('NOT_FOUND', 404),
    );
  });

  it('text/uri-list without service selection → REPRESENTATION_NOT_SUPPORTED', async () => {
    expect(await resolver.dereference(`${SJZ}#key-2`, { accept: 'text/uri-list' })).toStrictEqual(
      dereferencingError('REPRESENTATION_NOT_SUPPORTED', 406),
    );
  });
});

describe('dereference: verificationRelationship (DID Resolution §5.4.2, CID 1.0 errors)', () => {
  const INVALID_RELATIONSHIP = 'https://w3id.org/security#INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD';
  const INVALID_METHOD = 'https://w3id.org/security#INVALID_VERIFICATION_METHOD';

  it('a method in the relationship is returned (option, or DID parameter)', async () => {
    const expected = success({ '@context': CONTEXT, ...KEY_2 });
    expect(await resolver.dereference(`${SJZ}#key-2`, { verificationRelationship: 'assertionMethod' })).toStrictEqual(
      expected,
    );
    expect(await resolver.dereference(`${SJZ}?verificationRelationship=assertionMethod#key-2`)).toStrictEqual(expected);
  });

  it('"not authorised for that relationship" → INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD', async () => {
    expect(await resolver.dereference(`${SJZ}#key-2`, { verificationRelationship: 'authentication' })).toStrictEqual(
      dereferencingError(INVALID_RELATIONSHIP, 400, `${SJZ}#key-2 is not authorised for authentication`),
    );
    expect(await resolver.dereference(`${SJZ}#key-3`, { verificationRelationship: 'keyAgreement' })).toStrictEqual(
      dereferencingError(INVALID_RELATIONSHIP, 400),
    );
  });

  it('a DID URL cannot swap the relationship a caller asked for: both must hold', async () => {
    expect(
      await resolver.dereference(`${SJZ}?verificationRelationship=assertionMethod#key-2`, {
        verificationRelationship: 'authentication',
      }),
    ).toStrictEqual(dereferencingError(INVALID_RELATIONSHIP, 400));
  });

  it('"If the DID URL does not dereference to a verificationMethod" → INVALID_VERIFICATION_METHOD', async () => {
    expect(await resolver.dereference(`${SJZ}#data`, { verificationRelationship: 'assertionMethod' })).toStrictEqual(
      dereferencingError(INVALID_METHOD, 400),
    );
    expect(await resolver.dereference(SJZ, { verificationRelationship: 'assertionMethod' })).toStrictEqual(
      dereferencingError(INVALID_METHOD, 400),
    );
  });

  it('a verificationRelationship option that is not a string → INVALID_OPTIONS', async () => {
    const options = { verificationRelationship: ['assertionMethod'] } as unknown as {
      verificationRelationship: string;
    };
    expect(await resolver.dereference(`${SJZ}#key-2`, options)).toStrictEqual(
      dereferencingError('INVALID_OPTIONS', 400),
    );
  });

  it('an unknown fragment with a relationship is still NOT_FOUND', async () => {
    expect(await resolver.dereference(`${SJZ}#key-9`, { verificationRelationship: 'assertionMethod' })).toStrictEqual(
      dereferencingError('NOT_FOUND', 404),
    );
  });
});

describe('dereference: errors', () => {
  it('"A parameter given twice is invalidDidUrl"', async () => {
    expect(await resolver.dereference(`${SJZ}?service=files&service=data`)).toStrictEqual(
      dereferencingError('INVALID_DID_URL', 400, expect.stringContaining('more than once')),
    );
  });

  it.each([
    [`${SJZ}#a#b`, 'INVALID_DID_URL', 400],
    ['did:city:cn:999999#key-1', 'INVALID_DID', 400],
    ['did:example:123#key-1', 'METHOD_NOT_SUPPORTED', 501],
  ])('%s → %s', async (didUrl, code, status) => {
    expect(await resolver.dereference(didUrl)).toStrictEqual(dereferencingError(code, status));
  });

  it('did:city defines no DID paths and no other DID parameters → NOT_FOUND', async () => {
    expect(await resolver.dereference(`${SJZ}/whois`)).toStrictEqual(dereferencingError('NOT_FOUND', 404));
    expect(await resolver.dereference(`${SJZ}?transformKey=JsonWebKey`)).toStrictEqual(
      dereferencingError('NOT_FOUND', 404),
    );
  });

  it('an unregistered DID → NOT_FOUND; an unsupported accept → REPRESENTATION_NOT_SUPPORTED', async () => {
    expect(await resolver.dereference('did:city:cn:110000#key-1')).toStrictEqual(dereferencingError('NOT_FOUND', 404));
    expect(await resolver.dereference(`${SJZ}#key-2`, { accept: 'text/html' })).toStrictEqual(
      dereferencingError('REPRESENTATION_NOT_SUPPORTED', 406),
    );
  });

  it('a deactivated DID: no content, no error, the metadata says deactivated', async () => {
    const deactivated = await cityScenario();
    await deactivate(deactivated);
    const result = await createCityResolver({ reader: deactivated.ledger }).dereference(`${SJZ}#key-3`);
    expect(result).toStrictEqual({
      dereferencingMetadata: { contentType: 'application/did' },
      content: null,
      contentStream: null,
      contentMetadata: {
        created: T.create,
        updated: T.deactivate,
        deactivated: true,
        canonicalId: SJZ,
        city: sjzCity(deactivated, 'deactivate'),
      },
    });
  });
});
