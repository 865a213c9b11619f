import { describe, expect, test } from 'vitest';
import { countryRegistryDid, formatDid, isCityDid, parentDid, parseDid } from '../src/did.ts';
import { DidCityError, type ErrorCode } from '../src/errors.ts';

function rejection(did: string): { code: ErrorCode; detail: string } {
  try {
    parseDid(did);
  } catch (err) {
    if (err instanceof DidCityError) return { code: err.code, detail: err.detail };
    throw err;
  }
  throw new Error(`${did} was accepted`);
}

const sub63 = `a${'b'.repeat(61)}c`;

describe('spec §1.1: valid DIDs', () => {
  test.each([
    ['did:city:cn', { did: 'did:city:cn', country: 'cn', subIds: [] }],
    ['did:city:cn:130100', { did: 'did:city:cn:130100', country: 'cn', division: '130100', subIds: [] }],
    [
      'did:city:cn:130100:transport-bureau',
      { did: 'did:city:cn:130100:transport-bureau', country: 'cn', division: '130100', subIds: ['transport-bureau'] },
    ],
    [
      'did:city:test:cn:130100',
      { did: 'did:city:test:cn:130100', network: 'test', country: 'cn', division: '130100', subIds: [] },
    ],
    ['did:city:cn:110000', { did: 'did:city:cn:110000', country: 'cn', division: '110000', subIds: [] }],
    ['did:city:cn:130102', { did: 'did:city:cn:130102', country: 'cn', division: '130102', subIds: [] }],
    ['did:city:us:000001', { did: 'did:city:us:000001', country: 'us', division: '000001', subIds: [] }],
    ['did:city:dev2:fr', { did: 'did:city:dev2:fr', network: 'dev2', country: 'fr', subIds: [] }],
    [
      'did:city:cn:130100:a:b-1:0:9z',
      { did: 'did:city:cn:130100:a:b-1:0:9z', country: 'cn', division: '130100', subIds: ['a', 'b-1', '0', '9z'] },
    ],
  ])('%s', (did, expected) => {
    expect(parseDid(did)).toStrictEqual(expected);
    expect(isCityDid(did)).toBe(true);
  });

  test('limits: a 16-character network, a 63-character sub-id, a DID of exactly 256 characters', () => {
    expect(parseDid('did:city:abcdefghijklmnop:cn').network).toBe('abcdefghijklmnop');
    expect(parseDid(`did:city:cn:130100:${sub63}`).subIds).toEqual([sub63]);
    const did256 = `did:city:cn:130100:${sub63}:${sub63}:${sub63}:${'d'.repeat(256 - 18 - 3 * 64 - 1)}`;
    expect(did256.length).toBe(256);
    expect(parseDid(did256).did).toBe(did256);
  });
});

describe('spec §1.2: every rejected form is INVALID_DID with a detail naming the problem', () => {
  test.each([
    ['upper case country', 'did:city:CN:130100', /"CN".*upper case/],
    ['upper case sub-id', 'did:city:cn:130100:Transport', /"Transport".*upper case/],
    ['division of 5 digits', 'did:city:cn:13010', /division "13010" must be exactly 6 digits/],
    ['division of 7 digits', 'did:city:cn:1301000', /division "1301000" must be exactly 6 digits/],
    ['division not in GB/T 2260', 'did:city:cn:999999', /"999999" is not a code in the bundled GB\/T 2260 table/],
    [
      'sub-id starting with -',
      'did:city:cn:130100:-bureau',
      /"-bureau" is not an LDH label: it starts or ends with "-"/,
    ],
    ['sub-id ending with -', 'did:city:cn:130100:bureau-', /"bureau-" is not an LDH label: it starts or ends with "-"/],
    ['sub-id with _', 'did:city:cn:130100:a_b', /"a_b" is not an LDH label: it contains a character/],
    ['empty sub-id', 'did:city:cn:130100::x', /segment 3 .* is empty/],
    ['prod written as a network', 'did:city:prod:cn:130100', /"prod" must not be written as a network/],
    ['1-letter country', 'did:city:c:130100', /"c" is neither a country code/],
    [
      '3-letter network without a country after it',
      'did:city:chn:130100',
      /network "chn" must be followed by a 2-letter country code, got "130100"/,
    ],
    ['percent-encoded division', 'did:city:cn:%31%33%30%31%30%30', /percent-encoded/],
    ['percent-encoded sub-id character', 'did:city:cn:130100:transport%2Dbureau', /percent-encoded/],
    ['percent-encoded country', 'did:city:%63n:130100', /percent-encoded/],
  ])('%s: %s', (_name, did, detail) => {
    const { code, detail: actual } = rejection(did);
    expect(code).toBe('INVALID_DID');
    expect(actual).toMatch(detail);
    expect(actual).toContain(did);
    expect(isCityDid(did)).toBe(false);
  });
});

