/**
 * What a resolver remembers of a log (spec §7.6 step 4, R-LED-3): the largest checkpoint it accepted per origin.
 * Every new checkpoint must be consistent with it (same root at the same size, or a verifying RFC 6962
 * consistency proof between the two sizes); two that are not are a split view, kept as signed evidence. A
 * consistent checkpoint *smaller* than the trusted one is refused too (R-LED-6): it is an old answer replayed, or a
 * node that fell behind, and would hide what was appended since. Updates are serialised, so concurrent resolutions
 * can neither skip the check nor roll the memory back.
 */
import { type Checkpoint, parseCheckpoint, parseNote, verifyConsistency } from '@did-city/tlog';
import { DidCityError } from './errors.ts';

/**
 * Where a reader keeps the last checkpoint it trusted, per log origin (signed note text), and the split views it
 * detected. A store without the evidence methods keeps evidence for the life of the reader only.
 */
export interface CheckpointStore {
  load(origin: string): Promise<string | undefined> | string | undefined;
  save(origin: string, note: string): Promise<void> | void;
  /** Evidence remembered from before (read once, when the trust is created). */
  loadEvidence?(): Promise<SplitViewEvidence[]> | SplitViewEvidence[];
  /** Remembers one piece of evidence; called once per distinct pair before the refusal is reported. */
  saveEvidence?(evidence: SplitViewEvidence): Promise<void> | void;
}

/** The default store: in memory, for the life of the reader. */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly #notes = new Map<string, string>();

  load(origin: string): string | undefined {
    return this.#notes.get(origin);
  }

  save(origin: string, note: string): void {
    this.#notes.set(origin, note);
  }
}

/** Two signed checkpoints of one origin that cannot both be true: proof of a split view (spec §7.7). */
export interface SplitViewEvidence {
  origin: string;
  /** The checkpoint accepted before (signed note). */
  trusted: string;
  /** The checkpoint that contradicts it (signed note). */
  conflicting: string;
  reason: string;
  /** RFC 3339 time of detection. */
  detectedAt: string;
}

/** INCONSISTENT_CHECKPOINT carrying both signed checkpoints. */
export class InconsistentCheckpointError extends DidCityError {
  readonly evidence: SplitViewEvidence;

  constructor(evidence: SplitViewEvidence) {
    super(
      'INCONSISTENT_CHECKPOINT',
      `checkpoint inconsistent with one accepted before (split view): ${evidence.reason}`,
    );
    this.evidence = evidence;
  }
}

/** Fetches the base64-decoded consistency proof between two sizes from the ledger that served the checkpoint. */
export type ConsistencyFetcher = (from: number, to: number) => Promise<Uint8Array[]>;

interface Trusted {
  note: string;
  checkpoint: Checkpoint;
}

/** The store's note was verified when it was saved; one that no longer parses means the store is damaged. */
function readStored(origin: string, note: string): Checkpoint {
  try {
    return parseCheckpoint(parseNote(note).text);
  } catch (cause) {
    throw new DidCityError('UNTRUSTED_CHECKPOINT', `the remembered checkpoint of ${origin} cannot be read`, { cause });
  }
}

export class CheckpointTrust {
  readonly evidence: SplitViewEvidence[] = [];
  readonly #store: CheckpointStore;
  #queue: Promise<unknown> = Promise.resolve();
  /** The remembered evidence being read; a store that cannot read it fails every acceptance (fail closed). */
  readonly #loaded: Promise<unknown> = Promise.resolve();

  constructor(store: CheckpointStore) {
    this.#store = store;
    const remembered = store.loadEvidence?.();
    if (Array.isArray(remembered)) this.evidence.push(...remembered);
    else if (remembered !== undefined) {
      this.#loaded = remembered.then((list) => this.evidence.push(...list));
      this.#loaded.catch(() => undefined); // reported by accept(), not as an unhandled rejection
    }
  }

