/**
 * The provider's error handler: every refusal leaves as RFC 9457 problem details from the exchange's error table.
 * Express's own body and parse errors map to their codes; anything else is INTERNAL_ERROR, its message not echoed.
 */
import { requestFailure, sendProblem as writeProblem } from '@did-city/method/http';
import type { NextFunction, Request, Response } from 'express';
import { ExchangeError } from './errors.ts';

export function toExchangeError(error: unknown): ExchangeError {
  if (error instanceof ExchangeError) return error;
  // The exchange's table has no MALFORMED_REQUEST: of the request's own failures only an oversized body is named.
  const request = requestFailure(error);
  if (request?.code === 'REQUEST_TOO_LARGE') return new ExchangeError(request.code, request.detail);
  return new ExchangeError('INTERNAL_ERROR', 'an unexpected error occurred');
}

export function sendProblem(response: Response, error: ExchangeError): void {
  if (error.status === 503) response.set('Retry-After', '1');
  if (error.status === 401) response.set('WWW-Authenticate', 'Signature');
  writeProblem(response, error.toProblem());
}

export function problemHandler(onError?: (error: unknown) => void) {
  return (error: unknown, _request: Request, response: Response, next: NextFunction): void => {
    if (response.headersSent) {
      next(error);
      return;
    }
    const problem = toExchangeError(error);
    if (problem.code === 'INTERNAL_ERROR') onError?.(error);
    sendProblem(response, problem);
  };
}
