/**
 * One error handler for the service: every failure leaves as RFC 9457 problem details, status and type from the
 * package's error table, written by the method library's problem-details module. Failures the request caused
 * (body too large, not JSON, a bad encoding, a malformed path) are mapped to their codes there; anything unexpected
 * is an INTERNAL_ERROR whose message is not echoed.
 */
import { requestFailure, sendProblem as writeProblem } from '@did-city/method/http';
import type { NextFunction, Request, Response } from 'express';
import { ISSUER_ERRORS, IssuerError, type VerificationIssue } from '../errors.ts';

function toIssuerError(error: unknown): IssuerError {
  if (error instanceof IssuerError) return error;
  const request = requestFailure(error);
  if (request !== undefined) return new IssuerError(request.code, request.detail);
  return new IssuerError('INTERNAL_ERROR', 'an unexpected error occurred');
}

export function sendProblem(response: Response, error: IssuerError): void {
  writeProblem(response, error.toProblem());
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
  return issues.map((entry) => ({
    ...entry,
    type: ISSUER_ERRORS[entry.code].type,
    title: ISSUER_ERRORS[entry.code].title,
  }));
}
