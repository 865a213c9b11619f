import { varint } from 'multiformats';
import { base58btc } from 'multiformats/bases/base58';
import { describe, expect, it } from 'vitest';
import { createProof, cryptosuiteFor, verifyProof } from '../src/data-integrity.ts';
import { sha256 } from '../src/hash.ts';
import { decodeBase58btc } from '../src/base58.ts';
import { canonicalBytes, canonicalize } from '../src/jcs.ts';
import { createSigner, generateKeyPair, keyPairFromSecret } from '../src/keys.ts';
import { decodeMultikey } from '../src/multikey.ts';
import { sm2Verify, sm3 } from '../src/sm2.ts';
import type { DataIntegrityProof, KeyType } from '../src/types.ts';
import ecdsaVector from './vectors/ecdsa-jcs-2019.json' with { type: 'json' };
import eddsaVector from './vectors/eddsa-jcs-2022.json' with { type: 'json' };

type Vector = typeof eddsaVector;

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** secretKeyMultibase = base58btc(varint(multicodec of the private key) || 32-byte secret). */
function secretOf(secretKeyMultibase: string): Uint8Array {
  const bytes = base58btc.decode(secretKeyMultibase);
  const [, prefixLength] = varint.decode(bytes);
  return bytes.subarray(prefixLength);
}

const vectors: Array<[string, Vector, KeyType]> = [
  ['eddsa-jcs-2022 (VC-DI-EdDSA B.3)', eddsaVector, 'Ed25519'],
  ['ecdsa-jcs-2019 P-256 (VC-DI-ECDSA A.5)', ecdsaVector, 'P-256'],
];

