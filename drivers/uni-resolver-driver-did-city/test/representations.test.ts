/**
 * docs/conformance.md §1.2: every row, plus q-values and lists.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  buildLedger,
  DIDS,
  encodedPath,
  ENDPOINTS,
  identifierPath,
  type RunningDriver,
  rawRequest,
  startDriver,
  W3C,
} from './fixtures.ts';

let driver: RunningDriver;

beforeAll(async () => {
  const { ledger } = await buildLedger();
  driver = await startDriver({ reader: ledger });
});
afterAll(() => driver.close());

const get = (path: string, accept?: string) =>
  rawRequest(driver.url, path, { headers: accept === undefined ? {} : { accept } });

describe('application/did-resolution, legacy ld+json profile, */*, none → 200 (410 if deactivated), application/did-resolution, full result', () => {
  const rows: Array<[string, string | undefined]> = [
    ['application/did-resolution', 'application/did-resolution'],
    ['legacy profile', 'application/ld+json;profile="https://w3id.org/did-resolution"'],
    [
      'legacy profile with charset and spaces',
      'application/ld+json; charset=utf-8; profile="https://w3id.org/did-resolution"',
    ],
    ['*/*', '*/*'],
    ['no Accept header', undefined],
  ];

  test.each(rows)('%s: 200 with the full resolution result', async (_name, accept) => {
    const res = await get(identifierPath(DIDS.city), accept);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/did-resolution');
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['didDocument', 'didDocumentMetadata', 'didResolutionMetadata']);
    expect(body.didDocument.id).toBe(DIDS.city);
    expect(body.didDocument['@context']).toBeDefined();
  });

  test.each(rows)('%s: 410 for a deactivated DID, didDocument null, deactivated true', async (_name, accept) => {
    const res = await get(identifierPath(DIDS.deactivated), accept);
    expect(res.status).toBe(410);
    expect(res.headers['content-type']).toBe('application/did-resolution');
    const body = res.json();
    expect(body.didDocument).toBeNull();
    expect(body.didDocumentMetadata.deactivated).toBe(true);
    expect(body.didResolutionMetadata.error).toBeUndefined();
  });

  test('an earlier version of a deactivated DID is 200 with deactivated in its metadata', async () => {
    const res = await get(encodedPath(DIDS.deactivated, 'versionId=0'));
    expect(res.status).toBe(200);
    expect(res.json().didDocumentMetadata).toMatchObject({ versionId: '0', deactivated: true });
  });
});

describe('application/did → 200, application/did, the DID document with @context', () => {
  test('resolve', async () => {
    const res = await get(identifierPath(DIDS.city), 'application/did');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/did');
    const body = res.json();
    expect(body.id).toBe(DIDS.city);
    expect(body['@context']).toEqual(['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1']);
    expect(body).not.toHaveProperty('didDocument');
  });
});

describe.each(['application/did+ld+json', 'application/ld+json'])(
  '%s → 200, application/did+ld+json, the document with @context',
  (accept) => {
    test('resolve', async () => {
      const res = await get(identifierPath(DIDS.city), accept);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/did+ld+json');
      expect(res.json()['@context']).toContain('https://www.w3.org/ns/did/v1');
      expect(res.json().id).toBe(DIDS.city);
    });
  },
);

describe.each(['application/did+json', 'application/json'])(
  '%s → 200, application/did+json, the document without @context',
  (accept) => {
    test('resolve', async () => {
      const res = await get(identifierPath(DIDS.city), accept);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/did+json');
      expect(res.json()).not.toHaveProperty('@context');
      expect(res.json().verificationMethod[0].id).toBe(`${DIDS.city}#key-1`);
    });

    test('dereference a fragment: the verification method without @context', async () => {
      const res = await get(encodedPath(`${DIDS.city}#key-1`), accept);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/did+json');
      expect(res.json()).toEqual(expect.objectContaining({ id: `${DIDS.city}#key-1`, type: 'Multikey' }));
      expect(res.json()).not.toHaveProperty('@context');
    });
  },
);

