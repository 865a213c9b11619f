/**
 * The did-resolver plugin (did-resolver 4.x, 5.x and 6.x; a peer dependency, so only its types are imported).
 *
 * @example
 * import { Resolver } from 'did-resolver';
 * const resolver = new Resolver({ ...getResolver({ reader: ledger }) });
 * const { didDocument } = await resolver.resolve('did:city:cn:130100');
 */
import type { DIDResolutionResult as DidResolverResult, DIDResolver } from 'did-resolver';
import { ERRORS, type ErrorCode, type ProblemDetails } from './errors.ts';
import type { DIDResolutionResult } from './resolution-types.ts';
import { type CityResolverOptions, createCityResolver } from './resolve.ts';

/**
 * did-resolver's error strings: the camel-case codes of DID Core 1.0 §7.1.2 and of the DID Resolution drafts
 * before errors became problem details. did-resolver 4–6 type `error` as a string and compare it with `===`
 * (its in-memory cache keeps every result except a `notFound`).
 */
const DIALECT_CODES: Readonly<Record<string, string>> = Object.freeze({
  INVALID_DID: 'invalidDid',
  INVALID_DID_URL: 'invalidDidUrl',
  INVALID_OPTIONS: 'invalidOptions',
  NOT_FOUND: 'notFound',
  REPRESENTATION_NOT_SUPPORTED: 'representationNotSupported',
  METHOD_NOT_SUPPORTED: 'methodNotSupported',
  FEATURE_NOT_SUPPORTED: 'featureNotSupported',
  INVALID_DID_DOCUMENT: 'invalidDidDocument',
  INTERNAL_ERROR: 'internalError',
});

const CODE_BY_TYPE: ReadonlyMap<string, ErrorCode> = new Map(
  Object.entries(ERRORS).map(([code, entry]) => [entry.type, code as ErrorCode]),
);

/** The did-resolver string for a problem: the camel-case code of its W3C type, `internalError` for any other. */
export function didResolverErrorCode(problem: ProblemDetails): string {
  const code = CODE_BY_TYPE.get(problem.type);
  return (code !== undefined ? DIALECT_CODES[code] : undefined) ?? 'internalError';
}

/**
 * A W3C result in did-resolver's dialect (spec §6.7, R-RES-6): `error` becomes the string code, `message` the
 * problem's `detail` (what did-jwt prints), and the RFC 9457 object stays beside them as `problemDetails`.
 */
export function toDidResolverResult(result: DIDResolutionResult): DidResolverResult {
  const { error, ...metadata } = result.didResolutionMetadata;
  if (error === undefined) return result as unknown as DidResolverResult;
  return {
    ...result,
    didResolutionMetadata: {
      ...metadata,
      error: didResolverErrorCode(error),
      message: error.detail,
      problemDetails: error,
    },
  } as unknown as DidResolverResult;
}

/**
 * `{ city }` for `new Resolver(...)`. The plugin resolves `parsed.did` with the caller's options only: DID
 * parameters in the URL (`?versionId=0`) are deliberately not applied, because did-jwt resolves a JWT's `iss`
 * as given and an old version's keys would then verify a token signed with a key rotated away.
 */
export function getResolver(options: CityResolverOptions): { city: DIDResolver } {
  const resolver = createCityResolver(options);
  const city: DIDResolver = async (_did, parsed, _resolver, resolutionOptions) =>
    toDidResolverResult(await resolver.resolve(parsed.did, resolutionOptions));
  return { city };
}
