/**
 * The driver's response cache: the bytes and ETag of each cacheable reply (200, 410, 303), kept until the
 * freshness window of the ledger state it was built from ends, so a warm request is answered without resolving,
 * serialising or hashing. Keyed by the exact request target after `/1.0/identifiers/` and the `Accept` header,
 * which together fix the identifier, the options and the representation: two requests that differ in any of them
 * never share an entry (two spellings of one request just get an entry each). Errors are never kept, nor anything
 * a `noCache` request produced, so a `noCache` request (whose target says so) can never find an entry.
 */
import type { EncodedReply } from './reply.ts';

/** Entries kept; past that the oldest is dropped (every entry expires within the window anyway). */
export const RESPONSE_CACHE_ENTRIES = 1024;
/** Larger bodies are not kept (a document is limited to about 60 KiB per operation). */
const MAX_BODY_BYTES = 256 * 1024;
/** Longer Accept headers are not keyed (the path is already limited by maxPathBytes). */
const MAX_ACCEPT_BYTES = 1024;

/**
 * What fixes a reply: the request target after `/1.0/identifiers/` and the Accept header; undefined for an
 * oversized Accept (such a request is neither cached nor shared).
 */
export function requestKey(target: string, accept: string | undefined): string | undefined {
  if (accept !== undefined && accept.length > MAX_ACCEPT_BYTES) return undefined;
  return accept === undefined ? target : `${target}\n${accept}`;
}

export interface CachedReply {
  reply: EncodedReply;
  /** When the ledger state the reply was built from was verified (ms since the epoch). */
  verifiedAt: number;
}

export class ResponseCache {
  readonly #windowMs: number;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, CachedReply>();

  /** `windowMs` 0 turns the cache off. */
  constructor(windowMs: number, maxEntries = RESPONSE_CACHE_ENTRIES) {
    this.#windowMs = windowMs;
    this.#maxEntries = maxEntries;
  }

  /** The key of a request, or undefined when it is not to be cached (cache off, oversized Accept). */
  keyOf(target: string, accept: string | undefined): string | undefined {
    return this.#windowMs <= 0 ? undefined : requestKey(target, accept);
  }

  /** The reply for `key` if the state it was built from was verified less than the window ago. */
  get(key: string, now: number): CachedReply | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    const age = now - entry.verifiedAt;
    if (age < 0 || age >= this.#windowMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Keeps a cacheable reply until the window of `verifiedAt` ends (not at all if it already has). */
  set(key: string, reply: EncodedReply, verifiedAt: number, now: number): void {
    if (!reply.cacheable || reply.bytes.length > MAX_BODY_BYTES) return;
    const age = now - verifiedAt;
    if (age < 0 || age >= this.#windowMs) return;
    this.#entries.delete(key);
    this.#entries.set(key, { reply, verifiedAt });
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
