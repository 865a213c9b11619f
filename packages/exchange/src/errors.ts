/**
 * One error type for the exchange and one table of its codes: each with its RFC 9457 problem type, title and HTTP
 * status. The provider answers with `toProblem()`, whose `detail` is written for the caller and never carries an
 * internal message; the consumer client throws the same type with the code of what it refused.
 */
import { ERRORS as METHOD_ERRORS } from '@did-city/method';

export type ExchangeErrorCode =
  // the provider refuses a request (spec §12.3, §12.4)
  | 'SIGNATURE_MISSING'
  | 'SIGNATURE_INVALID'
  | 'SIGNATURE_STALE'
  | 'SIGNATURE_REPLAYED'
  | 'SIGNER_NOT_AUTHORISED'
  | 'SIGNER_UNRESOLVABLE'
  | 'GRANT_MISSING'
  | 'GRANT_INVALID'
  | 'DATASET_NOT_FOUND'
  | 'REQUEST_TOO_LARGE'
  | 'BUSY'
  | 'UNAUTHORIZED'
  | 'INTERNAL_ERROR'
  // the consumer refuses an answer (spec §12.5)
  | 'DIGEST_MISMATCH'
  | 'ANCHOR_UNAVAILABLE'
  | 'PROVIDER_UNAVAILABLE'
  | 'PROVIDER_REFUSED'
  // publishing
  | 'INVALID_INPUT';

interface Entry {
  /** Default: the project's namespace and the code. */
  type?: string;
  title: string;
  status: number;
}

/** The project's error namespace (spec §8); the codes shared with the ledger keep the method library's entries. */
const CITY = 'https://w3id.org/did-city/errors#';

function own(title: string, status: number): Entry {
  return { title, status };
}

function reused(code: 'UNAUTHORIZED' | 'REQUEST_TOO_LARGE' | 'INTERNAL_ERROR'): Entry {
  const { type, title, status } = METHOD_ERRORS[code];
  return { type, title, status };
}

export const EXCHANGE_ERRORS: Readonly<Record<ExchangeErrorCode, Entry>> = Object.freeze({
  SIGNATURE_MISSING: own('HTTP message signature missing', 401),
  SIGNATURE_INVALID: own('HTTP message signature invalid', 401),
  SIGNATURE_STALE: own('HTTP message signature outside its time window', 401),
  SIGNATURE_REPLAYED: own('HTTP message signature replayed', 401),
  SIGNER_NOT_AUTHORISED: own("Signing key not in the signer's authentication", 401),
  SIGNER_UNRESOLVABLE: own("Signer's DID could not be resolved now", 503),
  GRANT_MISSING: own('No data-sharing grant presented', 403),
  GRANT_INVALID: own('Data-sharing grant not accepted', 403),
  DATASET_NOT_FOUND: own('No such dataset or release', 404),
  REQUEST_TOO_LARGE: reused('REQUEST_TOO_LARGE'),
  BUSY: own('Service busy', 503),
  UNAUTHORIZED: reused('UNAUTHORIZED'),
  INTERNAL_ERROR: reused('INTERNAL_ERROR'),
  DIGEST_MISMATCH: own('Payload does not match its anchored digest', 502),
  ANCHOR_UNAVAILABLE: own('Anchored digest unavailable', 502),
  PROVIDER_UNAVAILABLE: own('Provider unavailable', 502),
  PROVIDER_REFUSED: own('Provider refused the request', 502),
  INVALID_INPUT: own('Invalid input', 400),
});

export interface ExchangeProblem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ExchangeErrorCode;
}

export class ExchangeError extends Error {
  readonly code: ExchangeErrorCode;
  /** For PROVIDER_REFUSED: the provider's problem as it sent it. */
  readonly problem?: unknown;

  constructor(code: ExchangeErrorCode, message: string, options: { cause?: unknown; problem?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ExchangeError';
    this.code = code;
    if (options.problem !== undefined) this.problem = options.problem;
  }

  get status(): number {
    return EXCHANGE_ERRORS[this.code].status;
  }

  toProblem(): ExchangeProblem {
    const { type, title, status } = EXCHANGE_ERRORS[this.code];
    return { type: type ?? `${CITY}${this.code}`, title, status, detail: this.message, code: this.code };
  }
}
