import { describe, expect, test } from 'vitest';
import { formatDidUrl, parseDidUrl } from '../src/did-url.ts';
import { DidCityError, type ErrorCode } from '../src/errors.ts';

function codeOf(didUrl: string): ErrorCode {
  try {
    parseDidUrl(didUrl);
  } catch (err) {
    if (err instanceof DidCityError) return err.code;
    throw err;
  }
  throw new Error(`${didUrl} was accepted`);
}

const base = { did: 'did:city:cn:130100', country: 'cn', division: '130100', subIds: [] };

describe('parseDidUrl (W3C DID Core §3.2)', () => {
  test('a bare DID has an empty path and query and no fragment', () => {
    expect(parseDidUrl('did:city:cn:130100')).toStrictEqual({
      ...base,
      didUrl: 'did:city:cn:130100',
      path: '',
      query: {},
    });
  });

  test('fragment', () => {
    expect(parseDidUrl('did:city:cn:130100#key-1')).toStrictEqual({
      ...base,
      didUrl: 'did:city:cn:130100#key-1',
      path: '',
      query: {},
      fragment: 'key-1',
    });
  });

  test('path, query and fragment together, with the network and sub-ids of the DID', () => {
    const didUrl =
      'did:city:test:cn:130100:transport-bureau/docs/a%20b?service=data&relativeRef=%2Freport%3Fy%3D2026#frag/x?y';
    expect(parseDidUrl(didUrl)).toStrictEqual({
      did: 'did:city:test:cn:130100:transport-bureau',
      network: 'test',
      country: 'cn',
      division: '130100',
      subIds: ['transport-bureau'],
      didUrl,
      path: '/docs/a%20b',
      query: { service: 'data', relativeRef: '/report?y=2026' },
      fragment: 'frag/x?y',
    });
  });

  test('query values are percent-decoded exactly once; "+" stays "+"', () => {
    expect(parseDidUrl('did:city:cn?versionTime=2026-11-21T08%3A00%3A00Z&a=%2541&b=1+1&c&d=').query).toStrictEqual({
      versionTime: '2026-11-21T08:00:00Z',
      a: '%41',
      b: '1+1',
      c: '',
      d: '',
    });
  });

  test('a parameter named __proto__ is an ordinary own property', () => {
    const { query } = parseDidUrl('did:city:cn?__proto__=x');
    expect(Object.getPrototypeOf(query)).toBe(Object.prototype);
    expect(Object.keys(query)).toEqual(['__proto__']);
  });

  test('empty query and empty fragment are kept as written', () => {
    expect(parseDidUrl('did:city:cn?').query).toStrictEqual({});
    expect(parseDidUrl('did:city:cn#').fragment).toBe('');
    expect(parseDidUrl('did:city:cn/').path).toBe('/');
  });

  test.each([
    ['a bad DID part', 'did:city:CN:130100#key-1', 'INVALID_DID'],
    ['a division not in the table', 'did:city:cn:999999?versionId=1', 'INVALID_DID'],
    ['another method', 'did:web:example.com#key-1', 'METHOD_NOT_SUPPORTED'],
    ['not a DID', 'https://example.com/#x', 'INVALID_DID'],
    ['a parameter given twice', 'did:city:cn:130100?versionId=1&versionId=2', 'INVALID_DID_URL'],
    ['a parameter given twice, once encoded', 'did:city:cn:130100?service=a&%73ervice=b', 'INVALID_DID_URL'],
    ['a bad percent-encoding in the query', 'did:city:cn:130100?a=%zz', 'INVALID_DID_URL'],
    ['a percent-encoding that is not UTF-8', 'did:city:cn:130100?a=%ff', 'INVALID_DID_URL'],
    ['a bad percent-encoding in the path', 'did:city:cn:130100/a%2', 'INVALID_DID_URL'],
    ['a bad percent-encoding in the fragment', 'did:city:cn:130100#%g0', 'INVALID_DID_URL'],
    ['a space in the path', 'did:city:cn:130100/a b', 'INVALID_DID_URL'],
    ['a second # in the fragment', 'did:city:cn:130100#a#b', 'INVALID_DID_URL'],
    ['a bracket in the query', 'did:city:cn:130100?a=[1]', 'INVALID_DID_URL'],
    ['an empty parameter name', 'did:city:cn:130100?=1', 'INVALID_DID_URL'],
    ['an empty pair between &', 'did:city:cn:130100?a=1&&b=2', 'INVALID_DID_URL'],
    ['more than 2,048 characters', `did:city:cn:130100#${'a'.repeat(2048)}`, 'INVALID_DID_URL'],
  ] as const)('%s: %s is %s', (_name, didUrl, code) => {
    expect(codeOf(didUrl)).toBe(code);
  });

  test('exactly 2,048 characters is accepted', () => {
    const didUrl = `did:city:cn:130100#${'a'.repeat(2048 - 19)}`;
    expect(didUrl.length).toBe(2048);
    expect(parseDidUrl(didUrl).fragment?.length).toBe(2029);
  });

  test('the INVALID_DID_URL detail names the repeated parameter', () => {
    expect(() => parseDidUrl('did:city:cn?service=a&service=b')).toThrow(
      /query parameter "service" is given more than once/,
    );
  });
});

describe('formatDidUrl', () => {
  test('writes path, encoded query and fragment', () => {
    expect(
      formatDidUrl({
        did: 'did:city:cn:130100',
        path: '/x',
        query: { service: 'files', relativeRef: '/a b?c=d&e#f' },
        fragment: 'key-1',
      }),
    ).toBe('did:city:cn:130100/x?service=files&relativeRef=/a%20b?c%3Dd%26e%23f#key-1');
  });

  test('its output parses back to the same parts', () => {
    const query = { versionTime: '2026-11-21T08:00:00Z', 'a&b': '=+%', 中: '文' };
    const didUrl = formatDidUrl({ did: 'did:city:test:cn', query, fragment: 'svc' });
    expect(parseDidUrl(didUrl)).toMatchObject({ did: 'did:city:test:cn', query, fragment: 'svc', path: '' });
  });

  test('a bare DID formats to itself; invalid parts throw', () => {
    expect(formatDidUrl({ did: 'did:city:cn' })).toBe('did:city:cn');
    expect(() => formatDidUrl({ did: 'did:city:cn', path: 'no-slash' })).toThrow(DidCityError);
    expect(() => formatDidUrl({ did: 'did:city:cn', fragment: 'a b' })).toThrow(DidCityError);
    expect(() => formatDidUrl({ did: 'did:city:xx:999' })).toThrow(DidCityError);
  });
});
