/**
 * What the CLI prints and how it ends. Results go to stdout (text, or JSON with `--json`); progress, warnings and
 * errors go to stderr so that stdout stays pipeable. Every failure ends as one exit code, chosen from the error's
 * code (DidCityError / problem-details type), never from its message text:
 *
 *   0 success · 1 refused or failed verification · 2 usage error · 3 ledger or issuer unreachable
 */
import { DidCityError, ERRORS, type ErrorCode } from '@did-city/method';
import { UsageError } from './args.ts';

export const EXIT = { ok: 0, refused: 1, usage: 2, unreachable: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the CLI reports itself: a title, the detail, and what to do next. */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exit: ExitCode;
  readonly title: string;
  readonly detail: string;
  readonly hint: string | undefined;

  constructor(options: { exit: ExitCode; title: string; detail: string; hint?: string }) {
    super(options.detail);
    this.exit = options.exit;
    this.title = options.title;
    this.detail = options.detail;
    this.hint = options.hint;
  }
}

/** What to do next, per did:city error code. */
const HINTS: Partial<Record<ErrorCode, string>> = {
  INVALID_DID: 'check the DID: did:city:cn:<6-digit GB/T 2260 code>[:<sub-id>…], lower case',
  NOT_FOUND: 'check the DID, or that its create was anchored on this ledger (did-city history DID)',
  INVALID_OPERATION: 'the ledger refused the operation as malformed; check the flags against --help',
  INVALID_SIGNATURE: 'a proof did not verify; check that the key file holds the right secret keys',
  UNAUTHORIZED_OPERATION:
    "sign with the DID's current update keys (or the parent's, meeting its threshold); see did-city history DID",
  HISTORY_TOO_LARGE:
    'the DID has reached its history bounds (spec §9.7): its parent can still recover it, or it can be deactivated',
  STALE_OPERATION: 'someone else changed the DID first; run the command again to build on its latest state',
  DID_DEACTIVATED: 'the DID is deactivated and can never change again; its successor, if any, is in did-city resolve',
  UNAUTHORIZED:
    'pass a valid token with --token (or env DID_CITY_TOKEN for institutes, DID_CITY_ISSUER_TOKEN for the issuer)',
  INVALID_LEDGER_PROOF:
    'the ledger served a proof that does not verify: do not trust this ledger; report it to its operator',
  UNTRUSTED_CHECKPOINT:
    'the checkpoint is not signed by the log and a witness quorum of your trust policy (check --policy), was last co-signed longer ago than DID_CITY_MAX_CHECKPOINT_AGE, or the checkpoint store named in the detail is damaged',
  INCONSISTENT_CHECKPOINT:
    'the ledger showed a history inconsistent with one seen before (split view): keep the evidence, report it',
  LEDGER_UNAVAILABLE: 'check --ledger (or DID_CITY_LEDGER) and that the node is running: did-city serve',
};

/** Codes that mean "could not reach it", not "it said no". */
const UNREACHABLE = new Set<ErrorCode>(['LEDGER_UNAVAILABLE']);

export function fromDidCityError(error: DidCityError): CliError {
  const exit = UNREACHABLE.has(error.code)
    ? EXIT.unreachable
    : error.code === 'INVALID_DID'
      ? EXIT.usage
      : EXIT.refused;
  return new CliError({ exit, title: ERRORS[error.code].title, detail: error.detail, hint: HINTS[error.code] });
}

/** A problem-details answer: did:city codes by their `type` URI, anything else (issuer codes) by its title. */
export function fromProblem(problem: {
  type?: unknown;
  title?: unknown;
  detail?: unknown;
  status?: unknown;
}): CliError {
  const code = (Object.keys(ERRORS) as ErrorCode[]).find((c) => ERRORS[c].type === problem.type);
  const detail = typeof problem.detail === 'string' ? problem.detail : 'no detail given';
  if (code !== undefined) {
    const error = fromDidCityError(new DidCityError(code, detail));
    // The server judged the DID, so an INVALID_DID here is a refusal (e.g. an unknown division code), not a typo.
    return code === 'INVALID_DID'
      ? new CliError({ exit: EXIT.refused, title: error.title, detail, hint: HINTS[code] })
      : error;
  }
  const status = typeof problem.status === 'number' ? problem.status : 0;
  const title = typeof problem.title === 'string' ? problem.title : `HTTP ${status}`;
  return new CliError({ exit: status === 503 || status === 502 ? EXIT.unreachable : EXIT.refused, title, detail });
}

export class Output {
  readonly json: boolean;
  readonly #stdout: NodeJS.WritableStream;
  readonly #stderr: NodeJS.WritableStream;

  constructor(options: { json: boolean; stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream }) {
    this.json = options.json;
    this.#stdout = options.stdout ?? process.stdout;
    this.#stderr = options.stderr ?? process.stderr;
  }

  /** A result: `text` normally, `value` as JSON with --json. */
  result(text: string, value: unknown): void {
    this.#stdout.write(this.json ? `${JSON.stringify(value, null, 2)}\n` : text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Raw text on stdout (help, a credential). */
  print(text: string): void {
    this.#stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  progress(text: string): void {
    this.#stderr.write(`${text}\n`);
  }

  warn(text: string): void {
    this.#stderr.write(`warning: ${text}\n`);
  }

  /**
   * Reports a failure on stderr and returns its exit code. With --json the failure is also the result on stdout,
   * `{"error": {title, detail, hint?, exitCode}}`, so that a script reading stdout always gets one JSON value.
   */
  fail(error: unknown): ExitCode {
    const failure = toCliError(error);
    const lines = [`error: ${failure.title}: ${failure.detail}`];
    if (failure.hint !== undefined) lines.push(`next: ${failure.hint}`);
    this.#stderr.write(`${lines.join('\n')}\n`);
    if (this.json) {
      const body = {
        title: failure.title,
        detail: failure.detail,
        ...(failure.hint === undefined ? {} : { hint: failure.hint }),
        exitCode: failure.exit,
      };
      this.#stdout.write(`${JSON.stringify({ error: body }, null, 2)}\n`);
    }
    return failure.exit;
  }
}

/** Every error as a CliError. Unknown errors are exit 1 with their message, which is ours (never a secret). */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof UsageError) {
    return new CliError({
      exit: EXIT.usage,
      title: 'Usage error',
      detail: error.message,
      ...(error.usage ? { hint: error.usage } : {}),
    });
  }
  if (error instanceof DidCityError) return fromDidCityError(error);
  const detail = error instanceof Error ? error.message : String(error);
  return new CliError({ exit: EXIT.refused, title: 'Failed', detail });
}
