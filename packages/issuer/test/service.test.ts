/**
 * The VC API service over real HTTP on 127.0.0.1: authorisation of writes, problem details, size limits, issue →
 * verify → revoke through the endpoints, status lists fetched by the verifier over HTTP, the served context and
 * schemas.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIssuerRouter } from '../src/service/app.ts';
import { REGISTRY, SJZ } from './fixtures/world.ts';
import { sjzIdentity } from './fixtures/issuing.ts';
import { type RunningService, startService } from './fixtures/service.ts';

const TOKEN = 'test-token-0123456789';
const API_KEY = 'test-api-key-abcdef';
/** Three more clients: two ordinary ones (bearer token, API key) and an admin. */
const CITY_A = { authorization: 'Bearer city-a-token-0123456789' };
const CITY_B = { 'x-api-key': 'city-b-api-key-0123456789' };
const ADMIN = { authorization: 'Bearer admin-token-0123456789' };
const CLIENTS = [
  { id: 'ops', token: TOKEN, apiKey: API_KEY },
  { id: 'city-a', token: 'city-a-token-0123456789' },
  { id: 'city-b', apiKey: 'city-b-api-key-0123456789' },
  { id: 'root', token: 'admin-token-0123456789', roles: ['admin'] as const },
];
let service: RunningService;
let base: string;

beforeAll(async () => {
  service = await startService({ clients: CLIENTS, bodyLimit: '16kb' });
  base = service.base;
});

afterAll(() => service.close());

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
const json = (response: Response): Promise<any> => response.json();

function post(path: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('POST /credentials/issue', () => {
  it('needs a token or API key: 401 problem details without, 201 with either', async () => {
    const response = await post('/credentials/issue', { credential: sjzIdentity() }, {});
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await json(response)).toStrictEqual({
      type: 'https://w3id.org/did-city/errors#UNAUTHORIZED',
      title: expect.any(String),
      status: 401,
      detail: expect.any(String),
    });
    expect(
      (await post('/credentials/issue', { credential: sjzIdentity() }, { authorization: 'Bearer wrong' })).status,
    ).toBe(401);
    expect((await post('/credentials/issue', { credential: sjzIdentity() }, { 'x-api-key': API_KEY })).status).toBe(
      201,
    );
  });

  it.each([
    ['a VC 1.1 first context', { '@context': ['https://www.w3.org/2018/credentials/v1'] }],
    ['another issuer', { issuer: SJZ }],
    ['a bad date', { validFrom: 'yesterday' }],
    ['no VerifiableCredential type', { type: ['CityIdentityCredential'] }],
  ])('rejects %s with 400 INVALID_CREDENTIAL problem details', async (_name, change) => {
    const response = await post('/credentials/issue', { credential: { ...sjzIdentity(), ...change } });
    expect(response.status).toBe(400);
    const problem = await json(response);
    expect(problem).toMatchObject({ type: 'https://w3id.org/did-city/errors#INVALID_CREDENTIAL', status: 400 });
    expect(problem.errors.length).toBeGreaterThan(0);
  });

  it('rejects malformed JSON (400) and oversized bodies (413)', async () => {
    const malformed = await post('/credentials/issue', '{"credential":');
    expect([malformed.status, (await json(malformed)).type]).toStrictEqual([
      400,
      'https://w3id.org/did-city/errors#MALFORMED_REQUEST',
    ]);
    const large = await post('/credentials/issue', { credential: sjzIdentity(), padding: 'x'.repeat(20_000) });
    expect([large.status, (await json(large)).type]).toStrictEqual([
      413,
      'https://w3id.org/did-city/errors#REQUEST_TOO_LARGE',
    ]);
  });
});

