/**
 * Nonces seen in accepted signatures, kept until their signature can no longer be fresh (spec R-XCH-5). Memory is
 * bounded twice: an entry lives at most the signature window plus the clock skew (the profile refuses a longer
 * window), and at most `maxEntries` live at once. A full store refuses new nonces (BUSY) rather than forgetting a
 * live one, which would let that request be replayed. Nothing is persisted: after a restart, a signature made before
 * it may be replayed within its remaining window (at most `maxWindowSeconds`), which the spec states as a residual
 * risk; a deployment that cannot accept that keeps the window short.
 */
import type { Clock } from '@did-city/method';
import { ExchangeError } from './errors.ts';

export interface NonceStoreOptions {
  /** Default 100,000 (about 15 MB at the longest keys). */
  maxEntries?: number;
  now?: Clock;
}

export class NonceStore {
  readonly #entries = new Map<string, number>();
  readonly #maxEntries: number;
  readonly #now: Clock;
  #lastSweep = 0;

  constructor(options: NonceStoreOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 100_000;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Records `nonce` of `keyid` until `until` (ms); false when it is already recorded and still live. Throws BUSY when
   * the store is full of live entries.
   */
  reserve(keyid: string, nonce: string, until: number): boolean {
    const key = `${keyid} ${nonce}`;
    const now = this.#now();
    const known = this.#entries.get(key);
    if (known !== undefined && known >= now) return false;
    if (this.#entries.size >= this.#maxEntries) this.#sweep(now);
    if (this.#entries.size >= this.#maxEntries)
      throw new ExchangeError('BUSY', 'too many requests in flight; retry later');
    this.#entries.set(key, until);
    return true;
  }

  /** Forgets a reservation whose request then failed verification (its nonce was never accepted). */
  release(keyid: string, nonce: string): void {
    this.#entries.delete(`${keyid} ${nonce}`);
  }

  /** At most once a second: a full store of live entries must not cost a scan on every refused request. */
  #sweep(now: number): void {
    if (now - this.#lastSweep < 1000) return;
    this.#lastSweep = now;
    for (const [key, until] of this.#entries) if (until < now) this.#entries.delete(key);
  }
}
