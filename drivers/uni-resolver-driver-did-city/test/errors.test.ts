/**
 * docs/conformance.md §1.3, "Errors and status codes": every row, the problem details
 * shape, the error style switch, and a ledger that cannot be read.
 */
import type { LedgerReader, MemoryLedger } from '@did-city/method';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DriverOptions } from '../src/app.ts';
import {
  buildLedger,
  DIDS,
  encodedPath,
  ENDPOINTS,
  identifierPath,
  problemOf,
  type RunningDriver,
  rawRequest,
  startDriver,
  W3C,
} from './fixtures.ts';

let ledger: MemoryLedger;
let driver: RunningDriver;
const extra: RunningDriver[] = [];

beforeAll(async () => {
  ({ ledger } = await buildLedger());
  driver = await startDriver({ reader: ledger });
});
afterAll(async () => {
  await Promise.all([driver, ...extra].map((running) => running.close()));
});

async function another(options: DriverOptions): Promise<RunningDriver> {
  const running = await startDriver(options);
  extra.push(running);
  return running;
}

const get = (path: string, headers: Record<string, string> = {}, on = driver) => rawRequest(on.url, path, { headers });

/**
 * Asserts an error reply: status, Content-Type, the called function's result (resolution for a DID, dereferencing
 * for a DID URL) with an RFC 9457 problem of `type`.
 */
async function expectError(
  path: string,
  status: number,
  type: string,
  options: { headers?: Record<string, string>; on?: RunningDriver } = {},
) {
  const res = await get(path, options.headers, options.on);
  expect(res.status).toBe(status);
  const error = problemOf(res, path, options.headers?.['accept']);
  expect(error).toEqual(expect.objectContaining({ type, title: expect.any(String), detail: expect.any(String) }));
  return error;
}

