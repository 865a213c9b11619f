/**
 * The HTTP plumbing shared by HttpLedgerReader and LedgerClient: a request with a deadline and a response size cap,
 * problem details mapped back to DidCityError by their `type` URI (the ERRORS table), and every network failure
 * or timeout turned into LEDGER_UNAVAILABLE. Details never carry the ledger's URL: a driver passes them on to its
 * clients, and internal host names are not theirs to see (the cause keeps it).
 *
 * Without an injected `fetch`, requests go through node:http(s) with a keep-alive agent of this module: a warm
 * resolver's ledger read is then one request on an open connection, without fetch's WHATWG streams (a third of
 * the reader's time on loopback). A GET that fails because a reused keep-alive connection was closed under it
 * (the server's idle timeout racing the next request: `ECONNRESET`, "socket hang up") is sent once more on a new
 * connection; nothing else is retried, and never a POST.
 */
import { Agent as HttpAgent, type ClientRequest, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { DidCityError, ERRORS, type ErrorCode } from './errors.ts';

export interface HttpSettings {
  /** An injected fetch (tests, a caller's own transport); undefined: node:http(s) with keep-alive. */
  fetch: typeof fetch | undefined;
  timeoutMs: number;
  maxResponseBytes: number;
}

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
  /** The `ETag` header, when the answer has one. */
  etag?: string;
  /** Seconds from the `Retry-After` header (delta-seconds or an HTTP-date), when the answer has a usable one. */
  retryAfter?: number;
}

/** What one exchange hands back before the body is decoded. */
interface RawAnswer {
  status: number;
  header: (name: string) => string | undefined;
  bytes: Buffer;
}

/** Request options the reader and the client use: a method, string headers, a string body. */
export interface ExchangeInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

const CODE_BY_TYPE: ReadonlyMap<string, ErrorCode> = new Map(
  (Object.keys(ERRORS) as ErrorCode[]).map((code) => [ERRORS[code].type, code]),
);

function unavailable(detail: string, cause?: unknown): DidCityError {
  return new DidCityError('LEDGER_UNAVAILABLE', detail, cause === undefined ? undefined : { cause });
}

async function readLimited(response: Response, limit: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > limit) throw tooLarge(limit);
  if (response.body === null) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function tooLarge(limit: number): DidCityError {
  return unavailable(`the ledger's answer is larger than ${limit} bytes`);
}

/**
 * One keep-alive agent per scheme for every reader and client of the process: idle connections are kept below the
 * 5 s idle timeout of a Node server (the ledger node's), and Nagle's algorithm is off (`noDelay`, Node's default,
 * set here so that no default can change it).
 */
const AGENTS = {
  'http:': new HttpAgent({ keepAlive: true, timeout: 4_000, noDelay: true, scheduling: 'lifo' }),
  'https:': new HttpsAgent({ keepAlive: true, timeout: 4_000, noDelay: true, scheduling: 'lifo' }),
} as const;

class ConnectionError extends Error {
  readonly code: string | undefined;
  /** The request went out on a connection an earlier request had used (a kept-alive socket). */
  readonly reused: boolean;

  constructor(message: string, code: string | undefined, reused: boolean) {
    super(message);
    this.code = code;
    this.reused = reused;
  }
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

function timeoutError(ms: number): Error {
  return Object.assign(new Error(`no answer within ${ms} ms`), { name: 'TimeoutError' });
}

/** One exchange over node:http(s); `remainingMs` is what is left of the caller's deadline (a timer, no AbortSignal). */
function nodeExchange(
  url: string,
  init: ExchangeInit,
  settings: HttpSettings,
  remainingMs: number,
): Promise<RawAnswer> {
  const target = new URL(url);
  const https = target.protocol === 'https:';
  const headers: Record<string, string> = { ...init.headers };
  if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
  return new Promise((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (error: Error | undefined, answer?: RawAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error === undefined) resolve(answer!);
      else reject(error);
    };
    const send = https ? httpsRequest : httpRequest;
    const req: ClientRequest = send(
      target,
      { method: init.method ?? 'GET', headers, agent: https ? AGENTS['https:'] : AGENTS['http:'] },
      (res: IncomingMessage) => {
        const declared = Number(res.headers['content-length'] ?? '0');
        if (declared > settings.maxResponseBytes) {
          res.destroy();
          return settle(tooLarge(settings.maxResponseBytes));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > settings.maxResponseBytes) {
            res.destroy();
            return settle(tooLarge(settings.maxResponseBytes));
          }
          chunks.push(chunk);
        });
        res.on('error', (error) => settle(error));
        res.on('close', () => {
          if (!res.complete) settle(new ConnectionError('the answer was cut short', 'ECONNRESET', false));
        });
        res.on('end', () => {
          const header = (name: string) => {
            const value = res.headers[name.toLowerCase()];
            return Array.isArray(value) ? value.join(', ') : value;
          };
          settle(undefined, {
            status: res.statusCode ?? 0,
            header,
            bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
          });
        });
      },
    );
    timer = setTimeout(() => {
      settle(timeoutError(settings.timeoutMs));
      req.destroy();
    }, remainingMs);
    req.on('error', (error: Error & { code?: string }) =>
      settle(new ConnectionError(error.message, error.code, req.reusedSocket)),
    );
    req.end(init.body);
  });
}

