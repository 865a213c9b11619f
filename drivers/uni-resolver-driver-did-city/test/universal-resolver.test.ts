/**
 * Every resolution and dereferencing case through the Universal Resolver's reading of a driver
 * (universal-resolver-client.ts restates its rules, citing the Java files and lines): the driver as the snippet in
 * uni-resolver/ configures it (profile universal-resolver), on real HTTP, with the entry of
 * uni-resolver/application.yml. The W3C profile is run through the same rules where the two differ, to show why
 * the profile exists.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildLedger, DIDS, ENDPOINTS, type RunningDriver, startDriver } from './fixtures.ts';
import { type DriverEntry, requestUrl, urDereference, urResolve } from './universal-resolver-client.ts';

const application = readFileSync(fileURLToPath(new URL('../uni-resolver/application.yml', import.meta.url)), 'utf8');

/** The application.yml entry, its default URL pointed at a driver on loopback instead of the compose host name. */
function entryFor(driver: RunningDriver): DriverEntry {
  const url = /url: \$\{uniresolver_web_driver_url_did_city:(\S+)\}/.exec(application)?.[1];
  if (url === undefined) throw new Error('application.yml has no driver URL');
  return {
    url: url.replace('http://driver-did-city:8080', driver.url),
    supportsOptions: /supportsOptions: "true"/.test(application),
    supportsDereference: /supportsDereference: true/.test(application),
  };
}

let ur: RunningDriver;
let w3c: RunningDriver;
let entry: DriverEntry;
let w3cEntry: DriverEntry;

beforeAll(async () => {
  const { ledger } = await buildLedger();
  ur = await startDriver({ reader: ledger, profile: 'universal-resolver' });
  w3c = await startDriver({ reader: ledger });
  entry = entryFor(ur);
  w3cEntry = entryFor(w3c);
});
afterAll(async () => {
  await Promise.all([ur.close(), w3c.close()]);
});

describe('the snippet as HttpDriver reads it', () => {
  test('a DID is appended to /1.0/identifiers/; options make it URL-encoded with a query (supportsOptions)', () => {
    expect(entry.supportsDereference).toBe(true);
    expect(requestUrl(entry, DIDS.city, {})).toBe(`${ur.url}/1.0/identifiers/did:city:cn:130100`);
    expect(requestUrl(entry, DIDS.city, { versionId: '0', accept: 'application/did', _http_accept: [] })).toBe(
      `${ur.url}/1.0/identifiers/did%3Acity%3Acn%3A130100?versionId=0`,
    );
  });
});

describe('resolution through the Universal Resolver (profile universal-resolver)', () => {
  test('a DID: 200 with its document', async () => {
    const answer = await urResolve(entry, DIDS.city);
    expect(answer).toMatchObject({ status: 200, content: { id: DIDS.city } });
  });

  test('resolution options arrive (versionId=0 of an updated DID)', async () => {
    const answer = await urResolve(entry, DIDS.updated, { versionId: '0' });
    expect(answer.status).toBe(200);
    expect(answer.metadata['versionId']).toBe('0');
    expect(answer.metadata['nextVersionId']).toBe('1');
  });

  test.each([
    ['not found', 404, 'NOT_FOUND', DIDS.absent, {}],
    ['invalid DID', 400, 'INVALID_DID', 'did:city:cn:999999', {}],
    ['invalid options', 400, 'INVALID_OPTIONS', DIDS.city, { versionId: '0', versionTime: '2026-11-21T08:00:00Z' }],
  ])('%s: %i %s, as the driver answered', async (_name, status, type, did, options) => {
    expect(await urResolve(entry, did, options)).toMatchObject({ status, errorType: type });
  });

  test('deactivated: 410 with a document that holds no key (LocalUniResolver needs a document)', async () => {
    const answer = await urResolve(entry, DIDS.deactivated);
    expect(answer.status).toBe(410);
    expect(answer.content).toStrictEqual({ '@context': ['https://www.w3.org/ns/did/v1'], id: DIDS.deactivated });
    expect(answer.metadata['deactivated']).toBe(true);
  });
});

