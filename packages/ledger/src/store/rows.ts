// Row shapes both SQL stores share (the tables have the same columns in SQLite and PostgreSQL) and their
// conversion to and from the store's types. BLOB / BYTEA values arrive as Buffers; they are copied into plain
// Uint8Arrays so callers never see a Node-specific type or a view into a shared pool.
import { lastLeafIndex } from '@did-city/method';
import type { DidHistory } from '@did-city/method';
import type { StoredCheckpoint, StoredEntry } from './interface.ts';
import { headState } from './versions.ts';

export const ENTRY_COLUMNS = 'leaf_index, leaf, leaf_hash, operation_hash, did, seq, integrated_time';
export const CHECKPOINT_COLUMNS = 'tree_size, root_hash, note';

export interface EntryRow {
  leaf_index: number;
  leaf: Buffer;
  leaf_hash: Buffer;
  operation_hash: string;
  did: string;
  seq: number;
  integrated_time: string;
}

export interface CheckpointRow {
  tree_size: number;
  root_hash: Buffer;
  note: string;
}

export function toEntry(row: EntryRow): StoredEntry {
  return {
    index: row.leaf_index,
    leaf: new Uint8Array(row.leaf),
    leafHash: new Uint8Array(row.leaf_hash),
    operationHash: row.operation_hash,
    did: row.did,
    seq: row.seq,
    integratedTime: row.integrated_time,
  };
}

export function toCheckpoint(row: CheckpointRow): StoredCheckpoint {
  return { size: row.tree_size, root: new Uint8Array(row.root_hash), note: row.note };
}

/** A stored row's state as a head state (rows written before heads were stored alone hold every version). */
export function toHeadState(json: string): DidHistory {
  return headState(JSON.parse(json) as DidHistory);
}

/** A `did_state` row: the head state as JSON text (one version, whatever the DID's length), read back as written. */
export interface StateRow {
  did: string;
  headIndex: number;
  history: string;
}

/** The `did_state` rows of `states`, each checked to point inside a log of `sizeAfter` entries. */
export function toStateRows(states: readonly DidHistory[], sizeAfter: number): StateRow[] {
  return states.map((state) => {
    const headIndex = lastLeafIndex(state);
    if (headIndex >= sizeAfter) throw new RangeError(`state of ${state.did} points past the log`);
    return { did: state.did, headIndex, history: JSON.stringify(headState(state)) };
  });
}
