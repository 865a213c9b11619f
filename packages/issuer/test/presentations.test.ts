/**
 * Presentations: a city signs as holder (Data Integrity, vp+jwt, enveloped), did-jwt-vc makes a VP 1.1 JWT as
 * Veramo's JWT provider does; the verifier checks the holder's authentication key, challenge and domain (the
 * replay defence), the holder binding, and every credential inside.
 */
import { EdDSASigner } from 'did-jwt';
import { createVerifiablePresentationJwt } from 'did-jwt-vc';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signJws } from '../src/jws.ts';
import { provePresentation } from '../src/presentation-prove.ts';
import type { PresentationResult } from '../src/presentation.ts';
import { KEYS, REGISTRY, SJZ } from './fixtures/world.ts';
import { type Setup, setup, sjzIdentity } from './fixtures/issuing.ts';

const V2 = 'https://www.w3.org/ns/credentials/v2';
const CHALLENGE = 'u7c5r1Zl2rQ9sYxgW0TqZ1A';
const DOMAIN = 'verifier.beijing.example';

let s: Setup;
beforeEach(async () => {
  s = await setup();
});
afterEach(() => s.cleanup());

const codes = (result: PresentationResult) => result.errors.map((entry) => entry.code);
const expected = { challenge: CHALLENGE, domain: DOMAIN };

/** Shijiazhuang presents its identity credential (issued by the registry) in `format`. */
async function sjzPresents(format: 'vc-jwt' | 'vc+jwt' | 'data-integrity' = 'data-integrity') {
  const issued = await s.registry.issue(sjzIdentity(), { format, ...(format === 'vc+jwt' ? { envelope: true } : {}) });
  return {
    issued,
    presentation: {
      '@context': [V2],
      type: ['VerifiablePresentation'],
      verifiableCredential: [issued.verifiableCredential],
    },
  };
}

describe('VP 2.0 with Data Integrity (proofPurpose authentication)', () => {
  it('verifies with the expected challenge and domain, and so does every credential inside', async () => {
    const { presentation } = await sjzPresents();
    const vp = await provePresentation(presentation, { key: s.world.sjzKey, ...expected });
    expect(vp).toMatchObject({
      holder: SJZ,
      proof: { proofPurpose: 'authentication', challenge: CHALLENGE, domain: DOMAIN },
    });
    const result = await s.verifier().verifyPresentation(vp, expected);
    expect(result).toMatchObject({
      verified: true,
      errors: [],
      format: 'data-integrity',
      holder: SJZ,
      verificationMethod: `${SJZ}#key-1`,
    });
    expect(result.credentialResults).toMatchObject([{ verified: true, issuer: REGISTRY }]);
  });

  it('a replay (another challenge), another domain, or no challenge when one is expected is refused', async () => {
    const { presentation } = await sjzPresents();
    const vp = await provePresentation(presentation, { key: s.world.sjzKey, ...expected });
    expect(codes(await s.verifier().verifyPresentation(vp, { ...expected, challenge: 'another' }))).toStrictEqual([
      'CHALLENGE_MISMATCH',
    ]);
    expect(codes(await s.verifier().verifyPresentation(vp, { ...expected, domain: 'evil.example' }))).toStrictEqual([
      'DOMAIN_MISMATCH',
    ]);
    const bare = await provePresentation(presentation, { key: s.world.sjzKey });
    expect(codes(await s.verifier().verifyPresentation(bare, expected))).toStrictEqual([
      'CHALLENGE_MISMATCH',
      'DOMAIN_MISMATCH',
    ]);
    // Changing the challenge in the proof breaks the signature: it is signed.
    const edited = structuredClone(vp) as { proof: { challenge: string } };
    edited.proof.challenge = 'another';
    expect(codes(await s.verifier().verifyPresentation(edited, { ...expected, challenge: 'another' }))).toStrictEqual([
      'INVALID_SIGNATURE',
    ]);
  });

  it('a revoked credential inside makes the presentation fail, naming it', async () => {
    const { issued, presentation } = await sjzPresents();
    s.lists.update(issued.id, 'revocation', true);
    const vp = await provePresentation(presentation, { key: s.world.sjzKey, ...expected });
    const result = await s.verifier().verifyPresentation(vp, expected);
    expect(codes(result)).toStrictEqual(['CREDENTIAL_NOT_VERIFIED']);
    expect(result.errors[0]!.message).toBe('verifiableCredential[0]: REVOKED');
  });

  it('a holder other than the signer, or a key that is not an authentication key, is refused', async () => {
    const { presentation } = await sjzPresents();
    // Signed by Beijing but claiming Shijiazhuang as holder (the library refuses to make it; sign it by hand).
    const { createProof } = await import('@did-city/method');
    const claimed = { ...presentation, holder: SJZ };
    const proof = await createProof(claimed, {
      signer: s.world.beijingKey.signer,
      verificationMethod: s.world.beijingKey.verificationMethod,
      proofPurpose: 'authentication',
      challenge: CHALLENGE,
      domain: DOMAIN,
    });
    expect(codes(await s.verifier().verifyPresentation({ ...claimed, proof }, expected))).toStrictEqual([
      'HOLDER_MISMATCH',
    ]);
    await expect(provePresentation(claimed, { key: s.world.beijingKey })).rejects.toThrow(
      /holder must be did:city:cn:110000/,
    );
    // The registry's credential key is an assertionMethod key only.
    const registryVp = await provePresentation(presentation, { key: s.world.registryKey, ...expected });
    expect(codes(await s.verifier().verifyPresentation(registryVp, expected))).toStrictEqual(['KEY_NOT_AUTHORISED']);
    // An assertionMethod proof is not an authentication proof.
    const assertion = await createProof(presentation, {
      signer: s.world.sjzKey.signer,
      verificationMethod: s.world.sjzKey.verificationMethod,
      proofPurpose: 'assertionMethod',
      challenge: CHALLENGE,
      domain: DOMAIN,
    });
    expect(codes(await s.verifier().verifyPresentation({ ...presentation, proof: assertion }, expected))).toStrictEqual(
      ['MALFORMED_PRESENTATION'],
    );
  });

  it('VC 2.0 §4.13: credentials inside are objects, not strings; type and @context are required', async () => {
    const { presentation } = await sjzPresents();
    for (const bad of [
      { ...presentation, verifiableCredential: ['eyJhbGciOiJFZERTQSJ9.e30.c2ln'] },
      { ...presentation, type: ['Presentation'] },
      { ...presentation, '@context': ['https://www.w3.org/ns/credentials/examples/v2'] },
    ]) {
      await expect(provePresentation(bad, { key: s.world.sjzKey })).rejects.toThrow();
    }
  });
});

