/**
 * A small HTTP client of a ledger node for writers (CLI, Veramo plugin, issuer). `submit` resolves only
 * with a receipt it verified against the trust policy: the checkpoint's log signature and witness quorum, the
 * operation hash, the leaf recomputed from the operation, and its inclusion proof. Problem-details answers come
 * back as DidCityError with the node's code (STALE_OPERATION, UNAUTHORIZED_OPERATION, …).
 *
 * @example
 * const client = new LedgerClient({ url: 'https://ledger.example/', policy: policyText });
 * const receipt = await client.submit(signedCreate); // { index, leafHash, operationHash, integratedTime, … }
 */
import { type Checkpoint, parsePolicy, type TlogPolicy } from '@did-city/tlog';
import { DidCityError } from './errors.ts';
import {
  answerError,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIMEOUT_MS,
  type ExchangeInit,
  endpoint,
  exchange,
  type HttpAnswer,
  type HttpSettings,
  parseJson,
} from './ledger-http.ts';
import { checkInclusion, decodeHash, entryLeafHash, invalidProof, trustedCheckpoint } from './ledger-proofs.ts';
import { operationHash } from './operation.ts';
import type { Operation } from './types.ts';

/** The ledger's acknowledgement of an operation (spec §7.5), as the node serves it. */
export interface LedgerReceipt {
  /** Leaf index. */
  index: number;
  /** RFC 6962 leaf hash, base64. */
  leafHash: string;
  operationHash: string;
  /** RFC 3339 UTC, whole seconds. */
  integratedTime: string;
  /** Audit path from the leaf to the checkpoint's root, base64 hashes, leaf side first. */
  inclusionProof: string[];
  /** The co-signed checkpoint note (log signature and witness cosignatures). */
  checkpoint: string;
}

export interface LedgerClientOptions {
  /** Base URL of the ledger node's API. */
  url: string;
  /** C2SP tlog-policy text receipts are verified against. */
  policy: string;
  /** Bearer token of the governance path (registry genesis only); never sent elsewhere. */
  adminToken?: string;
  /** An own fetch (a test's stub). Default: node:http(s) with a keep-alive agent. */
  fetch?: typeof fetch;
  /** Per request. Submissions wait for the witness quorum, so allow for it. Default 10 s. */
  timeoutMs?: number;
}

export class LedgerClient {
  readonly #url: string;
  readonly #policy: TlogPolicy;
  readonly #adminToken: string | undefined;
  readonly #http: HttpSettings;

  constructor(options: LedgerClientOptions) {
    if (!URL.canParse(options.url)) throw new TypeError(`ledger URL ${JSON.stringify(options.url)} is not a URL`);
    this.#url = options.url;
    this.#policy = parsePolicy(options.policy);
    this.#adminToken = options.adminToken;
    this.#http = {
      fetch: options.fetch,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
    };
  }

  /** Submits an operation; resolves with its verified receipt once a witness quorum anchored it. */
  submit(operation: Operation): Promise<LedgerReceipt> {
    return this.#post('operations', operation, {});
  }

  /**
   * Submits a `resource` operation with its content (spec §7.10); resolves with the operation's verified receipt
   * once anchored. The node refuses content that is not what the operation anchors.
   */
  async submitResource(operation: Operation, content: Uint8Array): Promise<LedgerReceipt> {
    const body = JSON.stringify({
      operation,
      content: Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('base64'),
    });
    const init = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body };
    const answer = await this.#exchange('resources', init);
    if (answer.status !== 200 && answer.status !== 201) throw answerError(answer, 'a resource submission');
    return this.#verify(readReceipt(answer), operation);
  }

  /** Submits a country registry genesis on the operator's governance path (needs `adminToken`). */
  submitGovernance(operation: Operation): Promise<LedgerReceipt> {
    if (this.#adminToken === undefined)
      throw new DidCityError('UNAUTHORIZED', 'no admin token configured for the governance path');
    return this.#post('governance/operations', operation, { Authorization: `Bearer ${this.#adminToken}` });
  }

  /**
   * The receipt of an anchored operation. With the operation, its leaf is recomputed and checked; without, the
   * served leaf hash is checked against the checkpoint only.
   */
  async receipt(hash: string, operation?: Operation): Promise<LedgerReceipt> {
    const answer = await this.#exchange(`operations/${encodeURIComponent(hash)}`, {
      headers: { Accept: 'application/json' },
    });
    if (answer.status !== 200) throw answerError(answer, 'a receipt request');
    const receipt = this.#verify(readReceipt(answer), operation);
    if (receipt.operationHash !== hash) throw invalidProof('the receipt is for another operation');
    return receipt;
  }

  /** The latest co-signed checkpoint, verified against the policy. */
  async checkpoint(): Promise<{ note: string; checkpoint: Checkpoint }> {
    const answer = await this.#exchange('checkpoint', {});
    if (answer.status !== 200) throw answerError(answer, 'a checkpoint request');
    return { note: answer.body, checkpoint: trustedCheckpoint(answer.body, this.#policy) };
  }

  async #post(path: string, operation: Operation, headers: Record<string, string>): Promise<LedgerReceipt> {
    const init = {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(operation),
    };
    const answer = await this.#exchange(path, init);
    if (answer.status !== 200 && answer.status !== 201) throw answerError(answer, 'a submission');
    return this.#verify(readReceipt(answer), operation);
  }

  #exchange(path: string, init: ExchangeInit): Promise<HttpAnswer> {
    return exchange(endpoint(this.#url, path), init, this.#http);
  }

  #verify(receipt: LedgerReceipt, operation: Operation | undefined): LedgerReceipt {
    const checkpoint = trustedCheckpoint(receipt.checkpoint, this.#policy);
    const served = decodeHash(receipt.leafHash);
    if (served === undefined) throw invalidProof('the receipt leaf hash is not a base64 hash');
    let hash = served;
    if (operation !== undefined) {
      if (operationHash(operation) !== receipt.operationHash)
        throw invalidProof('the receipt names another operation hash');
      hash = entryLeafHash(receipt.integratedTime, operation);
      if (Buffer.compare(hash, served) !== 0)
        throw invalidProof('the receipt leaf hash is not the hash of the operation');
    }
    checkInclusion({ index: receipt.index, hash, proof: receipt.inclusionProof, checkpoint });
    return receipt;
  }
}

function readReceipt(answer: HttpAnswer): LedgerReceipt {
  const malformed = () => invalidProof('the ledger answer is not a receipt');
  const body = parseJson(answer, malformed) as Partial<LedgerReceipt> | null;
  if (typeof body !== 'object' || body === null) throw malformed();
  const { index, leafHash, operationHash: hash, integratedTime, inclusionProof, checkpoint } = body;
  const wellTyped =
    Number.isSafeInteger(index) &&
    (index as number) >= 0 &&
    typeof leafHash === 'string' &&
    typeof hash === 'string' &&
    typeof integratedTime === 'string' &&
    Array.isArray(inclusionProof) &&
    typeof checkpoint === 'string';
  if (!wellTyped) throw malformed();
  return { index, leafHash, operationHash: hash, integratedTime, inclusionProof, checkpoint } as LedgerReceipt;
}
