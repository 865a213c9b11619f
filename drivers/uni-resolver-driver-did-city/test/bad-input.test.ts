/**
 * Hostile or broken requests: each gets the right 4xx with a problem (never a 500, never a crash), and the
 * server still serves afterwards.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  buildLedger,
  DIDS,
  encodedPath,
  identifierPath,
  problemOf,
  type RunningDriver,
  rawRequest,
  startDriver,
  W3C,
} from './fixtures.ts';

let driver: RunningDriver;
const failures: unknown[] = [];

beforeAll(async () => {
  const { ledger } = await buildLedger();
  driver = await startDriver({ reader: ledger, onError: (error) => failures.push(error) });
});
afterAll(() => driver.close());

afterEach(async () => {
  // The server still serves, and nothing above reached the unexpected-failure path.
  const res = await rawRequest(driver.url, identifierPath(DIDS.city));
  expect(res.status).toBe(200);
  expect(failures).toEqual([]);
});

const get = (path: string, headers: Record<string, string> = {}) => rawRequest(driver.url, path, { headers });

async function expectProblem(path: string, status: number, type: string, headers: Record<string, string> = {}) {
  const res = await get(path, headers);
  expect(res.status).toBe(status);
  expect(problemOf(res, path, headers['accept']).type).toBe(type);
  return res;
}

describe('overlong paths (> 4 KiB) → 400 with a problem', () => {
  test('raw DID', async () => {
    await expectProblem(identifierPath(`did:city:cn:130100:${'a'.repeat(5000)}`), 400, `${W3C}INVALID_DID`);
  });

  test('raw DID URL', async () => {
    await expectProblem(identifierPath(`${DIDS.sub}?service=${'x'.repeat(5000)}`), 400, `${W3C}INVALID_DID_URL`);
  });

  test('URL-encoded DID with long options', async () => {
    await expectProblem(encodedPath(DIDS.city, `versionId=${'9'.repeat(5000)}`), 400, `${W3C}INVALID_DID`);
  });

  test('a DID just under the limit is handled by the method rules (256 characters max)', async () => {
    await expectProblem(identifierPath(`did:city:cn:130100:${'a'.repeat(300)}`), 400, `${W3C}INVALID_DID`);
  });

  test('beyond Node’s header limit the HTTP server refuses (431) and keeps running', async () => {
    const res = await get(identifierPath(`did:city:cn:${'1'.repeat(20_000)}`));
    expect(res.status).toBe(431);
  });
});

describe('invalid percent-encoding → 400 INVALID_DID / INVALID_DID_URL', () => {
  test.each([
    ['a bad escape in a URL-encoded DID', `/1.0/identifiers/did%3Acity%3Acn%3A1301%ZZ`, `${W3C}INVALID_DID`],
    ['a truncated escape', `/1.0/identifiers/did%3Acity%3Acn%3A130100%`, `${W3C}INVALID_DID`],
    ['invalid UTF-8', `/1.0/identifiers/did%3Acity%3Acn%3A130100%C3%28`, `${W3C}INVALID_DID`],
    [
      'a bad escape in a URL-encoded DID URL',
      `/1.0/identifiers/did%3Acity%3Acn%3A130100%23key-1%E0%A4`,
      `${W3C}INVALID_DID_URL`,
    ],
    ['a bad escape in a raw DID', `/1.0/identifiers/did:city:cn:130100%ZZ`, `${W3C}INVALID_DID`],
    ['a bad escape in a raw DID URL query', `/1.0/identifiers/did:city:cn:130100?service=%ZZ`, `${W3C}INVALID_DID_URL`],
  ])('%s', async (_name, path, type) => {
    await expectProblem(path, 400, type);
  });

  test('a bad escape in the options → 400 INVALID_OPTIONS', async () => {
    await expectProblem(encodedPath(DIDS.city, 'versionId=%ZZ'), 400, `${W3C}INVALID_OPTIONS`);
    await expectProblem(encodedPath(DIDS.city, '%7B%22versionId%22%3A%ZZ'), 400, `${W3C}INVALID_OPTIONS`);
  });
});

describe('duplicate parameters', () => {
  test('a DID parameter given twice → 400 INVALID_DID_URL (raw and URL-encoded)', async () => {
    await expectProblem(identifierPath(`${DIDS.sub}?service=portal&service=files`), 400, `${W3C}INVALID_DID_URL`);
    await expectProblem(encodedPath(`${DIDS.updated}?versionId=0&versionId=1`), 400, `${W3C}INVALID_DID_URL`);
  });

  test('an option given twice → 400 INVALID_OPTIONS', async () => {
    await expectProblem(encodedPath(DIDS.updated, 'versionId=0&versionId=1'), 400, `${W3C}INVALID_OPTIONS`);
  });
});

describe('relativeRef path traversal → 400 INVALID_DID_URL', () => {
  test.each([
    ['..', '../../etc/passwd'],
    ['encoded ..', '%2E%2E%2F%2E%2E%2Fadmin'],
    ['.. after a segment', 'reports%2F..%2F..%2Fadmin'],
    ['an absolute path', '%2Fadmin'],
    ['another host', '%2F%2Fevil.example%2F'],
    ['another scheme', 'https%3A%2F%2Fevil.example%2F'],
  ])('%s', async (_name, relativeRef) => {
    for (const accept of ['text/uri-list', 'application/did-url-dereferencing']) {
      const path = identifierPath(`${DIDS.sub}?service=files&relativeRef=${relativeRef}`);
      await expectProblem(path, 400, `${W3C}INVALID_DID_URL`, { accept });
    }
  });

  test('double-encoded .. is decoded once: a literal "%2E%2E" segment that stays under the endpoint', async () => {
    const res = await get(identifierPath(`${DIDS.sub}?service=files&relativeRef=%252E%252E%252Fadmin`), {
      accept: 'text/uri-list',
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^https:\/\/files\.sjz\.example\/transport\/v1\//);
  });
});

describe('unknown options are ignored (spec §6.1), unknown DID parameters name nothing', () => {
  test('an unknown option in the query string → 200', async () => {
    const res = await get(encodedPath(DIDS.city, 'colour=red'));
    expect(res.status).toBe(200);
  });

  test('an unknown option in JSON options → 200', async () => {
    const res = await get(
      encodedPath(DIDS.city, encodeURIComponent(JSON.stringify({ colour: 'red', depth: { x: [1] } }))),
    );
    expect(res.status).toBe(200);
  });

  test('options named __proto__ or constructor change nothing', async () => {
    const form = await get(encodedPath(DIDS.city, '__proto__=x&constructor=y'));
    expect(form.status).toBe(200);
    const json = await get(encodedPath(DIDS.city, encodeURIComponent('{"__proto__":{"versionId":"7"}}')));
    expect(json.status).toBe(200);
    expect(json.json().didDocumentMetadata.versionId).toBe('0');
  });

  test('an unknown DID parameter → 404 NOT_FOUND', async () => {
    await expectProblem(identifierPath(`${DIDS.city}?colour=red`), 404, `${W3C}NOT_FOUND`);
  });
});

describe('other malformed requests', () => {
  test('nothing after /1.0/identifiers/ → 400 INVALID_DID', async () => {
    await expectProblem('/1.0/identifiers/', 400, `${W3C}INVALID_DID`);
  });

  test('a malformed Accept header is not acceptable → 406', async () => {
    await expectProblem(identifierPath(DIDS.city), 406, `${W3C}REPRESENTATION_NOT_SUPPORTED`, { accept: ';;;,,,"' });
  });

  test('a non-GET method is not routed → JSON 404', async () => {
    const res = await rawRequest(driver.url, identifierPath(DIDS.city), { method: 'POST' });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  test('encoded path traversal in the route itself stays inside the identifier (its DID part is invalid)', async () => {
    await expectProblem('/1.0/identifiers/did%3A..%2F..%2Fetc%2Fpasswd', 400, `${W3C}INVALID_DID`);
  });
});
