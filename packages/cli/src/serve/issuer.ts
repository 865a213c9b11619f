/**
 * The issuer of the all-in-one: the national registry `did:city:cn` signs with its credential key `#vc-1`, status
 * lists live in `<dataDir>/issuer.db`, and the verifier resolves issuers through the same verifying resolver as
 * the driver. This server's own status lists are read in-process (whatever port an earlier start printed into a
 * credential); the list credential is still verified like any other.
 */
import {
  createDidResolver,
  createIssuer,
  createIssuerRouter,
  createVerifier,
  httpCredentialFetcher,
  type CityIssuer,
  SqliteStatusStore,
  StatusLists,
} from '@did-city/issuer';
import type { CityResolver } from '@did-city/method';
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
  resolver: Pick<CityResolver, 'resolve'>;
  /** Bearer token of the write endpoints: an admin client, so it may change the status of any credential here. */
  token: string;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const OWN_LIST = /^\/issuer\/status-lists\/([^/]+)$/;

function statusListFetcher(lists: StatusLists): (url: string) => Promise<unknown> {
  const remote = httpCredentialFetcher();
  return async (url) => {
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    const own = parsed !== undefined && LOCAL_HOSTS.has(parsed.hostname) ? OWN_LIST.exec(parsed.pathname) : null;
    const local = own === null ? undefined : await lists.listCredential(decodeURIComponent(own[1]!));
    return local ?? remote(url);
  };
}

export function createIssuerParts(options: IssuerPartsOptions): IssuerParts {
  const key = { verificationMethod: `${REGISTRY_DID}#${options.key.name}`, signer: createSigner(options.key) };
  const { baseUrl } = options;
  const store = new SqliteStatusStore(options.file);
  const statusLists = new StatusLists({ store, key, baseUrl });
  const issuer = createIssuer({ key, statusLists, baseUrl });
  const verifier = createVerifier({
    resolver: createDidResolver({ city: options.resolver }),
    fetchStatusList: statusListFetcher(statusLists),
    fetchResource: false,
  });
  // The same key signs presentations as holder (POST /presentations/prove) if the DID lists it for authentication.
  const router = createIssuerRouter({ issuer, verifier, statusLists, holderKey: key, clients: [{ id: 'operator', token: options.token, roles: ['admin'] }] });
  return { issuer, router, close: () => store.close() };
}
