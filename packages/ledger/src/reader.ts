/**
 * The read side of a ledger node, for the HTTP layer and resolvers. Everything served is covered by the latest
 * quorum-cosigned checkpoint, and every proof is against it: entries appended but not yet anchored are not
 * visible, so a resolver never sees history that a witness quorum has not vouched for.
 */
import { createHash } from 'node:crypto';
import { DidCityError, type IndexHead, type LogEntry, type ServedIndexProof } from '@did-city/method';
import { encodeEntryBundle, parseTilePath, TILE_HEIGHT, TILE_WIDTH, type Tile, tilePath } from '@did-city/tlog';
import { toBase64 } from './bytes.ts';
import { decodeLeaf } from './leaf.ts';
import type { LogReader, StoredCheckpoint, StoredEntry } from './store/interface.ts';

export interface ProvenEntry extends LogEntry {
  /** RFC 6962 leaf hash, base64. */
  leafHash: string;
  /** Audit path to the checkpoint's root, base64, leaf side first. */
  inclusionProof: string[];
}

/** Entries per page of `GET /dids/{did}/history` (spec §7.9): a longer history is read in several requests. */
export const HISTORY_PAGE_SIZE = 100;

/** A DID's head proven against the index root a checkpoint commits (spec §7.9). */
export interface ProvenHead {
  did: string;
  /** Size of the checkpoint the proof is against (0 before the first checkpoint). */
  treeSize: number;
  /** The co-signed checkpoint note; undefined before the first checkpoint. */
  checkpoint?: string;
  /** The DID's latest operation as of the checkpoint, or null when it has none. */
  head: IndexHead | null;
  /** The index proof of `head` (or of the DID's absence); undefined before the first checkpoint. */
  indexProof?: ServedIndexProof;
}

export interface ProvenHistory extends Omit<ProvenHead, 'head'> {
  /** As in ProvenHead; absent only on a later page whose checkpoint's index is no longer kept. */
  head?: IndexHead | null;
  /** The DID's anchored entries in log order (those after `after`, at most HISTORY_PAGE_SIZE). */
  entries: ProvenEntry[];
  /** Present when more entries follow: ask again with these `after` and `size` (the same checkpoint). */
  next?: { after: number; size: number };
}

export interface HistoryRequest {
  /** Only entries with a larger seq. */
  after?: number;
  /** The checkpoint size to prove against (a later page); default the latest checkpoint. */
  size?: number;
}

async function servedCheckpoint(store: LogReader, size: number | undefined): Promise<StoredCheckpoint | undefined> {
  if (size === undefined) return store.latestCheckpoint();
  const checkpoint = await store.checkpointAt(size);
  if (checkpoint === undefined) throw new DidCityError('NOT_FOUND', `there is no co-signed checkpoint of size ${size}`);
  return checkpoint;
}

/** The head of `did` and its index proof against the latest co-signed checkpoint (or the one of `size`). */
export async function provenHead(store: LogReader, did: string, size?: number): Promise<ProvenHead> {
  const checkpoint = await servedCheckpoint(store, size);
  if (!checkpoint) return { did, treeSize: 0, head: null };
  const { head, indexProof } = (await store.didIndex(checkpoint.size)).prove(did);
  return { did, treeSize: checkpoint.size, checkpoint: checkpoint.note, head, indexProof };
}

/**
 * The strong ETag of a head or history answer (spec §7.9): it names the checkpoint note the answer proves against
 * and the DID's head in that checkpoint's index, the two things a proven answer depends on. Any answer with the same
 * note and head has the same tag, whatever its `after`: a reader that holds the proof of that head under that note
 * revalidates it with If-None-Match on its next `?after=` read. A new cosignature changes the note, so the tag too.
 */
export function headTag(note: string, did: string, head: IndexHead | null): string {
  const headText = head === null ? 'absent' : `${head.seq} ${head.index} ${head.operationHash}`;
  const digest = createHash('sha256')
    .update('did-city head tag\n')
    .update(note)
    .update('\n')
    .update(did)
    .update('\n')
    .update(headText)
    .digest('base64url');
  return `"${digest.slice(0, 27)}"`;
}

/** The ETag of the DID's proven head against the latest co-signed checkpoint now; undefined before the first one. */
export async function currentHeadTag(store: LogReader, did: string): Promise<string | undefined> {
  const checkpoint = await store.latestCheckpoint();
  if (!checkpoint) return undefined;
  return headTag(checkpoint.note, did, (await store.didIndex(checkpoint.size)).head(did) ?? null);
}

/** The proven head, or nothing for an older checkpoint (a later page) whose index is no longer kept. */
async function headOf(store: LogReader, did: string, checkpoint: StoredCheckpoint): Promise<Partial<ProvenHead>> {
  try {
    return (await store.didIndex(checkpoint.size)).prove(did);
  } catch (error) {
    if (error instanceof RangeError) return {};
    throw error;
  }
}

