/**
 * The SQLite store's random-keyed lookups, written in key order once per many batches instead of row by row in
 * every batch: `op_index` (operation hash → leaf), `did_entries` ((did, seq) → leaf, which also keeps (did, seq)
 * unique) and `did_index` (each DID's head). Their keys are hashes and DIDs, so each row an append added landed on
 * its own page of a large B-tree, and every commit wrote that page to the WAL again: past ~100k entries those
 * indexes were most of what an append wrote, and the cost per entry kept growing with the log (for (did, seq) only
 * when DIDs arrive in random key order; consecutive DIDs all land on the right edge).
 *
 * Instead all three describe the first `indexed_size` entries (meta), and the entries after them (the *tail*) are
 * looked up in memory. A batch that brings the tail to the flush threshold writes the tail's rows, sorted by key,
 * in its own transaction, and moves `indexed_size`: rows, log and size commit together, so a crash (kill -9)
 * loses nothing: on open the tail is read back from the log, which is its source. The threshold grows with the
 * log (a quarter of it, between FLUSH_MIN and FLUSH_MAX entries), so a flush touches each page of the index a
 * bounded number of times per entry whatever the size, and the memory and the reading at open stay bounded.
 * When DIDs arrive in random key order a flush rewrites nearly every page of `did_index` and `did_entries`, so
 * what it writes per entry is the pages of those tables divided by the tail's length: with a sixteenth of the log
 * that was 1.8-3.9 kB per entry more than with consecutive DIDs at 100k-200k entries, with a quarter 0.3-1.8 kB.
 */
import type Database from 'better-sqlite3';
import type { IndexedHead } from './index-versions.ts';
import { type AppendEntry, AppendConflictError } from './interface.ts';

const FLUSH_MIN = 8192;
const FLUSH_MAX = 262_144;

/** Entries the tail may hold before a flush, for a log of `size` entries. */
export function flushThreshold(size: number): number {
  return Math.max(FLUSH_MIN, Math.min(FLUSH_MAX, Math.floor(size / 4)));
}

/**
 * The `op_index` key of an operation hash: 53 bits of two 32-bit FNV-style hashes of its text. The operation hash
 * is itself a SHA-256 output, so any bits of it spread evenly; 8-byte integer keys keep the index a quarter of a
 * text index's size. Keys may collide: a lookup compares the full operation hash of each candidate entry.
 */
export function opKey(operationHash: string): number {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < operationHash.length; i++) {
    const c = operationHash.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) >>> 11);
}

export const SET_INDEXED_SIZE =
  "INSERT INTO meta (key, value) VALUES ('indexed_size', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value";

type Prepare = <P extends unknown[] = unknown[], R = unknown>(sql: string) => Database.Statement<P, R>;

/** One entry of a DID in the tail. */
export interface DidEntry {
  seq: number;
  index: number;
}

interface TailRow {
  leaf_index: number;
  operation_hash: string;
  did: string;
  seq: number;
}

export class SqliteTail {
  readonly #prepare: Prepare;
  readonly #heads: boolean;
  /** Operation hash → leaf index, for the tail's entries. */
  #ops = new Map<string, number>();
  /** DID → its latest head among the tail's entries (only when the store keeps the DID index). */
  #tailHeads = new Map<string, IndexedHead>();
  /** DID → its entries among the tail's, in log order. */
  #dids = new Map<string, DidEntry[]>();
  #indexedSize = 0;
  #size = 0;

  readonly #threshold: (size: number) => number;

  /** `heads`: whether `did_index` rows are kept (false for a log-only store); `entries`: a fixed threshold. */
  constructor(prepare: Prepare, heads: boolean, entries?: number) {
    this.#prepare = prepare;
    this.#heads = heads;
    if (entries !== undefined && !(Number.isSafeInteger(entries) && entries >= 1))
      throw new RangeError('tailEntries must be a positive integer');
    this.#threshold = entries === undefined ? flushThreshold : () => entries;
  }