async function fetchExchange(
  url: string,
  init: ExchangeInit,
  fetcher: typeof fetch,
  settings: HttpSettings,
  remainingMs: number,
): Promise<RawAnswer> {
  const deadline = AbortSignal.timeout(remainingMs);
  let response: Response;
  try {
    response = await fetcher(url, { ...init, signal: deadline });
  } catch (error) {
    if (deadline.aborted) throw timeoutError(settings.timeoutMs);
    // fetch cannot say whether the connection was a kept-alive one; a reset before any answer is treated as one.
    const code = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
    throw new ConnectionError(
      'fetch failed',
      typeof code === 'string' ? code : undefined,
      typeof code === 'string' && RESET_CODES.has(code),
    );
  }
  try {
    const bytes = await readLimited(response, settings.maxResponseBytes);
    return { status: response.status, header: (name) => response.headers.get(name) ?? undefined, bytes };
  } catch (error) {
    if (deadline.aborted) throw timeoutError(settings.timeoutMs);
    throw error;
  }
}

/** A GET (or HEAD) whose reused connection was reset before an answer came back: the server had closed it. */
function isStaleConnection(error: unknown, method: string): boolean {
  return (
    (method === 'GET' || method === 'HEAD') &&
    error instanceof ConnectionError &&
    error.reused &&
    RESET_CODES.has(error.code ?? '')
  );
}

async function rawExchange(url: string, init: ExchangeInit, settings: HttpSettings): Promise<RawAnswer> {
  const deadline = performance.now() + settings.timeoutMs;
  const once = () => {
    const remaining = Math.max(1, Math.ceil(deadline - performance.now()));
    return settings.fetch === undefined
      ? nodeExchange(url, init, settings, remaining)
      : fetchExchange(url, init, settings.fetch, settings, remaining);
  };
  try {
    try {
      return await once();
    } catch (error) {
      if (!isStaleConnection(error, init.method ?? 'GET')) throw error;
      return await once();
    }
  } catch (error) {
    if (error instanceof DidCityError) throw error;
    // The deadline is a TimeoutError; a failed connection is a ConnectionError.
    const timedOut = (error as { name?: unknown } | null)?.name === 'TimeoutError';
    const why = timedOut ? `no answer within ${settings.timeoutMs} ms` : 'the connection failed';
    throw unavailable(`the ledger could not be reached (${why})`, Object.assign(new Error(url), { cause: error }));
  }
}

/** Seconds from a Retry-After value: delta-seconds, or an HTTP-date (RFC 9110 §10.2.3); undefined when unusable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text);
  const date = Date.parse(text);
  if (!Number.isFinite(date) || !/[a-z]/i.test(text)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

const UTF8 = new TextDecoder('utf-8');

/** One HTTP exchange; rejects only with LEDGER_UNAVAILABLE (no answer, too slow, too large). */
export async function exchange(url: string, init: ExchangeInit, settings: HttpSettings): Promise<HttpAnswer> {
  const raw = await rawExchange(url, init, settings);
  const answer: HttpAnswer = {
    status: raw.status,
    contentType: raw.header('content-type') ?? '',
    body: UTF8.decode(raw.bytes),
  };
  const etag = raw.header('etag');
  if (etag !== undefined) answer.etag = etag;
  const retryAfter = raw.status === 429 || raw.status === 503 ? parseRetryAfter(raw.header('retry-after')) : undefined;
  if (retryAfter !== undefined) answer.retryAfter = retryAfter;
  return answer;
}

/** exchange with the body as bytes (a linked resource's content). */
export async function exchangeBytes(
  url: string,
  init: ExchangeInit,
  settings: HttpSettings,
): Promise<{ status: number; contentType: string; bytes: Uint8Array }> {
  const raw = await rawExchange(url, init, settings);
  const bytes = new Uint8Array(raw.bytes.buffer, raw.bytes.byteOffset, raw.bytes.byteLength);
  return { status: raw.status, contentType: raw.header('content-type') ?? '', bytes };
}

/** The did:city code of a problem-details answer, when its `type` is one of ours. */
export function problemOf(answer: HttpAnswer): { code: ErrorCode; detail: string } | undefined {
  if (!/^application\/problem\+json\b/i.test(answer.contentType)) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return undefined;
  }
  const { type, detail } = (typeof body === 'object' && body !== null ? body : {}) as {
    type?: unknown;
    detail?: unknown;
  };
  const code = typeof type === 'string' ? CODE_BY_TYPE.get(type) : undefined;
  if (code === undefined) return undefined;
  return { code, detail: typeof detail === 'string' ? detail.slice(0, 500) : ERRORS[code].title };
}

/**
 * The error for a non-2xx answer: its own code when it is a did:city problem in `allowed`, else unavailable. A 429
 * or 503 with a Retry-After is unavailable for that long (the error's `retryAfter`), whatever its problem says: a
 * rate limit on this reader is the ledger's to lift, not the DID's fault.
 */
export function answerError(answer: HttpAnswer, what: string, allowed?: ReadonlySet<ErrorCode>): DidCityError {
  const { retryAfter } = answer;
  if (retryAfter !== undefined) {
    const why =
      answer.status === 429
        ? 'the ledger is rate limiting this reader (HTTP 429'
        : 'the ledger is unavailable (HTTP 503';
    return new DidCityError('LEDGER_UNAVAILABLE', `${why} to ${what}); retry after ${retryAfter} s`, { retryAfter });
  }
  const problem = problemOf(answer);
  if (problem !== undefined && (allowed === undefined || allowed.has(problem.code))) {
    return new DidCityError(problem.code, problem.detail);
  }
  return unavailable(`the ledger answered HTTP ${answer.status} to ${what}`);
}

/** Parses a JSON answer body; `onError` decides what a malformed one means to the caller. */
export function parseJson(answer: HttpAnswer, onError: () => DidCityError): unknown {
  try {
    return JSON.parse(answer.body);
  } catch {
    throw onError();
  }
}

/** Joins a base URL (with or without a trailing slash) and a relative path. */
export function endpoint(base: string, path: string): string {
  return new URL(path, base.endsWith('/') ? base : `${base}/`).href;
}