describe('VP 2.0 as vp+jwt and enveloped', () => {
  it('verifies a vp+jwt and its EnvelopedVerifiablePresentation (nonce = challenge, aud = domain) holding an enveloped credential', async () => {
    const { presentation } = await sjzPresents('vc+jwt');
    const jwt = (await provePresentation(presentation, {
      key: s.world.sjzKey,
      format: 'vp+jwt',
      ...expected,
    })) as string;
    expect(await s.verifier().verifyPresentation(jwt, expected)).toMatchObject({
      verified: true,
      format: 'vp+jwt',
      holder: SJZ,
      credentialResults: [{ verified: true, format: 'vc+jwt' }],
    });
    const wrapped = await provePresentation(presentation, {
      key: s.world.sjzKey,
      format: 'vp+jwt',
      envelope: true,
      ...expected,
    });
    expect(wrapped).toMatchObject({
      type: 'EnvelopedVerifiablePresentation',
      id: expect.stringMatching(/^data:application\/vp\+jwt,ey/),
    });
    expect((await s.verifier().verifyPresentation(wrapped, expected)).verified).toBe(true);
    expect(codes(await s.verifier().verifyPresentation(jwt, { challenge: 'replayed' }))).toStrictEqual([
      'CHALLENGE_MISMATCH',
    ]);
    for (const context of [[], ['https://www.w3.org/ns/credentials/examples/v2']]) {
      expect(
        codes(await s.verifier().verifyPresentation({ ...(wrapped as object), '@context': context }, expected)),
      ).toStrictEqual(['MALFORMED_PRESENTATION']);
    }
    const notData = { ...(wrapped as { id: string }), id: (wrapped as { id: string }).id.split(',').pop() };
    expect(codes(await s.verifier().verifyPresentation(notData, expected))).toStrictEqual(['MALFORMED_PRESENTATION']);
  });

  it('an expired vp+jwt is refused', async () => {
    const { presentation } = await sjzPresents('vc+jwt');
    const exp = Math.floor(Date.now() / 1000) - 3600;
    const jwt = await signJws(
      { kid: s.world.sjzKey.verificationMethod, typ: 'vp+jwt' },
      { ...presentation, holder: SJZ, nonce: CHALLENGE, aud: DOMAIN, exp },
      s.world.sjzKey.signer,
    );
    expect(codes(await s.verifier().verifyPresentation(jwt, expected))).toStrictEqual(['EXPIRED']);
  });
});

describe('VP 1.1 JWT as did-jwt-vc (and so Veramo) makes it', () => {
  it('createVerifiablePresentationJwt with a VC-JWT inside verifies with nonce and aud; a wrong nonce does not', async () => {
    const { issued } = await sjzPresents('vc-jwt');
    const payload = {
      vp: {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiablePresentation'],
        verifiableCredential: [issued.verifiableCredential as string],
      },
    };
    const jwt = await createVerifiablePresentationJwt(
      payload,
      { did: SJZ, signer: EdDSASigner(KEYS.sjzVc.secretKey), alg: 'EdDSA', kid: `${SJZ}#key-1` } as never,
      { challenge: CHALLENGE, domain: DOMAIN },
    );
    const result = await s.verifier().verifyPresentation(jwt, expected);
    expect(result).toMatchObject({
      verified: true,
      format: 'vp-jwt',
      holder: SJZ,
      credentialResults: [{ verified: true, format: 'vc-jwt', issuer: REGISTRY }],
    });
    expect(codes(await s.verifier().verifyPresentation(jwt, { ...expected, challenge: 'x' }))).toStrictEqual([
      'CHALLENGE_MISMATCH',
    ]);
    // Signed by another city's key under Shijiazhuang's name.
    const forged = await createVerifiablePresentationJwt(
      payload,
      { did: SJZ, signer: EdDSASigner(KEYS.beijingVc.secretKey), alg: 'EdDSA' } as never,
      { challenge: CHALLENGE, domain: DOMAIN },
    );
    expect(codes(await s.verifier().verifyPresentation(forged, expected))).toStrictEqual(['INVALID_SIGNATURE']);
  });
});
