/**
 * Everything the driver asks of a did:city ledger node, over its public HTTP API only:
 *
 * - reads through the method library's HttpLedgerReader, which verifies every history against a checkpoint
 *   co-signed by the trust policy's witness quorum before the driver builds an operation on it;
 * - operations (updates, deactivations, sub-identifier creates) through LedgerClient, whose receipts are verified
 *   (checkpoint signatures, leaf, inclusion proof) before the driver says `finished`;
 * - a division's create through the registration workflow (`POST /registrations`, `GET /registrations/{id}`).
 *
 * Writes go to the first configured URL (the sequencing node); reads fail over along the list.
 */
import {
  type CheckpointStore,
  createCityResolver,
  type DidHistory,
  DidCityError,
  ERRORS,
  type ErrorCode,
  type GenesisPolicy,
  loadHistory,
  type Operation,
  operationHash,
} from '@did-city/method';
import { HttpLedgerReader, LedgerClient, type LedgerReceipt } from '@did-city/method/http';
import type { Contact } from './jobs.ts';

export interface LedgerGatewayOptions {
  url: string[];
  policy: string;
  genesis?: GenesisPolicy;
  fetch?: typeof fetch;
  /** Per request; submissions wait for the witness quorum. Default 10 s. */
  timeoutMs?: number;
  /** Where the last trusted checkpoint is kept (the standalone driver: `<dataDir>/checkpoints.json`). Default: memory. */
  checkpointStore?: CheckpointStore;
}

/** `GET /registrations/{id}` of the ledger node (packages/ledger, "City registration"). */
export interface RegistrationView {
  id: string;
  did: string;
  status: string;
  submittedAt: string;
  approvals: Array<{ key: string; created: string }>;
  threshold: number;
  /** Institutes' objections so far (the registry's threshold of them rejects); absent from older nodes. */
  objections?: Array<{ key: string; reason: string; created: string }>;
  /** When a pending application expires. */
  expiresAt?: string;
  /** `cause`: objections, expired, superseded (another application for the DID was anchored) or refused. */
  rejection?: { reason: string; cause?: string; key?: string; keys?: string[]; created: string };
  receipt?: LedgerReceipt;
}

/** The node refused for now (HTTP 429): try again after `retryAfterMs`. */
export interface Busy {
  busy: true;
  retryAfterMs: number;
  detail: string;
}

const DEFAULT_RETRY_MS = 5000;
const MAX_ANSWER_CHARS = 1024 * 1024;
const CODE_BY_TYPE = new Map((Object.keys(ERRORS) as ErrorCode[]).map((code) => [ERRORS[code].type, code]));

function unavailable(detail: string): DidCityError {
  return new DidCityError('LEDGER_UNAVAILABLE', detail);
}

/** Retry-After in seconds (RFC 9110 §10.2.3; the HTTP-date form is read as the default). */
function retryAfterMs(header: string | null): number {
  const seconds = header !== null && /^\d{1,6}$/.test(header.trim()) ? Number(header.trim()) : Number.NaN;
  return Number.isFinite(seconds) ? Math.max(1, seconds) * 1000 : DEFAULT_RETRY_MS;
}

/** A problem-details answer as the node's own DidCityError; anything else is the ledger being unavailable. */
function answerProblem(status: number, body: unknown, what: string): DidCityError {
  const { type, detail } = (typeof body === 'object' && body !== null ? body : {}) as {
    type?: unknown;
    detail?: unknown;
  };
  const code = typeof type === 'string' ? CODE_BY_TYPE.get(type) : undefined;
  if (code === undefined) return unavailable(`the ledger answered HTTP ${status} to ${what}`);
  return new DidCityError(code, typeof detail === 'string' ? detail.slice(0, 500) : ERRORS[code].title);
}

export class LedgerGateway {
  readonly reader: HttpLedgerReader;
  readonly #client: LedgerClient;
  readonly #resolver;
  readonly #options: LedgerGatewayOptions;

