/**
 * One error type for the issuer package and one table of codes. Codes the method library already defines for the
 * same situation (a write without credentials, an oversized or malformed request) keep the method's problem type URI,
 * so a client sees one vocabulary across the ledger and the issuer.
 */
import { ERRORS as METHOD_ERRORS } from '@did-city/method';

export type IssuerErrorCode =
  // verification
  | 'MALFORMED_CREDENTIAL'
  | 'UNSUPPORTED_FORMAT'
  | 'INVALID_SIGNATURE'
  | 'ISSUER_MISMATCH'
  | 'ISSUER_UNRESOLVABLE'
  | 'ISSUER_DEACTIVATED'
  | 'KEY_NOT_AUTHORISED'
  | 'NOT_YET_VALID'
  | 'EXPIRED'
  | 'REVOKED'
  | 'SUSPENDED'
  | 'STATUS_UNAVAILABLE'
  | 'STATUS_INVALID'
  | 'SCHEMA_INVALID'
  | 'SCHEMA_UNAVAILABLE'
  | 'RELATED_RESOURCE_MISMATCH'
  | 'RELATED_RESOURCE_UNAVAILABLE'
  // presentations
  | 'MALFORMED_PRESENTATION'
  | 'CHALLENGE_MISMATCH'
  | 'DOMAIN_MISMATCH'
  | 'HOLDER_MISMATCH'
  | 'CREDENTIAL_NOT_VERIFIED'
  // issuance and the service
  | 'INVALID_CREDENTIAL'
  | 'CREDENTIAL_NOT_FOUND'
  | 'STATUS_CHANGE_FORBIDDEN'
  | 'STATUS_LIST_NOT_FOUND'
  | 'STATUS_LIST_FULL'
  | 'NOT_ACCEPTABLE'
  | 'UNAUTHORIZED'
  | 'REQUEST_TOO_LARGE'
  | 'MALFORMED_REQUEST'
  | 'INTERNAL_ERROR';

export interface IssuerErrorEntry {
  type: string;
  title: string;
  status: number;
}

const CITY = 'https://w3id.org/did-city/errors#';
/** Bitstring Status List 1.0 §3.2 names these error types; a verifier reporting them uses the spec's URIs. */
const STATUS_LIST = 'https://www.w3.org/ns/credentials/status-list#';

function own(code: IssuerErrorCode, title: string, status: number): IssuerErrorEntry {
  return { type: `${CITY}${code}`, title, status };
}

function reused(code: 'UNAUTHORIZED' | 'REQUEST_TOO_LARGE' | 'MALFORMED_REQUEST' | 'INTERNAL_ERROR'): IssuerErrorEntry {
  const { type, title, status } = METHOD_ERRORS[code];
  return { type, title, status };
}