describe('application/did-url-dereferencing (DID URLs) → 200, application/did-url-dereferencing, dereferencing result', () => {
  test('content, the same value as contentStream, dereferencingMetadata and contentMetadata', async () => {
    const res = await get(encodedPath(`${DIDS.sub}#portal`), 'application/did-url-dereferencing');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/did-url-dereferencing');
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['content', 'contentMetadata', 'contentStream', 'dereferencingMetadata']);
    expect(body.content).toMatchObject({ id: `${DIDS.sub}#portal`, serviceEndpoint: ENDPOINTS.portal });
    expect(body.contentStream).toEqual(body.content);
    expect(body.dereferencingMetadata.contentType).toBeDefined();
    expect(body.contentMetadata.canonicalId).toBe(DIDS.sub);
  });

  test('with text/uri-list listed after it, the function returns text/uri-list: "The HTTP response status code MUST be 303"', async () => {
    const res = await get(
      identifierPath(`${DIDS.sub}?service=mirrors`),
      'application/did-url-dereferencing,text/uri-list',
    );
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(ENDPOINTS.mirrors[0]);
    expect(res.text).toBe('');
  });

  test('service + relativeRef with application/did-url-dereferencing alone: "the resolved DID document with selected services"', async () => {
    const did = await get(identifierPath(DIDS.sub), 'application/did');
    const res = await get(
      identifierPath(`${DIDS.sub}?service=mirrors&relativeRef=a.json`),
      'application/did-url-dereferencing',
    );
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/did-url-dereferencing');
    const { content, dereferencingMetadata } = res.json();
    expect(dereferencingMetadata.contentType).toBe('application/did');
    const selected = did.json().service.filter((service: { id: string }) => service.id === `${DIDS.sub}#mirrors`);
    expect(content).toStrictEqual({ ...did.json(), service: selected });
  });

  test('a deactivated DID: 410 with the dereferencing result', async () => {
    const res = await get(encodedPath(`${DIDS.deactivated}#key-1`), 'application/did-url-dereferencing');
    expect(res.status).toBe(410);
    expect(res.json()).toMatchObject({ content: null, contentMetadata: { deactivated: true } });
  });
});

describe('anything else → 406, application/did-resolution, error result REPRESENTATION_NOT_SUPPORTED', () => {
  test.each(['text/html', 'image/png', 'application/xml', 'text/uri-list', 'not a media type'])(
    '%s',
    async (accept) => {
      const res = await get(identifierPath(DIDS.city), accept);
      expect(res.status).toBe(406);
      expect(res.headers['content-type']).toBe('application/did-resolution');
      const body = res.json();
      expect(body.didResolutionMetadata.error).toMatchObject({
        type: `${W3C}REPRESENTATION_NOT_SUPPORTED`,
        title: expect.any(String),
        detail: expect.any(String),
      });
      expect(body.didDocument).toBeNull();
      expect(body.didDocumentMetadata).toEqual({});
    },
  );

  test('for a DID URL too', async () => {
    const res = await get(encodedPath(`${DIDS.city}#key-1`), 'text/html');
    expect(res.status).toBe(406);
    expect(res.headers['content-type']).toBe('application/did-url-dereferencing');
    expect(res.json().dereferencingMetadata.error.type).toBe(`${W3C}REPRESENTATION_NOT_SUPPORTED`);
  });
});

describe('Accept lists with q-values (RFC 9110 §12.5.1)', () => {
  test.each([
    ['the highest q wins', 'application/did+json;q=0.5, application/did+ld+json', 200, 'application/did+ld+json'],
    ['the first of equal q wins', 'application/did+json, application/did+ld+json', 200, 'application/did+json'],
    ['unsupported types are skipped', 'text/html, application/did+json;q=0.1', 200, 'application/did+json'],
    ['q=0 means "not acceptable"', 'application/did+json;q=0', 406, 'application/did-resolution'],
    ['a wildcard after a type loses to it', 'application/did;q=0.9, */*;q=0.1', 200, 'application/did'],
    ['application/* is the full result', 'application/*', 200, 'application/did-resolution'],
  ])('%s: %s', async (_name, accept, status, contentType) => {
    const res = await get(identifierPath(DIDS.city), accept);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe(contentType);
  });

  test('a deactivated DID asked for as a document is still 410 with the resolution result', async () => {
    const res = await get(identifierPath(DIDS.deactivated), 'application/did+json');
    expect(res.status).toBe(410);
    expect(res.headers['content-type']).toBe('application/did-resolution');
    expect(res.json().didDocumentMetadata.deactivated).toBe(true);
  });
});
