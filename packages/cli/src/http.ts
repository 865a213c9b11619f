/**
 * HTTP for the endpoints the method library has no client for (registrations, the issuer's VC API, the policy):
 * a deadline on every request, problem details mapped to exit codes by their `type`, and a connection failure
 * reported as "could not be reached" (exit 3). Tokens travel in the Authorization header only, never in a message.
 */
import { CliError, EXIT, fromProblem } from './output.ts';

const TIMEOUT_MS = 60_000;

export interface JsonRequest {
  method?: 'GET' | 'POST';
  body?: unknown;
  token?: string;
}

function unreachable(url: string, error: unknown): CliError {
  const timedOut = (error as { name?: unknown } | null)?.name === 'TimeoutError';
  const { origin } = new URL(url);
  return new CliError({
    exit: EXIT.unreachable,
    title: 'Service unavailable',
    detail: `${origin} could not be reached (${timedOut ? `no answer within ${TIMEOUT_MS / 1000} s` : 'the connection failed'})`,
    hint: 'check the URL (--ledger / --issuer-url) and that the server is running: did-city serve',
  });
}

async function exchange(url: string, init: RequestInit): Promise<{ status: number; type: string; text: string }> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
    return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
  } catch (error) {
    throw unreachable(url, error);
  }
}

function failure(url: string, answer: { status: number; type: string; text: string }): CliError {
  if (/json/.test(answer.type)) {
    try {
      return fromProblem({ status: answer.status, ...(JSON.parse(answer.text) as object) });
    } catch {
      // Not JSON after all: fall through to the status line.
    }
  }
  if (answer.status === 404) {
    return new CliError({
      exit: EXIT.refused,
      title: 'Not found',
      detail: `${new URL(url).pathname} does not exist on this server`,
    });
  }
  const exit = answer.status >= 500 ? EXIT.unreachable : EXIT.refused;
  return new CliError({
    exit,
    title: `HTTP ${answer.status}`,
    detail: `${new URL(url).pathname} answered ${answer.status}`,
  });
}

export async function requestJson(url: string, request: JsonRequest = {}): Promise<unknown> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (request.body !== undefined) headers['Content-Type'] = 'application/json';
  if (request.token !== undefined) headers.Authorization = `Bearer ${request.token}`;
  const init: RequestInit = { method: request.method ?? (request.body === undefined ? 'GET' : 'POST'), headers };
  if (request.body !== undefined) init.body = JSON.stringify(request.body);
  const answer = await exchange(url, init);
  if (answer.status < 200 || answer.status > 299) throw failure(url, answer);
  try {
    return JSON.parse(answer.text);
  } catch {
    throw new CliError({
      exit: EXIT.refused,
      title: 'Malformed answer',
      detail: `${new URL(url).pathname} did not answer JSON`,
    });
  }
}

/** POST with the token, reading a JSON report whose status says ok (2xx) or not (`reportStatuses`, e.g. 503). */
export async function postForReport(
  url: string,
  token: string,
  reportStatuses: readonly number[],
): Promise<{ status: number; body: unknown }> {
  const headers = { Accept: 'application/json', Authorization: `Bearer ${token}` };
  const answer = await exchange(url, { method: 'POST', headers });
  const isReport = (answer.status >= 200 && answer.status <= 299) || reportStatuses.includes(answer.status);
  if (!isReport || !/json/.test(answer.type)) throw failure(url, answer);
  try {
    return { status: answer.status, body: JSON.parse(answer.text) };
  } catch {
    throw new CliError({
      exit: EXIT.refused,
      title: 'Malformed answer',
      detail: `${new URL(url).pathname} did not answer JSON`,
    });
  }
}

export async function getText(url: string): Promise<string> {
  const answer = await exchange(url, { headers: { Accept: 'text/plain' } });
  if (answer.status !== 200) throw failure(url, answer);
  return answer.text;
}