describe('issue → verify → suspend → reinstate → revoke over HTTP', () => {
  it.each(['data-integrity', 'vc+jwt', 'vc-jwt'])('%s', async (format) => {
    const issued = await post('/credentials/issue', { credential: sjzIdentity(), options: { format } });
    expect(issued.status).toBe(201);
    const { verifiableCredential } = await json(issued);
    if (format === 'vc+jwt') expect(verifiableCredential.type).toBe('EnvelopedVerifiableCredential');
    const verify = () => post('/credentials/verify', { verifiableCredential }, {});
    const ok = await verify();
    expect([ok.status, (await json(ok)).verified]).toStrictEqual([200, true]);
    const credentialId = format === 'data-integrity' ? verifiableCredential.id : jtiOf(verifiableCredential);
    expect(
      (
        await post(
          '/credentials/status',
          { credentialId, credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'suspended' }] },
          {},
        )
      ).status,
    ).toBe(401);
    const suspended = await post('/credentials/status', {
      credentialId,
      credentialStatus: [{ statusPurpose: 'suspension', status: true }],
    });
    expect(await json(suspended)).toStrictEqual({ credentialId, revoked: false, suspended: true });
    const failed = await verify();
    expect(failed.status).toBe(400);
    expect((await json(failed)).errors).toStrictEqual([
      {
        code: 'SUSPENDED',
        message: expect.any(String),
        type: 'https://w3id.org/did-city/errors#SUSPENDED',
        title: 'Credential suspended',
      },
    ]);
    await post('/credentials/status', {
      credentialId,
      credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'reinstated' }],
    });
    expect((await verify()).status).toBe(200);
    await post('/credentials/status', {
      credentialId,
      credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }],
    });
    expect((await json(await verify())).errors.map((e: { code: string }) => e.code)).toStrictEqual(['REVOKED']);
  });
});

function jtiOf(vc: unknown): string {
  const jwt = typeof vc === 'string' ? vc : (vc as { id: string }).id.slice('data:application/vc+jwt,'.length);
  const payload = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());
  return payload.jti ?? payload.id;
}

describe('status changes are scoped to the issuing client (or an admin client)', () => {
  const FORBIDDEN = 'https://w3id.org/did-city/errors#STATUS_CHANGE_FORBIDDEN';
  const change = (credentialId: string, status: string, headers: Record<string, string>) =>
    post(
      '/credentials/status',
      { credentialId, credentialStatus: [{ type: 'BitstringStatusListCredential', status }] },
      headers,
    );

  async function issueAs(
    headers: Record<string, string>,
    id?: string,
  ): Promise<{ id: string; verify: () => Promise<Response> }> {
    const credential = id === undefined ? sjzIdentity() : { ...sjzIdentity(), id };
    const issued = await post('/credentials/issue', { credential, options: { format: 'data-integrity' } }, headers);
    expect(issued.status).toBe(201);
    const { verifiableCredential } = await json(issued);
    return { id: verifiableCredential.id, verify: () => post('/credentials/verify', { verifiableCredential }, {}) };
  }

  it('another client is refused with 403 naming the rule, and nothing changes', async () => {
    const mine = await issueAs(CITY_A);
    for (const status of ['revoked', 'suspended', 'reinstated']) {
      const refused = await change(mine.id, status, CITY_B);
      expect(refused.status).toBe(403);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await json(refused)).toStrictEqual({
        type: FORBIDDEN,
        title: 'Only the issuing client or an admin client may change a credential status',
        status: 403,
        detail: expect.stringMatching(/only the client that issued a credential, or a client with the admin role/),
      });
      expect((await change(mine.id, status, { authorization: `Bearer ${TOKEN}` })).status).toBe(403);
    }
    const still = await mine.verify();
    expect([still.status, (await json(still)).verified]).toStrictEqual([200, true]);
    // The issuing client itself may.
    expect(await json(await change(mine.id, 'suspended', CITY_A))).toStrictEqual({
      credentialId: mine.id,
      revoked: false,
      suspended: true,
    });
    expect(await json(await change(mine.id, 'reinstated', CITY_A))).toStrictEqual({
      credentialId: mine.id,
      revoked: false,
      suspended: false,
    });
  });

  it('"not yours" and "unknown" get the same 403: a refusal does not tell whether the credential exists', async () => {
    const mine = await issueAs(CITY_A);
    const notYours = await change(mine.id, 'revoked', CITY_B);
    const unknown = await change('urn:uuid:00000000-0000-4000-8000-000000000000', 'revoked', CITY_B);
    expect([notYours.status, unknown.status]).toStrictEqual([403, 403]);
    expect(await unknown.text()).toBe(await notYours.text());
  });

  it('an admin client may change any credential; for an unknown id it gets 404', async () => {
    const mine = await issueAs(CITY_A);
    expect(await json(await change(mine.id, 'suspended', ADMIN))).toStrictEqual({
      credentialId: mine.id,
      revoked: false,
      suspended: true,
    });
    expect(await json(await change(mine.id, 'revoked', ADMIN))).toStrictEqual({
      credentialId: mine.id,
      revoked: true,
      suspended: true,
    });
    expect((await json(await mine.verify())).errors.map((e: { code: string }) => e.code)).toContain('REVOKED');
    const unknown = await change('urn:uuid:00000000-0000-4000-8000-000000000001', 'revoked', ADMIN);
    expect([unknown.status, (await json(unknown)).type]).toStrictEqual([
      404,
      'https://w3id.org/did-city/errors#CREDENTIAL_NOT_FOUND',
    ]);
  });

  it("a client issuing under another client's credential id only ever changes its own entries", async () => {
    const id = 'urn:uuid:5b0c1a52-8f6e-4d0f-9c39-000000000abc';
    const a = await issueAs(CITY_A, id);
    const b = await issueAs(CITY_B, id);
    expect(await json(await change(id, 'revoked', CITY_B))).toStrictEqual({
      credentialId: id,
      revoked: true,
      suspended: false,
    });
    expect((await json(await b.verify())).errors.map((e: { code: string }) => e.code)).toStrictEqual(['REVOKED']);
    const stillA = await a.verify();
    expect([stillA.status, (await json(stillA)).verified]).toStrictEqual([200, true]);
    expect(await json(await change(id, 'suspended', CITY_A))).toStrictEqual({
      credentialId: id,
      revoked: false,
      suspended: true,
    });
  });

  it('a configuration with a duplicate client id or an unknown role is refused', () => {
    const base = { issuer: {} as never, verifier: {} as never };
    expect(() =>
      createIssuerRouter({
        ...base,
        clients: [
          { id: 'x', token: 'a' },
          { id: 'x', token: 'b' },
        ],
      }),
    ).toThrow(/configured twice/);
    expect(() =>
      createIssuerRouter({ ...base, clients: [{ id: 'x', token: 'a', roles: ['root' as 'admin'] }] }),
    ).toThrow(/unknown role/);
  });
});

