/**
 * The did:city profile of RFC 9421 (spec §12.3, R-XCH-3…6) with a fixed clock. The signer's DID document comes
 * from a resolver that answers one fixed document: the resolver is not what these tests check (the end-to-end test
 * resolves through the verifying ledger reader); the profile's own rules are.
 */
import type { DidResolver } from '@did-city/issuer';
import { createSigner, generateKeyPair, type KeyPair } from '@did-city/method';
import { describe, expect, it } from 'vitest';
import { contentDigest } from '../src/digest.ts';
import { ExchangeError } from '../src/errors.ts';
import { createSignature } from '../src/http-signature.ts';
import { NonceStore } from '../src/nonces.ts';
import { type CityRequest, GRANT_FIELD, signCityRequest, verifyCityRequest } from '../src/signature-profile.ts';

const DID = 'did:city:cn:120000';
const NOW = Date.UTC(2026, 11, 4, 3, 0, 0);
const URL_ = 'https://data.example/data/110000/releases/5b0c1c9e-5d1f-4c57-9b7a-2f4b7e1f0a11';

function documentResolver(
  keys: Record<string, KeyPair>,
  options: { deactivated?: boolean; assertionOnly?: string[] } = {},
): DidResolver {
  const verificationMethod = Object.entries(keys).map(([id, key]) => ({
    id: `${DID}#${id}`,
    type: 'Multikey',
    controller: DID,
    publicKeyMultibase: key.publicKeyMultibase,
  }));
  const authentication = Object.keys(keys)
    .filter((id) => !options.assertionOnly?.includes(id))
    .map((id) => `${DID}#${id}`);
  return {
    resolve: async () => ({
      didResolutionMetadata: {},
      didDocument: options.deactivated
        ? null
        : { id: DID, verificationMethod, authentication, assertionMethod: verificationMethod.map((m) => m.id) },
      didDocumentMetadata: options.deactivated ? { deactivated: true } : {},
    }),
  } as DidResolver;
}

const ed = generateKeyPair('Ed25519');
const p256 = generateKeyPair('P-256');
const sm2 = generateKeyPair('SM2');
const resolver = documentResolver(
  { 'key-1': ed, 'key-2': p256, 'key-3': sm2, 'key-4': generateKeyPair() },
  { assertionOnly: ['key-4'] },
);

async function signed(request: CityRequest, key = 'key-1', pair: KeyPair = ed, now = NOW) {
  const headers = await signCityRequest(
    request,
    { keyid: `${DID}#${key}`, signer: createSigner(pair) },
    { now: () => now },
  );
  return { ...request, headers };
}

async function code(
  request: CityRequest & { headers: Record<string, string> },
  options: { nonces?: NonceStore; now?: number; resolver?: DidResolver } = {},
): Promise<string> {
  try {
    await verifyCityRequest(request, {
      resolver: options.resolver ?? resolver,
      nonces: options.nonces ?? new NonceStore(),
      now: () => options.now ?? NOW,
    });
    return 'OK';
  } catch (error) {
    if (error instanceof ExchangeError) return error.code;
    throw error;
  }
}

describe('R-XCH-3: who signed', () => {
  it("accepts Ed25519, P-256 and SM2 keys of the signer's authentication, each with its alg or none", async () => {
    expect(await code(await signed({ method: 'GET', url: URL_ }))).toBe('OK');
    expect(await code(await signed({ method: 'GET', url: URL_ }, 'key-2', p256))).toBe('OK');
    const sm2Request = await signed({ method: 'GET', url: URL_ }, 'key-3', sm2);
    expect(sm2Request.headers['signature-input']).not.toContain('alg=');
    expect(await code(sm2Request)).toBe('OK');
  });

  it('refuses a method only under assertionMethod, an unknown one, a relative keyid, and a deactivated DID', async () => {
    expect(await code(await signed({ method: 'GET', url: URL_ }, 'key-4', ed))).toBe('SIGNER_NOT_AUTHORISED');
    expect(await code(await signed({ method: 'GET', url: URL_ }, 'key-9', ed))).toBe('SIGNER_NOT_AUTHORISED');
    const relative = await signCityRequest(
      { method: 'GET', url: URL_ },
      { keyid: '#key-1', signer: createSigner(ed) },
      { now: () => NOW },
    );
    expect(await code({ method: 'GET', url: URL_, headers: relative })).toBe('SIGNER_NOT_AUTHORISED');
    expect(
      await code(await signed({ method: 'GET', url: URL_ }), {
        resolver: documentResolver({ 'key-1': ed }, { deactivated: true }),
      }),
    ).toBe('SIGNER_NOT_AUTHORISED');
  });

  it("refuses another key's signature, an alg that is not the key's, two signatures, and none", async () => {
    expect(await code(await signed({ method: 'GET', url: URL_ }, 'key-1', generateKeyPair()))).toBe(
      'SIGNATURE_INVALID',
    );
    const params = {
      created: NOW / 1000,
      expires: NOW / 1000 + 60,
      nonce: 'n-alg',
      keyid: `${DID}#key-1`,
      alg: 'ecdsa-p256-sha256',
    };
    const wrongAlg = await createSignature(
      { method: 'GET', url: URL_, headers: {} },
      { components: ['@method', '@target-uri'], params, sign: createSigner(ed) },
    );
    expect(await code({ method: 'GET', url: URL_, headers: wrongAlg })).toBe('SIGNATURE_INVALID');
    const one = await signed({ method: 'GET', url: URL_ });
    const two = {
      ...one,
      headers: {
        ...one.headers,
        'signature-input': `${one.headers['signature-input']}, ${one.headers['signature-input']!.replace('sig1=', 'sig2=')}`,
      },
    };
    expect(await code(two)).toBe('SIGNATURE_INVALID');
    expect(await code({ method: 'GET', url: URL_, headers: {} })).toBe('SIGNATURE_MISSING');
  });
});

