// Veramo: an agent that resolves did:city and checks Bitstring Status List entries, also of JWT strings.
import { BitstringStatusListPlugin, getDidCityResolver, withStatusCheck } from '@did-city/veramo';
import type { FetchOptions } from '@did-city/issuer';
import { createAgent, type ICredentialPlugin, type ICredentialStatusVerifier, type IResolver } from '@veramo/core';
import { CredentialProviderJWT } from '@veramo/credential-jwt';
import { CredentialPlugin } from '@veramo/credential-w3c';
import { DIDResolverPlugin } from '@veramo/did-resolver';
import { Resolver } from 'did-resolver';

/**
 * `ledger`: a ledger node's URL and its pinned trust policy (and genesis). Status lists are fetched over https from
 * public addresses only; `statusFetchPolicy` names hosts allowed otherwise (e.g. a node on loopback in a test).
 */
export async function verifyWithVeramo(
  jwt: string,
  ledger: {
    ledgerUrl: string;
    policy: string;
    genesis?: Record<string, { operationHash: string }>;
    statusFetchPolicy?: FetchOptions;
  },
) {
  const { statusFetchPolicy, ...resolverOptions } = ledger;
  const agent = createAgent<IResolver & ICredentialPlugin & ICredentialStatusVerifier>({
    plugins: [
      new DIDResolverPlugin({ resolver: new Resolver({ ...getDidCityResolver(resolverOptions) }) }),
      new CredentialPlugin([withStatusCheck(new CredentialProviderJWT())]),
      new BitstringStatusListPlugin(statusFetchPolicy === undefined ? {} : { fetchPolicy: statusFetchPolicy }),
    ],
  });
  const { verified, error } = await agent.verifyCredential({ credential: jwt });
  return { verified, errorCode: error?.errorCode };
}
