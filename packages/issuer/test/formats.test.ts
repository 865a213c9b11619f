/**
 * Issue and verify in the three formats with real did:city issuers resolved from a MemoryLedger history.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cityDataSharingCredential,
  smartCityPilotCredential,
  authorityAccreditationCredential,
} from '../src/credential-types.ts';
import { issueDataIntegrityVc } from '../src/data-integrity.ts';
import { envelope, issueJoseVc } from '../src/jose.ts';
import { decodeJws } from '../src/jws.ts';
import { issueJwtVc } from '../src/jwt-vc.ts';
import { digestSri } from '../src/related-resource.ts';
import { BEIJING, iso, REGISTRY, SJZ } from './fixtures/world.ts';
import { FORMATS, type Setup, setup, sjzIdentity } from './fixtures/issuing.ts';
import { createIssuer } from '../src/issuer.ts';

let s: Setup;
beforeEach(async () => {
  s = await setup();
});
afterEach(() => s.cleanup());

describe('the registry issues a city identity credential', () => {
  it.each(FORMATS)('%s: issued with status, schema and context, verifies', async (format) => {
    const issued = await s.registry.issue(sjzIdentity(), { format });
    const result = await s.verifier().verify(issued.verifiableCredential);
    expect(result).toMatchObject({
      verified: true,
      errors: [],
      format,
      issuer: REGISTRY,
      verificationMethod: `${REGISTRY}#vc-1`,
    });
    expect(result.credential?.credentialSubject).toStrictEqual({
      id: SJZ,
      type: 'City',
      officialName: { zh: '石家庄市', en: 'Shijiazhuang' },
      divisionCode: '130100',
      level: 'city',
      country: 'cn',
      parentDivision: 'did:city:cn:130000',
    });
    expect(issued.credential.credentialSchema).toStrictEqual({
      id: 'https://issuer.example/schemas/v1/city-identity.json',
      type: 'JsonSchema',
    });
    expect(issued.credential.credentialStatus).toHaveLength(2);
    expect(issued.credential['@context']).toStrictEqual([
      'https://www.w3.org/ns/credentials/v2',
      'https://w3id.org/did-city/credentials/v1',
    ]);
  });

  it('VC-JWT 1.1 carries the claims did-jwt-vc writes', async () => {
    const issued = await s.registry.issue(sjzIdentity({ validUntil: '2099-01-01T00:00:00Z' }), { format: 'vc-jwt' });
    const { header, payload } = decodeJws(issued.verifiableCredential as string)!;
    expect(header).toStrictEqual({ alg: 'EdDSA', typ: 'JWT', kid: `${REGISTRY}#vc-1` });
    expect(payload).toMatchObject({
      iss: REGISTRY,
      sub: SJZ,
      jti: issued.id,
      exp: Date.parse('2099-01-01T00:00:00Z') / 1000,
    });
    const vc = payload.vc as Record<string, unknown>;
    expect(vc['@context']).toStrictEqual([
      'https://www.w3.org/2018/credentials/v1',
      'https://w3id.org/did-city/credentials/v1',
    ]);
    expect(vc).not.toHaveProperty('issuer');
    expect(vc).not.toHaveProperty('id');
    expect(vc.credentialSubject).not.toHaveProperty('id');
  });

  it('vc+jwt: typ vc+jwt, cty vc, kid; an EnvelopedVerifiableCredential verifies too', async () => {
    const jwt = (await s.registry.issue(sjzIdentity(), { format: 'vc+jwt' })).verifiableCredential as string;
    expect(decodeJws(jwt)!.header).toStrictEqual({ alg: 'EdDSA', kid: `${REGISTRY}#vc-1`, typ: 'vc+jwt', cty: 'vc' });
    const enveloped = envelope(jwt);
    expect(enveloped.id.startsWith('data:application/vc+jwt,eyJ')).toBe(true);
    expect(await s.verifier().verify(enveloped)).toMatchObject({ verified: true, format: 'vc+jwt' });
  });

  it('Data Integrity: eddsa-jcs-2022 for Ed25519, ecdsa-jcs-2019 and ES256 for the P-256 key', async () => {
    const p256 = createIssuer({ key: s.world.registryP256Key, statusLists: s.lists });
    const di = (await p256.issue(sjzIdentity())).verifiableCredential as { proof: { cryptosuite: string } };
    expect(di.proof.cryptosuite).toBe('ecdsa-jcs-2019');
    expect(await s.verifier().verify(di)).toMatchObject({ verified: true, verificationMethod: `${REGISTRY}#vc-2` });
    const jwt = (await p256.issue(sjzIdentity(), { format: 'vc-jwt' })).verifiableCredential as string;
    expect(decodeJws(jwt)!.header.alg).toBe('ES256');
    expect(await s.verifier().verify(jwt)).toMatchObject({ verified: true, verificationMethod: `${REGISTRY}#vc-2` });
    const eddsa = (await s.registry.issue(sjzIdentity())).verifiableCredential as { proof: { cryptosuite: string } };
    expect(eddsa.proof.cryptosuite).toBe('eddsa-jcs-2022');
  });
});

describe('the other credential types', () => {
  it('a smart-city pilot credential and an institute accreditation verify against their schemas', async () => {
    const pilot = smartCityPilotCredential({
      issuer: REGISTRY,
      city: SJZ,
      programme: '国家智慧城市试点',
      batch: 1,
      year: 2013,
      pilotStatus: 'accepted',
    });
    const accreditation = authorityAccreditationCredential({
      issuer: REGISTRY,
      institute: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
      nameZh: '中国信息通信研究院',
      nameEn: 'China Academy of Information and Communications Technology',
      role: ['registryController', 'witness'],
      accreditedScope: REGISTRY,
    });
    for (const credential of [pilot, accreditation]) {
      const issued = await s.registry.issue(credential, { format: 'vc+jwt' });
      expect(await s.verifier().verify(issued.verifiableCredential)).toMatchObject({ verified: true, errors: [] });
    }
  });

  it('a city-to-city data-sharing attestation checks the digest of the shared dataset', async () => {
    const dataset = 'https://data.sjz.example/traffic/2026.csv';
    const bytes = new TextEncoder().encode('road,flow\nzhongshan,1200\n');
    s.resources.set(dataset, bytes);
    const sjzIssuer = createIssuer({ key: s.world.sjzKey });
    const credential = cityDataSharingCredential({
      issuer: SJZ,
      recipient: BEIJING,
      dataset,
      datasetName: 'Traffic flow 2026',
      purpose: 'regional traffic planning',
      digest: { digestSRI: digestSri(bytes), mediaType: 'text/csv' },
    });
    const issued = await sjzIssuer.issue(credential);
    expect(await s.verifier().verify(issued.verifiableCredential)).toMatchObject({ verified: true });
    s.resources.set(dataset, new TextEncoder().encode('road,flow\nzhongshan,9999\n'));
    expect((await s.verifier().verify(issued.verifiableCredential)).errors.map((e) => e.code)).toStrictEqual([
      'RELATED_RESOURCE_MISMATCH',
    ]);
    s.resources.delete(dataset);
    // Not fetched: the credential verifies, and the result says the digest was not checked, and why.
    const unfetched = await s.verifier().verify(issued.verifiableCredential);
    expect(unfetched).toMatchObject({
      verified: true,
      relatedResources: [{ id: dataset, digest: 'not-fetched', reason: 'HTTP 404' }],
    });
    expect(unfetched.warnings?.map((e) => e.code)).toStrictEqual(['RELATED_RESOURCE_UNAVAILABLE']);
    const strict = await s.verifier({ requireRelatedResources: true }).verify(issued.verifiableCredential);
    expect(strict.errors.map((e) => e.code)).toStrictEqual(['RELATED_RESOURCE_UNAVAILABLE']);
  });

  it('a credential that breaks its schema is refused at issuance and fails verification', async () => {
    const bad = sjzIdentity();
    (bad.credentialSubject as Record<string, unknown>).level = 'village';
    await expect(s.registry.issue(bad)).rejects.toMatchObject({ code: 'INVALID_CREDENTIAL' });
    // Signed directly, bypassing the issuer's schema check: the verifier catches it.
    const signed = await issueDataIntegrityVc(
      { ...bad, credentialSchema: { id: 'https://issuer.example/schemas/v1/city-identity.json', type: 'JsonSchema' } },
      { key: s.world.registryKey },
    );
    expect((await s.verifier().verify(signed)).errors.map((e) => e.code)).toStrictEqual(['SCHEMA_INVALID']);
  });
});

describe('issue* throws on bad input', () => {
  const base = {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiableCredential'],
    issuer: REGISTRY,
    credentialSubject: { id: SJZ },
  };
  it.each([
    ['a 1.1 first context', { ...base, '@context': ['https://www.w3.org/2018/credentials/v1'] }],
    ['no VerifiableCredential type', { ...base, type: ['CityIdentityCredential'] }],
    ['another issuer than the key', { ...base, issuer: SJZ }],
    ['validUntil before validFrom', { ...base, validFrom: '2026-01-02T00:00:00Z', validUntil: '2026-01-01T00:00:00Z' }],
    ['a date without time zone', { ...base, validFrom: '2026-01-02T00:00:00' }],
    ['an empty subject', { ...base, credentialSubject: {} }],
  ])('%s', async (_name, credential) => {
    for (const issue of [issueJwtVc, issueJoseVc, issueDataIntegrityVc]) {
      await expect(issue(credential as never, { key: s.world.registryKey })).rejects.toMatchObject({
        name: 'IssuerError',
        code: 'INVALID_CREDENTIAL',
      });
    }
  });

  it('validFrom defaults to the issuance time, whole seconds', async () => {
    const issued = await s.registry.issue(sjzIdentity());
    expect(issued.credential.validFrom).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Math.abs(Date.parse(issued.credential.validFrom!) - Date.now())).toBeLessThan(5000);
    expect(iso(0)).toBe('1970-01-01T00:00:00Z');
  });
});
