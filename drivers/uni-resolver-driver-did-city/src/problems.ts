/**
 * The driver's one error path. The HTTP status of every error comes from `ERRORS`, the table the method library
 * reports with (spec/errors.json); an error is classified by its problem `type` (or the library's code), never by
 * its message text.
 */
import { ERRORS, type ErrorCode, isErrorCode, type ProblemDetails, problem } from '@did-city/method';

/** `uri`: the full W3C type URI (default). `short`: the bare code (`NOT_FOUND`), what uni-resolver-web reads. */
export type ErrorStyle = 'uri' | 'short';

export const ERROR_STYLES: readonly ErrorStyle[] = ['uri', 'short'];

/**
 * Where the W3C DID Resolution HTTP(S) binding and the Universal Resolver's `HttpDriver` read an answer
 * differently, which one the driver answers for (docs/conformance.md, "Two profiles").
 */
export type Profile = 'w3c' | 'universal-resolver';

export const PROFILES: readonly Profile[] = ['w3c', 'universal-resolver'];

const CODE_BY_TYPE: ReadonlyMap<string, ErrorCode> = new Map(
  Object.entries(ERRORS).map(([code, entry]) => [entry.type, code as ErrorCode]),
);

/** How the driver reports one error: the code from the table when it has one, and the HTTP status. */
export interface ErrorClass {
  /** The W3C DID Resolution code; undefined for a problem type outside the table (e.g. a CID 1.0 error). */
  code?: ErrorCode;
  status: number;
}

function memberOf(error: unknown, name: string): unknown {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[name] : undefined;
}

function codeOf(type: unknown): ErrorCode | undefined {
  if (typeof type !== 'string') return undefined;
  return CODE_BY_TYPE.get(type) ?? (isErrorCode(type) ? type : undefined);
}

/**
 * Classifies a problem (or a bare code) by its `type`. A did:city code (ledger, operations) is reported as its
 * W3C DID Resolution code, as the library does, with that code's status from the table. A type outside the table
 * (the library reports `verificationRelationship` failures with the CID 1.0 types) keeps the status the problem
 * carries when it is an HTTP error status; anything else is an internal error.
 */
export function classifyError(error: unknown): ErrorClass {
  const type = typeof error === 'string' ? error : memberOf(error, 'type');
  const code = codeOf(type);
  if (code !== undefined) {
    const reported = ERRORS[code].resolutionError ?? code;
    return { code: reported, status: ERRORS[reported].status };
  }
  const status = memberOf(error, 'status');
  const isForeign = typeof type === 'string' && URL.canParse(type);
  if (isForeign && Number.isInteger(status) && (status as number) >= 400 && (status as number) <= 599) {
    return { status: status as number };
  }
  return { code: 'INTERNAL_ERROR', status: ERRORS.INTERNAL_ERROR.status };
}

function detailOf(error: unknown, fallback: string): string {
  const detail = memberOf(error, 'detail');
  return typeof detail === 'string' && detail !== '' ? detail : fallback;
}

/** `short` style: the code, or the fragment of a type URI outside the table. */
function shortType(type: string): string {
  return type.slice(type.lastIndexOf('#') + 1);
}

/**
 * The problem details object to send: the library's (or the driver's) problem with type, title and status set
 * from the table when the code is known, in the configured style.
 */
export function styledProblem(error: unknown, classified: ErrorClass, style: ErrorStyle): ProblemDetails {
  const base = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  const { code } = classified;
  const styled: ProblemDetails =
    code === undefined
      ? {
          ...base,
          type: String(base['type']),
          title: String(base['title'] ?? 'Error'),
          detail: detailOf(error, 'Error'),
        }
      : { ...base, ...problem(code, detailOf(error, ERRORS[code].title)) };
  if (style === 'short') styled.type = code ?? shortType(styled.type);
  return styled;
}

export interface ErrorResult {
  didResolutionMetadata: Record<string, unknown> & { error: ProblemDetails };
  didDocument: null;
  didDocumentMetadata: Record<string, unknown>;
}

export interface DereferencingErrorResult {
  dereferencingMetadata: Record<string, unknown> & { error: ProblemDetails };
  content: null;
  contentStream: null;
  contentMetadata: Record<string, unknown>;
}

/** Which function's result an error is sent as: the one the request called (DID Resolution §7, HTTP(S) binding). */
export type ResultShape = 'resolution' | 'dereferencing';

/**
 * An error as the result of the function the request called, keeping the metadata the library returned beside
 * the error (e.g. the ledger checkpoint): a resolution result for a DID, a dereferencing result for a DID URL
 * (and for a DID asked for as `application/did-url-dereferencing`).
 */
export function errorResult(
  error: ProblemDetails,
  metadata: { process?: object | undefined; content?: object | undefined } = {},
  shape: ResultShape = 'resolution',
): ErrorResult | DereferencingErrorResult {
  if (shape === 'dereferencing') {
    return {
      dereferencingMetadata: { ...metadata.process, error },
      content: null,
      contentStream: null,
      contentMetadata: { ...metadata.content },
    };
  }
  return {
    didResolutionMetadata: { ...metadata.process, error },
    didDocument: null,
    didDocumentMetadata: { ...metadata.content },
  };
}
