/**
 * VC-JWT 1.1 interop with did-jwt-vc 4 (and did-jwt 8 underneath), the library Veramo's JWT provider uses: our
 * JWTs verify there through did-resolver + the method's getResolver(), theirs verify here.
 */
import { EdDSASigner, ES256Signer } from 'did-jwt';
import { createVerifiableCredentialJwt, verifyCredential } from 'did-jwt-vc';
import { Resolver } from 'did-resolver';
import { getResolver } from '@did-city/method';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIssuer } from '../src/issuer.ts';
import { DAY_MS, deactivateSjz, iso, KEYS, REGISTRY, SJZ } from './fixtures/world.ts';
import { type Setup, setup, sjzIdentity } from './fixtures/issuing.ts';
import { smartCityPilotCredential } from '../src/credential-types.ts';

let s: Setup;
beforeEach(async () => {
  s = await setup();
});
afterEach(() => s.cleanup());

const didResolver = (setupValue: Setup) => new Resolver({ ...getResolver({ reader: setupValue.world.ledger }) });

async function rejection(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'verified',
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
}

describe('did-jwt-vc 4 verifies our VC-JWT 1.1', () => {
  it('Ed25519 (EdDSA) from did:city:cn, with status entries and schema', async () => {
    const { verifiableCredential } = await s.registry.issue(sjzIdentity(), { format: 'vc-jwt' });
    const verified = await verifyCredential(verifiableCredential as string, didResolver(s));
    expect(verified.issuer).toBe(REGISTRY);
    expect(verified.signer.id).toBe(`${REGISTRY}#vc-1`);
    expect(verified.verifiableCredential.credentialSubject).toMatchObject({ id: SJZ, divisionCode: '130100' });
    expect(verified.verifiableCredential.credentialStatus).toHaveLength(2);
  });

  it('P-256 (ES256) from did:city:cn', async () => {
    const { verifiableCredential } = await createIssuer({ key: s.world.registryP256Key }).issue(sjzIdentity(), {
      format: 'vc-jwt',
    });
    expect((await verifyCredential(verifiableCredential as string, didResolver(s))).signer.id).toBe(`${REGISTRY}#vc-2`);
  });

  it('rejects it once the issuer DID is deactivated (did:city resolves to a null document)', async () => {
    const pilot = smartCityPilotCredential({
      issuer: SJZ,
      city: SJZ,
      programme: 'p',
      batch: 1,
      year: 2013,
      pilotStatus: 'active',
    });
    const { verifiableCredential } = await createIssuer({ key: s.world.sjzKey }).issue(pilot, {
      format: 'vc-jwt',
      status: false,
    });
    expect(await rejection(verifyCredential(verifiableCredential as string, didResolver(s)))).toBe('verified');
    await deactivateSjz(s.world, s.world.now - DAY_MS);
    expect(await rejection(verifyCredential(verifiableCredential as string, didResolver(s)))).toMatch(
      /^resolver_error/,
    );
  });

  it('rejects an expired one, as we do', async () => {
    const expired = sjzIdentity({ validFrom: iso(Date.now() - 10 * DAY_MS), validUntil: iso(Date.now() - DAY_MS) });
    const { verifiableCredential } = await s.registry.issue(expired, { format: 'vc-jwt' });
    expect(await rejection(verifyCredential(verifiableCredential as string, didResolver(s)))).toMatch(/^invalid_jwt/);
  });
});

describe('our verifier accepts what did-jwt-vc 4 issues', () => {
  it('createVerifiableCredentialJwt with did-jwt EdDSASigner / ES256Signer', async () => {
    const payload = {
      sub: SJZ,
      nbf: Math.floor(Date.now() / 1000) - 60,
      vc: {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiableCredential'],
        credentialSubject: { note: 'issued with did-jwt-vc' },
      },
    };
    for (const [secret, signer, alg, vm] of [
      [KEYS.registryVc.secretKey, EdDSASigner, 'EdDSA', `${REGISTRY}#vc-1`],
      [KEYS.registryVcP256.secretKey, ES256Signer, 'ES256', `${REGISTRY}#vc-2`],
    ] as const) {
      const jwt = await createVerifiableCredentialJwt(payload, { did: REGISTRY, signer: signer(secret), alg });
      expect(await s.verifier().verify(jwt)).toMatchObject({
        verified: true,
        format: 'vc-jwt',
        verificationMethod: vm,
      });
    }
  });
});
