/**
 * Data Integrity interop with an independent implementation: Digital Bazaar's jsonld-signatures +
 * @digitalbazaar/data-integrity + @digitalbazaar/eddsa-jcs-2022-cryptosuite. Their verifier checks our did:city
 * credential (the did:city document and key served by a document loader backed by our resolver), and our verifier
 * checks a credential they signed with a did:key.
 *
 * jsonld-signatures is not a dependency of this package; it is loaded from @digitalbazaar/data-integrity's own
 * dependencies (the exact copy that library uses), so nothing outside the installed tree is needed.
 */
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { generate } from '@digitalbazaar/ed25519-multikey';
import { createSignCryptosuite, createVerifyCryptosuite } from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIssuer } from '../src/issuer.ts';
import type { Credential, DidResolver } from '../src/types.ts';
import { REGISTRY, SJZ } from './fixtures/world.ts';
import { type Setup, setup, sjzIdentity } from './fixtures/issuing.ts';

interface Jsigs {
  sign(document: object, options: object): Promise<Credential>;
  verify(document: object, options: object): Promise<{ verified: boolean; error?: unknown; results?: unknown[] }>;
  purposes: { AssertionProofPurpose: new () => object };
}

const dataIntegrityDir = realpathSync(
  join(fileURLToPath(new URL('.', import.meta.url)), '../node_modules/@digitalbazaar/data-integrity'),
);
const jsigs = createRequire(join(dataIntegrityDir, 'package.json'))('jsonld-signatures') as Jsigs;

/** A document loader that fetches nothing: DID documents and verification methods through our resolver. */
function documentLoader(resolver: DidResolver) {
  return async (url: string) => {
    const [did, fragment] = url.split('#') as [string, string | undefined];
    const { didDocument } = await resolver.resolve(did!);
    if (didDocument === null) throw new Error(`${did} did not resolve`);
    if (fragment === undefined)
      return {
        documentUrl: url,
        document: {
          '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
          ...didDocument,
        },
      };
    const method = didDocument.verificationMethod?.find((entry) => entry.id === url);
    if (method === undefined) throw new Error(`${url} not found`);
    return { documentUrl: url, document: { '@context': 'https://w3id.org/security/multikey/v1', ...method } };
  };
}

let s: Setup;
beforeEach(async () => {
  s = await setup();
});
afterEach(() => s.cleanup());

describe('Digital Bazaar eddsa-jcs-2022', () => {
  it('verifies the Data Integrity credential we issue for did:city:cn', async () => {
    const { verifiableCredential } = await createIssuer({ key: s.world.registryKey }).issue(sjzIdentity(), {
      status: false,
    });
    const result = await jsigs.verify(verifiableCredential as object, {
      suite: new DataIntegrityProof({ cryptosuite: createVerifyCryptosuite() }),
      purpose: new jsigs.purposes.AssertionProofPurpose(),
      documentLoader: documentLoader(s.world.resolver),
    });
    expect(result.error).toBeUndefined();
    expect(result.verified).toBe(true);
  });

  it('rejects our credential once tampered', async () => {
    const { verifiableCredential } = await createIssuer({ key: s.world.registryKey }).issue(sjzIdentity(), {
      status: false,
    });
    const tampered = structuredClone(verifiableCredential) as Credential;
    (tampered.credentialSubject as { divisionCode: string }).divisionCode = '110000';
    const options = {
      suite: new DataIntegrityProof({ cryptosuite: createVerifyCryptosuite() }),
      purpose: new jsigs.purposes.AssertionProofPurpose(),
      documentLoader: documentLoader(s.world.resolver),
    };
    expect((await jsigs.verify(tampered, options)).verified).toBe(false);
  });

  it('a credential they sign (did:key issuer) verifies with ours; tampered, it does not', async () => {
    const pair = await generateBound();
    const credential = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id: 'urn:uuid:0c8f5a1e-8d1f-4b8e-9a62-5c4b3b1d9a10',
      type: ['VerifiableCredential'],
      issuer: pair.controller,
      validFrom: '2026-01-01T00:00:00Z',
      credentialSubject: { id: SJZ, note: 'signed by Digital Bazaar eddsa-jcs-2022' },
    };
    const signed = await jsigs.sign(credential, {
      suite: new DataIntegrityProof({ signer: pair.signer(), cryptosuite: createSignCryptosuite() }),
      purpose: new jsigs.purposes.AssertionProofPurpose(),
      documentLoader: documentLoader(s.world.resolver),
    });
    expect(signed.proof).toMatchObject({
      type: 'DataIntegrityProof',
      cryptosuite: 'eddsa-jcs-2022',
      verificationMethod: pair.id,
    });
    const result = await s.verifier().verify(signed);
    expect(result).toMatchObject({ verified: true, errors: [], issuer: pair.controller, verificationMethod: pair.id });
    const tampered = { ...signed, credentialSubject: { ...credential.credentialSubject, id: REGISTRY } };
    expect((await s.verifier().verify(tampered)).errors.map((e) => e.code)).toStrictEqual(['INVALID_SIGNATURE']);
  });
});

/** An Ed25519 Multikey whose controller is the did:key of its own public key. */
async function generateBound() {
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const first = await generate({ seed });
  const controller = `did:key:${first.publicKeyMultibase}`;
  return generate({ seed, controller, id: `${controller}#${first.publicKeyMultibase}` });
}
