/**
 * The key behind a signature's `keyid`: a DID URL whose DID the verifying resolver resolves, and whose fragment
 * names a verification method the document lists under `authentication` (spec R-XCH-3). A deactivated DID, a method
 * only under `assertionMethod`, or a relative or foreign key id authorises nothing.
 */
import type { DidResolver } from '@did-city/issuer';
import { type DIDDocument, parseDid } from '@did-city/method';
import { ExchangeError } from './errors.ts';

export interface SignerKey {
  /** The DID that signed (the consumer). */
  did: string;
  keyid: string;
  publicKeyMultibase: string;
}

const absolute = (did: string, id: string) => (id.startsWith('#') ? `${did}${id}` : id);

function refuse(message: string): never {
  throw new ExchangeError('SIGNER_NOT_AUTHORISED', message);
}

/** The DID of a `keyid`, which must be a did:city DID URL with a fragment and nothing else. */
export function didOfKeyid(keyid: string): string {
  const hash = keyid.indexOf('#');
  if (hash <= 0 || hash === keyid.length - 1)
    refuse('keyid must be a DID URL naming a verification method (did:city:…#key)');
  const did = keyid.slice(0, hash);
  try {
    parseDid(did);
  } catch {
    refuse('keyid must name a method of a did:city DID');
  }
  return did;
}

function authenticationKey(document: DIDDocument, did: string, keyid: string): string | undefined {
  for (const entry of document.authentication ?? []) {
    const embedded =
      typeof entry === 'object' && entry !== null ? (entry as { id?: string; publicKeyMultibase?: string }) : undefined;
    const id = absolute(did, embedded?.id ?? String(entry));
    if (id !== keyid) continue;
    if (embedded?.publicKeyMultibase !== undefined) return embedded.publicKeyMultibase;
    return document.verificationMethod?.find((method) => absolute(did, method.id) === keyid)?.publicKeyMultibase;
  }
  return undefined;
}

/** Resolves `keyid`'s DID and returns its authentication key, or throws SIGNER_NOT_AUTHORISED (SIGNER_UNRESOLVABLE when the ledger fails). */
export async function resolveSignerKey(resolver: DidResolver, keyid: string): Promise<SignerKey> {
  const did = didOfKeyid(keyid);
  const { didDocument, didResolutionMetadata, didDocumentMetadata } = await resolver.resolve(did);
  if (didDocumentMetadata?.deactivated === true) refuse(`${did} is deactivated`);
  const error = didResolutionMetadata.error as { status?: number } | string | undefined;
  // The ledger unreachable or failing is not the consumer's fault: 503, so that it retries, not 401.
  if (typeof error === 'object' && (error.status ?? 500) >= 500)
    throw new ExchangeError('SIGNER_UNRESOLVABLE', `${did} could not be resolved now; retry later`);
  if (didDocument === null || didDocument === undefined || error !== undefined) refuse(`${did} could not be resolved`);
  const publicKeyMultibase = authenticationKey(didDocument as DIDDocument, did, keyid);
  if (publicKeyMultibase === undefined) refuse(`${keyid} is not in the authentication of ${did}`);
  return { did, keyid, publicKeyMultibase };
}
