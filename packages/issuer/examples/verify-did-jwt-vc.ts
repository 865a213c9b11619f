// did-jwt-vc: a city's VC-JWT 1.1, its issuer resolved through the ledger, and its status checked.
import { type LedgerReader, getResolver } from '@did-city/method';
import { didJwtVcWithStatus, type FetchOptions } from '@did-city/issuer';
import { verifyCredential } from 'did-jwt-vc';
import { Resolver } from 'did-resolver';

/**
 * `reader`: new HttpLedgerReader({ url: ledgerUrl, policy }) for a ledger node and its pinned trust policy. Status
 * lists are fetched over https from public addresses; `fetchPolicy` names hosts allowed otherwise (e.g. loopback).
 */
export async function verifyWithDidJwtVc(jwt: string, reader: LedgerReader, fetchPolicy: FetchOptions = {}) {
  const resolver = new Resolver(getResolver({ reader }));
  const verify = didJwtVcWithStatus(verifyCredential, { resolver, fetchPolicy });
  // Throws "revoked: …", "suspended: …" or "status_unavailable: …" as well as did-jwt-vc's own errors.
  const { verifiableCredential } = await verify(jwt, resolver);
  return verifiableCredential;
}
