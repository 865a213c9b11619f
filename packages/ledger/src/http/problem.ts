/**
 * RFC 9457 problem details for the ledger API. did:city codes come from the method library's ERRORS table (the
 * same table resolvers and the driver read), so a client maps a response back to a DidCityError by its `type`.
 * Plain HTTP failures with no did:city meaning (unknown route, a tile not there yet) use `about:blank`.
 */
import { DidCityError, type ErrorCode, problem } from '@did-city/method';
import { TlogError } from '@did-city/tlog';
import type { Response } from 'express';

export const PROBLEM_TYPE = 'application/problem+json';

/** Sends the problem of a did:city code with `detail` naming what was wrong. */
export function sendProblem(res: Response, code: ErrorCode, detail: string): void {
  const body = problem(code, detail);
  if (code === 'LEDGER_UNAVAILABLE') res.setHeader('Retry-After', '5');
  res.status(body.status ?? 500).type(PROBLEM_TYPE).send(JSON.stringify(body));
}

/** A problem without a did:city code (RFC 9457 §4.2.1 `about:blank`: the title is the status phrase). */
export function sendPlainProblem(res: Response, status: 404 | 405, detail: string): void {
  const title = status === 404 ? 'Not Found' : 'Method Not Allowed';
  res.status(status).type(PROBLEM_TYPE).send(JSON.stringify({ type: 'about:blank', title, status, detail }));
}

/** What the API tells the client about a thrown error, and whether it was unexpected (to be logged). */
export interface Classified {
  code: ErrorCode;
  detail: string;
  unexpected: boolean;
}

/**
 * Maps a thrown error to a problem by its type, never its message text. RangeError is what the read side throws
 * for sizes and indexes beyond the anchored log (its message names the numbers, never internals).
 */
export function classify(error: unknown): Classified {
  if (error instanceof DidCityError) return { code: error.code, detail: error.detail, unexpected: false };
  const request = requestProblem(error);
  if (request !== undefined) return request;
  if (error instanceof TlogError && error.code === 'MALFORMED_TILE') {
    return { code: 'MALFORMED_REQUEST', detail: error.message, unexpected: false };
  }
  if (error instanceof RangeError) return { code: 'MALFORMED_REQUEST', detail: error.message, unexpected: false };
  return { code: 'INTERNAL_ERROR', detail: 'The ledger node failed to answer this request.', unexpected: true };
}

export const NESTED_TOO_DEEPLY: Classified = { code: 'MALFORMED_REQUEST', detail: 'request body is nested too deeply', unexpected: false };

/**
 * Failures caused by the shape of a request rather than by the node: a path with malformed percent-encoding
 * (express's URIError) and a value nested so deeply that a recursive check ran out of stack. Their messages are
 * internal text, so the answer is a fixed sentence.
 */
export function requestProblem(error: unknown): Classified | undefined {
  if (error instanceof URIError) return { code: 'MALFORMED_REQUEST', detail: 'the path has malformed percent-encoding', unexpected: false };
  if (error instanceof RangeError && /call stack/i.test(error.message)) return NESTED_TOO_DEEPLY;
  return undefined;
}

/**
 * The request-body parser's errors (body-parser / http-errors) carry a numeric `status` and a `type` such as
 * `entity.too.large`: those properties, not the message, decide the answer.
 */
export function bodyProblem(error: unknown): Classified | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, type } = error as { status?: unknown; type?: unknown };
  if (typeof status !== 'number' || typeof type !== 'string') return undefined;
  if (status === 413) return { code: 'REQUEST_TOO_LARGE', detail: 'request body exceeds the size limit', unexpected: false };
  if (type === 'entity.parse.failed') return { code: 'MALFORMED_REQUEST', detail: 'request body is not valid JSON', unexpected: false };
  if (status >= 400 && status < 500) {
    return { code: 'MALFORMED_REQUEST', detail: `request body could not be read (${type})`, unexpected: false };
  }
  return undefined;
}
