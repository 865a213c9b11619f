/**
 * The DID index (spec §7.9) a store keeps beside its log. Durable part: one `did_index` row per DID (its head),
 * upserted in the append's transaction, so a crash leaves the rows and the log in step and an append writes one
 * row per DID it touches, never anything proportional to history. In memory: the prefix tree over those heads,
 * rebuilt at open (O(DIDs)), one persistent version per log size from the previous checkpoint on, so proofs
 * against the served checkpoint stay available while newer batches are appended and anchored.
 */
import { DidIndex, type IndexHead } from '@did-city/method';

export type IndexedHead = IndexHead & { did: string };

/** What the index reads from a store: every DID's head, and the heads a range of entries make. */
export interface IndexSource {
  /** The `did_index` rows. */
  heads(): Promise<IndexedHead[]>;
  /** The head each entry with start ≤ index < end makes, in log order. */
  entryHeads(start: number, end: number): Promise<IndexedHead[]>;
  /** The head of `did` among the entries below `size` (undefined when it has none). */
  headBefore(did: string, size: number): Promise<IndexedHead | undefined>;
}

/** Versions kept: the store's size, the latest checkpoint's and the one before (a read in flight may use it). */
const CHECKPOINTS_KEPT = 2;

export class IndexVersions {
  readonly #source: IndexSource;
  readonly #versions = new Map<number, DidIndex>();
  #latest: { size: number; index: DidIndex };
  #checkpoints: number[] = [];
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(source: IndexSource, size: number, index: DidIndex) {
    this.#source = source;
    this.#latest = { size, index };
    this.#versions.set(size, index);
  }

  /**
   * Builds the index of a store of `size` entries whose latest checkpoint is `anchored` (≤ size): the version at
   * `anchored` (heads touched by the unanchored tail taken back to their earlier entry) and, from it, `size`.
   */
  static async open(source: IndexSource, size: number, anchored: number): Promise<IndexVersions> {
    const heads = await source.heads();
    const tail = anchored < size ? await source.entryHeads(anchored, size) : [];
    const touched = new Set(tail.map((h) => h.did));
    const kept = heads.filter((h) => !touched.has(h.did));
    for (const did of touched) {
      const earlier = await source.headBefore(did, anchored);
      if (earlier !== undefined) kept.push(earlier);
    }
    const atAnchor = DidIndex.empty().apply(kept);
    const versions = new IndexVersions(source, anchored, atAnchor);
    versions.#checkpoints = [anchored];
    if (tail.length > 0) versions.appended(anchored, tail);
    return versions;
  }

  /** Records the heads of entries just appended at `sizeBefore` (call after the append committed). */
  appended(sizeBefore: number, heads: readonly IndexedHead[]): void {
    if (sizeBefore !== this.#latest.size)
      throw new RangeError(`index at size ${this.#latest.size}, append at ${sizeBefore}`);
    const index = this.#latest.index.apply(heads);
    this.#latest = { size: sizeBefore + heads.length, index };
    this.#versions.set(this.#latest.size, index);
  }

  /** A checkpoint of `size` was stored: versions below the last CHECKPOINTS_KEPT checkpoints are dropped. */
  anchored(size: number): void {
    if (this.#checkpoints.at(-1) !== size) this.#checkpoints = [...this.#checkpoints, size].slice(-CHECKPOINTS_KEPT);
    const oldest = Math.min(...this.#checkpoints);
    for (const kept of this.#versions.keys()) if (kept < oldest) this.#versions.delete(kept);
  }

  /** The latest size the index knows. */
  get size(): number {
    return this.#latest.size;
  }

  /**
   * The index of the first `size` entries. A size past the known one is caught up from the store's entries (a
   * reader store following a writer elsewhere); an older size must still be kept.
   */
  at(size: number): Promise<DidIndex> {
    const known = this.#versions.get(size);
    if (known !== undefined) return Promise.resolve(known);
    const run = this.#queue.then(() => this.#catchUp(size));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #catchUp(size: number): Promise<DidIndex> {
    const known = this.#versions.get(size);
    if (known !== undefined) return known;
    if (size < this.#latest.size) throw new RangeError(`the DID index of size ${size} is no longer kept`);
    this.appended(this.#latest.size, await this.#source.entryHeads(this.#latest.size, size));
    this.anchored(size);
    return this.#latest.index;
  }
}
