/**
 * The part of verification every format shares once it has parsed its envelope: find the issuer's authorised keys,
 * check the signatures, then the validity window, status, schema and related resources. A forged credential stops
 * at the signature, so nothing it names (status lists, schemas, resources) is fetched on its behalf.
 */
import type { Clock, KeyType } from '@did-city/method';
import { issue, type VerificationIssue } from './errors.ts';
import { assertionKeys, type KeyValidity } from './issuer-keys.ts';
import { type JsonLdCheckOptions, jsonLdIssues } from './jsonld-check.ts';
import { checkRelatedResources, type ResourceFetcher } from './related-resource.ts';
import type { SchemaRegistry } from './schema-check.ts';
import type { StatusChecker } from './status-check.ts';
import type { Credential, CredentialFormat, DidResolver, VerificationResult } from './types.ts';
import { checkValidity, type ValidityWindow } from './validity.ts';

export interface VerifyContext {
  resolver: DidResolver;
  now: Clock;
  clockSkewMs: number;
  keyValidity: KeyValidity;
  /** Absent: status entries are not checked (used for status list credentials themselves). */
  status?: StatusChecker;
  /** Absent: credentialSchema is not checked. */
  schemas?: SchemaRegistry;
  /** Absent: relatedResource digests are not compared (their structure still is). */
  fetchResource?: ResourceFetcher;
  /** A related resource that cannot be fetched is an error, not a warning. */
  requireRelatedResources?: boolean;
  /** JSON-LD checks of the credential's contexts and types (bundled contexts only). */
  jsonLd?: JsonLdCheckOptions;
}

/** One signature to check: a JWS, or one Data Integrity proof. */
export interface SignatureCheck {
  verificationMethod?: string;
  keyType?: KeyType;
  verify(publicKeyMultibase: string): boolean;
}

export interface Secured {
  format: CredentialFormat;
  credential: Credential;
  issuer: string;
  window: ValidityWindow;
  /** Issuance time (ms) for keyValidity 'issuance': validFrom, else the JWT's iat. */
  issuedAt?: number;
  signatures: SignatureCheck[];
}

export function failed(issues: VerificationIssue[], partial: Partial<VerificationResult> = {}): VerificationResult {
  return { ...partial, verified: false, errors: issues };
}

/** The key that verifies `check` among the signer's keys in `relationship`, or the issue that rules them out. */
export async function checkSignature(
  secured: Pick<Secured, 'issuer' | 'issuedAt'>,
  check: SignatureCheck,
  context: VerifyContext,
  relationship: 'assertionMethod' | 'authentication' = 'assertionMethod',
) {
  const lookup = {
    issuer: secured.issuer,
    relationship,
    ...(check.verificationMethod === undefined ? {} : { verificationMethod: check.verificationMethod }),
    ...(check.keyType === undefined ? {} : { keyType: check.keyType }),
    ...(secured.issuedAt === undefined ? {} : { issuedAt: secured.issuedAt }),
  };
  const keys = await assertionKeys(context.resolver, lookup, context.keyValidity);
  if ('code' in keys) return keys;
  const key = keys.find((candidate) => check.verify(candidate.publicKeyMultibase));
  return key ?? issue('INVALID_SIGNATURE', `signature does not verify with ${keys.map((k) => k.id).join(', ')}`);
}

async function laterChecks(secured: Secured, context: VerifyContext) {
  const issues = checkValidity(secured.window, context.now(), context.clockSkewMs);
  const { credential } = secured;
  const [status, schema, resources, jsonLd] = await Promise.all([
    context.status === undefined || credential.credentialStatus === undefined ? [] : context.status.check(credential),
    context.schemas === undefined || credential.credentialSchema === undefined ? [] : context.schemas.check(credential),
    checkRelatedResources(credential.relatedResource, context.fetchResource, {
      requireFetch: context.requireRelatedResources === true,
    }),
    context.jsonLd === undefined ? [] : jsonLdIssues(credential, { ...context.jsonLd, code: 'MALFORMED_CREDENTIAL' }),
  ]);
  return { errors: [...issues, ...status, ...schema, ...resources.errors, ...jsonLd], resources };
}

export async function verifySecured(secured: Secured, context: VerifyContext): Promise<VerificationResult> {
  const partial = { format: secured.format, issuer: secured.issuer, credential: secured.credential };
  if (secured.signatures.length === 0) return failed([issue('MALFORMED_CREDENTIAL', 'no proof')], partial);
  let verificationMethod: string | undefined;
  for (const check of secured.signatures) {
    const outcome = await checkSignature(secured, check, context);
    if ('code' in outcome) return failed([outcome], partial);
    verificationMethod ??= outcome.id;
  }
  const { errors, resources } = await laterChecks(secured, context);
  const result: VerificationResult = { verified: errors.length === 0, errors, ...partial };
  if (resources.warnings.length > 0) result.warnings = resources.warnings;
  if (resources.outcomes.length > 0) result.relatedResources = resources.outcomes;
  if (verificationMethod !== undefined) result.verificationMethod = verificationMethod;
  return result;
}

/** Wraps a format verifier so that nothing a credential contains makes it throw. */
export async function neverThrows(run: () => Promise<VerificationResult>): Promise<VerificationResult> {
  try {
    return await run();
  } catch (cause) {
    return failed([issue('MALFORMED_CREDENTIAL', `could not be verified: ${(cause as Error).message}`)]);
  }
}
