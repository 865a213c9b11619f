/**
 * The storage contract of a ledger node. Asynchronous so that a networked store (PostgreSQL) can implement it;
 * the embedded SqliteLogStore answers synchronously underneath.
 *
 * A store owns the log entries, the hashes of every complete Merkle subtree (so appends and proofs read
 * O(log n) hashes), the co-signed checkpoints and the derived per-DID state, and writes them so that a crash
 * leaves either all of a batch or none of it.
 */
import type { DidHistory, DidIndex } from '@did-city/method';
import type { NodeHash, NodeId } from '@did-city/tlog';
import type { IndexedHead } from './index-versions.ts';

/** What the sequencer hands over for one leaf. */
export interface AppendEntry {
  /** Leaf bytes: JCS({integratedTime, operation}) (spec §4). */
  leaf: Uint8Array;
  operationHash: string;
  did: string;
  seq: number;
  integratedTime: string;
}

export interface StoredEntry extends AppendEntry {
  index: number;
  /** RFC 6962 leaf hash of `leaf`. */
  leafHash: Uint8Array;
}

export interface AppendBatch {
  /** The log size the batch was validated against; the append fails with a conflict if the log moved. */
  expectedSize: number;
  entries: readonly AppendEntry[];
  /** Derived state of every DID the batch touched, after the batch. Written in the same transaction. */
  states: readonly DidHistory[];
}

export interface DidUsage {
  operations: number;
  bytes: number;
}

/** A slice of one DID's entries by seq. */
export interface SeqRange {
  /** Only entries with a larger seq. */
  afterSeq?: number;
  /** At most this many. */
  limit?: number;
}

export interface TreeHead {
  size: number;
  root: Uint8Array;
}

/** A checkpoint that met the witness quorum, as the signed-note text carrying all signatures. */
export interface StoredCheckpoint {
  size: number;
  root: Uint8Array;
  note: string;
}

export type IntegrityProblemKind =
  /** The stored leaf hash is not the hash of the stored leaf bytes. */
  | 'leaf-hash'
  /** A column (operation hash, DID, seq, time) disagrees with the operation in the leaf bytes. */
  | 'entry-columns'
  /** Leaf indexes are not contiguous from 0. */
  | 'missing-entry'
  /** A stored interior node is not the hash of its children recomputed from the leaves. */
  | 'node-hash'
  /** The root recomputed from the leaves differs from a stored checkpoint's root. */
  | 'checkpoint-root'
  /** The derived state of a DID differs from a replay of the log. */
  | 'derived-state'
  /** A DID's `did_index` row (its head: seq, leaf index, operation hash) differs from its last entry in the log. */
  | 'did-index'
  /** SQLite: an entry has no `did_entries` row ((did, seq) → leaf), or a row names no entry of that DID and seq. */
  | 'did-entries'
  /** The latest checkpoint's signatures do not satisfy the trust policy (checked by the node). */
  | 'checkpoint-signature';

export interface IntegrityProblem {
  kind: IntegrityProblemKind;
  /** Leaf index (or, for node-hash, the first leaf the node covers). */
  index?: number;
  did?: string;
  detail: string;
}

export interface IntegrityReport {
  ok: boolean;
  /** Number of entries checked. */
  size: number;
  /** Size of the checkpoint whose root was compared, if any. */
  checkpointSize?: number;
  problems: IntegrityProblem[];
}

/** Raised by append when the batch does not fit the stored log: nothing of the batch was written. */
export class AppendConflictError extends Error {
  /** `size`: the log is not at `expectedSize`; `unique`: an operation hash or (did, seq) is already stored. */
  readonly conflict: 'size' | 'unique';

  constructor(conflict: 'size' | 'unique', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppendConflictError';
    this.conflict = conflict;
  }
}

/**
 * What reading a log needs: the head, entries, proofs, checkpoints, derived state and the integrity check. A
 * read-only node (a PostgreSQL standby's) takes only this; the HTTP reads, receipts and the registration desk use
 * no more.
 */
export interface LogReader {
  /** Size and root of everything appended (co-signed or not). */
  head(): Promise<TreeHead>;

