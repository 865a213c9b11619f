/**
 * Status checking for verifiers built on other libraries, so that a revoked or suspended city credential does not
 * come out verified there:
 *
 * - did-jwt-vc checks no status at all: `didJwtVcWithStatus(verifyCredential, options)` wraps its verifyCredential
 *   and throws `revoked: …` / `suspended: …` / `status_unavailable: …` in did-jwt-vc's error style.
 * - Digital Bazaar's `@digitalbazaar/vc` calls a `checkStatus` function and fails the credential only when it
 *   returns `verified: false`; their Bitstring Status List module returns `verified: true` with `status: true` for
 *   a revoked credential, so `verified` stays true unless the caller reads `statusResult`. `createCheckStatus` returns
 *   `verified: false` whenever a status bit is set or the list cannot be checked.
 * - `didCityDocumentLoader` gives jsonld-signatures the DID documents and verification methods (through the
 *   resolver) and the bundled JSON-LD contexts; it fetches nothing.
 *
 * All three share the issuer package's status checker: lists verified against the credential's issuer, cached
 * for their ttl.
 */
import type { FetchOptions } from './http-fetch.ts';
import { type IssuerErrorCode, issue, type VerificationIssue } from './errors.ts';
import { BUNDLED_CONTEXTS } from './jsonld-check.ts';
import type { StatusChecker, StatusListFetcher } from './status-check.ts';
import { type Credential, type DidResolver, isRecord } from './types.ts';
import { createVerifier } from './verifier.ts';

/** did-resolver's Resolver fits too: its string error codes are read as well as problem details. */
export type AnyDidResolver = DidResolver | { resolve(didUrl: string): Promise<object> };

export interface StatusHelperOptions {
  /** Resolves the status lists' issuers (createDidResolver, or did-resolver's Resolver). */
  resolver: AnyDidResolver;
  /** Default: HTTP GET with a timeout and size cap, under `fetchPolicy`. */
  fetchStatusList?: StatusListFetcher;
  /** The outbound-fetch policy of the default fetcher (spec §9.15): hosts allowed plain http or private addresses. */
  fetchPolicy?: FetchOptions;
  /** Upper bound on a fetched list's ttl (ms). */
  maxTtlMs?: number;
}

function checkerOf(options: StatusHelperOptions): StatusChecker {
  const verifier = createVerifier({
    resolver: options.resolver as DidResolver,
    checkSchemas: false,
    fetchResource: false,
    ...(options.fetchStatusList === undefined ? {} : { fetchStatusList: options.fetchStatusList }),
    ...(options.fetchPolicy === undefined ? {} : { fetchPolicy: options.fetchPolicy }),
    ...(options.maxTtlMs === undefined ? {} : { statusTtl: { maxMs: options.maxTtlMs } }),
  });
  return verifier.context.status!;
}

export interface StatusOutcome {
  verified: boolean;
  revoked: boolean;
  suspended: boolean;
  errors: VerificationIssue[];
}

function outcome(errors: VerificationIssue[]): StatusOutcome {
  const has = (code: IssuerErrorCode) => errors.some((entry) => entry.code === code);
  return { verified: errors.length === 0, revoked: has('REVOKED'), suspended: has('SUSPENDED'), errors };
}

/** A `checkStatus` for Digital Bazaar's `verifyCredential`: `{ verified: false, … }` when a bit is set or unknown. */
export function createCheckStatus(
  options: StatusHelperOptions,
): (input: { credential: unknown }) => Promise<StatusOutcome> {
  const checker = checkerOf(options);
  return async ({ credential }) => {
    if (!isRecord(credential)) return outcome([issue('STATUS_INVALID', 'no credential to check')]);
    return outcome(await checker.check(credential as Credential));
  };
}

const ERROR_PREFIX: Partial<Record<IssuerErrorCode, string>> = {
  REVOKED: 'revoked',
  SUSPENDED: 'suspended',
  STATUS_UNAVAILABLE: 'status_unavailable',
};

/** The subset of did-jwt-vc's verifyCredential this needs: resolves to `{ verifiableCredential }` or throws. */
type DidJwtVcVerify<R, O, T extends { verifiableCredential: unknown }> = (
  jwt: string,
  resolver: R,
  options?: O,
) => Promise<T>;

/**
 * did-jwt-vc's `verifyCredential`, then the credential's status. Throws like did-jwt-vc does (`code: message`),
 * with `errorCode` set.
 */
export function didJwtVcWithStatus<R, O, T extends { verifiableCredential: unknown }>(
  verifyCredential: DidJwtVcVerify<R, O, T>,
  options: StatusHelperOptions,
): DidJwtVcVerify<R, O, T> {
  const checker = checkerOf(options);
  return async (jwt, resolver, verifyOptions) => {
    const verified = await verifyCredential(jwt, resolver, verifyOptions);
    const errors = await checker.check(verified.verifiableCredential as Credential);
    if (errors.length === 0) return verified;
    const first = errors[0]!;
    const errorCode = ERROR_PREFIX[first.code] ?? 'status_invalid';
    throw Object.assign(new Error(`${errorCode}: ${first.message}`), { errorCode, errors });
  };
}

interface LoadedDocument {
  contextUrl: null;
  documentUrl: string;
  document: unknown;
}

const DID_CONTEXT = ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'];

/**
 * A jsonld-signatures document loader: DIDs and DID URLs through `resolver` (a verification method by its id, with
 * the multikey context), JSON-LD contexts from the bundled copies (plus `contexts`). Anything else is refused.
 */
export function didCityDocumentLoader(options: {
  resolver: DidResolver;
  contexts?: ReadonlyMap<string, unknown>;
}): (url: string) => Promise<LoadedDocument> {
  return async (url) => {
    const bundled = options.contexts?.get(url) ?? BUNDLED_CONTEXTS.get(url);
    if (bundled !== undefined) return { contextUrl: null, documentUrl: url, document: bundled };
    if (!url.startsWith('did:')) throw new Error(`${url} is not a DID or a bundled context; nothing is fetched`);
    const [did, fragment] = url.split('#') as [string, string | undefined];
    const { didDocument } = await options.resolver.resolve(did);
    if (didDocument === null || didDocument === undefined)
      throw new Error(`${did} did not resolve (or is deactivated)`);
    if (fragment === undefined)
      return { contextUrl: null, documentUrl: url, document: { ...didDocument, '@context': DID_CONTEXT } };
    const method = didDocument.verificationMethod?.find((entry) => entry.id === url || `${did}${entry.id}` === url);
    if (method === undefined) throw new Error(`${url} is not a verification method of ${did}`);
    return { contextUrl: null, documentUrl: url, document: { '@context': DID_CONTEXT[1], ...method, id: url } };
  };
}