describe('R-XCH-4: what the signature covers', () => {
  const params = { created: NOW / 1000, expires: NOW / 1000 + 60, keyid: `${DID}#key-1` };

  it('refuses a signature without @target-uri, or without the grant field the request carries', async () => {
    const noTarget = await createSignature(
      { method: 'GET', url: URL_, headers: {} },
      { components: ['@method', '@path'], params: { ...params, nonce: 'a' }, sign: createSigner(ed) },
    );
    expect(await code({ method: 'GET', url: URL_, headers: noTarget })).toBe('SIGNATURE_INVALID');
    const headers = { [GRANT_FIELD]: 'e30' };
    const noGrant = await createSignature(
      { method: 'GET', url: URL_, headers },
      { components: ['@method', '@target-uri'], params: { ...params, nonce: 'b' }, sign: createSigner(ed) },
    );
    expect(await code({ method: 'GET', url: URL_, headers: { ...headers, ...noGrant } })).toBe('SIGNATURE_INVALID');
    const covered = await signed({ method: 'GET', url: URL_, headers });
    expect(covered.headers['signature-input']).toContain(`"${GRANT_FIELD}"`);
    expect(await code(covered)).toBe('OK');
    expect(await code({ ...covered, headers: { ...covered.headers, [GRANT_FIELD]: 'e31' } })).toBe('SIGNATURE_INVALID');
  });

  it('needs a Content-Digest that matches the body, covered by the signature', async () => {
    const body = Buffer.from('{"q":1}');
    const withBody = await signed({ method: 'POST', url: URL_, body });
    expect(withBody.headers['content-digest']).toBe(contentDigest(body));
    expect(await code(withBody)).toBe('OK');
    expect(await code({ ...withBody, body: Buffer.from('{"q":2}') })).toBe('SIGNATURE_INVALID');
    const uncovered = await createSignature(
      { method: 'POST', url: URL_, headers: {} },
      { components: ['@method', '@target-uri'], params: { ...params, nonce: 'c' }, sign: createSigner(ed) },
    );
    expect(
      await code({ method: 'POST', url: URL_, body, headers: { ...uncovered, 'content-digest': contentDigest(body) } }),
    ).toBe('SIGNATURE_INVALID');
  });
});

describe('R-XCH-5: freshness', () => {
  it('accepts within the skew, refuses a stale, future or over-long signature', async () => {
    const request = await signed({ method: 'GET', url: URL_ });
    expect(await code(request, { now: NOW - 29_000 })).toBe('OK');
    expect(await code(await signed({ method: 'GET', url: URL_ }), { now: NOW - 31_000 })).toBe('SIGNATURE_STALE');
    expect(await code(await signed({ method: 'GET', url: URL_ }), { now: NOW + 60_000 + 31_000 })).toBe(
      'SIGNATURE_STALE',
    );
    const long = await signCityRequest(
      { method: 'GET', url: URL_ },
      { keyid: `${DID}#key-1`, signer: createSigner(ed) },
      { now: () => NOW, lifetimeSeconds: 301 },
    );
    expect(await code({ method: 'GET', url: URL_, headers: long })).toBe('SIGNATURE_STALE');
    const noNonce = await createSignature(
      { method: 'GET', url: URL_, headers: {} },
      {
        components: ['@method', '@target-uri'],
        params: { created: NOW / 1000, expires: NOW / 1000 + 60, keyid: `${DID}#key-1` },
        sign: createSigner(ed),
      },
    );
    expect(await code({ method: 'GET', url: URL_, headers: noNonce })).toBe('SIGNATURE_INVALID');
  });
});

describe('R-XCH-6: replay', () => {
  it('accepts a nonce once per key; a failed verification does not use it up', async () => {
    const nonces = new NonceStore({ now: () => NOW });
    const request = await signed({ method: 'GET', url: URL_ });
    const forged = {
      ...request,
      headers: {
        ...request.headers,
        signature: request.headers.signature!.replace(/:(.)/, (_m, c: string) => `:${c === 'A' ? 'B' : 'A'}`),
      },
    };
    expect(await code(forged, { nonces })).toBe('SIGNATURE_INVALID');
    expect(await code(request, { nonces })).toBe('OK');
    expect(await code(request, { nonces })).toBe('SIGNATURE_REPLAYED');
  });

  it('refuses new nonces while full of live ones (BUSY), and takes them again once those have expired', async () => {
    let now = NOW;
    const nonces = new NonceStore({ maxEntries: 2, now: () => now });
    expect(nonces.reserve('k', 'a', NOW + 1000)).toBe(true);
    expect(nonces.reserve('k', 'b', NOW + 1000)).toBe(true);
    expect(() => nonces.reserve('k', 'c', NOW + 1000)).toThrow(expect.objectContaining({ code: 'BUSY' }));
    now = NOW + 2000;
    expect(nonces.reserve('k', 'c', NOW + 5000)).toBe(true);
    expect(nonces.size).toBe(1);
  });
});