  /** Entries with start ≤ index < end, in order. */
  entries(start: number, end: number): Promise<StoredEntry[]>;
  entry(index: number): Promise<StoredEntry | undefined>;
  /**
   * Every entry of one DID in log order (optionally only those below `beforeSize`); with `range`, only those with
   * seq > `afterSeq`, at most `limit` of them.
   */
  entriesOfDid(did: string, beforeSize?: number, range?: SeqRange): Promise<StoredEntry[]>;
  /**
   * One page of a DID's entries in log order: those with seq > `afterSeq` (default -1) and index < `beforeSize`,
   * at most `limit`. Readers of long histories go page by page, so one DID never holds the store for long.
   */
  entriesOfDidPage(
    did: string,
    page: { afterSeq?: number; limit: number; beforeSize?: number },
  ): Promise<StoredEntry[]>;
  /** How many entries the log holds for the DID, and their leaf bytes together (spec §9.7, R-LIM-1). */
  didUsage(did: string): Promise<DidUsage>;
  /** The DID's entry with the highest seq (its head, by the log rather than the derived state). */
  lastEntryOfDid(did: string): Promise<StoredEntry | undefined>;
  entryByOperationHash(operationHash: string): Promise<StoredEntry | undefined>;
  /** Whether the DID already has an operation with this seq. */
  hasSeq(did: string, seq: number): Promise<boolean>;

  /** Complete-subtree hashes (level 0 = leaf hashes); every id must lie inside the stored tree. */
  readNodes(ids: readonly NodeId[]): Promise<NodeHash[]>;
  /** `count` consecutive hashes of one tree level from `start` (tlog-tiles data); fewer if the level is shorter. */
  levelHashes(level: number, start: number, count: number): Promise<Uint8Array[]>;
  rootAt(size: number): Promise<Uint8Array>;
  inclusionProof(index: number, size: number): Promise<Uint8Array[]>;
  consistencyProof(oldSize: number, newSize: number): Promise<Uint8Array[]>;

  latestCheckpoint(): Promise<StoredCheckpoint | undefined>;
  checkpointAt(size: number): Promise<StoredCheckpoint | undefined>;
  /** Stored checkpoints by increasing size, from `fromSize` (inclusive), at most `limit`. */
  checkpoints(options?: { fromSize?: number; limit?: number }): Promise<StoredCheckpoint[]>;

  /**
   * The DID index (spec §7.9) of the first `size` entries, for any size from the checkpoint before the latest
   * one up to the stored size; a RangeError for older sizes, which are no longer kept.
   */
  didIndex(size: number): Promise<DidIndex>;

  /**
   * The derived state of a DID after its last stored operation, with its latest version only: what validation
   * needs, one row read whatever the DID's length (stores keep no more, see store/versions.ts).
   */
  didHead(did: string): Promise<DidHistory | undefined>;
  /**
   * The durable `did_index` rows (one head per DID) as stored, for the integrity check, and the log size they
   * describe: the whole log (PostgreSQL), or the first entries up to the last flush (SQLite, store/sqlite-tail.ts).
   */
  indexRows(): Promise<{ size: number; heads: IndexedHead[] }>;
  /** The derived state with every version, the earlier ones rebuilt from the DID's entries: O(its history). */
  didState(did: string): Promise<DidHistory | undefined>;
  /** Recomputes leaf hashes, interior nodes and checkpoint roots from the stored leaf bytes. */
  integrityCheck(): Promise<IntegrityReport>;

  close(): Promise<void>;
}

/** What only the sequencer does to a log: append batches, store co-signed checkpoints, rebuild derived state. */
export interface LogWriter {
  /** Appends atomically; returns the new head. Throws AppendConflictError. */
  append(batch: AppendBatch): Promise<TreeHead>;
  /** Stores a co-signed checkpoint; refuses a root that differs from the log's root at that size. */
  saveCheckpoint(checkpoint: StoredCheckpoint): Promise<void>;
  /** Replays the log and replaces the derived state with the result. */
  rebuildDerivedState(): Promise<void>;
}

/** A store a sequencing node writes and reads (SqliteLogStore, PostgresLogStore). */
export interface LogStore extends LogReader, LogWriter {}