describe('dereferencing through the Universal Resolver (profile universal-resolver)', () => {
  test('a fragment DID URL: the UR sends the DID with "application/did-url-dereferencing,*/*"; the content is JSON, not base64', async () => {
    const answer = await urDereference(entry, `${DIDS.city}#key-1`, 'application/did-url-dereferencing');
    expect(answer.fellBack).toBeUndefined();
    expect(answer).toMatchObject({ status: 200, content: { id: DIDS.city } });
  });

  test('service selection: the document with the selected service (an object the UR keeps)', async () => {
    const answer = await urDereference(
      entry,
      `${DIDS.sub}?service=files&relativeRef=a.json`,
      'application/did-url-dereferencing',
    );
    expect(answer.fellBack).toBeUndefined();
    expect(answer.status).toBe(200);
    expect((answer.content as { service: { id: string }[] }).service.map((s) => s.id)).toEqual([`${DIDS.sub}#files`]);
  });

  test('service endpoints as text/uri-list: the URL list arrives as text (an array would be dropped)', async () => {
    const answer = await urDereference(entry, `${DIDS.sub}?service=mirrors`, 'text/uri-list');
    expect(answer.fellBack).toBeUndefined();
    expect(answer).toMatchObject({ status: 200, content: `${ENDPOINTS.mirrors.join('\r\n')}\r\n` });
    const relative = await urDereference(
      entry,
      `${DIDS.sub}?service=files&relativeRef=reports%2F2026.json`,
      'text/uri-list',
    );
    expect(relative.content).toBe(`${ENDPOINTS.files}reports/2026.json\r\n`);
  });

  test.each([
    ['no such service', 404, 'NOT_FOUND', `${DIDS.sub}?service=nothing`],
    [
      'relativeRef leaving the endpoint',
      400,
      'INVALID_DID_URL',
      `${DIDS.sub}?service=files&relativeRef=..%2F..%2Fadmin`,
    ],
    ['relativeRef without a service', 400, 'INVALID_DID_URL', `${DIDS.sub}?relativeRef=a.json`],
    ['a parameter twice', 400, 'INVALID_DID_URL', `${DIDS.sub}?service=files&service=portal`],
    ['a DID that does not exist', 404, 'NOT_FOUND', `${DIDS.absent}?service=files`],
    ['a version that does not exist', 404, 'NOT_FOUND', `${DIDS.city}?versionId=7`],
  ])('DID URL error, %s: %i %s (a dereferencing result the UR reads)', async (_name, status, type, didUrl) => {
    expect(await urDereference(entry, didUrl, 'application/did-url-dereferencing')).toMatchObject({
      status,
      errorType: type,
    });
  });

  test('a deactivated DID URL: 410, the DID resolved instead (no content from the driver)', async () => {
    const answer = await urDereference(entry, `${DIDS.deactivated}?service=files`, 'application/did-url-dereferencing');
    expect(answer).toMatchObject({ status: 410, fellBack: true, content: { id: DIDS.deactivated } });
  });
});

describe('why the profile exists: the W3C form through the same rules', () => {
  test('errors with W3C type URIs become 500 (uni-resolver-web maps bare codes only)', async () => {
    expect(await urResolve(w3cEntry, DIDS.absent)).toMatchObject({
      status: 500,
      errorType: 'https://www.w3.org/ns/did#NOT_FOUND',
    });
  });

  test('a deactivated DID has no document: the UR answers 404', async () => {
    expect(await urResolve(w3cEntry, DIDS.deactivated)).toMatchObject({ status: 404, errorType: 'NOT_FOUND' });
  });

  test('a URL list is a 303 (the W3C binding), which HttpDriver cannot use: 500', async () => {
    expect(await urDereference(w3cEntry, `${DIDS.sub}?service=mirrors`, 'text/uri-list')).toMatchObject({
      status: 500,
      errorType: 'INTERNAL_ERROR',
    });
  });

  test('what both profiles share: a fragment DID URL and service selection arrive as JSON objects', async () => {
    const fragment = await urDereference(w3cEntry, `${DIDS.city}#key-1`, 'application/did-url-dereferencing');
    expect(fragment).toMatchObject({ status: 200, content: { id: DIDS.city } });
    const service = await urDereference(w3cEntry, `${DIDS.sub}?service=files`, 'application/did-url-dereferencing');
    expect((service.content as { service: unknown[] }).service).toHaveLength(1);
  });
});