export const ISSUER_ERRORS: Readonly<Record<IssuerErrorCode, Readonly<IssuerErrorEntry>>> = Object.freeze({
  MALFORMED_CREDENTIAL: own('MALFORMED_CREDENTIAL', 'Malformed credential', 400),
  UNSUPPORTED_FORMAT: own('UNSUPPORTED_FORMAT', 'Unsupported credential format or algorithm', 400),
  INVALID_SIGNATURE: own('INVALID_SIGNATURE', 'Invalid signature', 400),
  ISSUER_MISMATCH: own('ISSUER_MISMATCH', 'Signing key does not belong to the credential issuer', 400),
  ISSUER_UNRESOLVABLE: own('ISSUER_UNRESOLVABLE', 'Issuer DID could not be resolved', 400),
  ISSUER_DEACTIVATED: own('ISSUER_DEACTIVATED', 'Issuer DID is deactivated', 400),
  KEY_NOT_AUTHORISED: own('KEY_NOT_AUTHORISED', 'Key not authorised for assertionMethod', 400),
  NOT_YET_VALID: own('NOT_YET_VALID', 'Credential not yet valid', 400),
  EXPIRED: own('EXPIRED', 'Credential expired', 400),
  REVOKED: own('REVOKED', 'Credential revoked', 400),
  SUSPENDED: own('SUSPENDED', 'Credential suspended', 400),
  STATUS_UNAVAILABLE: { type: `${STATUS_LIST}STATUS_RETRIEVAL_ERROR`, title: 'Status list unavailable', status: 400 },
  STATUS_INVALID: { type: `${STATUS_LIST}STATUS_VERIFICATION_ERROR`, title: 'Status list invalid', status: 400 },
  SCHEMA_INVALID: own('SCHEMA_INVALID', 'Credential does not match its schema', 400),
  SCHEMA_UNAVAILABLE: own('SCHEMA_UNAVAILABLE', 'Credential schema unavailable', 400),
  RELATED_RESOURCE_MISMATCH: own('RELATED_RESOURCE_MISMATCH', 'Related resource digest mismatch', 400),
  RELATED_RESOURCE_UNAVAILABLE: own('RELATED_RESOURCE_UNAVAILABLE', 'Related resource unavailable', 400),
  MALFORMED_PRESENTATION: own('MALFORMED_PRESENTATION', 'Malformed presentation', 400),
  CHALLENGE_MISMATCH: own('CHALLENGE_MISMATCH', 'Presentation challenge (nonce) differs from the one expected', 400),
  DOMAIN_MISMATCH: own('DOMAIN_MISMATCH', 'Presentation domain (aud) differs from the one expected', 400),
  HOLDER_MISMATCH: own('HOLDER_MISMATCH', 'The presentation was signed by a key of another DID than its holder', 400),
  CREDENTIAL_NOT_VERIFIED: own('CREDENTIAL_NOT_VERIFIED', 'A credential in the presentation does not verify', 400),
  INVALID_CREDENTIAL: own('INVALID_CREDENTIAL', 'Invalid credential for issuance', 400),
  CREDENTIAL_NOT_FOUND: own('CREDENTIAL_NOT_FOUND', 'Credential not issued here', 404),
  STATUS_CHANGE_FORBIDDEN: own(
    'STATUS_CHANGE_FORBIDDEN',
    'Only the issuing client or an admin client may change a credential status',
    403,
  ),
  STATUS_LIST_NOT_FOUND: own('STATUS_LIST_NOT_FOUND', 'Status list not found', 404),
  STATUS_LIST_FULL: own('STATUS_LIST_FULL', 'No free status list entry', 503),
  NOT_ACCEPTABLE: own('NOT_ACCEPTABLE', 'No representation matches the Accept header', 406),
  UNAUTHORIZED: reused('UNAUTHORIZED'),
  REQUEST_TOO_LARGE: reused('REQUEST_TOO_LARGE'),
  MALFORMED_REQUEST: reused('MALFORMED_REQUEST'),
  INTERNAL_ERROR: reused('INTERNAL_ERROR'),
});

/** One problem found while verifying: `verify*` collects these instead of throwing. */
export interface VerificationIssue {
  code: IssuerErrorCode;
  message: string;
}

/** An RFC 9457 problem details object. */
export interface IssuerProblem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: VerificationIssue[];
}

export class IssuerError extends Error {
  readonly code: IssuerErrorCode;
  readonly errors: VerificationIssue[] | undefined;

  constructor(code: IssuerErrorCode, message: string, options?: { cause?: unknown; errors?: VerificationIssue[] }) {
    super(message, options);
    this.name = 'IssuerError';
    this.code = code;
    this.errors = options?.errors;
  }

  get status(): number {
    return ISSUER_ERRORS[this.code].status;
  }

  toProblem(): IssuerProblem {
    const { type, title, status } = ISSUER_ERRORS[this.code];
    const problem: IssuerProblem = { type, title, status, detail: this.message };
    if (this.errors !== undefined) problem.errors = this.errors;
    return problem;
  }
}

export function issue(code: IssuerErrorCode, message: string): VerificationIssue {
  return { code, message };
}

/**
 * A value, or the issue that stopped it, told apart by the tag. A credential is an open JSON object that may hold
 * `code` and `message` members of its own, so a result is never told from an issue by its shape.
 */
export type Checked<T> = { ok: true; value: T } | { ok: false; issue: VerificationIssue };
