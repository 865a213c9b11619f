/**
 * @did-city/issuer — verifiable credentials about cities: issue and verify as VC-JWT 1.1, VC-JOSE-COSE (vc+jwt) and
 * Data Integrity (eddsa-jcs-2022 / ecdsa-jcs-2019), Bitstring Status List revocation and suspension, the VC API.
 *
 * @example
 * const issuer = createIssuer({ key: { verificationMethod: 'did:city:cn#vc-1', signer: createSigner(pair) } });
 * const { verifiableCredential } = await issuer.issue(cityIdentityCredential({ issuer: 'did:city:cn',
 *   city: 'did:city:cn:130100', nameEn: 'Shijiazhuang' }), { format: 'vc-jwt' });
 * const verifier = createVerifier({ resolver: createDidResolver({ city: createCityResolver({ reader }) }) });
 * const { verified, errors } = await verifier.verify(verifiableCredential);
 */
export { decodeBitstring, encodeBitstring, getBit, MIN_STATUS_LIST_LENGTH, setBit } from './bitstring.ts';
export { CITY_CREDENTIALS_CONTEXT } from './context.ts';
export {
  authorityAccreditationCredential,
  cityDataSharingCredential,
  cityIdentityCredential,
  smartCityPilotCredential,
} from './credential-types.ts';
export { type IssueDataIntegrityOptions, issueDataIntegrityVc, verifyDataIntegrityVc } from './data-integrity.ts';
export { resolveDidKey } from './did-key.ts';
export {
  ISSUER_ERRORS,
  IssuerError,
  type IssuerErrorCode,
  type IssuerErrorEntry,
  type IssuerProblem,
  type VerificationIssue,
} from './errors.ts';
export { type FetchOptions, httpCredentialFetcher, httpResourceFetcher } from './http-fetch.ts';
export {
  assertionKeys,
  createDidResolver,
  type KeyLookup,
  type KeyValidity,
  memoizeResolver,
  type ResolvedKey,
} from './issuer-keys.ts';
export { type CityIssuer, createIssuer, type Issued, type IssueOptions, type IssuerOptions } from './issuer.ts';
export { envelope, issueJoseVc, unwrapEnvelope, verifyJoseVc } from './jose.ts';
export { BUNDLED_CONTEXTS, canonizeRdfc, type JsonLdCheckOptions, jsonLdIssues } from './jsonld-check.ts';
export { issueJwtVc, type IssueJwtVcOptions, verifyJwtVc } from './jwt-vc.ts';
export { type EnvelopedVerifiablePresentation, type ProveOptions, provePresentation } from './presentation-prove.ts';
export {
  type PresentationExpectations,
  type PresentationFormat,
  type PresentationResult,
  verifyPresentation,
} from './presentation.ts';
export {
  checkRelatedResources,
  digestSri,
  relatedResourceIssues,
  type RelatedResourceOutcome,
  type RelatedResourceReport,
  type ResourceFetcher,
} from './related-resource.ts';
export {
  type DidUrlDereferencer,
  type JsonFetcher,
  SchemaRegistry,
  type SchemaRegistryOptions,
  schemaUrl,
} from './schema-check.ts';
export { BUNDLED_SCHEMAS, type CityCredentialType } from './schemas.ts';
export { createIssuerApp, createIssuerRouter, type IssuerServiceOptions } from './service/app.ts';
export type { ServiceClient, ServiceRole } from './service/auth.ts';
export { StatusChecker, type StatusCheckerOptions, type StatusListFetcher } from './status-check.ts';
export {
  type AnyDidResolver,
  createCheckStatus,
  didCityDocumentLoader,
  didJwtVcWithStatus,
  type StatusHelperOptions,
  type StatusOutcome,
} from './status-helpers.ts';
export { type CredentialStatusView, StatusLists, type StatusListsOptions, type StatusScope } from './status-lists.ts';
export {
  SqliteStatusStore,
  STATUS_STORE_SCHEMA_VERSION,
  type StatusEntryRecord,
  type StatusListRecord,
  type StatusPurpose,
  type StatusStore,
} from './status-store.ts';
export {
  type BitstringStatusListEntry,
  type Credential,
  type CredentialFormat,
  type CredentialSchemaRef,
  type CredentialSubject,
  type DidResolver,
  type EnvelopedVerifiableCredential,
  type Issuer,
  type IssuerKey,
  type RelatedResource,
  VC_V2_CONTEXT,
  type VerificationResult,
} from './types.ts';
export { createVerifier, type Verifier, type VerifierOptions, verifyCredential } from './verifier.ts';
export type { VerifyContext } from './verify-common.ts';
