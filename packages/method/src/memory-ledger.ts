/**
 * An in-memory ledger for tests and examples: a log of entries, validated on append with the same validator as
 * the ledger node and resolvers (parents looked up in itself), serving LedgerReader reads. No Merkle tree, no
 * checkpoints: a reader of it trusts it.
 */
import type { Clock } from '@did-city/tlog';
import { parentDid } from './did.ts';
import { copyJson } from './json-values.ts';
import { parseOperationWithHash } from './operation.ts';
import { verifyResourceContent } from './resource.ts';
import { applyOperation } from './state.ts';
import type { DidHistory, LedgerHistory, LedgerReader, LogEntry, Operation } from './types.ts';
import type { GenesisPolicy } from './validate.ts';

export interface MemoryLedgerOptions {
  /** The clock that dates each new entry (its integration time is the whole second, RFC 3339 UTC). Default `Date.now`. */
  now?: Clock;
  /** Genesis pins checked when a country registry is created. */
  genesis?: GenesisPolicy;
}

function contentKey(did: string, resourceId: string): string {
  return `${did}/resources/${resourceId}`;
}

/** An integration time: RFC 3339 UTC, whole seconds. */
function integratedTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A clock for tests: `start`, then one `stepSeconds` later on every call. */
export function steppingClock(start = '2026-11-21T08:00:00Z', stepSeconds = 60): Clock {
  let next = Date.parse(start);
  return () => {
    const time = next;
    next += stepSeconds * 1000;
    return time;
  };
}

export class MemoryLedger implements LedgerReader {
  readonly #entries: LogEntry[] = [];
  readonly #byDid = new Map<string, LogEntry[]>();
  readonly #histories = new Map<string, DidHistory>();
  readonly #byHash = new Map<string, LogEntry>();
  readonly #contents = new Map<string, Uint8Array>();
  readonly #now: Clock;
  readonly #genesis: GenesisPolicy | undefined;

  constructor(options: MemoryLedgerOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#genesis = options.genesis;
  }

  /**
   * Validates `op` as the next operation of its DID (parent state taken at the new entry's position) and appends
   * it. Idempotent by operation hash: resubmitting an integrated operation returns its entry. Throws the
   * validator's DidCityError for an invalid operation; nothing is appended then.
   */
  async append(op: Operation, options: { integratedTime?: string } = {}): Promise<LogEntry> {
    const { operation, operationHash } = parseOperationWithHash(op);
    const existing = this.#byHash.get(operationHash);
    if (existing !== undefined) return existing;
    const entry: LogEntry = {
      index: this.#entries.length,
      integratedTime: options.integratedTime ?? integratedTime(this.#now()),
      operation,
    };
    const parent = parentDid(operation.did);
    const context = {
      ...(parent === undefined ? {} : { parent: this.#histories.get(parent) }),
      ...(this.#genesis === undefined ? {} : { genesis: this.#genesis }),
    };
    const history = applyOperation(this.#histories.get(operation.did), entry, context);
    this.#entries.push(entry);
    this.#byHash.set(operationHash, entry);
    this.#histories.set(operation.did, history);
    const own = this.#byDid.get(operation.did);
    if (own === undefined) this.#byDid.set(operation.did, [entry]);
    else own.push(entry);
    return entry;
  }

  /**
   * Appends a `resource` operation with its content (spec §3.9), checking the content against the anchored
   * checksum first (RESOURCE_TOO_LARGE, INVALID_RESOURCE_CONTENT); nothing is kept when the operation is refused.
   */
  async appendResource(
    op: Operation,
    content: Uint8Array,
    options: { integratedTime?: string } = {},
  ): Promise<LogEntry> {
    if (op.type !== 'resource') throw new TypeError('appendResource takes a resource operation');
    verifyResourceContent(op.resource, content);
    const entry = await this.append(op, options);
    this.#contents.set(contentKey(op.did, op.resource.resourceId), Uint8Array.from(content));
    return entry;
  }

  async resourceContent(did: string, resourceId: string): Promise<Uint8Array | undefined> {
    const content = this.#contents.get(contentKey(did, resourceId));
    return content === undefined ? undefined : Uint8Array.from(content);
  }

  async history(did: string, _options?: { noCache?: boolean }): Promise<LedgerHistory> {
    return { entries: copyJson(this.#byDid.get(did) ?? []) };
  }

  /** The derived, verified history of a DID; undefined if it has no entries. */
  historyOf(did: string): DidHistory | undefined {
    return this.#histories.get(did);
  }

  /** Every entry in log order (a copy). */
  entries(): LogEntry[] {
    return copyJson(this.#entries);
  }

  get size(): number {
    return this.#entries.length;
  }
}
