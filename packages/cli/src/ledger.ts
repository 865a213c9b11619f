/**
 * The ledger side of the operation commands: read a DID's verified state (HttpLedgerReader + loadHistory: the
 * checkpoint against the trust policy, every inclusion proof, the replayed chain), submit a signed operation with
 * LedgerClient (which verifies the receipt), and print the receipt.
 */
import {
  DidCityError,
  type DidHistory,
  type LedgerHistory,
  type LedgerReader,
  loadHistory,
  type Operation,
} from '@did-city/method';
import type { LedgerReceipt } from '@did-city/method/http';
import type { Config } from './config.ts';
import { pinsOf } from './genesis.ts';
import type { Output } from './output.ts';

export interface ReceiptSummary {
  did: string;
  type: string;
  leafIndex: number;
  operationHash: string;
  integratedTime: string;
  checkpointSize: number;
}

/** The verified history of a DID that can still change. */
export async function liveState(config: Config, out: Output, did: string): Promise<DidHistory> {
  out.progress(`reading the verified state of ${did}…`);
  const { history } = await loadHistory(await config.reader(), did, pinsOf(config));
  if (history === undefined) throw new DidCityError('NOT_FOUND', `${did} is not on the ledger at ${config.ledger}`);
  if (history.deactivation !== undefined)
    throw new DidCityError('DID_DEACTIVATED', `${did} was deactivated at ${history.deactivation.integratedTime}`);
  return history;
}

/** Submits and waits for the anchoring receipt, verified against the trust policy. */
export async function submit(config: Config, out: Output, operation: Operation): Promise<ReceiptSummary> {
  const client = await config.client();
  out.progress(`submitting the ${operation.type} of ${operation.did}; waiting for witness quorum…`);
  return summarise(operation, await client.submit(operation));
}

export function checkpointSize(note: string): number {
  return Number(note.split('\n')[1]);
}

export function summarise(operation: Pick<Operation, 'did' | 'type'>, receipt: LedgerReceipt): ReceiptSummary {
  return {
    did: operation.did,
    type: operation.type,
    leafIndex: receipt.index,
    operationHash: receipt.operationHash,
    integratedTime: receipt.integratedTime,
    checkpointSize: checkpointSize(receipt.checkpoint),
  };
}

export function receiptText(summary: ReceiptSummary): string {
  return [
    `anchored: ${summary.type} of ${summary.did}`,
    `  leaf index       ${summary.leafIndex}`,
    `  operation hash   ${summary.operationHash}`,
    `  integrated       ${summary.integratedTime}`,
    `  checkpoint size  ${summary.checkpointSize} (co-signed by a witness quorum)`,
  ].join('\n');
}

export function printReceipt(out: Output, summary: ReceiptSummary): void {
  out.result(receiptText(summary), summary);
}

/**
 * A reader that remembers the last error its inner reader threw. Resolution reports a ledger failure as the
 * DID Resolution code INTERNAL_ERROR; the remembered code tells an unreachable ledger (exit 3) from a bad one.
 */
export class RecordingReader implements LedgerReader {
  readonly #inner: LedgerReader;
  lastError: DidCityError | undefined;

  constructor(inner: LedgerReader) {
    this.#inner = inner;
  }

  async history(did: string, options?: { noCache?: boolean }): Promise<LedgerHistory> {
    try {
      return await this.#inner.history(did, options);
    } catch (error) {
      if (error instanceof DidCityError) this.lastError = error;
      throw error;
    }
  }
}
