/**
 * The Universal Resolver driver contract (docs/conformance.md, "The driver's HTTP contract"):
 * the endpoint, the path rules, resolve vs dereference, CORS, properties and health, over real HTTP.
 */
import express from 'express';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDriverRouter } from '../src/app.ts';
import {
  buildLedger,
  DIDS,
  encodedPath,
  type Fixture,
  identifierPath,
  type RunningDriver,
  rawRequest,
  startDriver,
  W3C,
} from './fixtures.ts';

let fixture: Fixture;
let driver: RunningDriver;

beforeAll(async () => {
  fixture = await buildLedger();
  driver = await startDriver({ reader: fixture.ledger, properties: { ledgerUrl: 'http://ledger.test/' } });
});
afterAll(() => driver.close());

const get = (path: string, headers: Record<string, string> = {}) => rawRequest(driver.url, path, { headers });

describe('Serve GET /1.0/identifiers/{did-or-did-url}', () => {
  test('uni-resolver-web request: Accept "application/did-resolution,application/did", DID unencoded in the path', async () => {
    const res = await get(identifierPath(DIDS.city), { accept: 'application/did-resolution,application/did' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/did-resolution');
    const body = res.json();
    expect(body.didResolutionMetadata).toEqual({ contentType: 'application/did' });
    expect(body.didDocument.id).toBe(DIDS.city);
    expect(body.didDocument['@context']).toContain('https://www.w3.org/ns/did/v1');
    expect(body.didDocumentMetadata).toMatchObject({
      created: fixture.times[DIDS.city]![0],
      versionId: '0',
      canonicalId: DIDS.city,
      city: { divisionCode: '130100', country: 'cn', leafIndex: '1' },
    });
  });

  test('uni-resolver-web dereference request: Accept "application/did-url-dereferencing,<type>"', async () => {
    const res = await get(identifierPath(`${DIDS.updated}?versionId=0`), {
      accept: 'application/did-url-dereferencing,application/did+ld+json',
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/did-url-dereferencing');
    const body = res.json();
    expect(body.dereferencingMetadata.contentType).toBe('application/did+ld+json');
    expect(body.content.id).toBe(DIDS.updated);
    expect(body.contentMetadata).toMatchObject({ versionId: '0', nextVersionId: '1' });
  });

  test('an absolute-form request target (as sent through a proxy) is read the same way', async () => {
    const res = await get(`${driver.url}${encodedPath(DIDS.updated, 'versionId=0')}`);
    expect(res.status).toBe(200);
    expect(res.json().didDocumentMetadata.versionId).toBe('0');
  });

  test('HEAD answers like GET without a body', async () => {
    const res = await rawRequest(driver.url, identifierPath(DIDS.city), { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/did-resolution');
    expect(res.text).toBe('');
  });
});

describe('Path parsing: a part starting with did%3A is URL-decoded once; the query string carries options', () => {
  test('versionId=… in the query string selects a version', async () => {
    const res = await get(encodedPath(DIDS.updated, 'versionId=0'));
    expect(res.status).toBe(200);
    const body = res.json();
    expect(body.didDocumentMetadata).toMatchObject({
      versionId: '0',
      nextVersionId: '1',
      nextUpdate: fixture.times[DIDS.updated]![1],
    });
  });

  test('versionTime=… in the query string selects the version current then', async () => {
    const [created, updated] = fixture.times[DIDS.updated]!;
    const between = new Date(Date.parse(created!) + 30_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const before = await get(encodedPath(DIDS.updated, `versionTime=${encodeURIComponent(between)}`));
    expect(before.json().didDocumentMetadata.versionId).toBe('0');
    const after = await get(encodedPath(DIDS.updated, `versionTime=${encodeURIComponent(updated!)}`));
    expect(after.json().didDocumentMetadata.versionId).toBe('1');
  });

  test('one URL-encoded JSON object in the query string is the options', async () => {
    const res = await get(encodedPath(DIDS.updated, encodeURIComponent(JSON.stringify({ versionId: '0' }))));
    expect(res.status).toBe(200);
    expect(res.json().didDocumentMetadata.versionId).toBe('0');
  });

  test('JSON options may carry booleans (noCache: true)', async () => {
    const res = await get(encodedPath(DIDS.city, encodeURIComponent(JSON.stringify({ noCache: true }))));
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  test('the lower-case escape did%3a is recognised too', async () => {
    const res = await get(`/1.0/identifiers/${encodeURIComponent(DIDS.city).replaceAll('%3A', '%3a')}`);
    expect(res.status).toBe(200);
    expect(res.json().didDocument.id).toBe(DIDS.city);
  });

  test('decoded once, not twice: %2523 stays a literal "%23" and the DID is invalid', async () => {
    const res = await get(`/1.0/identifiers/${encodeURIComponent(DIDS.city)}%2523key-1`);
    expect(res.status).toBe(400);
    expect(res.json().didResolutionMetadata.error.type).toBe(`${W3C}INVALID_DID`);
  });
});

describe('Path parsing: otherwise the raw path (plus ?query) is the DID or DID URL, not percent-decoded', () => {
  test('a percent-escape in a raw path is not decoded (and a did:city DID never contains one)', async () => {
    const res = await get('/1.0/identifiers/did:city:cn%3A130100');
    expect(res.status).toBe(400);
    expect(res.json().didResolutionMetadata.error.type).toBe(`${W3C}INVALID_DID`);
  });

  test('the query string is part of the DID URL, not options', async () => {
    const res = await get(identifierPath(`${DIDS.updated}?versionId=0`), {
      accept: 'application/did-url-dereferencing',
    });
    expect(res.status).toBe(200);
    expect(res.json().contentMetadata.versionId).toBe('0');
  });

  test('an unknown DID parameter in a raw DID URL names no resource: 404', async () => {
    const res = await get(identifierPath(`${DIDS.city}?colour=red`));
    expect(res.status).toBe(404);
    expect(res.json().dereferencingMetadata.error.type).toBe(`${W3C}NOT_FOUND`);
  });
});

describe('It is a resolve request if the identifier has no /, ? or #; otherwise a dereference request', () => {
  test('no / ? #: resolution; asked for as application/did-url-dereferencing, "the resolved DID document" as content', async () => {
    const resolved = await get(identifierPath(DIDS.city));
    expect(resolved.json()).toHaveProperty('didResolutionMetadata');
    const dereferenced = await get(identifierPath(DIDS.city), { accept: 'application/did-url-dereferencing' });
    expect(dereferenced.status).toBe(200);
    expect(dereferenced.headers['content-type']).toBe('application/did-url-dereferencing');
    const body = dereferenced.json();
    expect(body.dereferencingMetadata.contentType).toBe('application/did');
    expect(body.content).toStrictEqual(resolved.json().didDocument);
    expect(body.contentMetadata).toStrictEqual(resolved.json().didDocumentMetadata);
  });

  test('#: dereferences the fragment', async () => {
    const res = await get(encodedPath(`${DIDS.city}#key-1`));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/did-url-dereferencing');
    expect(res.json().content.id).toBe(`${DIDS.city}#key-1`);
  });

  test('?: dereferences the DID parameters', async () => {
    const res = await get(identifierPath(`${DIDS.sub}?service=portal`), { accept: 'application/did+json' });
    expect(res.status).toBe(200);
    expect(res.json().service.map((service: { id: string }) => service.id)).toEqual([`${DIDS.sub}#portal`]);
  });

  test('/: dereferences the path (did:city defines none: 404)', async () => {
    const res = await get(identifierPath(`${DIDS.city}/documents/1`));
    expect(res.status).toBe(404);
    expect(res.json().dereferencingMetadata.error.type).toBe(`${W3C}NOT_FOUND`);
  });
});

describe('Responses carry Access-Control-Allow-Origin: *', () => {
  test.each([
    ['a result', identifierPath(DIDS.city)],
    ['an error', identifierPath(DIDS.absent)],
    ['properties', '/1.0/properties'],
    ['health', '/health'],
    ['an unknown route', '/nope'],
  ])('on %s', async (_name, path) => {
    const res = await get(path);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  test('a CORS preflight (the legacy Accept value is not CORS-safelisted) is answered', async () => {
    const res = await rawRequest(driver.url, identifierPath(DIDS.city), {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'accept',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-methods']).toContain('GET');
    expect(res.headers['access-control-allow-headers']?.toLowerCase()).toContain('accept');
  });
});

describe('Optional GET /1.0/properties (driver settings, JSON) and GET /health', () => {
  test('properties: the driver settings and the injected entries', async () => {
    const res = await get('/1.0/properties');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toMatchObject({
      method: 'city',
      driverVersion: '0.1.0',
      errorStyle: 'uri',
      cacheTtl: 60,
      ledgerUrl: 'http://ledger.test/',
    });
  });

  test('health', async () => {
    const res = await get('/health');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', method: 'city', driverVersion: '0.1.0' });
  });

  test('an unknown route is a JSON 404, not an HTML page', async () => {
    const res = await get('/1.0/identifiers');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });
});

describe('createDriverRouter mounts the same routes into another server', () => {
  test('under a prefix, with the host app keeping its own settings', async () => {
    const host = express();
    host.use('/resolver', createDriverRouter({ reader: fixture.ledger }));
    const server = await new Promise<import('node:http').Server>((resolve) => {
      const listening = host.listen(0, '127.0.0.1', () => resolve(listening));
    });
    try {
      const { port } = server.address() as import('node:net').AddressInfo;
      const base = `http://127.0.0.1:${port}`;
      const res = await rawRequest(base, `/resolver${encodedPath(DIDS.updated, 'versionId=1')}`, {
        headers: { accept: 'application/did+json' },
      });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/did+json');
      expect(res.json().id).toBe(DIDS.updated);
      expect((await rawRequest(base, '/resolver/1.0/properties')).json().method).toBe('city');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
