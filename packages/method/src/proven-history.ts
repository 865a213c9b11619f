/**
 * The pieces of a ledger's history answer a reader verifies (spec §7.6, §7.9): each page's entries (the DID's own,
 * in log order, seq contiguous, each leaf recomputed and included in the checkpoint), and the whole history ending
 * exactly at the head the DID index proves (R-IDX-4): the last entry's seq, leaf index and operation hash.
 */
import type { Checkpoint } from '@did-city/tlog';
import type { IndexHead } from './did-index.ts';
import { type HttpAnswer, parseJson } from './ledger-http.ts';
import { checkInclusion, entryLeafHash, invalidProof } from './ledger-proofs.ts';
import { operationHash } from './operation.ts';
import type { LogEntry, Operation } from './types.ts';

export interface ServedEntry {
  index: unknown;
  integratedTime: unknown;
  operation: unknown;
  inclusionProof: unknown;
}

/** One page of `GET dids/{did}/history`, as served (nothing verified yet). */
export interface ServedPage {
  checkpoint?: unknown;
  treeSize: unknown;
  head?: unknown;
  indexProof?: unknown;
  entries: ServedEntry[];
  next?: unknown;
}

export function readServedPage(answer: HttpAnswer): ServedPage {
  const malformed = () => invalidProof('the ledger answer is not a proven history');
  const body = parseJson(answer, malformed);
  if (typeof body !== 'object' || body === null) throw malformed();
  const { checkpoint, treeSize, head, indexProof, entries, next } = body as Record<string, unknown>;
  if (!Array.isArray(entries) || !entries.every((e) => typeof e === 'object' && e !== null)) throw malformed();
  return { checkpoint, treeSize, head, indexProof, entries: entries as ServedEntry[], next };
}

/** Where the entries of a page must start: the seq after the ones already held, above their last leaf index. */
export interface PageStart {
  seq: number;
  afterIndex: number;
}

/**
 * Each entry: the DID's own, in log order, seq contiguous from `start.seq`, its leaf recomputed and included in the
 * checkpoint (the inclusion proof is checked unless `included` holds that leaf hash at that index, proven under
 * this checkpoint).
 */
export function verifyEntries(
  did: string,
  served: readonly ServedEntry[],
  checkpoint: Checkpoint,
  included: Set<string>,
  start: PageStart = { seq: 0, afterIndex: -1 },
): LogEntry[] {
  let previous = start.afterIndex;
  return served.map((entry, position) => {
    const { index, integratedTime, operation } = entry;
    if (!Number.isSafeInteger(index) || (index as number) <= previous || (index as number) >= checkpoint.size) {
      throw invalidProof(
        `entry ${position} has leaf index ${String(index)}, not in log order below ${checkpoint.size}`,
      );
    }
    previous = index as number;
    if (typeof integratedTime !== 'string' || typeof operation !== 'object' || operation === null) {
      throw invalidProof(`leaf ${previous} is not {integratedTime, operation}`);
    }
    const op = operation as Operation;
    if (op.did !== did) throw invalidProof(`leaf ${previous} is an operation of another DID`);
    if (op.seq !== start.seq + position) {
      throw invalidProof(`leaf ${previous} has seq ${String(op.seq)}: the chain is not contiguous from ${start.seq}`);
    }
    const hash = entryLeafHash(integratedTime, operation);
    const leaf = `${previous} ${Buffer.from(hash).toString('base64')}`;
    if (!included.has(leaf)) {
      checkInclusion({ index: previous, hash, proof: entry.inclusionProof, checkpoint });
      included.add(leaf);
    }
    return { index: previous, integratedTime, operation: op };
  });
}

/**
 * The history must end exactly at the proven head (R-IDX-4): no entries for a DID proven absent, and otherwise a
 * last entry with the head's seq, leaf index and operation hash. A shorter history (the latest operations left
 * out) or a longer one fails here. `knownHash` is the last entry's operation hash when already computed.
 */
export function checkEndsAtHead(
  did: string,
  entries: readonly LogEntry[],
  head: IndexHead | null,
  knownHash?: string,
): void {
  const last = entries.at(-1);
  if (head === null) {
    if (last !== undefined) throw invalidProof(`the ledger proved ${did} absent but served entries of it`);
    return;
  }
  if (last === undefined)
    throw invalidProof(`the ledger proved a head of ${did} (seq ${head.seq}) but served no entries`);
  const { seq } = last.operation;
  if (seq !== head.seq || last.index !== head.index) {
    throw invalidProof(
      `the history of ${did} ends at seq ${seq} (leaf ${last.index}), not at the proven head seq ${head.seq} (leaf ${head.index})`,
    );
  }
  if ((knownHash ?? operationHash(last.operation)) !== head.operationHash) {
    throw invalidProof(`the last operation of ${did} is not the one the DID index proves`);
  }
}

/** The `next` member of a page: `{after, size}` naming the following page, or undefined. */
export function nextPage(value: unknown, size: number): { after: number } | undefined {
  if (value === undefined) return undefined;
  const { after, size: pageSize } = (typeof value === 'object' && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  if (!Number.isSafeInteger(after) || (after as number) < 0 || pageSize !== size) {
    throw invalidProof('the history names a next page that is not {after, size} of its checkpoint');
  }
  return { after: after as number };
}
