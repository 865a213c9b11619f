/**
 * Loading a DID's verified history from a ledger: the DID's entries and those of its ancestors up to the country
 * registry, replayed top-down so each DID is checked against its parent's key state at every position.
 */
import { parentDid } from './did.ts';
import { replayHistory } from './state.ts';
import type { DidHistory, LedgerHistory, LedgerReader } from './types.ts';
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
