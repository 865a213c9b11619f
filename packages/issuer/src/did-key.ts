/**
 * A did:key resolver for Ed25519, P-256 and secp256k1 Multikeys (did:key v0.7 with Multikey verification methods),
 * so credentials from other ecosystems (Digital Bazaar's libraries sign with did:key) verify here too.
 */
import { decodeMultikey, type DIDDocument, type DIDResolutionResult } from '@did-city/method';

const PREFIX = 'did:key:';
const CONTEXT = ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'];

function failure(code: 'INVALID_DID' | 'NOT_FOUND', detail: string): DIDResolutionResult {
  const title = code === 'INVALID_DID' ? 'Invalid DID' : 'DID not found';
  return {
    didResolutionMetadata: { error: { type: `https://www.w3.org/ns/did#${code}`, title, detail } },
    didDocument: null,
    didDocumentMetadata: {},
  };
}

export function didKeyDocument(did: string): DIDDocument {
  const multikey = did.slice(PREFIX.length);
  decodeMultikey(multikey);
  const id = `${did}#${multikey}`;
  return {
    '@context': CONTEXT,
    id: did,
    verificationMethod: [{ id, type: 'Multikey', controller: did, publicKeyMultibase: multikey }],
    authentication: [id],
    assertionMethod: [id],
    capabilityInvocation: [id],
    capabilityDelegation: [id],
  };
}

/** Resolves `did:key:<multikey>`; never throws. */
export async function resolveDidKey(did: string): Promise<DIDResolutionResult> {
  if (!did.startsWith(PREFIX) || did.includes('#') || did.includes('?'))
    return failure('INVALID_DID', `${did} is not a did:key DID`);
  try {
    return {
      didResolutionMetadata: { contentType: 'application/did' },
      didDocument: didKeyDocument(did),
      didDocumentMetadata: {},
    };
  } catch (cause) {
    return failure('INVALID_DID', `${did}: ${(cause as Error).message}`);
  }
}
