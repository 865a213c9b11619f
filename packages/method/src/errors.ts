/**
 * One error type for the method library, with a closed set of codes. The table mirrors spec/errors.json
 * (a test asserts they are equal); the package does not read files outside itself.
 */

export type ErrorCode =
  | 'INVALID_DID'
  | 'INVALID_DID_URL'
  | 'INVALID_OPTIONS'
  | 'NOT_FOUND'
  | 'REPRESENTATION_NOT_SUPPORTED'
  | 'METHOD_NOT_SUPPORTED'
  | 'FEATURE_NOT_SUPPORTED'
  | 'INVALID_DID_DOCUMENT'
  | 'INTERNAL_ERROR'
  | 'INVALID_OPERATION'
  | 'OPERATION_TOO_LARGE'
  | 'HISTORY_TOO_LARGE'
  | 'INVALID_SIGNATURE'
  | 'UNAUTHORIZED_OPERATION'
  | 'STALE_OPERATION'
  | 'DID_DEACTIVATED'
  | 'UNAUTHORIZED'
  | 'REQUEST_TOO_LARGE'
  | 'TOO_MANY_REQUESTS'
  | 'MALFORMED_REQUEST'
  | 'INVALID_LEDGER_PROOF'
  | 'UNTRUSTED_CHECKPOINT'
  | 'INCONSISTENT_CHECKPOINT'
  | 'LEDGER_UNAVAILABLE'
  | 'INVALID_VERIFICATION_METHOD'
  | 'INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD'
  | 'RESOURCE_TOO_LARGE'
  | 'INVALID_RESOURCE_CONTENT';

export interface ErrorEntry {
  type: string;
  title: string;
  status: number;
  /** The W3C DID Resolution code a resolver reports for a did:city-specific code. */
  resolutionError?: ErrorCode;
}

const W3C = 'https://www.w3.org/ns/did#';
const CITY = 'https://w3id.org/did-city/errors#';
/** Controlled Identifiers 1.0 §3.4 processing errors, which DID Resolution §5.4.2 uses for `verificationRelationship`. */
const CID = 'https://w3id.org/security#';

