/**
 * Replays a store's log from leaf 0 into derived per-DID state, in pages so memory holds one page of entries
 * plus the states. Generic over LogStore so every store rebuilds the same way.
 */
import type { DidHistory } from '@did-city/method';
import { applyEntry } from '../derived-state.ts';
import { decodeLeaf } from '../leaf.ts';
import type { LogStore, StoredEntry } from './interface.ts';

export const REPLAY_PAGE = 1024;

/** Calls `visit` with every stored entry below `size` in order, one page at a time. */
export async function forEachEntry(
  store: LogStore,
  size: number,
  visit: (entry: StoredEntry, expectedIndex: number) => Promise<void> | void,
): Promise<void> {
  for (let start = 0; start < size; start += REPLAY_PAGE) {
    const page = await store.entries(start, Math.min(start + REPLAY_PAGE, size));
    let expected = start;
    for (const entry of page) {
      await visit(entry, expected);
      expected = entry.index + 1;
    }
  }
}

/** The derived state of every DID after the first `size` entries. Throws if an entry does not apply. */
export async function replayLog(store: LogStore, size: number): Promise<Map<string, DidHistory>> {
  const states = new Map<string, DidHistory>();
  await forEachEntry(store, size, async (stored) => {
    const entry = decodeLeaf(stored.leaf, stored.index);
    states.set(entry.operation.did, await applyEntry((did) => states.get(did), entry));
  });
  return states;
}
