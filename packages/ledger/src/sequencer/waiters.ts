/**
 * Submissions waiting for their acknowledgement, keyed by operation hash so that every resubmission of one
 * operation shares one outcome (idempotency) and learns the leaf index once the operation is appended.
 */
import { DidCityError } from '@did-city/method';
import type { Receipt } from '../receipt.ts';

interface Waiter {
  resolve: (receipt: Receipt) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout;
}

interface Pending {
  waiters: Set<Waiter>;
  /** Leaf index once appended. */
  index?: number;
}

export class Waiters {
  readonly #pending = new Map<string, Pending>();

  has(operationHash: string): boolean {
    return this.#pending.has(operationHash);
  }

  /** Waits for the outcome of `operationHash`; rejects with LEDGER_UNAVAILABLE after `timeoutMs`. */
  add(operationHash: string, timeoutMs: number): Promise<Receipt> {
    let pending = this.#pending.get(operationHash);
    if (!pending) {
      pending = { waiters: new Set() };
      this.#pending.set(operationHash, pending);
    }
    const record = pending;
    return new Promise<Receipt>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, timer: setTimeout(() => expire(), timeoutMs) };
      const expire = (): void => {
        record.waiters.delete(waiter);
        if (record.waiters.size === 0 && this.#pending.get(operationHash) === record)
          this.#pending.delete(operationHash);
        reject(timeoutError(operationHash, record.index, timeoutMs));
      };
      record.waiters.add(waiter);
    });
  }

  appended(operationHash: string, index: number): void {
    const pending = this.#pending.get(operationHash);
    if (pending) pending.index = index;
  }

  /** Appended operations below `size`, ready to be acknowledged against a checkpoint of that size. */
  coveredBy(size: number): { operationHash: string; index: number }[] {
    const covered: { operationHash: string; index: number }[] = [];
    for (const [operationHash, { index }] of this.#pending) {
      if (index !== undefined && index < size) covered.push({ operationHash, index });
    }
    return covered;
  }

  succeed(operationHash: string, receipt: Receipt): void {
    this.#settle(operationHash, (w) => w.resolve(receipt));
  }

  fail(operationHash: string, error: unknown): void {
    this.#settle(operationHash, (w) => w.reject(error));
  }

  failAll(error: unknown): void {
    for (const operationHash of [...this.#pending.keys()]) this.fail(operationHash, error);
  }

  #settle(operationHash: string, settle: (waiter: Waiter) => void): void {
    const pending = this.#pending.get(operationHash);
    if (!pending) return;
    this.#pending.delete(operationHash);
    for (const waiter of pending.waiters) {
      clearTimeout(waiter.timer);
      settle(waiter);
    }
  }
}

function timeoutError(operationHash: string, index: number | undefined, timeoutMs: number): DidCityError {
  const where =
    index === undefined
      ? 'it may still be integrated'
      : `it is integrated at leaf ${index} but no checkpoint has reached the witness quorum yet`;
  return new DidCityError(
    'LEDGER_UNAVAILABLE',
    `operation ${operationHash} was not acknowledged within ${timeoutMs} ms: ${where}; resubmit it to obtain its receipt`,
  );
}