  /** The size of the checkpoint of `origin` trusted now, or undefined when none was accepted. */
  async trustedSize(origin: string): Promise<number | undefined> {
    const note = await this.#store.load(origin);
    return note === undefined ? undefined : readStored(origin, note).size;
  }

  /** Whether a checkpoint of `origin` was accepted before. */
  async has(origin: string): Promise<boolean> {
    return (await this.#store.load(origin)) !== undefined;
  }

  /** Accepts `checkpoint` (already verified against the policy) if it is consistent with the trusted one. */
  accept(note: string, checkpoint: Checkpoint, fetchProof: ConsistencyFetcher): Promise<void> {
    const run = this.#queue.then(() => this.#loaded).then(() => this.#accept({ note, checkpoint }, fetchProof));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #accept(next: Trusted, fetchProof: ConsistencyFetcher): Promise<void> {
    const { origin } = next.checkpoint;
    const trustedNote = await this.#store.load(origin);
    if (trustedNote === undefined) return this.#store.save(origin, next.note);
    const trusted: Trusted = { note: trustedNote, checkpoint: readStored(origin, trustedNote) };
    const [older, newer] = trusted.checkpoint.size <= next.checkpoint.size ? [trusted, next] : [next, trusted];
    const proof = older.checkpoint.size === newer.checkpoint.size ? [] : await this.#proof(fetchProof, older, newer);
    const consistent = verifyConsistency({
      oldSize: older.checkpoint.size,
      newSize: newer.checkpoint.size,
      oldRoot: older.checkpoint.rootHash,
      newRoot: newer.checkpoint.rootHash,
      proof,
    });
    if (!consistent) throw await this.#splitView(trusted, next);
    if (next.checkpoint.size < trusted.checkpoint.size) {
      const detail = `the ledger served checkpoint ${next.checkpoint.size} of ${origin}, older than checkpoint ${trusted.checkpoint.size} accepted before (a replayed or stale answer)`;
      throw new DidCityError('UNTRUSTED_CHECKPOINT', detail);
    }
    if (next.checkpoint.size > trusted.checkpoint.size) await this.#store.save(origin, next.note);
  }

  async #proof(fetchProof: ConsistencyFetcher, older: Trusted, newer: Trusted): Promise<Uint8Array[]> {
    try {
      return await fetchProof(older.checkpoint.size, newer.checkpoint.size);
    } catch (error) {
      if (error instanceof DidCityError && error.code === 'LEDGER_UNAVAILABLE') throw error;
      // The ledger would not prove the two consistent: nothing signed contradicts, but nothing can be believed.
      const detail = `the ledger did not prove checkpoint ${older.checkpoint.size} consistent with checkpoint ${newer.checkpoint.size}`;
      throw new DidCityError('UNTRUSTED_CHECKPOINT', detail, { cause: error });
    }
  }

  async #splitView(trusted: Trusted, next: Trusted): Promise<InconsistentCheckpointError> {
    const sizes = `trusted size ${trusted.checkpoint.size}, served size ${next.checkpoint.size}`;
    const reason =
      trusted.checkpoint.size === next.checkpoint.size
        ? `same size ${next.checkpoint.size} with a different root hash`
        : `the consistency proof does not verify (${sizes})`;
    // The same pair seen again (every DID of a lineage reads the same checkpoint) is one piece of evidence.
    const known = this.evidence.find((e) => e.trusted === trusted.note && e.conflicting === next.note);
    if (known !== undefined) return new InconsistentCheckpointError(known);
    const evidence: SplitViewEvidence = {
      origin: next.checkpoint.origin,
      trusted: trusted.note,
      conflicting: next.note,
      reason,
      detectedAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    // Remembered before it is reported: a restart right after the refusal must not forget it (spec §7.7).
    await this.#store.saveEvidence?.(evidence);
    this.evidence.push(evidence);
    return new InconsistentCheckpointError(evidence);
  }
}