  /** Reads `indexed_size` and the tail of a log of `size` entries back from the log. */
  load(size: number): void {
    const row = this.#prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'indexed_size'").get();
    this.#indexedSize = row === undefined ? 0 : Number(row.value);
    if (!(this.#indexedSize <= size))
      throw new Error(`meta indexed_size ${row?.value} is past the log's ${size} entries`);
    this.#ops = new Map();
    this.#tailHeads = new Map();
    this.#dids = new Map();
    this.#size = this.#indexedSize;
    const rows = this.#prepare<[number, number], TailRow>(
      'SELECT leaf_index, operation_hash, did, seq FROM entries WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index',
    ).all(this.#indexedSize, size);
    this.#remember(rows.map((r) => ({ operationHash: r.operation_hash, did: r.did, seq: r.seq })));
  }

  /** The size `op_index` and `did_index` describe. */
  get indexedSize(): number {
    return this.#indexedSize;
  }

  /** The tail's DID heads (a DID's latest entry among the tail's). */
  tailHeads(): IndexedHead[] {
    return [...this.#tailHeads.values()];
  }

  /** The leaf index of the entry with this operation hash, if stored. */
  find(operationHash: string): number | undefined {
    const inTail = this.#ops.get(operationHash);
    if (inTail !== undefined) return inTail;
    const row = this.#prepare<[number, string], { leaf_index: number }>(
      `SELECT o.leaf_index FROM op_index o JOIN entries e ON e.leaf_index = o.leaf_index
       WHERE o.op_key = ? AND e.operation_hash = ?`,
    ).get(opKey(operationHash), operationHash);
    return row?.leaf_index;
  }

  /** The tail's entries of `did`, in log order. */
  entriesOf(did: string): readonly DidEntry[] {
    return this.#dids.get(did) ?? [];
  }

  /**
   * Inside the append's transaction, before the batch's entries are inserted: refuses the batch if one of its
   * (did, seq) is already in the log (flushed rows or the tail) or twice in the batch.
   */
  checkUnique(batch: readonly AppendEntry[]): void {
    const flushed = this.#prepare<[string, number]>('SELECT 1 FROM did_entries WHERE did = ? AND seq = ?');
    const seen = new Map<string, Set<number>>();
    for (const e of batch) {
      let seqs = seen.get(e.did);
      if (seqs === undefined) {
        seqs = new Set();
        seen.set(e.did, seqs);
      }
      const stored =
        seqs.has(e.seq) ||
        this.entriesOf(e.did).some((x) => x.seq === e.seq) ||
        flushed.get(e.did, e.seq) !== undefined;
      if (stored) {
        throw new AppendConflictError('unique', 'an operation hash or (did, seq) in the batch is already in the log');
      }
      seqs.add(e.seq);
    }
  }

  /**
   * Inside the append's transaction, after the batch's entries are inserted: writes the tail (this batch
   * included) if it reached the threshold. Returns whether it did; call `committed` once the transaction commits.
   */
  flushIfDue(batch: readonly AppendEntry[], sizeBefore: number): boolean {
    if (sizeBefore !== this.#size)
      throw new RangeError(`the tail ends at ${this.#size}, the batch starts at ${sizeBefore}`);
    const sizeAfter = sizeBefore + batch.length;
    if (sizeAfter - this.#indexedSize < this.#threshold(sizeAfter)) return false;
    this.#write(batch, sizeBefore);
    return true;
  }

  /** Writes every tail row now (inside a transaction the caller runs). */
  flushAll(): void {
    if (this.#size > this.#indexedSize) this.#write([], this.#size);
  }

  /** The append committed: `flushed` says whether its transaction wrote the tail. */
  committed(batch: readonly AppendEntry[], flushed: boolean): void {
    if (flushed) this.reset(this.#size + batch.length);
    else this.#remember(batch);
  }

  /** The rows were written for the whole log of `size` entries (a flush or a rebuild committed): no tail. */
  reset(size: number): void {
    this.#ops = new Map();
    this.#tailHeads = new Map();
    this.#dids = new Map();
    this.#indexedSize = size;
    this.#size = size;
  }

  /** The tail's end: the log's size as this tail knows it. */
  get size(): number {
    return this.#size;
  }

  #remember(entries: readonly Pick<AppendEntry, 'operationHash' | 'did' | 'seq'>[]): void {
    entries.forEach((e, i) => {
      const index = this.#size + i;
      this.#ops.set(e.operationHash, index);
      const ofDid = this.#dids.get(e.did);
      if (ofDid === undefined) this.#dids.set(e.did, [{ seq: e.seq, index }]);
      else ofDid.push({ seq: e.seq, index });
      if (this.#heads) this.#tailHeads.set(e.did, { did: e.did, seq: e.seq, index, operationHash: e.operationHash });
    });
    this.#size += entries.length;
  }

  // Sorted by key, so each B-tree page is written once per flush however many of the rows land on it.
  #write(batch: readonly AppendEntry[], sizeBefore: number): void {
    const ops = [...this.#ops].map(([hash, index]) => [opKey(hash), index] as const);
    batch.forEach((e, i) => {
      ops.push([opKey(e.operationHash), sizeBefore + i]);
    });
    ops.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    const insertOp = this.#prepare('INSERT INTO op_index (op_key, leaf_index) VALUES (?, ?)');
    for (const [key, index] of ops) insertOp.run(key, index);
    this.#writeDidEntries(batch, sizeBefore);
    if (this.#heads) this.#writeHeads(batch, sizeBefore);
    const sizeAfter = sizeBefore + batch.length;
    this.#prepare(SET_INDEXED_SIZE).run(String(sizeAfter));
  }

  // A plain INSERT: a (did, seq) already flushed fails the PRIMARY KEY, and with it the batch (checkUnique's backstop).
  #writeDidEntries(batch: readonly AppendEntry[], sizeBefore: number): void {
    const rows: [string, number, number][] = [];
    for (const [did, entries] of this.#dids) for (const e of entries) rows.push([did, e.seq, e.index]);
    batch.forEach((e, i) => {
      rows.push([e.did, e.seq, sizeBefore + i]);
    });
    rows.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] - y[1]));
    const insert = this.#prepare('INSERT INTO did_entries (did, seq, leaf_index) VALUES (?, ?, ?)');
    for (const [did, seq, index] of rows) insert.run(did, seq, index);
  }

  #writeHeads(batch: readonly AppendEntry[], sizeBefore: number): void {
    const heads = new Map(this.#tailHeads);
    batch.forEach((e, i) => {
      heads.set(e.did, { did: e.did, seq: e.seq, index: sizeBefore + i, operationHash: e.operationHash });
    });
    const upsert = this.#prepare(
      `INSERT INTO did_index (did, seq, leaf_index, operation_hash) VALUES (?, ?, ?, ?)
       ON CONFLICT (did) DO UPDATE SET seq = excluded.seq, leaf_index = excluded.leaf_index, operation_hash = excluded.operation_hash`,
    );
    const sorted = [...heads.values()].sort((x, y) => (x.did < y.did ? -1 : x.did > y.did ? 1 : 0));
    for (const h of sorted) upsert.run(h.did, h.seq, h.index, h.operationHash);
  }
}
