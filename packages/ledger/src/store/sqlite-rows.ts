// Row shapes of the SQLite store and their conversion to the store's types. BLOBs arrive as Buffers; they are
// copied into plain Uint8Arrays so callers never see a Node-specific type or a view into a shared pool.
import type { DidHistory } from '@did-city/method';
import type { StoredCheckpoint, StoredEntry } from './interface.ts';

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

export function toHistory(json: string): DidHistory {
  return JSON.parse(json) as DidHistory;
}
