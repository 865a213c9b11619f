/**
 * Accept header parsing and negotiation (RFC 9110 §12.5.1) as units; the HTTP behaviour is in
 * representations.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { innerMediaType, negotiate, negotiateAccept, parseAccept } from '../src/accept.ts';
import { parseIdentifierPath } from '../src/identifier-path.ts';

describe('parseAccept', () => {
  test('orders by q, keeps header order among equals, drops q=0 and junk', () => {
    const ranges = parseAccept('text/html;q=0, application/did+json;q=0.5, application/did, nonsense, */*;q=0.1');
    expect(ranges.map((range) => range.type)).toEqual(['application/did', 'application/did+json', '*/*']);
  });

  test('a quoted profile may contain commas and semicolons', () => {
    const [range] = parseAccept('application/ld+json;profile="https://w3id.org/did-resolution, x;y";q=0.9');
    expect(range?.params.get('profile')).toBe('https://w3id.org/did-resolution, x;y');
    expect(range?.q).toBe(0.9);
  });
});

describe('negotiate', () => {
  test.each([
    [undefined, 'resolve', { kind: 'resolution' }],
    ['', 'resolve', { kind: 'resolution' }],
    ['application/did-resolution,application/did', 'resolve', { kind: 'resolution' }],
    ['application/ld+json;profile="https://w3id.org/did-resolution"', 'resolve', { kind: 'resolution' }],
    [
      'application/ld+json;profile="https://example.org/other"',
      'resolve',
      { kind: 'document', mediaType: 'application/did+ld+json' },
    ],
    ['APPLICATION/DID+JSON', 'resolve', { kind: 'document', mediaType: 'application/did+json' }],
    ['application/did-url-dereferencing', 'resolve', { kind: 'dereferencing' }],
    ['application/did-url-dereferencing', 'dereference', { kind: 'dereferencing' }],
    ['*/*', 'dereference', { kind: 'dereferencing' }],
    ['text/uri-list', 'dereference', { kind: 'uri-list' }],
    ['text/uri-list', 'resolve', undefined],
  ] as const)('%s for %s', (header, kind, expected) => {
    expect(negotiate(header, kind)).toEqual(expected);
  });

  test('innerMediaType: what the result should carry', () => {
    expect(innerMediaType('application/did-resolution,application/did', 'resolve')).toBe('application/did');
    expect(innerMediaType('application/did-url-dereferencing,text/uri-list', 'dereference')).toBe('text/uri-list');
    expect(innerMediaType('application/did-url-dereferencing', 'dereference')).toBeUndefined();
  });

  test.each([
    [undefined, 'resolve'],
    ['', 'dereference'],
    ['application/did-resolution,application/did', 'resolve'],
    ['application/did-url-dereferencing,text/uri-list', 'dereference'],
    ['application/did+json;q=0.5, application/did+ld+json', 'resolve'],
    ['text/html', 'resolve'],
  ] as const)('negotiateAccept(%s, %s) is negotiate and innerMediaType from one parse', (header, kind) => {
    expect(negotiateAccept(header, kind)).toEqual({
      representation: negotiate(header, kind),
      inner: innerMediaType(header, kind),
    });
  });
});

describe('parseIdentifierPath', () => {
  test.each([
    ['did:city:cn:130100', { identifier: 'did:city:cn:130100', kind: 'resolve', options: {} }],
    [
      'did:city:cn:130100?versionId=1',
      { identifier: 'did:city:cn:130100?versionId=1', kind: 'dereference', options: {} },
    ],
    [
      'did%3Acity%3Acn%3A130100?versionId=1',
      { identifier: 'did:city:cn:130100', kind: 'resolve', options: { versionId: '1' } },
    ],
    ['did%3Acity%3Acn%3A130100%23key-1', { identifier: 'did:city:cn:130100#key-1', kind: 'dereference', options: {} }],
    ['did%3Acity%3Acn?a=x+y&b=%2B', { identifier: 'did:city:cn', kind: 'resolve', options: { a: 'x y', b: '+' } }],
  ])('%s', (rest, request) => {
    expect(parseIdentifierPath(rest)).toEqual({ ok: true, request });
  });
});