describe.each(vectors)('%s test vector', (_name, vector, keyType) => {
  const keyPair = keyPairFromSecret(keyType, secretOf(vector.keyPair.secretKeyMultibase));
  const { proof } = vector.signedDocument;

  it('derives the published public key from the published secret key', () => {
    expect(keyPair.publicKeyMultibase).toBe(vector.keyPair.publicKeyMultibase);
  });

  it('reproduces the canonical forms and hashes of the appendix', () => {
    expect(canonicalize(vector.unsecuredDocument)).toBe(vector.canonicalDocument);
    expect(canonicalize(vector.proofOptions)).toBe(vector.canonicalProofConfig);
    expect(hex(sha256(utf8(vector.canonicalDocument)))).toBe(vector.documentHashHex);
    expect(hex(sha256(utf8(vector.canonicalProofConfig)))).toBe(vector.proofConfigHashHex);
    expect(vector.hashDataHex).toBe(vector.proofConfigHashHex + vector.documentHashHex);
    expect(hex(base58btc.decode(vector.proofValue))).toBe(vector.signatureHex);
  });

  it('reproduces the published proof byte for byte (deterministic signatures)', async () => {
    const created = await createProof(vector.unsecuredDocument, {
      signer: createSigner(keyPair),
      verificationMethod: proof.verificationMethod,
      proofPurpose: proof.proofPurpose,
      created: proof.created,
    });
    expect(created).toEqual(proof);
    expect(created.proofValue).toBe(vector.proofValue);
  });

  it('verifies the published proof', () => {
    expect(verifyProof(vector.unsecuredDocument, proof as DataIntegrityProof, vector.keyPair.publicKeyMultibase)).toBe(
      true,
    );
    // The secured document with its proof member verifies too: the proof member is not part of what is signed.
    expect(verifyProof(vector.signedDocument, proof as DataIntegrityProof, vector.keyPair.publicKeyMultibase)).toBe(
      true,
    );
  });

  it('rejects the published proof when any member of the document changes', () => {
    for (const key of Object.keys(vector.unsecuredDocument)) {
      const tampered = { ...vector.unsecuredDocument, [key]: 'tampered' };
      expect(verifyProof(tampered, proof as DataIntegrityProof, vector.keyPair.publicKeyMultibase), key).toBe(false);
    }
    const added = { ...vector.unsecuredDocument, extra: true };
    expect(verifyProof(added, proof as DataIntegrityProof, vector.keyPair.publicKeyMultibase)).toBe(false);
    const nested = structuredClone(vector.unsecuredDocument);
    nested.credentialSubject.alumniOf = 'Another School';
    expect(verifyProof(nested, proof as DataIntegrityProof, vector.keyPair.publicKeyMultibase)).toBe(false);
  });

  it('rejects the published proof when any member of the proof changes', () => {
    const changes: Array<Partial<DataIntegrityProof>> = [
      { created: '2023-02-24T23:36:39Z' },
      { verificationMethod: `${proof.verificationMethod}x` },
      { proofPurpose: 'authentication' },
      { '@context': ['https://www.w3.org/ns/credentials/v2'] },
      { challenge: 'abc' },
      { domain: 'example.org' },
      { type: 'Ed25519Signature2020' as 'DataIntegrityProof' },
      { cryptosuite: keyType === 'Ed25519' ? 'ecdsa-jcs-2019' : 'eddsa-jcs-2022' },
      { created: 'yesterday' },
      { proofValue: vector.proofValue.slice(0, -1) },
      { proofValue: `u${vector.proofValue.slice(1)}` },
      { proofValue: 'z' },
    ];
    for (const change of changes) {
      const tampered = { ...proof, ...change } as DataIntegrityProof;
      expect(
        verifyProof(vector.unsecuredDocument, tampered, vector.keyPair.publicKeyMultibase),
        JSON.stringify(change),
      ).toBe(false);
    }
  });

  it('rejects a proof whose @context is not a prefix of the document @context', () => {
    const document = { ...vector.unsecuredDocument, '@context': ['https://www.w3.org/ns/credentials/v2'] };
    expect(verifyProof(document, proof as DataIntegrityProof, vector.keyPair.publicKeyMultibase)).toBe(false);
  });

  it('rejects the published proof under another key', () => {
    const other = generateKeyPair(keyType).publicKeyMultibase;
    expect(verifyProof(vector.unsecuredDocument, proof as DataIntegrityProof, other)).toBe(false);
    expect(verifyProof(vector.unsecuredDocument, proof as DataIntegrityProof, 'z6Mk-not-a-key')).toBe(false);
  });

  it('never throws for malformed input', () => {
    const pk = vector.keyPair.publicKeyMultibase;
    expect(verifyProof(vector.unsecuredDocument, null as unknown as DataIntegrityProof, pk)).toBe(false);
    expect(verifyProof(null as unknown as object, proof as DataIntegrityProof, pk)).toBe(false);
    expect(verifyProof({ n: Number.NaN }, proof as DataIntegrityProof, pk)).toBe(false);
    expect(
      verifyProof(vector.unsecuredDocument, { ...proof, proofValue: 42 } as unknown as DataIntegrityProof, pk),
    ).toBe(false);
    expect(verifyProof(vector.unsecuredDocument, proof as DataIntegrityProof, undefined as unknown as string)).toBe(
      false,
    );
  });
});

