/**
 * Checks a credential handed in for issuance against the VC Data Model 2.0 rules an issuer must enforce (first
 * context, types, issuer, dates, subject), and the 2.0 → 1.1 mapping for VC-JWT 1.1. Throws IssuerError
 * INVALID_CREDENTIAL listing every problem found.
 */
import { memberIssues, URL_LIKE } from './conformance.ts';
import { IssuerError, issue, type VerificationIssue } from './errors.ts';
import { type Credential, isRecord, issuerId, VC_V1_CONTEXT, VC_V2_CONTEXT } from './types.ts';
import { parseDateTimeStamp } from './validity.ts';

function contextIssues(context: unknown, first: string): VerificationIssue[] {
  if (!Array.isArray(context) || context[0] !== first)
    return [issue('INVALID_CREDENTIAL', `@context must be an array starting with ${first}`)];
  const bad = context.findIndex((entry) => !(typeof entry === 'string' ? URL_LIKE.test(entry) : isRecord(entry)));
  return bad < 0 ? [] : [issue('INVALID_CREDENTIAL', `@context[${bad}] must be a URL or an object`)];
}

function typeIssues(type: unknown): VerificationIssue[] {
  const types = typeof type === 'string' ? [type] : type;
  if (
    !Array.isArray(types) ||
    !types.every((entry) => typeof entry === 'string') ||
    !types.includes('VerifiableCredential')
  ) {
    return [issue('INVALID_CREDENTIAL', 'type must include "VerifiableCredential"')];
  }
  return [];
}

function dateIssues(credential: Record<string, unknown>, from: string, until: string): VerificationIssue[] {
  const issues: VerificationIssue[] = [];
  const start = credential[from] === undefined ? undefined : parseDateTimeStamp(credential[from]);
  const end = credential[until] === undefined ? undefined : parseDateTimeStamp(credential[until]);
  if (credential[from] !== undefined && start === undefined)
    issues.push(issue('INVALID_CREDENTIAL', `${from} must be an XML Schema dateTimeStamp`));
  if (credential[until] !== undefined && end === undefined)
    issues.push(issue('INVALID_CREDENTIAL', `${until} must be an XML Schema dateTimeStamp`));
  if (start !== undefined && end !== undefined && end <= start)
    issues.push(issue('INVALID_CREDENTIAL', `${until} must be after ${from}`));
  return issues;
}

function subjectIssues(subject: unknown): VerificationIssue[] {
  const subjects = Array.isArray(subject) ? subject : [subject];
  if (subjects.length === 0 || !subjects.every(isRecord))
    return [issue('INVALID_CREDENTIAL', 'credentialSubject must be an object or a non-empty array of objects')];
  return subjects.some((entry) => Object.keys(entry).length === 0)
    ? [issue('INVALID_CREDENTIAL', 'credentialSubject must not be empty')]
    : [];
}

/** Problems of a VC 2.0 credential to be issued by `expectedIssuer` (when given). */
export function credentialIssues(value: unknown, options: { expectedIssuer?: string } = {}): VerificationIssue[] {
  if (!isRecord(value)) return [issue('INVALID_CREDENTIAL', 'credential must be a JSON object')];
  const issues = [...contextIssues(value['@context'], VC_V2_CONTEXT), ...typeIssues(value.type)];
  const issuer = issuerId(value.issuer);
  if (issuer === undefined || !URL_LIKE.test(issuer))
    issues.push(issue('INVALID_CREDENTIAL', 'issuer must be a URL or an object with an id'));
  else if (options.expectedIssuer !== undefined && issuer !== options.expectedIssuer) {
    issues.push(issue('INVALID_CREDENTIAL', `issuer must be ${options.expectedIssuer}, the DID this issuer signs for`));
  }
  if (value.id !== undefined && (typeof value.id !== 'string' || !URL_LIKE.test(value.id)))
    issues.push(issue('INVALID_CREDENTIAL', 'id must be a URL'));
  if (value.issuanceDate !== undefined || value.expirationDate !== undefined) {
    issues.push(issue('INVALID_CREDENTIAL', 'VC 2.0 uses validFrom/validUntil, not issuanceDate/expirationDate'));
  }
  if (value.proof !== undefined)
    issues.push(issue('INVALID_CREDENTIAL', 'a credential to be issued must not carry a proof'));
  return [
    ...issues,
    ...dateIssues(value, 'validFrom', 'validUntil'),
    ...subjectIssues(value.credentialSubject),
    ...memberIssues(value),
  ];
}

export function assertCredential(
  value: unknown,
  options: { expectedIssuer?: string } = {},
): asserts value is Credential {
  const issues = credentialIssues(value, options);
  if (issues.length > 0) {
    throw new IssuerError('INVALID_CREDENTIAL', issues.map((entry) => entry.message).join('; '), { errors: issues });
  }
}

/** A copy with `type` as an array, as every format writes it. */
export function normalised(credential: Credential): Credential {
  const copy = structuredClone(credential);
  if (typeof copy.type === 'string') copy.type = [copy.type];
  return copy;
}

/** VC 2.0 → 1.1: the 2018 base context and issuanceDate/expirationDate (1.1 requires issuanceDate). */
export function toDataModel11(credential: Credential, now: Date): Credential {
  const { validFrom, validUntil, ...rest } = normalised(credential);
  const context = rest['@context'].map((entry) => (entry === VC_V2_CONTEXT ? VC_V1_CONTEXT : entry));
  const converted: Credential = { ...rest, '@context': context, issuanceDate: validFrom ?? wholeSeconds(now) };
  if (validUntil !== undefined) converted.expirationDate = validUntil;
  return converted;
}

export function wholeSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The DID of a verification method URL (`did:city:cn#key-1` → `did:city:cn`). */
export function controllerOf(verificationMethod: string): string {
  const hash = verificationMethod.indexOf('#');
  return hash < 0 ? verificationMethod : verificationMethod.slice(0, hash);
}

export function assertSignsFor(credential: Credential, verificationMethod: string): void {
  if (controllerOf(verificationMethod) !== issuerId(credential.issuer)) {
    throw new IssuerError(
      'INVALID_CREDENTIAL',
      `key ${verificationMethod} does not belong to the issuer ${issuerId(credential.issuer)}`,
    );
  }
}
