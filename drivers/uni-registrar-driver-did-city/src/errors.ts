/**
 * One error type for the registrar driver. Its codes are the method library's (spec/errors.json: what the ledger
 * and the validator say about an operation) plus the few that only a registrar job can raise. Every failure
 * reaches the client as a `failed` state whose `error` is the code, `reason` the detail, and
 * `didRegistrationMetadata.problem` the RFC 9457 problem details; the HTTP status is 400 (the input) or 500 (the
 * driver or the ledger), the only two the registrar's OpenAPI defines for failures.
 */
import { DidCityError, ERRORS, type ErrorCode } from '@did-city/method';

/** Codes only this driver raises, with their problem `type` URIs. */
export const REGISTRAR_ERRORS = Object.freeze({
  UNKNOWN_JOB: {
    type: 'https://w3id.org/did-city/registrar#UNKNOWN_JOB',
    title: 'Unknown or expired job',
    status: 400,
  },
  JOB_LIMIT: {
    type: 'https://w3id.org/did-city/registrar#JOB_LIMIT',
    title: 'Too many open jobs',
    status: 500,
  },
  JOB_MISMATCH: {
    type: 'https://w3id.org/did-city/registrar#JOB_MISMATCH',
    title: 'The job belongs to another operation',
    status: 400,
  },
  REJECTED: {
    type: 'https://w3id.org/did-city/registrar#REJECTED',
    title: 'Registration rejected',
    status: 400,
  },
} as const);

export type RegistrarCode = ErrorCode | keyof typeof REGISTRAR_ERRORS;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
}

export class RegistrarError extends Error {
  override readonly name = 'RegistrarError';
  readonly code: RegistrarCode;
  readonly detail: string;

  constructor(code: RegistrarCode, detail: string) {
    super(`${code}: ${detail}`);
    this.code = code;
    this.detail = detail;
  }
}

function isDriverCode(code: RegistrarCode): code is keyof typeof REGISTRAR_ERRORS {
  return Object.hasOwn(REGISTRAR_ERRORS, code);
}

/**
 * The registrar's two failure statuses: the caller's input (any 4xx in the tables, and 501: a feature or method
 * the request asks for and this driver does not offer) or the driver's or the ledger's side.
 */
function registrarStatus(status: number): 400 | 500 {
  return status < 500 || status === 501 ? 400 : 500;
}

/** The problem details of a code; titles of the W3C resolution codes are reworded for registration. */
export function problemOf(code: RegistrarCode, detail: string): Problem {
  if (isDriverCode(code)) {
    const entry = REGISTRAR_ERRORS[code];
    return { type: entry.type, title: entry.title, status: registrarStatus(entry.status), detail };
  }
  const entry = ERRORS[code];
  const title = code === 'INVALID_OPTIONS' ? 'Invalid registration options' : entry.title;
  return { type: entry.type, title, status: registrarStatus(entry.status), detail };
}

/** Anything thrown while handling a request, as a code and detail; unexpected errors are INTERNAL_ERROR. */
export function classify(error: unknown): { code: RegistrarCode; detail: string; unexpected: boolean } {
  if (error instanceof RegistrarError) return { code: error.code, detail: error.detail, unexpected: false };
  if (error instanceof DidCityError) return { code: error.code, detail: error.detail, unexpected: false };
  return { code: 'INTERNAL_ERROR', detail: 'The driver failed to handle this request.', unexpected: true };
}

export function invalidOptions(detail: string): never {
  throw new RegistrarError('INVALID_OPTIONS', detail);
}

export function malformed(detail: string): never {
  throw new RegistrarError('MALFORMED_REQUEST', detail);
}
