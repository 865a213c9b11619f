/**
 * The read side of a ledger node, for the HTTP layer and resolvers. Everything served is covered by the latest
 * quorum-cosigned checkpoint, and every proof is against it: entries appended but not yet anchored are not
 * visible, so a resolver never sees history that a witness quorum has not vouched for.
 */
import type { LogEntry } from '@did-city/method';
import { encodeEntryBundle, parseTilePath, TILE_HEIGHT, TILE_WIDTH, type Tile, tilePath } from '@did-city/tlog';
import { toBase64 } from './bytes.ts';
import { decodeLeaf } from './leaf.ts';
import type { LogStore, StoredCheckpoint, StoredEntry } from './store/interface.ts';

export interface ProvenEntry extends LogEntry {
  /** RFC 6962 leaf hash, base64. */
  leafHash: string;
  /** Audit path to the checkpoint's root, base64, leaf side first. */
  inclusionProof: string[];
}

export interface ProvenHistory {
  did: string;
  /** Size of the checkpoint the proofs are against (0 before the first checkpoint). */
  treeSize: number;
  /** The co-signed checkpoint note; undefined before the first checkpoint. */
  checkpoint?: string;
  /** The DID's anchored entries in log order. */
  entries: ProvenEntry[];
}

/** Entries read and proven per step of a history answer; the event loop is yielded between steps. */
export const HISTORY_PAGE = 8;

/**
 * A DID's anchored entries, each with its inclusion proof against one co-signed checkpoint. Read page by page
 * (HISTORY_PAGE entries, with a turn of the event loop between pages), so that many concurrent reads of a long
 * history share the process with everything else instead of holding it for a whole history each.
 */
export async function provenHistory(store: LogStore, did: string): Promise<ProvenHistory> {
  const checkpoint = await store.latestCheckpoint();
  if (!checkpoint) return { did, treeSize: 0, entries: [] };
  const entries: ProvenEntry[] = [];
  for (let afterSeq = -1; ; ) {
    const page = await store.entriesOfDidPage(did, { afterSeq, limit: HISTORY_PAGE, beforeSize: checkpoint.size });
    for (const stored of page) entries.push(await provenEntry(store, stored, checkpoint));
    if (page.length < HISTORY_PAGE) break;
    afterSeq = page.at(-1)!.seq;
    await new Promise((resume) => setImmediate(resume));
  }
  return { did, treeSize: checkpoint.size, checkpoint: checkpoint.note, entries };
}

async function provenEntry(store: LogStore, stored: StoredEntry, checkpoint: StoredCheckpoint): Promise<ProvenEntry> {
  const proof = await store.inclusionProof(stored.index, checkpoint.size);
  return {
    ...decodeLeaf(stored.leaf, stored.index),
    leafHash: toBase64(stored.leafHash),
    inclusionProof: proof.map(toBase64),
  };
}

async function anchoredSize(store: LogStore): Promise<number> {
  return (await store.latestCheckpoint())?.size ?? 0;
}

function checkRange(value: number, max: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${what} ${value} is outside the anchored log (0..${max})`);
  }
}

/** Inclusion proof of leaf `index` in the tree of `size` leaves (size ≤ the anchored size), base64. */
export async function anchoredInclusionProof(store: LogStore, index: number, size: number): Promise<string[]> {
  checkRange(size, await anchoredSize(store), 'tree size');
  checkRange(index, size - 1, 'leaf index');
  return (await store.inclusionProof(index, size)).map(toBase64);
}

/** Consistency proof between two anchored sizes, base64. */
export async function anchoredConsistencyProof(store: LogStore, from: number, to: number): Promise<string[]> {
  checkRange(to, await anchoredSize(store), 'tree size');
  checkRange(from, to, 'old size');
  return (await store.consistencyProof(from, to)).map(toBase64);
}

/**
 * C2SP tlog-tiles data for a tile or entry-bundle path (`tile/0/x001/234`, `tile/entries/000.p/7`), against the
 * anchored size. Throws TlogError('MALFORMED_TILE') for a bad path and RangeError for a tile the anchored tree
 * does not have (yet).
 */
export async function readTile(store: LogStore, path: string): Promise<Uint8Array> {
  const tile = parseTilePath(path);
  const size = await anchoredSize(store);
  if (tile.level === 'entries') return entryBundle(store, tile, size);
  // Hash i of a level-L tile is the stored complete subtree (8·L, N·256 + i).
  const span = TILE_WIDTH ** tile.level;
  const first = tile.index * TILE_WIDTH;
  if ((first + tile.width) * span > size) throw new RangeError(`${tilePath(tile)} is beyond the anchored tree`);
  const hashes = await store.levelHashes(TILE_HEIGHT * tile.level, first, tile.width);
  return concat(hashes);
}

async function entryBundle(store: LogStore, tile: Tile, size: number): Promise<Uint8Array> {
  const first = tile.index * TILE_WIDTH;
  if (first + tile.width > size) throw new RangeError(`${tilePath(tile)} is beyond the anchored tree`);
  const entries = await store.entries(first, first + tile.width);
  return encodeEntryBundle(entries.map((e) => e.leaf));
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