describe('status lists and served documents', () => {
  it('POST /status-lists creates a list (auth), GET serves it signed with Cache-Control from the ttl', async () => {
    expect((await post('/status-lists', { statusPurpose: 'suspension' }, {})).status).toBe(401);
    const created = await post('/status-lists', { statusPurpose: 'suspension' });
    expect(created.status).toBe(201);
    const { id } = await json(created);
    expect(created.headers.get('location')).toBe(id);
    const list = await fetch(id);
    expect(list.status).toBe(200);
    expect(list.headers.get('cache-control')).toBe('public, max-age=300');
    expect(await json(list)).toMatchObject({
      id,
      issuer: REGISTRY,
      credentialSubject: { statusPurpose: 'suspension', ttl: 300000 },
    });
    const missing = await fetch(`${base}/status-lists/nope`);
    expect([missing.status, (await json(missing)).type]).toStrictEqual([
      404,
      'https://w3id.org/did-city/errors#STATUS_LIST_NOT_FOUND',
    ]);
  });

  it('serves the JSON-LD context and the schemas', async () => {
    const context = await fetch(`${base}/contexts/credentials/v1`);
    expect(context.headers.get('content-type')).toMatch(/^application\/ld\+json/);
    expect((await json(context))['@context'].CityIdentityCredential).toBe(
      'https://w3id.org/did-city/vocab#CityIdentityCredential',
    );
    const schema = await fetch(`${base}/schemas/v1/city-identity.json`);
    expect((await json(schema)).$id).toBe('https://w3id.org/did-city/schemas/v1/city-identity.json');
  });

  it('verification of garbage is a 400 result, not a crash', async () => {
    const response = await post('/credentials/verify', { verifiableCredential: 'x.y.z' }, {});
    expect(response.status).toBe(400);
    expect((await json(response)).verified).toBe(false);
  });
});
