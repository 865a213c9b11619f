/**
 * A witness's persistent memory, one SQLite file per witness: for each log origin the last checkpoint it
 * cosigned, and every (size, root) it ever cosigned. Updates are a compare-and-swap in one IMMEDIATE
 * transaction, so two requests (or two processes) can never roll the witness back or make it cosign two roots
 * for one size.
 */
import Database from 'better-sqlite3';
import { restrictFile } from '../store/file-mode.ts';

export interface WitnessLogState {
  size: number;
  rootHash: Uint8Array;
  /** The checkpoint note as the log sent it (log signature only). */
  checkpoint: string;
}

/** Outcome of a compare-and-swap: `moved` when another request updated the state since it was read. */
export type CommitResult = 'committed' | 'moved' | 'equivocation';

const DDL = `
CREATE TABLE IF NOT EXISTS log_state (
  origin TEXT PRIMARY KEY,
  tree_size INTEGER NOT NULL CHECK (tree_size >= 0),
  root_hash BLOB NOT NULL CHECK (length(root_hash) = 32),
  checkpoint TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS cosigned (
  origin TEXT NOT NULL,
  tree_size INTEGER NOT NULL,
  root_hash BLOB NOT NULL CHECK (length(root_hash) = 32),
  PRIMARY KEY (origin, tree_size)
) STRICT, WITHOUT ROWID;
`;

interface StateRow {
  tree_size: number;
  root_hash: Buffer;
  checkpoint: string;
}

export class WitnessStateStore {
  readonly #db: Database.Database;

  constructor(options: { file: string }) {
    restrictFile(options.file);
    this.#db = new Database(options.file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(DDL);
  }

  get(origin: string): WitnessLogState | undefined {
    const row = this.#db
      .prepare<[string], StateRow>('SELECT tree_size, root_hash, checkpoint FROM log_state WHERE origin = ?')
      .get(origin);
    return row && { size: row.tree_size, rootHash: new Uint8Array(row.root_hash), checkpoint: row.checkpoint };
  }

  /** Persists `next` only if the state is still `expected` and no other root was cosigned for next.size. */
  commit(origin: string, expected: WitnessLogState | undefined, next: WitnessLogState): CommitResult {
    const swap = this.#db.transaction((): CommitResult => {
      const current = this.get(origin);
      if (!sameState(current, expected)) return 'moved';
      const prior = this.#db
        .prepare<[string, number], { root_hash: Buffer }>(
          'SELECT root_hash FROM cosigned WHERE origin = ? AND tree_size = ?',
        )
        .get(origin, next.size);
      if (prior && !prior.root_hash.equals(next.rootHash)) return 'equivocation';
      if (!prior) {
        this.#db
          .prepare('INSERT INTO cosigned (origin, tree_size, root_hash) VALUES (?, ?, ?)')
          .run(origin, next.size, next.rootHash);
      }
      this.#db
        .prepare(
          `INSERT INTO log_state (origin, tree_size, root_hash, checkpoint) VALUES (?, ?, ?, ?)
           ON CONFLICT (origin) DO UPDATE SET tree_size = excluded.tree_size, root_hash = excluded.root_hash,
           checkpoint = excluded.checkpoint`,
        )
        .run(origin, next.size, next.rootHash, next.checkpoint);
      return 'committed';
    });
    return swap.immediate();
  }

  /** Every root this witness cosigned for `origin` at `size` (at most one, by construction). */
  cosignedRoots(origin: string, size: number): Uint8Array[] {
    return this.#db
      .prepare<[string, number], { root_hash: Buffer }>(
        'SELECT root_hash FROM cosigned WHERE origin = ? AND tree_size = ?',
      )
      .all(origin, size)
      .map((r) => new Uint8Array(r.root_hash));
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

function sameState(a: WitnessLogState | undefined, b: WitnessLogState | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.size === b.size && Buffer.from(a.rootHash).equals(b.rootHash);
}
