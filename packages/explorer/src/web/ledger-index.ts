/**
 * The whole log, read through its tlog-tiles entry bundles and checked against the trusted checkpoint: every leaf
 * hash recomputed from the bundle bytes, and the tree root from them equal to the checkpoint's root. Then the list
 * of DIDs, their latest operation and the recent anchoring are what the log committed, not what the node says.
 * A log larger than MAX_INDEXED leaves is not indexed here (a DID page still verifies any DID).
 */
import type { Operation } from '@did-city/method';
import { type Checkpoint, decodeEntryBundle, leafHash, rootFromLeafHashes, TILE_WIDTH, tilePath } from '@did-city/tlog';
import { getBytes } from './api.ts';

export const MAX_INDEXED = 16 * TILE_WIDTH * 4;

export interface IndexedEntry {
  index: number;
  integratedTime: string;
  operation: Operation;
}

export interface LogIndex {
  entries: IndexedEntry[];
  /** The recomputed root equals the checkpoint's. */
  ok: boolean;
  problem?: string;
}

export async function readLog(checkpoint: Checkpoint): Promise<LogIndex> {
  const size = checkpoint.size;
  if (size > MAX_INDEXED)
    return {
      entries: [],
      ok: false,
      problem: `the log has ${size} entries, more than this page indexes (${MAX_INDEXED})`,
    };
  const bundles: Promise<Uint8Array>[] = [];
  for (let index = 0; index * TILE_WIDTH < size; index++) {
    const width = Math.min(TILE_WIDTH, size - index * TILE_WIDTH);
    bundles.push(getBytes(`/${tilePath({ level: 'entries', index, width })}`));
  }
  const leaves = (await Promise.all(bundles)).flatMap((bundle) => decodeEntryBundle(bundle));
  if (leaves.length !== size)
    return { entries: [], ok: false, problem: `the entry bundles hold ${leaves.length} entries, not ${size}` };
  const root = rootFromLeafHashes(leaves.map((leaf) => leafHash(leaf)));
  const ok = Buffer.compare(root, checkpoint.rootHash) === 0;
  const decoder = new TextDecoder();
  const entries = leaves.map((leaf, index) => {
    const { integratedTime, operation } = JSON.parse(decoder.decode(leaf)) as Omit<IndexedEntry, 'index'>;
    return { index, integratedTime, operation };
  });
  return ok
    ? { entries, ok }
    : { entries, ok, problem: `the log's entries do not hash to the root of checkpoint ${size}` };
}
