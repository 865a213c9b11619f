/**
 * A verifier: the format verifiers bound to one resolver, status list cache, schema registry and clock.
 *
 * @example
 * const verifier = createVerifier({ resolver: createDidResolver({ city: createCityResolver({ reader }) }) });
 * const { verified, errors } = await verifier.verify(jwtOrCredential);
 */
import type { Clock } from '@did-city/method';
import { verifyDataIntegrityVc } from './data-integrity.ts';
import { issue } from './errors.ts';
import { type FetchOptions, httpCredentialFetcher, httpJsonFetcher, httpResourceFetcher } from './http-fetch.ts';
import { type KeyValidity, memoizeResolver } from './issuer-keys.ts';
import { unwrapEnvelope, verifyJoseVc } from './jose.ts';
import { decodeJws } from './jws.ts';
import { verifyJwtVc } from './jwt-vc.ts';
import { type PresentationExpectations, type PresentationResult, verifyPresentation } from './presentation.ts';
import type { ResourceFetcher } from './related-resource.ts';
import { type DidUrlDereferencer, type JsonFetcher, SchemaRegistry } from './schema-check.ts';
import { StatusChecker, type StatusListFetcher } from './status-check.ts';
import { type DidResolver, isRecord, type VerificationResult } from './types.ts';
import { failed, type VerifyContext } from './verify-common.ts';

export interface VerifierOptions {
  resolver: DidResolver;
  /** The outbound-fetch policy of the default fetchers (spec §9.15): hosts allowed http or private addresses, caps. */
  fetchPolicy?: FetchOptions;
  /** Default: HTTP GET. */
  fetchStatusList?: StatusListFetcher;
  /** Default: HTTP GET; `false`: relatedResource digests are not compared (their structure still is). */
  fetchResource?: ResourceFetcher | false;
  /** A related resource that cannot be fetched fails the credential; default false (a warning says it was not checked). */
  requireRelatedResources?: boolean;
  /** JSON-LD checks of contexts and types with bundled contexts (about 1 ms each); default false. */
  checkJsonLd?: boolean | { contexts?: ReadonlyMap<string, unknown> };
  /** Fetches schemas that are not bundled; default HTTP GET; `false`: unknown schemas fail. */
  fetchSchema?: JsonFetcher | false;
  /**
   * Dereferences schemas named by DID URL (DID-Linked Resources); default: the resolver's `dereference` when it has
   * one; `false`: such schemas fail. The content is checked against the resource's anchored checksum.
   */
  dereferenceSchema?: DidUrlDereferencer | false;
  /** `false` skips credentialSchema checks. */
  checkSchemas?: boolean;
  /** `false` skips credentialStatus checks (never do this for credentials that matter). */
  checkStatus?: boolean;
  /** Which DID document version must authorise the key; default 'now'. */
  keyValidity?: KeyValidity;
  clockSkewSeconds?: number;
  /** Opt-in memo of resolution results (ms) on top of the resolver's own cache; default 0 (off). */
  resolutionCacheMs?: number;
  /** The clock of validity windows, status list freshness and the resolution memo. Default `Date.now`. */
  now?: Clock;
  statusTtl?: { defaultMs?: number; maxMs?: number };
}

export interface Verifier {
  /** Verifies a credential of any supported format; never throws. */
  verify(input: unknown): Promise<VerificationResult>;
  verifyJwtVc(jwt: unknown): Promise<VerificationResult>;
  verifyJoseVc(input: unknown): Promise<VerificationResult>;
  verifyDataIntegrityVc(input: unknown): Promise<VerificationResult>;
  /** Verifies a presentation (Data Integrity, vp+jwt or enveloped, VP 1.1 JWT) and every credential in it. */
  verifyPresentation(input: unknown, expected?: PresentationExpectations): Promise<PresentationResult>;
  readonly context: VerifyContext;
}

const DEFAULT_SKEW_SECONDS = 60;