describe('createProof / verifyProof round trip', () => {
  const document = { id: 'urn:example:1', name: '石家庄', values: [1, 2.5, null, true] };

  it.each<KeyType>(['Ed25519', 'P-256', 'secp256k1', 'SM2'])('signs and verifies with a %s key', async (keyType) => {
    const keyPair = generateKeyPair(keyType);
    const proof = await createProof(document, {
      signer: createSigner(keyPair),
      verificationMethod: `did:key:${keyPair.publicKeyMultibase}#${keyPair.publicKeyMultibase}`,
      proofPurpose: 'capabilityInvocation',
      created: '2026-11-21T08:00:00Z',
      challenge: 'c-1',
      domain: 'ledger.example',
    });
    expect(proof).toEqual({
      type: 'DataIntegrityProof',
      cryptosuite: cryptosuiteFor(keyType),
      created: '2026-11-21T08:00:00Z',
      verificationMethod: `did:key:${keyPair.publicKeyMultibase}#${keyPair.publicKeyMultibase}`,
      proofPurpose: 'capabilityInvocation',
      challenge: 'c-1',
      domain: 'ledger.example',
      proofValue: expect.stringMatching(/^z[1-9A-HJ-NP-Za-km-z]+$/),
    });
    expect(verifyProof(document, proof, keyPair.publicKeyMultibase)).toBe(true);
    expect(verifyProof({ ...document, name: '保定' }, proof, keyPair.publicKeyMultibase)).toBe(false);
    expect(verifyProof(document, { ...proof, challenge: 'c-2' }, keyPair.publicKeyMultibase)).toBe(false);
    expect(verifyProof(document, proof, generateKeyPair(keyType).publicKeyMultibase)).toBe(false);
  });

  it('defaults created to the current time in whole seconds', async () => {
    const keyPair = generateKeyPair();
    const proof = await createProof(document, {
      signer: createSigner(keyPair),
      verificationMethod: 'did:example:1#k',
      proofPurpose: 'assertionMethod',
    });
    expect(proof.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(verifyProof(document, proof, keyPair.publicKeyMultibase)).toBe(true);
  });

  it('refuses a cryptosuite that does not match the key type, and a bad created', async () => {
    const signer = createSigner(generateKeyPair('P-256'));
    const options = { signer, verificationMethod: 'did:example:1#k', proofPurpose: 'assertionMethod' };
    await expect(createProof(document, { ...options, cryptosuite: 'eddsa-jcs-2022' })).rejects.toThrow(RangeError);
    await expect(createProof(document, { ...options, created: '21 Nov 2026' })).rejects.toThrow(RangeError);
  });

  it('rejects a P-256 proof labelled eddsa-jcs-2022 even when the signature is valid', async () => {
    const keyPair = generateKeyPair('P-256');
    const proof = await createProof(document, {
      signer: createSigner(keyPair),
      verificationMethod: 'did:example:1#k',
      proofPurpose: 'assertionMethod',
    });
    expect(verifyProof(document, { ...proof, cryptosuite: 'eddsa-jcs-2022' }, keyPair.publicKeyMultibase)).toBe(false);
  });

  it('sm2-jcs-2026 hashes with SM3, not SHA-256, and an SM2 proof labelled with another suite is rejected', async () => {
    const keyPair = generateKeyPair('SM2');
    const proof = await createProof(document, {
      signer: createSigner(keyPair),
      verificationMethod: 'did:example:1#k',
      proofPurpose: 'assertionMethod',
      created: '2026-11-21T08:00:00Z',
    });
    expect(proof.cryptosuite).toBe('sm2-jcs-2026');
    const { proofValue, ...config } = proof;
    const signature = decodeBase58btc(proofValue);
    const { publicKey } = decodeMultikey(keyPair.publicKeyMultibase);
    const hashData = (hash: (data: Uint8Array) => Uint8Array) =>
      new Uint8Array([...hash(canonicalBytes(config)), ...hash(canonicalBytes(document))]);
    expect(sm2Verify(publicKey, hashData(sm3), signature)).toBe(true);
    expect(sm2Verify(publicKey, hashData(sha256), signature)).toBe(false);
    for (const cryptosuite of ['eddsa-jcs-2022', 'ecdsa-jcs-2019'] as const) {
      expect(verifyProof(document, { ...proof, cryptosuite }, keyPair.publicKeyMultibase)).toBe(false);
    }
    await expect(
      createProof(document, {
        signer: createSigner(keyPair),
        verificationMethod: 'did:example:1#k',
        proofPurpose: 'assertionMethod',
        cryptosuite: 'ecdsa-jcs-2019',
      }),
    ).rejects.toThrow(RangeError);
  });
});
