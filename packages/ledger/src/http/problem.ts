/**
 * The ledger API's problems. did:city codes come from the method library's ERRORS table (the same table resolvers
 * and the driver read), so a client maps a response back to a DidCityError by its `type`; writing them, the
 * `about:blank` form and the failures a request causes by its shape come from the method library's one
 * problem-details module (`@did-city/method/http`).
 */
import { DidCityError, type ErrorCode, problem } from '@did-city/method';
import { plainProblem, requestFailure, sendProblem as writeProblem } from '@did-city/method/http';
import { TlogError } from '@did-city/tlog';
import type { Response } from 'express';
import { OutsideLogError } from '../reader.ts';

/** Sends the problem of a did:city code with `detail` naming what was wrong. */
export function sendProblem(res: Response, code: ErrorCode, detail: string): void {
  if (code === 'LEDGER_UNAVAILABLE') res.setHeader('Retry-After', '5');
  writeProblem(res, problem(code, detail));
}

/** A problem without a did:city code (RFC 9457 §4.2.1 `about:blank`: the title is the status phrase). */
export function sendPlainProblem(res: Response, status: 404 | 405, detail: string): void {
  writeProblem(res, plainProblem(status, detail));
}

/** What the API tells the client about a thrown error, and whether it was unexpected (to be logged). */
export interface Classified {
  code: ErrorCode;
  detail: string;
  unexpected: boolean;
}

const INTERNAL: Classified = {
  code: 'INTERNAL_ERROR',
  detail: 'The ledger node failed to answer this request.',
  unexpected: true,
};

/**
 * Maps a thrown error to a problem by its type, never its message text. Only errors that name what the request got
 * wrong are the client's: a DidCityError, a malformed tile path, a size or index beyond the anchored log
 * (OutsideLogError, whose message names the numbers), and a request the body parser or the router refused. Any other
 * error, a RangeError from deep in a store included, is the node's own failure: a 500 that quotes nothing.
 */
export function classify(error: unknown): Classified {
  if (error instanceof DidCityError) return { code: error.code, detail: error.detail, unexpected: false };
  if (error instanceof OutsideLogError) return { code: 'MALFORMED_REQUEST', detail: error.message, unexpected: false };
  if (error instanceof TlogError && error.code === 'MALFORMED_TILE') {
    return { code: 'MALFORMED_REQUEST', detail: error.message, unexpected: false };
  }
  const request = requestFailure(error);
  if (request !== undefined) return { ...request, unexpected: false };
  return INTERNAL;
}
