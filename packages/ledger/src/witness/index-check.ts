/**
 * The additional statement an index witness makes (spec §7.9, R-IDX-2): before co-signing, it recomputes the DID
 * index root of the checkpoint from the log's entries and refuses a checkpoint whose index line differs. It reads
 * the entries from its replica of the log (for the embedded witnesses, the node's own store), and trusts nothing
 * of it but the leaf bytes: the leaves between the size it co-signed last and the new size must hash, with its own
 * frontier, to the checkpoint's root; each DID's head is then taken from those leaves (the operation hash is the
 * hash of the operation's JCS text inside the leaf).
 */
import { DidCityError, DidIndex, type IndexHead, indexRootOf, multihashSha256 } from '@did-city/method';
import {
  appendToFrontier,
  type Checkpoint,
  emptyFrontier,
  type Frontier,
  frontierRoot,
  leafHash,
} from '@did-city/tlog';

/** Read access to a copy of the log. */
export interface LogReplica {
  /** Entries with start ≤ index < end, in order (only `index` and the leaf bytes are used). */
  entries(start: number, end: number): Promise<{ index: number; leaf: Uint8Array }[]>;
}

interface IndexState {
  size: number;
  frontier: Frontier;
  index: DidIndex;
}

/** Leaves read from the replica at a time. */
const CHUNK = 4096;

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The head a leaf makes. The leaf is JCS({integratedTime, operation}), so its text is
 * `{"integratedTime":"…","operation":<JCS of the operation>}` and the operation's JCS text (what its hash covers)
 * is the slice after the prefix.
 */
export function headOfLeaf(leaf: Uint8Array, index: number): IndexHead & { did: string } {
  const text = decoder.decode(leaf);
  const parsed = JSON.parse(text) as { integratedTime?: unknown; operation?: { did?: unknown; seq?: unknown } };
  const prefix = `{"integratedTime":${JSON.stringify(parsed.integratedTime)},"operation":`;
  const { did, seq } = parsed.operation ?? {};
  if (!text.startsWith(prefix) || !text.endsWith('}') || typeof did !== 'string' || !Number.isSafeInteger(seq)) {
    throw new DidCityError('INVALID_LEDGER_PROOF', `leaf ${index} is not JCS({integratedTime, operation})`);
  }
  const operationHash = multihashSha256(new TextEncoder().encode(text.slice(prefix.length, -1)));
  return { did, seq: seq as number, index, operationHash };
}

export class IndexChecker {
  readonly #replica: LogReplica;
  #state: IndexState | undefined;

  constructor(replica: LogReplica) {
    this.#replica = replica;
  }

  /**
   * Checks the checkpoint's index line against the entries from `known` (the size and root the witness co-signed
   * last) to the checkpoint's size. Resolves with a refusal reason, or with `commit`, to be called once the
   * witness stored its new state.
   */
  async check(
    known: { size: number; rootHash: Uint8Array } | undefined,
    checkpoint: Checkpoint,
  ): Promise<{ refused: string } | { commit: () => void }> {
    let claimed: Uint8Array | undefined;
    try {
      claimed = indexRootOf(checkpoint);
    } catch {
      return { refused: 'malformed DID index line' };
    }
    if (claimed === undefined) return { refused: 'the checkpoint commits no DID index root' };
    const base = await this.#stateAt(known);
    if (base === undefined) return { refused: 'the replica does not hold the log this witness co-signed' };
    const next = await this.#advance(base, checkpoint.size);
    if (!Buffer.from(frontierRoot(next.frontier)).equals(checkpoint.rootHash)) {
      return { refused: "the replica's entries do not hash to the checkpoint's root" };
    }
    if (!Buffer.from(next.index.root()).equals(claimed)) {
      return { refused: 'the DID index root does not match the log entries' };
    }
    return {
      commit: () => {
        this.#state = next;
      },
    };
  }

  /** The index state at the witness's co-signed size, rebuilt from the replica when not held (after a restart). */
  async #stateAt(known: { size: number; rootHash: Uint8Array } | undefined): Promise<IndexState | undefined> {
    const size = known?.size ?? 0;
    if (this.#state?.size === size) return this.#state;
    const rebuilt = await this.#advance({ size: 0, frontier: emptyFrontier(), index: DidIndex.empty() }, size);
    if (known !== undefined && !Buffer.from(frontierRoot(rebuilt.frontier)).equals(known.rootHash)) return undefined;
    return rebuilt;
  }

  async #advance(state: IndexState, size: number): Promise<IndexState> {
    let { frontier, index } = state;
    for (let start = state.size; start < size; start += CHUNK) {
      const entries = await this.#replica.entries(start, Math.min(size, start + CHUNK));
      if (entries.length !== Math.min(size, start + CHUNK) - start) break;
      frontier = appendToFrontier(
        frontier,
        entries.map((e) => leafHash(e.leaf)),
      ).frontier;
      index = index.apply(entries.map((e) => headOfLeaf(e.leaf, e.index)));
    }
    return { size, frontier, index };
  }
}
