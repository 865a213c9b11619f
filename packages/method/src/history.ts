/**
 * Loading a DID's verified history from a ledger: the DID's entries and those of its ancestors up to the country
 * registry, replayed top-down so each DID is checked against its parent's key state at every position.
 */
import { parentDid } from './did.ts';
import { DidCityError } from './errors.ts';
import { applyOperation, replayHistory, type StateContext } from './state.ts';
import type { DidHistory, LedgerHistory, LedgerReader, LogEntry } from './types.ts';
import type { GenesisPolicy } from './validate.ts';

export interface LoadHistoryOptions {
  /** Asks the reader for a fresh read (resolution option `noCache`). */
  noCache?: boolean;
  /** Pinned genesis of the country registries (trust policy, spec §3.5). */
  genesis?: GenesisPolicy;
}

export interface LoadedHistory {
  /** Undefined when the ledger has no entries for the DID. */
  history?: DidHistory;
  /** The checkpoint the DID's own entries were verified against, when the reader verifies. */
  ledger?: LedgerHistory['ledger'];
}

/** The DID and its ancestors, the DID first: did:city:cn:130100:a → [it, did:city:cn:130100, did:city:cn]. */
function lineage(did: string): string[] {
  const chain = [did];
  for (let parent = parentDid(did); parent !== undefined; parent = parentDid(parent)) chain.push(parent);
  return chain;
}

/**
 * Reads `did`'s entries and its ancestors' (concurrently) and replays them from the country registry down.
 * Throws the validator's DidCityError when any history on the way is invalid (a trusted log holding an invalid
 * operation is evidence of a misbehaving ledger) and INVALID_DID for a malformed DID.
 */
export async function loadHistory(
  reader: LedgerReader,
  did: string,
  options: LoadHistoryOptions = {},
): Promise<LoadedHistory> {
  const chain = lineage(did);
  const readOptions = options.noCache === undefined ? undefined : { noCache: options.noCache };
  const reads = await Promise.all(chain.map((member) => reader.history(member, readOptions)));
  const own = reads[0]!;
  if (own.entries.length === 0) return own.ledger === undefined ? {} : { ledger: own.ledger };
  let parent: DidHistory | undefined;
  for (let level = chain.length - 1; level >= 0; level--) {
    const { entries } = reads[level]!;
    // An ancestor with no entries authorises nothing below it; the child's create then fails against no parent.
    parent =
      entries.length === 0 ? undefined : replayHistory(chain[level]!, entries, { parent, genesis: options.genesis });
  }
  const loaded: LoadedHistory = { history: parent! };
  if (own.ledger !== undefined) loaded.ledger = own.ledger;
  return loaded;
}

/**
 * `history` (verified before) brought up to date with `newer`, the entries after its head: each is validated as
 * the next operation against the parent's history read now, exactly as a replay would at that position, and the
 * operations before them are not replayed again. A warm refresh after one new operation then costs one operation,
 * not the whole history (spec §7.9). The caller has checked that the ledger's entries still hold the head at its
 * position (same leaf and operation hash, hence by the hash chain the same operations before it). Throws the
 * validator's DidCityError (detail prefixed with the leaf index) for an invalid entry.
 */
export async function extendHistory(
  reader: LedgerReader,
  history: DidHistory,
  newer: readonly LogEntry[],
  options: LoadHistoryOptions = {},
): Promise<DidHistory> {
  const context: StateContext = options.genesis === undefined ? {} : { genesis: options.genesis };
  const parent = parentDid(history.did);
  if (parent !== undefined) {
    const loaded = await loadHistory(reader, parent, options);
    if (loaded.history !== undefined) context.parent = loaded.history;
  }
  let extended = history;
  for (const entry of newer) {
    const about = (entry?.operation as { did?: unknown } | undefined)?.did;
    if (about !== history.did) {
      throw new DidCityError(
        'INVALID_OPERATION',
        `leaf ${String(entry?.index)}: operation is for ${String(about)}, not ${history.did}`,
      );
    }
    try {
      extended = applyOperation(extended, entry, context);
    } catch (cause) {
      if (!(cause instanceof DidCityError)) throw cause;
      throw new DidCityError(cause.code, `leaf ${String(entry.index)}: ${cause.detail}`, { cause });
    }
  }
  return extended;
}
