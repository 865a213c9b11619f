/**
 * The issuer of the all-in-one: the national registry `did:city:cn` signs with its credential key `#vc-1`, status
 * lists live in `<dataDir>/issuer.db`, and the verifier resolves issuers through the same verifying resolver as
 * the driver. This server's own status lists are read in-process (their URLs keep the base URL fixed at first
 * start); the list credential is still verified like any other. Every other URL a credential names is fetched
 * under the outbound-fetch policy (spec §9.15): status lists and schemas by the verifier, and each `relatedResource`
 * by both the issuer (a wrong digest is refused before signing) and the verifier (a wrong digest fails verification).
 * A resource the policy does not allow is never contacted; it is reported as not fetched (its digest unchecked).
 * Credentials of our types name their schema by the DID URL of the registry's linked resource once it is published
 * (serve/seed-resources.ts); the verifier dereferences such a schema through the verifying resolver and checks its
 * bytes against the anchored checksum before validating against it.
 */
import {
  createDidResolver,
  createIssuer,
  createIssuerRouter,
  createVerifier,
  httpCredentialFetcher,
  httpResourceFetcher,
  type CityCredentialType,
  type CityIssuer,
  SqliteStatusStore,
  StatusLists,
} from '@did-city/issuer';
import type { CityResolver } from '@did-city/method';
import type { OutboundFetchPolicy } from '@did-city/method/http';
import { createSigner } from '@did-city/method';
import type { Router } from 'express';
import type { NamedKey } from '../keyfile.ts';
import { REGISTRY_DID } from './seed.ts';

export interface IssuerParts {
  issuer: CityIssuer;
  router: Router;
  close(): void;
}

export interface IssuerPartsOptions {
  file: string;
  key: NamedKey;
  /** The issuer API's base URL as credentials name it (fixed at first start, see layout.ts). */
  baseUrl: string;
  resolver: Pick<CityResolver, 'resolve' | 'dereference'>;
  /** What credentialSchema names for a type: the DID URL of the registry's linked resource once it is published. */
  schemaReference?: (type: CityCredentialType) => string | undefined;
  /** Bearer token of the write endpoints: an admin client, so it may change the status of any credential here. */
  token: string;
  fetchPolicy: OutboundFetchPolicy;
}

export function createIssuerParts(options: IssuerPartsOptions): IssuerParts {
  const key = { verificationMethod: `${REGISTRY_DID}#${options.key.name}`, signer: createSigner(options.key) };
  const { baseUrl } = options;
  const store = new SqliteStatusStore(options.file);
  const statusLists = new StatusLists({ store, key, baseUrl });
  const fetchResource = httpResourceFetcher(options.fetchPolicy);
  const dereferenceSchema = (didUrl: string) => options.resolver.dereference(didUrl);
  const schemaReference = options.schemaReference === undefined ? {} : { schemaReference: options.schemaReference };
  const issuer = createIssuer({ key, statusLists, baseUrl, fetchResource, dereferenceSchema, ...schemaReference });
  const verifier = createVerifier({
    // Schemas named by DID URL are dereferenced through the same verifying resolver (createDidResolver forwards it).
    resolver: createDidResolver({ city: options.resolver }),
    fetchStatusList: statusLists.ownListsFirst(httpCredentialFetcher(options.fetchPolicy)),
    fetchPolicy: options.fetchPolicy,
    fetchResource,
  });
  // The same key signs presentations as holder (POST /presentations/prove) if the DID lists it for authentication.
  const router = createIssuerRouter({
    issuer,
    verifier,
    statusLists,
    holderKey: key,
    clients: [{ id: 'operator', token: options.token, roles: ['admin'] }],
  });
  return { issuer, router, close: () => store.close() };
}
