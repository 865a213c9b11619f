/**
 * The verifier's own JCS proof check (data-integrity.ts) against the method library's verifyProof, which reproduces
 * the W3C vectors: both must agree on valid proofs, tampered documents, tampered proof options and wrong keys.
 */
import { verifyProof, type DataIntegrityProof } from '@did-city/method';
import { describe, expect, it } from 'vitest';
import { issueDataIntegrityVc, verifyDataIntegrityVc } from '../src/data-integrity.ts';
import { memoizeResolver } from '../src/issuer-keys.ts';
import type { Credential } from '../src/types.ts';
import { createWorld, KEYS, REGISTRY, SJZ } from './fixtures/world.ts';

const base = {
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  type: ['VerifiableCredential'],
  issuer: REGISTRY,
  credentialSubject: { id: SJZ, n: 1 },
};

describe('Data Integrity verification agrees with the method library', () => {
  it.each([
    ['valid', (c: Credential) => c, KEYS.registryVc.publicKeyMultibase],
    [
      'document changed',
      (c: Credential) => ({ ...c, credentialSubject: { id: SJZ, n: 2 } }),
      KEYS.registryVc.publicKeyMultibase,
    ],
    [
      'proof options changed',
      (c: Credential) => ({ ...c, proof: { ...(c.proof as DataIntegrityProof), created: '2020-01-01T00:00:00Z' } }),
      KEYS.registryVc.publicKeyMultibase,
    ],
    ['another key', (c: Credential) => c, KEYS.sjzVc.publicKeyMultibase],
    ['P-256 key under eddsa-jcs-2022', (c: Credential) => c, KEYS.registryVcP256.publicKeyMultibase],
  ])('%s', async (_name, change, key) => {
    const world = await createWorld();
    const signed = change(await issueDataIntegrityVc(base, { key: world.registryKey }));
    const reference = verifyProof(signed, signed.proof as DataIntegrityProof, key);
    // Ours resolves the key itself; point the issuer's assertion key at `key` through a one-entry document.
    const resolver = {
      resolve: async () => ({
        didResolutionMetadata: {},
        didDocumentMetadata: {},
        didDocument: {
          id: REGISTRY,
          verificationMethod: [
            { id: `${REGISTRY}#vc-1`, type: 'Multikey' as const, controller: REGISTRY, publicKeyMultibase: key },
          ],
          assertionMethod: [`${REGISTRY}#vc-1`],
        },
      }),
    };
    const ours = await verifyDataIntegrityVc(signed, { resolver, now: Date.now, clockSkewMs: 0, keyValidity: 'now' });
    expect(ours.verified).toBe(reference);
  });
});

describe('memoizeResolver', () => {
  it('serves a result for ttlMs, then resolves again', async () => {
    let calls = 0;
    let time = 0;
    const inner = {
      resolve: async () => ({ didResolutionMetadata: {}, didDocument: null, didDocumentMetadata: { n: ++calls } }),
    };
    const memo = memoizeResolver(inner as never, { ttlMs: 1000, now: () => time });
    await memo.resolve(REGISTRY);
    await memo.resolve(REGISTRY);
    expect(calls).toBe(1);
    time = 1001;
    await memo.resolve(REGISTRY);
    expect(calls).toBe(2);
  });
});