/** Routes a credential to its format: vc+jwt by its `typ`, a JWT otherwise, an object with a proof to Data Integrity. */
export function verifyCredential(input: unknown, context: VerifyContext): Promise<VerificationResult> {
  if (typeof input === 'string') {
    const typ = decodeJws(input)?.header.typ;
    return typ === 'vc+jwt' || typ === 'vc-ld+jwt' ? verifyJoseVc(input, context) : verifyJwtVc(input, context);
  }
  if (isRecord(input) && input.type === 'EnvelopedVerifiableCredential') {
    const token = unwrapEnvelope(input);
    const typ = token === undefined ? undefined : decodeJws(token)?.header.typ;
    return typ === 'JWT' ? verifyJwtVc(token, context) : verifyJoseVc(input, context);
  }
  // Veramo's normalised VC-JWT: the JWT is in proof.jwt; the JSON around it is only a view of it.
  if (isRecord(input) && isRecord(input.proof) && typeof input.proof.jwt === 'string')
    return verifyJwtVc(input.proof.jwt, context);
  if (isRecord(input) && input.proof !== undefined) return verifyDataIntegrityVc(input, context);
  return Promise.resolve(
    failed([issue('UNSUPPORTED_FORMAT', 'not a JWT, an enveloped credential or a credential with a proof')]),
  );
}

function optional<T>(value: T | false | undefined, fallback: () => T): T | undefined {
  return value === false ? undefined : (value ?? fallback());
}

export function createVerifier(options: VerifierOptions): Verifier {
  const now = options.now ?? Date.now;
  const ttlMs = options.resolutionCacheMs ?? 0;
  const base: VerifyContext = {
    resolver: ttlMs > 0 ? memoizeResolver(options.resolver, { ttlMs, now }) : options.resolver,
    now,
    clockSkewMs: (options.clockSkewSeconds ?? DEFAULT_SKEW_SECONDS) * 1000,
    keyValidity: options.keyValidity ?? 'now',
  };
  const context: VerifyContext = { ...base };
  if (options.checkStatus !== false) {
    context.status = new StatusChecker({
      fetchStatusList: options.fetchStatusList ?? httpCredentialFetcher(options.fetchPolicy),
      // A status list is checked like any credential, minus a status of its own.
      verifyListCredential: (list) => verifyCredential(list, base),
      now,
      ...(options.statusTtl?.defaultMs === undefined ? {} : { defaultTtlMs: options.statusTtl.defaultMs }),
      ...(options.statusTtl?.maxMs === undefined ? {} : { maxTtlMs: options.statusTtl.maxMs }),
    });
  }
  if (options.checkSchemas !== false) {
    const fetchJson = optional(options.fetchSchema, () => httpJsonFetcher(options.fetchPolicy));
    const { resolver } = options;
    const ownDereference =
      resolver.dereference === undefined ? undefined : (didUrl: string) => resolver.dereference!(didUrl);
    const dereference = options.dereferenceSchema === false ? undefined : (options.dereferenceSchema ?? ownDereference);
    context.schemas = new SchemaRegistry({
      ...(fetchJson === undefined ? {} : { fetchJson }),
      ...(dereference === undefined ? {} : { dereference }),
    });
  }
  const fetchResource = optional(options.fetchResource, () => httpResourceFetcher(options.fetchPolicy));
  if (fetchResource !== undefined) context.fetchResource = fetchResource;
  if (options.requireRelatedResources === true) context.requireRelatedResources = true;
  if (options.checkJsonLd !== undefined && options.checkJsonLd !== false) {
    context.jsonLd = { strict: false, ...(options.checkJsonLd === true ? {} : options.checkJsonLd) };
  }
  return {
    verify: (input) => verifyCredential(input, context),
    verifyJwtVc: (jwt) => verifyJwtVc(jwt, context),
    verifyJoseVc: (input) => verifyJoseVc(input, context),
    verifyDataIntegrityVc: (input) => verifyDataIntegrityVc(input, context),
    verifyPresentation: (input, expected = {}) =>
      verifyPresentation(input, expected, context, (credential) => verifyCredential(credential, context)),
    context,
  };
}
