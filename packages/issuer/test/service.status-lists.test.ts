/**
 * GET /status-lists/{id} over HTTP: content negotiation (Bitstring Status List 1.0 §3.1, VC 2.0 §6.3 media types),
 * the JWT form of the list, and what the create endpoint refuses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIssuer } from '../src/issuer.ts';
import { decodeJws } from '../src/jws.ts';
import { createVerifier } from '../src/verifier.ts';
import { REGISTRY } from './fixtures/world.ts';
import { sjzIdentity } from './fixtures/issuing.ts';
import { type RunningService, startService } from './fixtures/service.ts';

const TOKEN = 'lists-token-0123456789';
let service: RunningService;
let listUrl: string;

beforeAll(async () => {
  service = await startService({ clients: [{ id: 'ops', token: TOKEN }] });
  listUrl = service.statusLists.urlOf(service.statusLists.createList('revocation'));
});
afterAll(() => service.close());

const get = (accept?: string) => fetch(listUrl, accept === undefined ? {} : { headers: { accept } });

describe('GET /status-lists/{id}', () => {
  it.each([
    [undefined, 'application/vc'],
    ['*/*', 'application/vc'],
    ['application/vc', 'application/vc'],
    ['application/vc+ld+json', 'application/vc+ld+json'],
    ['application/ld+json', 'application/ld+json'],
    ['application/json', 'application/json'],
    ['text/html, application/json;q=0.9', 'application/json'],
  ])('Accept %s → the Data Integrity list credential as %s', async (accept, type) => {
    const response = await get(accept);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(new RegExp(`^${type.replace(/[+]/g, '\\+')}(;|$)`));
    expect(response.headers.get('vary')).toMatch(/Accept/i);
    const list = await response.json();
    expect(list).toMatchObject({
      id: listUrl,
      issuer: REGISTRY,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      proof: { cryptosuite: 'eddsa-jcs-2022' },
    });
  });

  it('Accept application/vc+jwt → the same list credential as a vc+jwt, which a verifier accepts', async () => {
    const response = await get('application/vc+jwt');
    expect(response.headers.get('content-type')).toMatch(/^application\/vc\+jwt/);
    const jwt = await response.text();
    const decoded = decodeJws(jwt)!;
    expect(decoded.header).toMatchObject({ typ: 'vc+jwt', alg: 'EdDSA' });
    expect(decoded.payload).toMatchObject({
      id: listUrl,
      credentialSubject: { type: 'BitstringStatusList', statusPurpose: 'revocation' },
    });
    const verifier = createVerifier({ resolver: service.world.resolver });
    expect(await verifier.verify(jwt)).toMatchObject({ verified: true, format: 'vc+jwt' });
  });

  it('a verifier that fetches only the JWT form sees a revocation', async () => {
    const issuer = createIssuer({ key: service.world.registryKey, statusLists: service.statusLists });
    const { id, verifiableCredential } = await issuer.issue(sjzIdentity(), { format: 'vc-jwt' });
    const fetchStatusList = async (url: string) =>
      (await fetch(url, { headers: { accept: 'application/vc+jwt' } })).text();
    const verifier = createVerifier({ resolver: service.world.resolver, fetchStatusList, statusTtl: { maxMs: 0 } });
    expect((await verifier.verify(verifiableCredential)).verified).toBe(true);
    service.statusLists.update(id, 'revocation', true);
    expect((await verifier.verify(verifiableCredential)).errors.map((entry) => entry.code)).toStrictEqual(['REVOKED']);
  });

  it('an Accept it cannot serve is a 406 problem', async () => {
    const response = await get('text/html');
    expect(response.status).toBe(406);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await response.json()) as { type: string }).type).toBe('https://w3id.org/did-city/errors#NOT_ACCEPTABLE');
  });
});

describe('POST /status-lists', () => {
  it.each([8, 131_071, 131_076, -1, 1.5, 'big', 16 * 1024 * 1024])(
    'length %s is a 400 problem, not a 500',
    async (length) => {
      const response = await fetch(`${service.base}/status-lists`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ statusPurpose: 'revocation', length }),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        type: expect.stringMatching(/MALFORMED_REQUEST$/),
        detail: expect.stringMatching(/length must be a multiple of 8 from 131072/),
      });
    },
  );
});
