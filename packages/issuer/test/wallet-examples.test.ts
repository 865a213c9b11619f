/**
 * The README's examples for wallet and verifier developers, run: each example file must appear verbatim in the
 * README, and each one verifies a fresh city credential, then refuses it once revoked (and once suspended).
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyWithDidJwtVc } from '../examples/verify-did-jwt-vc.ts';
import { verifyWithDigitalBazaar } from '../examples/verify-digitalbazaar.ts';
import { verifyWithVcApi } from '../examples/verify-vc-api.ts';
import { createIssuer } from '../src/issuer.ts';
import { type Setup, setup, sjzIdentity } from './fixtures/issuing.ts';
import { type RunningService, startService } from './fixtures/service.ts';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

it.each([
  'verify-did-jwt-vc.ts',
  'verify-digitalbazaar.ts',
  'verify-vc-api.ts',
  '../../veramo/examples/verify-veramo.ts',
])('the README shows %s as it is', (file) => {
  expect(README).toContain(readFileSync(new URL(`../examples/${file}`, import.meta.url), 'utf8').trim());
});

/** Status lists served over HTTP on loopback, so the examples' default fetchers are what runs. */
describe('examples against the issuer service', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startService({ clients: [] });
  });
  afterAll(() => service.close());

  // The service serves its lists over http on loopback, which the fetch policy refuses unless the host is named.
  const loopback = () => ({ httpHosts: [new URL(service.base).host], privateHosts: [new URL(service.base).host] });
  const issuer = () =>
    createIssuer({ key: service.world.registryKey, statusLists: service.statusLists, baseUrl: service.base });

  it('did-jwt-vc: verified, then "revoked: …" once revoked', async () => {
    const { id, verifiableCredential } = await issuer().issue(sjzIdentity(), { format: 'vc-jwt' });
    const credential = await verifyWithDidJwtVc(verifiableCredential as string, service.world.ledger, loopback());
    expect(credential.credentialSubject).toMatchObject({ divisionCode: '130100' });
    service.statusLists.update(id, 'revocation', true);
    await expect(verifyWithDidJwtVc(verifiableCredential as string, service.world.ledger, loopback())).rejects.toThrow(
      /^revoked: /,
    );
  });

  it('Digital Bazaar: verified, false once suspended, verified again once reinstated, false once revoked', async () => {
    const { id, verifiableCredential } = await issuer().issue(sjzIdentity(), { format: 'data-integrity' });
    expect(await verifyWithDigitalBazaar(verifiableCredential as object, service.world.ledger, loopback())).toBe(true);
    service.statusLists.update(id, 'suspension', true);
    expect(await verifyWithDigitalBazaar(verifiableCredential as object, service.world.ledger, loopback())).toBe(false);
    service.statusLists.update(id, 'suspension', false);
    expect(await verifyWithDigitalBazaar(verifiableCredential as object, service.world.ledger, loopback())).toBe(true);
    service.statusLists.update(id, 'revocation', true);
    expect(await verifyWithDigitalBazaar(verifiableCredential as object, service.world.ledger, loopback())).toBe(false);
  });

  it.each(['vc-jwt', 'vc+jwt', 'data-integrity'] as const)(
    'the VC API (%s): verified, then REVOKED',
    async (format) => {
      const { id, verifiableCredential } = await issuer().issue(sjzIdentity(), { format, envelope: true });
      expect(await verifyWithVcApi(service.base, verifiableCredential)).toStrictEqual({ verified: true, codes: [] });
      service.statusLists.update(id, 'revocation', true);
      expect(await verifyWithVcApi(service.base, verifiableCredential)).toStrictEqual({
        verified: false,
        codes: ['REVOKED'],
      });
    },
  );
});

describe('Digital Bazaar with their own status module semantics', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup();
  });
  afterEach(() => s.cleanup());

  it('without our checkStatus, a status function that reports the bit but verified: true lets a revoked credential pass', async () => {
    const { verifyCredential } = await import('@digitalbazaar/vc');
    const { DataIntegrityProof } = await import('@digitalbazaar/data-integrity');
    const { createVerifyCryptosuite } = await import('@digitalbazaar/eddsa-jcs-2022-cryptosuite');
    const { didCityDocumentLoader, createCheckStatus } = await import('../src/status-helpers.ts');
    const { id, verifiableCredential } = await s.registry.issue(sjzIdentity(), { format: 'data-integrity' });
    s.lists.update(id, 'revocation', true);
    const fetchStatusList = async (url: string) => s.lists.listCredential(url.slice(url.lastIndexOf('/') + 1));
    const base = {
      credential: verifiableCredential as object,
      suite: new DataIntegrityProof({ cryptosuite: createVerifyCryptosuite() }),
      documentLoader: didCityDocumentLoader({ resolver: s.world.resolver }),
    };
    // Their Bitstring Status List module answers { verified: true, status: true } for a set bit.
    const theirs = await verifyCredential({
      ...base,
      checkStatus: async () => ({ verified: true, status: true }) as { verified: boolean },
    });
    expect(theirs.verified).toBe(true);
    const ours = await verifyCredential({
      ...base,
      checkStatus: createCheckStatus({ resolver: s.world.resolver, fetchStatusList }),
    });
    expect(ours).toMatchObject({ verified: false, statusResult: { verified: false, revoked: true } });
  });
});