export const ERRORS: Readonly<Record<ErrorCode, Readonly<ErrorEntry>>> = Object.freeze({
  INVALID_DID: { type: `${W3C}INVALID_DID`, title: 'Invalid DID', status: 400 },
  INVALID_DID_URL: { type: `${W3C}INVALID_DID_URL`, title: 'Invalid DID URL', status: 400 },
  INVALID_OPTIONS: { type: `${W3C}INVALID_OPTIONS`, title: 'Invalid resolution options', status: 400 },
  NOT_FOUND: { type: `${W3C}NOT_FOUND`, title: 'DID not found', status: 404 },
  REPRESENTATION_NOT_SUPPORTED: {
    type: `${W3C}REPRESENTATION_NOT_SUPPORTED`,
    title: 'Representation not supported',
    status: 406,
  },
  METHOD_NOT_SUPPORTED: { type: `${W3C}METHOD_NOT_SUPPORTED`, title: 'DID method not supported', status: 501 },
  FEATURE_NOT_SUPPORTED: { type: `${W3C}FEATURE_NOT_SUPPORTED`, title: 'Feature not supported', status: 501 },
  INVALID_DID_DOCUMENT: { type: `${W3C}INVALID_DID_DOCUMENT`, title: 'Invalid DID document', status: 500 },
  INTERNAL_ERROR: { type: `${W3C}INTERNAL_ERROR`, title: 'Internal error', status: 500 },
  INVALID_OPERATION: {
    type: `${CITY}INVALID_OPERATION`,
    title: 'Invalid operation',
    status: 400,
    resolutionError: 'INVALID_DID_DOCUMENT',
  },
  OPERATION_TOO_LARGE: {
    type: `${CITY}OPERATION_TOO_LARGE`,
    title: 'Operation too large',
    status: 413,
    resolutionError: 'INVALID_DID_DOCUMENT',
  },
  HISTORY_TOO_LARGE: {
    type: `${CITY}HISTORY_TOO_LARGE`,
    title: 'History too large',
    status: 413,
    resolutionError: 'INVALID_DID_DOCUMENT',
  },
  INVALID_SIGNATURE: {
    type: `${CITY}INVALID_SIGNATURE`,
    title: 'Invalid signature',
    status: 400,
    resolutionError: 'INVALID_DID_DOCUMENT',
  },
  UNAUTHORIZED_OPERATION: {
    type: `${CITY}UNAUTHORIZED_OPERATION`,
    title: 'Operation not authorised',
    status: 403,
    resolutionError: 'INVALID_DID_DOCUMENT',
  },
  STALE_OPERATION: {
    type: `${CITY}STALE_OPERATION`,
    title: 'Stale operation (seq or prev already taken)',
    status: 409,
    resolutionError: 'INVALID_DID_DOCUMENT',
  },
  DID_DEACTIVATED: {
    type: `${CITY}DID_DEACTIVATED`,
    title: 'DID is deactivated',
    status: 409,
    resolutionError: 'INVALID_DID_DOCUMENT',
  },
  UNAUTHORIZED: {
    type: `${CITY}UNAUTHORIZED`,
    title: 'Missing or wrong credentials for a write',
    status: 401,
    resolutionError: 'INTERNAL_ERROR',
  },
  REQUEST_TOO_LARGE: {
    type: `${CITY}REQUEST_TOO_LARGE`,
    title: 'Request body too large',
    status: 413,
    resolutionError: 'INTERNAL_ERROR',
  },
  TOO_MANY_REQUESTS: {
    type: `${CITY}TOO_MANY_REQUESTS`,
    title: 'Too many requests (rate limit)',
    status: 429,
    resolutionError: 'INTERNAL_ERROR',
  },
  MALFORMED_REQUEST: {
    type: `${CITY}MALFORMED_REQUEST`,
    title: 'Malformed request',
    status: 400,
    resolutionError: 'INTERNAL_ERROR',
  },
  INVALID_LEDGER_PROOF: {
    type: `${CITY}INVALID_LEDGER_PROOF`,
    title: 'Ledger proof failed verification',
    status: 502,
    resolutionError: 'INTERNAL_ERROR',
  },
  UNTRUSTED_CHECKPOINT: {
    type: `${CITY}UNTRUSTED_CHECKPOINT`,
    title: 'Checkpoint not signed by the trusted log or witness quorum',
    status: 502,
    resolutionError: 'INTERNAL_ERROR',
  },
  INCONSISTENT_CHECKPOINT: {
    type: `${CITY}INCONSISTENT_CHECKPOINT`,
    title: 'Checkpoint inconsistent with one seen before (split view)',
    status: 502,
    resolutionError: 'INTERNAL_ERROR',
  },
  LEDGER_UNAVAILABLE: {
    type: `${CITY}LEDGER_UNAVAILABLE`,
    title: 'Ledger unavailable',
    status: 503,
    resolutionError: 'INTERNAL_ERROR',
  },
  INVALID_VERIFICATION_METHOD: {
    type: `${CID}INVALID_VERIFICATION_METHOD`,
    title: 'Invalid verification method',
    status: 400,
  },
  INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD: {
    type: `${CID}INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD`,
    title: 'Verification method not authorised for the verification relationship',
    status: 400,
  },
  RESOURCE_TOO_LARGE: {
    type: `${CITY}RESOURCE_TOO_LARGE`,
    title: 'Resource content too large',
    status: 413,
    resolutionError: 'INTERNAL_ERROR',
  },
  INVALID_RESOURCE_CONTENT: {
    type: `${CITY}INVALID_RESOURCE_CONTENT`,
    title: 'Resource content does not match its anchored checksum',
    status: 400,
    resolutionError: 'INTERNAL_ERROR',
  },
});

/** An RFC 9457 problem details object, as DID Resolution reports errors. */
export interface ProblemDetails {
  type: string;
  title: string;
  detail: string;
  status?: number;
  /**
   * Extension member: seconds after which the failure may be gone (a ledger rate limiting the resolver, with its
   * `Retry-After`); a server answering with the problem sends it as `Retry-After`.
   */
  retryAfter?: number;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}

export class DidCityError extends Error {
  readonly code: ErrorCode;
  readonly detail: string;
  /** Seconds after which trying again may succeed (a rate-limited or briefly unavailable ledger); else undefined. */
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, detail: string, options?: { cause?: unknown; retryAfter?: number }) {
    super(detail, options !== undefined && 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'DidCityError';
    this.code = code;
    this.detail = detail;
    this.retryAfter = options?.retryAfter;
  }

  get status(): number {
    return ERRORS[this.code].status;
  }

  get type(): string {
    return ERRORS[this.code].type;
  }

  toProblem(): ProblemDetails {
    return withRetry(problem(this.code, this.detail), this.retryAfter);
  }
}

export function problem(code: ErrorCode, detail: string): ProblemDetails {
  const { type, title, status } = ERRORS[code];
  return { type, title, detail, status };
}

function withRetry(body: ProblemDetails, retryAfter: number | undefined): ProblemDetails {
  return retryAfter === undefined ? body : { ...body, retryAfter };
}

/**
 * The problem a resolver reports for anything thrown during resolution: did:city-specific codes map to their
 * W3C DID Resolution code (keeping the detail); a foreign error's message is not echoed, it may leak internals.
 */
export function toResolutionProblem(err: unknown): ProblemDetails {
  if (err instanceof DidCityError) {
    return withRetry(problem(ERRORS[err.code].resolutionError ?? err.code, err.detail), err.retryAfter);
  }
  return problem('INTERNAL_ERROR', 'An unexpected error occurred while resolving the DID.');
}
