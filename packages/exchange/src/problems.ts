/**
 * The provider's error handler: every refusal leaves as RFC 9457 problem details from the exchange's error table.
 * Express's own body and parse errors map to their codes; anything else is INTERNAL_ERROR, its message not echoed.
 */
import type { NextFunction, Request, Response } from 'express';
import { ExchangeError } from './errors.ts';

export function toExchangeError(error: unknown): ExchangeError {
  if (error instanceof ExchangeError) return error;
  const type = (error as { type?: unknown })?.type;
  if (type === 'entity.too.large') return new ExchangeError('REQUEST_TOO_LARGE', 'request body exceeds the size limit');
  return new ExchangeError('INTERNAL_ERROR', 'an unexpected error occurred');
}

export function sendProblem(response: Response, error: ExchangeError): void {
  if (error.code === 'BUSY') response.set('Retry-After', '1');
  if (error.status === 401) response.set('WWW-Authenticate', 'Signature');
  response.status(error.status).type('application/problem+json').send(JSON.stringify(error.toProblem()));
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