  constructor(options: LedgerGatewayOptions) {
    this.#options = options;
    const shared = {
      policy: options.policy,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      timeoutMs: options.timeoutMs ?? 10_000,
    };
    const store = options.checkpointStore ? { checkpointStore: options.checkpointStore } : {};
    this.reader = new HttpLedgerReader({
      url: options.url,
      ...shared,
      ...store,
      ...(options.genesis ? { genesis: options.genesis } : {}),
    });
    this.#client = new LedgerClient({ url: options.url[0]!, ...shared });
    // No verified-state cache: a registrar reads right after it writes.
    this.#resolver = createCityResolver({
      reader: this.reader,
      cache: false,
      ...(options.genesis ? { genesis: options.genesis } : {}),
    });
  }

  /** The DID's verified history (and its ancestors'), undefined when the ledger has none. */
  async history(did: string): Promise<DidHistory | undefined> {
    const genesis = this.#options.genesis;
    return (await loadHistory(this.reader, did, { noCache: true, ...(genesis ? { genesis } : {}) })).history;
  }

  resolve(did: string) {
    return this.#resolver.resolve(did);
  }

  submit(operation: Operation): Promise<LedgerReceipt> {
    return this.#client.submit(operation);
  }

  /** The verified receipt of the DID's anchored operation with this hash (its leaf recomputed from the operation). */
  async receiptOf(did: string, hash: string): Promise<LedgerReceipt> {
    const { entries } = await this.reader.history(did, { noCache: true });
    const entry = entries.find((candidate) => operationHash(candidate.operation) === hash);
    if (entry === undefined)
      throw new DidCityError(
        'INVALID_LEDGER_PROOF',
        `the ledger's history of ${did} lacks the operation ${hash} it reported as anchored`,
      );
    return this.#client.receipt(hash, entry.operation);
  }

  /** `POST /registrations`: the view of the new application, or Busy when the node rate-limits applications. */
  async apply(operation: Operation, contact: Contact): Promise<RegistrationView | Busy> {
    const init = {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ operation, contact }),
    };
    const answer = await this.#exchange('registrations', init);
    if (answer.status === 429)
      return {
        busy: true,
        retryAfterMs: answer.retryAfterMs,
        detail: 'the ledger node limits the rate of applications',
      };
    if (answer.status !== 201 && answer.status !== 200)
      throw answerProblem(answer.status, answer.body, 'an application');
    return answer.body as RegistrationView;
  }

  /** `GET /registrations/{id}`. */
  async registration(id: string): Promise<RegistrationView | Busy> {
    const answer = await this.#exchange(`registrations/${encodeURIComponent(id)}`, {
      headers: { Accept: 'application/json' },
    });
    if (answer.status === 429)
      return { busy: true, retryAfterMs: answer.retryAfterMs, detail: 'the ledger node limits the rate of requests' };
    if (answer.status === 404)
      throw new DidCityError('NOT_FOUND', `the ledger node no longer knows the application ${id}`);
    if (answer.status !== 200) throw answerProblem(answer.status, answer.body, 'a registration status request');
    return answer.body as RegistrationView;
  }

  async #exchange(path: string, init: RequestInit): Promise<{ status: number; body: unknown; retryAfterMs: number }> {
    const base = this.#options.url[0]!;
    const url = new URL(path, base.endsWith('/') ? base : `${base}/`);
    let response: Response;
    let text: string;
    try {
      response = await (this.#options.fetch ?? fetch)(url, {
        ...init,
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 10_000),
      });
      text = await response.text();
    } catch {
      // The detail never names the node: it reaches the registrar's clients.
      throw unavailable('the ledger could not be reached');
    }
    if (text.length > MAX_ANSWER_CHARS) throw unavailable('the ledger answer is too large');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, body, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
  }
}

export function isBusy(value: unknown): value is Busy {
  return typeof value === 'object' && value !== null && (value as Busy).busy === true;
}
