/**
 * POST /presentations/prove and /presentations/verify over HTTP on 127.0.0.1: Shijiazhuang's service signs as holder
 * with its own key; anyone may verify; challenge and domain travel in `options`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SJZ } from './fixtures/world.ts';
import { sjzIdentity } from './fixtures/issuing.ts';
import { type RunningService, startService } from './fixtures/service.ts';

const TOKEN = 'holder-token-0123456789';
const V2 = 'https://www.w3.org/ns/credentials/v2';
let service: RunningService;
let plain: RunningService;

beforeAll(async () => {
  service = await startService({ clients: [{ id: 'ops', token: TOKEN }], holder: (world) => world.sjzKey });
  plain = await startService({ clients: [{ id: 'ops', token: TOKEN }], holder: (world) => world.registryKey });
});
afterAll(async () => {
  await service.close();
  await plain.close();
});

function post(at: RunningService, path: string, body: unknown, auth = true) {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...(auth ? { authorization: `Bearer ${TOKEN}` } : {}),
  };
  return fetch(`${at.base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
const json = (response: Response): Promise<any> => response.json();

async function heldCredential() {
  const issued = await post(service, '/credentials/issue', { credential: sjzIdentity() });
  return (await json(issued)).verifiableCredential;
}

describe('POST /presentations/prove → POST /presentations/verify', () => {
  it.each(['data-integrity', 'vp+jwt'])(
    '%s: signed by the city as holder, verified with the same challenge and domain',
    async (format) => {
      const presentation = {
        '@context': [V2],
        type: ['VerifiablePresentation'],
        verifiableCredential: [await heldCredential()],
      };
      const options = { challenge: 'c-0f3a9', domain: 'verifier.example', format };
      expect((await post(service, '/presentations/prove', { presentation, options }, false)).status).toBe(401);
      const proved = await post(service, '/presentations/prove', { presentation, options });
      expect(proved.status).toBe(201);
      const { verifiablePresentation } = await json(proved);
      const verified = await post(
        service,
        '/presentations/verify',
        { verifiablePresentation, options: { challenge: 'c-0f3a9', domain: 'verifier.example' } },
        false,
      );
      expect([verified.status, await json(verified)]).toMatchObject([
        200,
        { verified: true, holder: SJZ, credentialResults: [{ verified: true }] },
      ]);
      const replayed = await post(
        service,
        '/presentations/verify',
        { verifiablePresentation, options: { challenge: 'another' } },
        false,
      );
      expect(replayed.status).toBe(400);
      expect((await json(replayed)).errors).toMatchObject([
        { code: 'CHALLENGE_MISMATCH', type: 'https://w3id.org/did-city/errors#CHALLENGE_MISMATCH' },
      ]);
    },
  );

  it('a service whose key is not an authentication key refuses to prove, saying why', async () => {
    const presentation = { '@context': [V2], type: ['VerifiablePresentation'] };
    const response = await post(plain, '/presentations/prove', { presentation, options: {} });
    expect(response.status).toBe(400);
    expect(await json(response)).toMatchObject({
      type: 'https://w3id.org/did-city/errors#MALFORMED_PRESENTATION',
      detail: expect.stringMatching(/KEY_NOT_AUTHORISED/),
    });
  });

  it('bad bodies are 400 problems', async () => {
    for (const body of [
      {},
      { presentation: 'x' },
      { presentation: { '@context': [V2], type: ['VerifiablePresentation'] }, options: { format: 'ldp' } },
    ]) {
      const response = await post(service, '/presentations/prove', body);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    const missing = await post(service, '/presentations/verify', { options: {} }, false);
    expect([missing.status, (await json(missing)).type]).toStrictEqual([
      400,
      'https://w3id.org/did-city/errors#MALFORMED_REQUEST',
    ]);
    const bad = await post(
      service,
      '/presentations/verify',
      { verifiablePresentation: { type: 'VerifiablePresentation' }, options: { challenge: 1 } },
      false,
    );
    expect(bad.status).toBe(400);
  });
});