describe('spec §1.1: ABNF limits', () => {
  test.each([
    ['five sub-ids', 'did:city:cn:130100:a:b:c:d:e', /5 sub-identifiers \(at most 4\)/],
    ['a 64-character sub-id', `did:city:cn:130100:${sub63}x`, /64 characters long/],
    ['a 17-character network', 'did:city:abcdefghijklmnopq:cn', /neither a country code/],
    ['a network starting with a digit', 'did:city:1ab:cn', /neither a country code/],
    ['a country with a digit', 'did:city:c1:130100', /neither a country code/],
    ['a network and no country', 'did:city:test', /must be followed by a 2-letter country code, got nothing/],
    ['two networks', 'did:city:test:dev:cn', /got "dev"/],
    ['sub-ids without a division', 'did:city:cn:transport', /division "transport" must be exactly 6 digits/],
    ['a trailing colon', 'did:city:cn:', /not a DID/],
    [
      'longer than 256 characters',
      `did:city:cn:130100:${sub63}:${sub63}:${sub63}:${'d'.repeat(63)}`,
      /longer than 256/,
    ],
  ])('%s is INVALID_DID', (_name, did, detail) => {
    const { code, detail: actual } = rejection(did);
    expect(code).toBe('INVALID_DID');
    expect(actual).toMatch(detail);
  });
});

describe('not a DID, or another method', () => {
  test.each([
    '',
    'did',
    'did:city',
    'did:city:',
    'DID:city:cn',
    'did:City:cn',
    'https://example.com',
    'did:city:cn:130100#key-1',
    'did:city:cn:130100/path',
    'did:city:cn:130100?versionId=1',
    ' did:city:cn',
    'did:city:cn:130100 ',
    'did:city:cn:%3',
  ])('%j is INVALID_DID', (did) => {
    expect(rejection(did).code).toBe('INVALID_DID');
  });

  test('a non-string is INVALID_DID', () => {
    expect(() => parseDid(undefined as unknown as string)).toThrow(DidCityError);
    expect(isCityDid(undefined)).toBe(false);
    expect(isCityDid(42)).toBe(false);
  });

  test.each(['did:web:example.com', 'did:key:z6MkmM42vxfqZQsv4ehtTjFFxQ4sQKS2w6WR7emozFAn5cxu', 'did:example:a:B%20c'])(
    '%s is METHOD_NOT_SUPPORTED',
    (did) => {
      const { code, detail } = rejection(did);
      expect(code).toBe('METHOD_NOT_SUPPORTED');
      expect(detail).toMatch(/not supported/);
    },
  );
});

describe('formatDid', () => {
  test('builds the canonical DID of its parts', () => {
    expect(formatDid({ country: 'cn', subIds: [] })).toBe('did:city:cn');
    expect(formatDid({ network: 'test', country: 'cn', division: '130100', subIds: ['transport-bureau'] })).toBe(
      'did:city:test:cn:130100:transport-bureau',
    );
  });

  test('rejects parts that make an invalid DID', () => {
    expect(() => formatDid({ country: 'CN', subIds: [] })).toThrow(DidCityError);
    expect(() => formatDid({ network: 'prod', country: 'cn', subIds: [] })).toThrow(/prod/);
    expect(() => formatDid({ country: 'cn', subIds: ['x'] })).toThrow(/need a division/);
    expect(() => formatDid({ country: 'cn', division: '999999', subIds: [] })).toThrow(/GB\/T 2260/);
  });
});

describe('spec §1.3: parentDid and countryRegistryDid', () => {
  test.each([
    ['did:city:cn', undefined],
    ['did:city:test:cn', undefined],
    ['did:city:cn:130100', 'did:city:cn'],
    ['did:city:test:cn:130100', 'did:city:test:cn'],
    ['did:city:cn:130100:transport-bureau', 'did:city:cn:130100'],
    ['did:city:test:cn:130100:a:b', 'did:city:test:cn:130100:a'],
  ])('parent of %s is %s', (did, parent) => {
    expect(parentDid(did)).toBe(parent);
  });

  test.each([
    ['did:city:cn', 'did:city:cn'],
    ['did:city:cn:130100:a:b', 'did:city:cn'],
    ['did:city:test:cn:130100', 'did:city:test:cn'],
  ])('country registry of %s is %s', (did, registry) => {
    expect(countryRegistryDid(did)).toBe(registry);
  });

  test('both reject an invalid DID', () => {
    expect(() => parentDid('did:city:CN')).toThrow(DidCityError);
    expect(() => countryRegistryDid('did:web:x')).toThrow(expect.objectContaining({ code: 'METHOD_NOT_SUPPORTED' }));
  });
});