describe('Status codes', () => {
  test('success → 200', async () => {
    expect((await get(identifierPath(DIDS.sub))).status).toBe(200);
  });

  test('deactivated (didDocumentMetadata.deactivated: true, didDocument: null) → 410', async () => {
    const res = await get(identifierPath(DIDS.deactivated));
    expect(res.status).toBe(410);
    expect(res.json()).toMatchObject({ didDocument: null, didDocumentMetadata: { deactivated: true } });
  });

  test.each([
    ['upper case', 'did:city:CN:130100'],
    ['a 5-digit division', 'did:city:cn:13010'],
    ['a code not in GB/T 2260', 'did:city:cn:999999'],
    ['prod written as a network', 'did:city:prod:cn:130100'],
    ['not a DID', 'shijiazhuang'],
  ])('invalid DID (%s) → 400 INVALID_DID', async (_name, did) => {
    await expectError(identifierPath(did), 400, `${W3C}INVALID_DID`);
  });

  test('invalid DID URL → 400 INVALID_DID_URL', async () => {
    await expectError(identifierPath(`${DIDS.sub}?service=portal&service=files`), 400, `${W3C}INVALID_DID_URL`);
    await expectError(identifierPath(`${DIDS.sub}?relativeRef=x`), 400, `${W3C}INVALID_DID_URL`);
  });

  test.each([
    ['versionId with versionTime', 'versionId=0&versionTime=2026-11-21T08%3A00%3A00Z'],
    ['versionTime that is not a datetime', 'versionTime=yesterday'],
    ['noCache that is not a boolean', 'noCache=maybe'],
    ['JSON options that are not an object', encodeURIComponent('["versionId","0"]')],
    ['JSON options that do not parse', encodeURIComponent('{"versionId":')],
  ])('invalid options (%s) → 400 INVALID_OPTIONS', async (_name, query) => {
    await expectError(encodedPath(DIDS.city, query), 400, `${W3C}INVALID_OPTIONS`);
  });

  test('not found → 404 NOT_FOUND (a DID never created, a version that does not exist, a fragment)', async () => {
    await expectError(identifierPath(DIDS.absent), 404, `${W3C}NOT_FOUND`);
    await expectError(encodedPath(DIDS.city, 'versionId=7'), 404, `${W3C}NOT_FOUND`);
    await expectError(encodedPath(`${DIDS.city}#key-9`), 404, `${W3C}NOT_FOUND`);
  });

  test('representation not supported → 406 REPRESENTATION_NOT_SUPPORTED', async () => {
    await expectError(identifierPath(DIDS.city), 406, `${W3C}REPRESENTATION_NOT_SUPPORTED`, {
      headers: { accept: 'text/html' },
    });
  });

  test('method not supported → 501 METHOD_NOT_SUPPORTED', async () => {
    await expectError(identifierPath('did:web:example.com'), 501, `${W3C}METHOD_NOT_SUPPORTED`);
    await expectError(
      encodedPath('did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'),
      501,
      `${W3C}METHOD_NOT_SUPPORTED`,
    );
  });

  test('feature not supported (refusing noCache) → 501 FEATURE_NOT_SUPPORTED, after the DID checks', async () => {
    const strict = await another({ reader: ledger, refuseNoCache: true });
    await expectError(encodedPath(DIDS.city, 'noCache=true'), 501, `${W3C}FEATURE_NOT_SUPPORTED`, { on: strict });
    // Error precedence: invalid DID → method not supported → feature not supported.
    await expectError(encodedPath('did:city:CN', 'noCache=true'), 400, `${W3C}INVALID_DID`, { on: strict });
    await expectError(encodedPath('did:web:example.com', 'noCache=true'), 501, `${W3C}METHOD_NOT_SUPPORTED`, {
      on: strict,
    });
    expect((await get(encodedPath(DIDS.city, 'noCache=false'), {}, strict)).status).toBe(200);
  });

  test('invalid DID document (an operation whose proof does not verify) → 500 INVALID_DID_DOCUMENT', async () => {
    const tampering: LedgerReader = {
      async history(did, options) {
        const history = await ledger.history(did, options);
        const operation = history.entries[0]?.operation;
        if (did === DIDS.city && operation?.type === 'create') {
          operation.document.service = [
            { id: '#data', type: 'LinkedDomains', serviceEndpoint: 'https://evil.example/' },
          ];
        }
        return history;
      },
    };
    const tampered = await another({ reader: tampering });
    const error = await expectError(identifierPath(DIDS.city), 500, `${W3C}INVALID_DID_DOCUMENT`, { on: tampered });
    expect(error.detail).toMatch(/proof|signature/i);
  });

  test('internal error, ledger unavailable → 500 INTERNAL_ERROR with a clear detail, never NOT_FOUND', async () => {
    const unreachable: LedgerReader = {
      history: () =>
        Promise.reject(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 10.20.30.40:8080') })),
    };
    const reported: unknown[] = [];
    const down = await another({ reader: unreachable, onError: (error) => reported.push(error) });
    for (const path of [identifierPath(DIDS.city), identifierPath(DIDS.absent), encodedPath(`${DIDS.city}#key-1`)]) {
      const error = await expectError(path, 500, `${W3C}INTERNAL_ERROR`, { on: down });
      expect(error.detail).toMatch(/ledger could not be read/);
      expect(error.detail).not.toMatch(/10\.20\.30\.40|ECONNREFUSED/);
    }
    expect(reported.length).toBeGreaterThan(0);
    expect((await get('/health', {}, down)).status).toBe(200);
  });

  test('a resolver that throws (it must not) → 500 INTERNAL_ERROR, the server keeps serving', async () => {
    const broken = await another({
      resolver: {
        resolve: () => Promise.reject(new Error('boom')),
        dereference: () => Promise.reject(new Error('boom')),
      },
    });
    const error = await expectError(identifierPath(DIDS.city), 500, `${W3C}INTERNAL_ERROR`, { on: broken });
    expect(error.detail).not.toContain('boom');
    expect((await get('/health', {}, broken)).status).toBe(200);
  });

  test('service dereference to a URL (accept: text/uri-list) → 303 with Location, empty body', async () => {
    const res = await get(identifierPath(`${DIDS.sub}?service=files&relativeRef=reports%2F2026.json`), {
      accept: 'text/uri-list',
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${ENDPOINTS.files}reports/2026.json`);
    expect(res.text).toBe('');
    expect(res.headers['content-length']).toBe('0');
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  test('303 for several endpoints goes to the first; the URL-encoded form works the same', async () => {
    const res = await get(encodedPath(`${DIDS.sub}?service=mirrors`), { accept: 'text/uri-list' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(ENDPOINTS.mirrors[0]);
  });

  test('a method not in the requested verificationRelationship → 400', async () => {
    const res = await get(encodedPath(`${DIDS.city}#key-1`, 'verificationRelationship=keyAgreement'));
    expect(res.status).toBe(400);
    expect(res.json().dereferencingMetadata.error.type).toMatch(
      /INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD|INVALID_DID_URL/,
    );
    const allowed = await get(encodedPath(`${DIDS.city}#key-1`, 'verificationRelationship=assertionMethod'));
    expect(allowed.status).toBe(200);
  });
});

describe('Errors are RFC 9457 problem details {type, title, detail} with the full URI type; style switchable', () => {
  test('uri style (default): https://www.w3.org/ns/did#NOT_FOUND', async () => {
    const error = await expectError(identifierPath(DIDS.absent), 404, `${W3C}NOT_FOUND`);
    expect(error.title).toBe('DID not found');
    expect(error.detail).toContain(DIDS.absent);
  });

  test('errors of a dereference request are a dereferencing result (DID Resolution HTTP(S) binding)', async () => {
    const path = encodedPath(`${DIDS.sub}?service=nothing`);
    const res = await get(path, { accept: 'application/did-url-dereferencing' });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/did-url-dereferencing');
    expect(res.json()).toEqual({
      dereferencingMetadata: { error: expect.objectContaining({ type: `${W3C}NOT_FOUND` }) },
      content: null,
      contentStream: null,
      contentMetadata: {},
    });
  });

  test('short style: NOT_FOUND, INVALID_DID, … with the same statuses', async () => {
    const short = await another({ reader: ledger, errorStyle: 'short' });
    await expectError(identifierPath(DIDS.absent), 404, 'NOT_FOUND', { on: short });
    await expectError(identifierPath('did:city:CN'), 400, 'INVALID_DID', { on: short });
    await expectError(identifierPath(DIDS.city), 406, 'REPRESENTATION_NOT_SUPPORTED', {
      on: short,
      headers: { accept: 'text/html' },
    });
    await expectError(identifierPath('did:web:example.com'), 501, 'METHOD_NOT_SUPPORTED', { on: short });
    const properties = await get('/1.0/properties', {}, short);
    expect(properties.json().errorStyle).toBe('short');
  });
});
