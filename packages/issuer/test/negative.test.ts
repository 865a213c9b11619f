/**
 * What must not verify, in every format: tampering, the wrong issuer, a key rotated away before issuance, a
 * deactivated issuer, the validity window, revocation, suspension (and reinstatement), an unreachable status list.
 * Each failure comes back as `{verified: false, errors: [{code}]}`, never as a throw.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIssuer } from '../src/issuer.ts';
import { decodeJws } from '../src/jws.ts';
import type { Credential, CredentialFormat, VerificationResult } from '../src/types.ts';
import { DAY_MS, deactivateSjz, iso, REGISTRY, rotateSjz, SJZ } from './fixtures/world.ts';
import { FORMATS, type Setup, setup, sjzIdentity } from './fixtures/issuing.ts';
import { smartCityPilotCredential } from '../src/credential-types.ts';

let s: Setup;
beforeEach(async () => {
  s = await setup();
});
afterEach(() => s.cleanup());

const codes = (result: VerificationResult) => result.errors.map((error) => error.code);

/** Changes the subject's English name without re-signing. */
function tamper(vc: unknown, format: CredentialFormat): unknown {
  if (format === 'data-integrity') {
    const copy = structuredClone(vc) as Credential;
    (copy.credentialSubject as { officialName: { en: string } }).officialName.en = 'Beijing';
    return copy;
  }
  const [header, , signature] = (vc as string).split('.');
  const { payload } = decodeJws(vc as string)!;
  const text = JSON.stringify(payload).replace('Shijiazhuang', 'Beijing');
  return `${header}.${Buffer.from(text).toString('base64url')}.${signature}`;
}

function sjzPilot(validFrom?: string) {
  return smartCityPilotCredential({
    issuer: SJZ,
    city: SJZ,
    programme: 'pilot',
    batch: 2,
    year: 2014,
    pilotStatus: 'active',
    ...(validFrom ? { validFrom } : {}),
  });
}

