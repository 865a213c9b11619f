/**
 * RFC 9457 problem details as every did:city server sends them (ledger, issuer, exchange provider, registration
 * desk, all-in-one): one media type, one way to write the answer, one `about:blank` form for plain HTTP failures,
 * and one reading of the failures a request itself causes before any handler runs. Each server keeps its own table
 * of codes (DidCityError, IssuerError, ExchangeError); what a thrown error means is decided by its type or its
 * properties, never its message text, and an error nobody classified is a 500 whose detail is a fixed sentence.
 *
 * Framework-free: express's Response satisfies `ProblemSink`, so the method library needs no server dependency.
 */
import { STATUS_CODES } from 'node:http';

/** RFC 9457 §3: the media type of a problem details body. */
export const PROBLEM_JSON = 'application/problem+json';

/** What a problem is written to: express's Response has these. */
export interface ProblemSink {
  status(code: number): ProblemSink;
  type(contentType: string): ProblemSink;
  send(body: string): unknown;
}

/** The members every problem here carries (RFC 9457 §3.1); extension members ride along. */
export interface ProblemBody {
  type: string;
  title?: string;
  status?: number;
  detail?: string;
}

/** Sends `problem` with its own status (500 when it has none) as `application/problem+json`. */
export function sendProblem(res: ProblemSink, problem: ProblemBody): void {
  res
    .status(problem.status ?? 500)
    .type(PROBLEM_JSON)
    .send(JSON.stringify(problem));
}

/**
 * A problem with no code of ours (an unknown route, a resource not there yet): RFC 9457 §4.2.1 `about:blank`, whose
 * title is the status phrase.
 */
export function plainProblem(status: number, detail: string): Required<ProblemBody> {
  return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail };
}

/** A failure the request caused before a handler saw it, with a detail that quotes none of its bytes. */
export interface RequestFailure {
  code: 'REQUEST_TOO_LARGE' | 'MALFORMED_REQUEST';
  detail: string;
}

const NESTED_TOO_DEEPLY: RequestFailure = { code: 'MALFORMED_REQUEST', detail: 'request body is nested too deeply' };

/**
 * Reads the failures a request causes by its shape rather than by anything the server did:
 * - the body parser's errors (body-parser / http-errors carry a numeric `status` and a `type` such as
 *   `entity.too.large`): those properties decide, not the message;
 * - express's URIError for a path with malformed percent-encoding;
 * - a value nested so deeply that a recursive check ran out of stack (V8's RangeError; its message is the only
 *   thing that tells it from another RangeError).
 * Anything else is not the request's fault: undefined, for the caller's own table or a 500.
 */
export function requestFailure(error: unknown): RequestFailure | undefined {
  if (error instanceof URIError)
    return { code: 'MALFORMED_REQUEST', detail: 'the path has malformed percent-encoding' };
  if (error instanceof RangeError && /call stack/i.test(error.message)) return NESTED_TOO_DEEPLY;
  return bodyParserFailure(error);
}

function bodyParserFailure(error: unknown): RequestFailure | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, type } = error as { status?: unknown; type?: unknown };
  if (typeof status !== 'number' || typeof type !== 'string') return undefined;
  if (status === 413) return { code: 'REQUEST_TOO_LARGE', detail: 'request body exceeds the size limit' };
  if (type === 'entity.parse.failed') return { code: 'MALFORMED_REQUEST', detail: 'request body is not valid JSON' };
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return { code: 'MALFORMED_REQUEST', detail: 'unsupported request encoding' };
  }
  if (status >= 400 && status < 500)
    return { code: 'MALFORMED_REQUEST', detail: `request body could not be read (${type})` };
  return undefined;
}
