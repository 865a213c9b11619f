/**
 * One error handler for the service: every failure leaves as RFC 9457 problem details, status and type from the
 * package's error table. Body-parser failures (too large, not JSON) are mapped to their codes; anything unexpected
 * is an INTERNAL_ERROR whose message is not echoed.
 */
import type { NextFunction, Request, Response } from 'express';
import { ISSUER_ERRORS, IssuerError, type VerificationIssue } from '../errors.ts';

function toIssuerError(error: unknown): IssuerError {
  if (error instanceof IssuerError) return error;
  const type = (error as { type?: unknown })?.type;
  if (type === 'entity.too.large') return new IssuerError('REQUEST_TOO_LARGE', 'request body exceeds the size limit');
  if (type === 'entity.parse.failed') return new IssuerError('MALFORMED_REQUEST', 'request body is not valid JSON');
  if (typeof type === 'string' && type.startsWith('encoding.')) return new IssuerError('MALFORMED_REQUEST', 'unsupported request encoding');
  return new IssuerError('INTERNAL_ERROR', 'an unexpected error occurred');
}

export function sendProblem(response: Response, error: IssuerError): void {
  response.status(error.status).type('application/problem+json').send(JSON.stringify(error.toProblem()));
}

export function problemHandler(error: unknown, _request: Request, response: Response, next: NextFunction): void {
  if (response.headersSent) {
    next(error);
    return;
  }
  sendProblem(response, toIssuerError(error));
}

/** Verification issues as the VC API reports them: each with its problem type URI and title beside code and message. */
export function describedIssues(issues: readonly VerificationIssue[]) {
  return issues.map((entry) => ({ ...entry, type: ISSUER_ERRORS[entry.code].type, title: ISSUER_ERRORS[entry.code].title }));
}