/**
 * A page of a DID's anchored entries after `after`, each with its inclusion proof, and the DID's head proven
 * against the same co-signed checkpoint, so a reader can tell that the entries end at the latest one.
 */
export async function provenHistory(
  store: LogReader,
  did: string,
  request: HistoryRequest = {},
): Promise<ProvenHistory> {
  const checkpoint = await servedCheckpoint(store, request.size);
  if (!checkpoint) return { did, treeSize: 0, head: null, entries: [] };
  const range = { afterSeq: request.after ?? -1, limit: HISTORY_PAGE_SIZE + 1 };
  const stored = await store.entriesOfDidPage(did, { ...range, beforeSize: checkpoint.size });
  const page = stored.slice(0, HISTORY_PAGE_SIZE);
  const entries = await provenEntries(store, page, checkpoint);
  const history: ProvenHistory = {
    did,
    treeSize: checkpoint.size,
    checkpoint: checkpoint.note,
    ...(await headOf(store, did, checkpoint)),
    entries,
  };
  if (stored.length > HISTORY_PAGE_SIZE) history.next = { after: page.at(-1)!.seq, size: checkpoint.size };
  return history;
}

/** Entries proven per step of a history answer; the event loop is yielded between steps. */
const PROOF_STEP = 8;

/**
 * Proves a page's entries a few at a time, with a turn of the event loop between steps, so that many concurrent
 * reads of a long history share the process with everything else instead of holding it for a whole page each.
 */
async function provenEntries(
  store: LogReader,
  page: readonly StoredEntry[],
  checkpoint: StoredCheckpoint,
): Promise<ProvenEntry[]> {
  const entries: ProvenEntry[] = [];
  for (let start = 0; start < page.length; start += PROOF_STEP) {
    if (start > 0) await new Promise((resume) => setImmediate(resume));
    for (const stored of page.slice(start, start + PROOF_STEP))
      entries.push(await provenEntry(store, stored, checkpoint));
  }
  return entries;
}

async function provenEntry(store: LogReader, stored: StoredEntry, checkpoint: StoredCheckpoint): Promise<ProvenEntry> {
  const proof = await store.inclusionProof(stored.index, checkpoint.size);
  return {
    ...decodeLeaf(stored.leaf, stored.index),
    leafHash: toBase64(stored.leafHash),
    inclusionProof: proof.map(toBase64),
  };
}

async function anchoredSize(store: LogReader): Promise<number> {
  return (await store.latestCheckpoint())?.size ?? 0;
}

/**
 * A size, index or tile that a request asked for and the anchored log does not have. A RangeError, as a library
 * caller expects of a bad range; its own class because the HTTP layer answers only this one with the client's
 * fault (400, or 404 for a tile not there yet): any other RangeError is the node's failure.
 */
export class OutsideLogError extends RangeError {
  override readonly name = 'OutsideLogError';
}

function checkRange(value: number, max: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new OutsideLogError(`${what} ${value} is outside the anchored log (0..${max})`);
  }
}

/** Inclusion proof of leaf `index` in the tree of `size` leaves (size ≤ the anchored size), base64. */
export async function anchoredInclusionProof(store: LogReader, index: number, size: number): Promise<string[]> {
  checkRange(size, await anchoredSize(store), 'tree size');
  checkRange(index, size - 1, 'leaf index');
  return (await store.inclusionProof(index, size)).map(toBase64);
}

/** Consistency proof between two anchored sizes, base64. */
export async function anchoredConsistencyProof(store: LogReader, from: number, to: number): Promise<string[]> {
  checkRange(to, await anchoredSize(store), 'tree size');
  checkRange(from, to, 'old size');
  return (await store.consistencyProof(from, to)).map(toBase64);
}

/**
 * C2SP tlog-tiles data for a tile or entry-bundle path (`tile/0/x001/234`, `tile/entries/000.p/7`), against the
 * anchored size. Throws TlogError('MALFORMED_TILE') for a bad path and OutsideLogError for a tile the anchored tree
 * does not have (yet).
 */
export async function readTile(store: LogReader, path: string): Promise<Uint8Array> {
  const tile = parseTilePath(path);
  const size = await anchoredSize(store);
  if (tile.level === 'entries') return entryBundle(store, tile, size);
  // Hash i of a level-L tile is the stored complete subtree (8·L, N·256 + i).
  const span = TILE_WIDTH ** tile.level;
  const first = tile.index * TILE_WIDTH;
  if ((first + tile.width) * span > size) throw new OutsideLogError(`${tilePath(tile)} is beyond the anchored tree`);
  const hashes = await store.levelHashes(TILE_HEIGHT * tile.level, first, tile.width);
  return concat(hashes);
}

async function entryBundle(store: LogReader, tile: Tile, size: number): Promise<Uint8Array> {
  const first = tile.index * TILE_WIDTH;
  if (first + tile.width > size) throw new OutsideLogError(`${tilePath(tile)} is beyond the anchored tree`);
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
