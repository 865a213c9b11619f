/**
 * The HTTP plumbing shared by HttpLedgerReader and LedgerClient: fetch with a deadline and a response size cap,
 * problem details mapped back to DidCityError by their `type` URI (the ERRORS table), and every network failure
 * or timeout turned into LEDGER_UNAVAILABLE. Details never carry the ledger's URL: a driver passes them on to its
 * clients, and internal host names are not theirs to see (the cause keeps it).
 */
import { DidCityError, ERRORS, type ErrorCode } from './errors.ts';

export interface HttpSettings {
  fetch: typeof fetch;
  timeoutMs: number;
  maxResponseBytes: number;
}

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
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
  if (declared > limit) throw unavailable(`the ledger's answer is larger than ${limit} bytes`);
  if (response.body === null) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) throw unavailable(`the ledger's answer is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** One HTTP exchange; rejects only with LEDGER_UNAVAILABLE (no answer, too slow, too large). */
export async function exchange(url: string, init: RequestInit, settings: HttpSettings): Promise<HttpAnswer> {
  const answer = await exchangeBytes(url, init, settings);
  return { status: answer.status, contentType: answer.contentType, body: new TextDecoder('utf-8').decode(answer.bytes) };
}

/** exchange with the body as bytes (a linked resource's content). */
export async function exchangeBytes(
  url: string,
  init: RequestInit,
  settings: HttpSettings,
): Promise<{ status: number; contentType: string; bytes: Uint8Array }> {
  try {
    const response = await settings.fetch(url, { ...init, signal: AbortSignal.timeout(settings.timeoutMs) });
    const body = await readLimited(response, settings.maxResponseBytes);
    const bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', bytes };
  } catch (error) {
    if (error instanceof DidCityError) throw error;
    // fetch rejects with a TimeoutError DOMException when the signal fires, a TypeError when the connection fails.
    const timedOut = (error as { name?: unknown } | null)?.name === 'TimeoutError';
    const why = timedOut ? `no answer within ${settings.timeoutMs} ms` : 'the connection failed';
    throw unavailable(`the ledger could not be reached (${why})`, Object.assign(new Error(url), { cause: error }));
  }
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
  const { type, detail } = (typeof body === 'object' && body !== null ? body : {}) as { type?: unknown; detail?: unknown };
  const code = typeof type === 'string' ? CODE_BY_TYPE.get(type) : undefined;
  if (code === undefined) return undefined;
  return { code, detail: typeof detail === 'string' ? detail.slice(0, 500) : ERRORS[code].title };
}

/** The error for a non-2xx answer: its own code when it is a did:city problem in `allowed`, else unavailable. */
export function answerError(answer: HttpAnswer, what: string, allowed?: ReadonlySet<ErrorCode>): DidCityError {
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
