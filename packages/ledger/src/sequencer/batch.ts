/**
 * Turns queued operations into one append: each operation is validated by the method library against the
 * derived state *including the operations accepted earlier in the same batch*, so of two operations on the same
 * `prev` exactly the first is accepted and the second is STALE_OPERATION. A stored state is used only once it
 * checks out against the log (admission.ts); one that does not aborts the whole batch with TamperedStateError.
 */
import {
  checkAllocation,
  countryRegistryDid,
  type DidHistory,
  type GenesisPolicy,
  type Operation,
} from '@did-city/method';
import { type AnchorOf, TamperedStateError, verifiedState } from './admission.ts';
import { applyEntry } from '../derived-state.ts';
import { BatchUsage } from './history-bounds.ts';
import { encodeLeaf } from '../leaf.ts';
import type { AppendBatch, AppendEntry, LogReader } from '../store/interface.ts';

export interface BatchItem {
  operation: Operation;
  operationHash: string;
}

/** Per item, in order: the leaf index it will get, or why it was refused. */
export type BatchOutcome = { ok: true; index: number } | { ok: false; error: unknown };

export interface BuildBatchOptions {
  store: LogReader;
  items: readonly BatchItem[];
  /** Current log size: the first accepted item gets this index. */
  size: number;
  integratedTime: string;
  /** The tree the stored states' heads are proven in (admission.ts). Default: the store's head. */
  anchor?: AnchorOf;
  genesis?: GenesisPolicy;
}

export async function buildBatch(
  options: BuildBatchOptions,
): Promise<{ batch: AppendBatch; outcomes: BatchOutcome[] }> {
  const { store, items, size, integratedTime, genesis } = options;
  const anchor = options.anchor ?? (() => store.head());
  const overlay = new Map<string, DidHistory>();
  const verified = new Map<string, Promise<DidHistory | undefined>>();
  const lookup = (did: string): Promise<DidHistory | undefined> | DidHistory | undefined => {
    const own = overlay.get(did);
    if (own !== undefined) return own;
    let stored = verified.get(did);
    if (stored === undefined) {
      stored = verifiedState(store, did, anchor);
      verified.set(did, stored);
    }
    return stored;
  };
  const entries: AppendEntry[] = [];
  const outcomes: BatchOutcome[] = [];
  const usage = new BatchUsage(store, lookup);
  for (const { operation, operationHash } of items) {
    const index = size + entries.length;
    try {
      // Admission only (spec R-ALLOC-2): replays of the log never re-judge a create against a newer table.
      if (operation.type === 'create') checkAllocation(operation, await lookup(countryRegistryDid(operation.did)));
      const history = await applyEntry(lookup, { index, integratedTime, operation }, genesis);
      const leaf = encodeLeaf({ integratedTime, operation });
      await usage.admit(operation, leaf.length);
      overlay.set(operation.did, history);
      entries.push({ leaf, operationHash, did: operation.did, seq: operation.seq, integratedTime });
      outcomes.push({ ok: true, index });
    } catch (error) {
      if (error instanceof TamperedStateError) throw error;
      outcomes.push({ ok: false, error });
    }
  }
  return { batch: { expectedSize: size, entries, states: [...overlay.values()] }, outcomes };
}