describe.each(FORMATS)('%s', (format) => {
  it('a tampered payload fails with INVALID_SIGNATURE', async () => {
    const { verifiableCredential } = await s.registry.issue(sjzIdentity(), { format });
    expect(codes(await s.verifier().verify(tamper(verifiableCredential, format)))).toStrictEqual(['INVALID_SIGNATURE']);
  });

  it('a credential naming another issuer than the signing key fails', async () => {
    // Beijing signs a credential that claims the registry as issuer: the issuer check must reject the key.
    const { verifiableCredential } = await createIssuer({ key: s.world.beijingKey }).issue(
      { ...sjzIdentity(), issuer: 'did:city:cn:110000' },
      { format, status: false },
    );
    const forged =
      format === 'data-integrity'
        ? { ...(verifiableCredential as Credential), issuer: REGISTRY }
        : tamperIssuer(verifiableCredential as string, format);
    const result = await s.verifier().verify(forged);
    expect(result.verified).toBe(false);
    expect(codes(result)[0]).toMatch(/^(ISSUER_MISMATCH|INVALID_SIGNATURE|KEY_NOT_AUTHORISED)$/);
  });

  it('a key rotated away before issuance does not verify (now and at issuance time)', async () => {
    const old = s.world.sjzKey;
    await rotateSjz(s.world, s.world.now - 10 * DAY_MS);
    const signed = await createIssuer({ key: old }).issue(sjzPilot(iso(s.world.now - DAY_MS)), {
      format,
      status: false,
    });
    expect(codes(await s.verifier().verify(signed.verifiableCredential))).toStrictEqual(['KEY_NOT_AUTHORISED']);
    expect(codes(await s.verifier({ keyValidity: 'issuance' }).verify(signed.verifiableCredential))).toStrictEqual([
      'KEY_NOT_AUTHORISED',
    ]);
  });

  it('a key rotated away after issuance: rejected by default, accepted with keyValidity "issuance"', async () => {
    const signed = await createIssuer({ key: s.world.sjzKey }).issue(sjzPilot(iso(s.world.now - 15 * DAY_MS)), {
      format,
      status: false,
    });
    const rotated = await rotateSjz(s.world, s.world.now - 10 * DAY_MS);
    expect(codes(await s.verifier().verify(signed.verifiableCredential))).toStrictEqual(['KEY_NOT_AUTHORISED']);
    expect(await s.verifier({ keyValidity: 'issuance' }).verify(signed.verifiableCredential)).toMatchObject({
      verified: true,
    });
    const fresh = await createIssuer({ key: rotated }).issue(sjzPilot(), { format, status: false });
    expect(await s.verifier().verify(fresh.verifiableCredential)).toMatchObject({
      verified: true,
      verificationMethod: `${SJZ}#key-2`,
    });
  });

  it('a deactivated issuer DID verifies nothing, whatever the key policy', async () => {
    const signed = await createIssuer({ key: s.world.sjzKey }).issue(sjzPilot(iso(s.world.now - 15 * DAY_MS)), {
      format,
      status: false,
    });
    expect(await s.verifier().verify(signed.verifiableCredential)).toMatchObject({ verified: true });
    await deactivateSjz(s.world, s.world.now - DAY_MS);
    expect(codes(await s.verifier().verify(signed.verifiableCredential))).toStrictEqual(['ISSUER_DEACTIVATED']);
    expect(codes(await s.verifier({ keyValidity: 'issuance' }).verify(signed.verifiableCredential))).toStrictEqual([
      'ISSUER_DEACTIVATED',
    ]);
  });

  it('an expired credential fails with EXPIRED', async () => {
    const credential = sjzIdentity({
      validFrom: iso(s.world.now - 10 * DAY_MS),
      validUntil: iso(s.world.now - DAY_MS),
    });
    const { verifiableCredential } = await s.registry.issue(credential, { format });
    expect(codes(await s.verifier().verify(verifiableCredential))).toStrictEqual(['EXPIRED']);
  });

  it('a credential not yet valid fails with NOT_YET_VALID', async () => {
    const { verifiableCredential } = await s.registry.issue(sjzIdentity({ validFrom: iso(s.world.now + DAY_MS) }), {
      format,
    });
    expect(codes(await s.verifier().verify(verifiableCredential))).toStrictEqual(['NOT_YET_VALID']);
  });

  it('revoked fails with REVOKED; revocation cannot be undone', async () => {
    const issued = await s.registry.issue(sjzIdentity(), { format });
    s.lists.update(issued.id, 'revocation', true);
    expect(codes(await s.verifier().verify(issued.verifiableCredential))).toStrictEqual(['REVOKED']);
    expect(() => s.lists.update(issued.id, 'revocation', false)).toThrow(
      expect.objectContaining({ code: 'INVALID_CREDENTIAL' }),
    );
  });

  it('suspended fails with SUSPENDED, then verifies again once reinstated', async () => {
    const issued = await s.registry.issue(sjzIdentity(), { format });
    const verifier = s.verifier({ statusTtl: { maxMs: 0 } });
    s.lists.update(issued.id, 'suspension', true);
    expect(codes(await verifier.verify(issued.verifiableCredential))).toStrictEqual(['SUSPENDED']);
    s.lists.update(issued.id, 'suspension', false);
    expect(await verifier.verify(issued.verifiableCredential)).toMatchObject({ verified: true, errors: [] });
  });

  it('an unreachable status list is reported, never a false "valid"', async () => {
    const issued = await s.registry.issue(sjzIdentity(), { format });
    s.unreachable.value = true;
    const result = await s.verifier().verify(issued.verifiableCredential);
    expect(result.verified).toBe(false);
    expect(codes(result)).toStrictEqual(['STATUS_UNAVAILABLE', 'STATUS_UNAVAILABLE']);
    expect(result.errors[0]!.message).toMatch(/ECONNREFUSED/);
  });
});

function tamperIssuer(jwt: string, format: CredentialFormat): string {
  const [header, , signature] = jwt.split('.');
  const { payload } = decodeJws(jwt)!;
  const changed = format === 'vc-jwt' ? { ...payload, iss: REGISTRY } : { ...payload, issuer: REGISTRY };
  // The kid still names Beijing's key: for vc+jwt that is ISSUER_MISMATCH before any signature check.
  return `${header}.${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${signature}`;
}

describe('verify never throws', () => {
  it.each([
    null,
    42,
    'not.a.jwt',
    'a.b.c',
    {},
    { proof: 1 },
    { type: 'EnvelopedVerifiableCredential', id: 'data:x' },
    [],
  ])('%j gives a result with a code', async (input) => {
    const result = await s.verifier().verify(input);
    expect(result.verified).toBe(false);
    expect(result.errors.length).toBeGreaterThan(0);
    expect(typeof result.errors[0]!.code).toBe('string');
  });

  it('an unresolvable issuer is ISSUER_UNRESOLVABLE', async () => {
    const issued = await createIssuer({ key: s.world.beijingKey }).issue(
      { ...sjzPilot(), issuer: 'did:city:cn:110000' },
      { status: false },
    );
    // Tianjin (120000) is not on this ledger. Renaming only the issuer: the proof's key belongs to someone else.
    const forged = { ...(issued.verifiableCredential as Credential), issuer: 'did:city:cn:120000' };
    expect(codes(await s.verifier().verify(forged))).toStrictEqual(['ISSUER_MISMATCH']);
    const unknown = await s
      .verifier()
      .verify({ ...forged, proof: { ...(forged.proof as object), verificationMethod: 'did:city:cn:120000#key-1' } });
    expect(codes(unknown)).toStrictEqual(['ISSUER_UNRESOLVABLE']);
  });
});
