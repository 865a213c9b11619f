/**
 * The ledger's derived per-DID state: the DidHistory the method library's state machine produces. The sequencer
 * and a rebuild use the same step, so the incremental state and a replay of the log cannot drift apart.
 */
import {
  applyOperation,
  type DidHistory,
  type GenesisPolicy,
  type LogEntry,
  parentDid,
  type StateContext,
} from '@did-city/method';

/** Reads the current derived state of a DID (from a batch overlay, a replay map or the store). */
export type StateLookup = (did: string) => Promise<DidHistory | undefined> | DidHistory | undefined;

/**
 * Validates `entry` with the method library's validator (applyOperation runs validateNextOperation, with the
 * parent's state at the entry's leaf index) and returns the DID's new history. Throws the validator's
 * DidCityError for an operation that is not a valid next operation.
 */
export async function applyEntry(lookup: StateLookup, entry: LogEntry, genesis?: GenesisPolicy): Promise<DidHistory> {
  const did = entry.operation.did;
  const parent = parentDid(did);
  const context: StateContext = {};
  if (parent !== undefined) {
    const parentHistory = await lookup(parent);
    if (parentHistory !== undefined) context.parent = parentHistory;
  }
  if (genesis !== undefined) context.genesis = genesis;
  return applyOperation(await lookup(did), entry, context);
}

/** Whether an operation is the genesis of a country registry (spec §3.5), which only governance may submit. */
export function isRegistryGenesis(op: { type: string; did: string }): boolean {
  return op.type === 'create' && parentDid(op.did) === undefined;
}
