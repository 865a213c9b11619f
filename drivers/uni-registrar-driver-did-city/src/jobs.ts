/**
 * Registrar jobs on SQLite (`<dataDir>/jobs.db`, WAL, synchronous=FULL), so a job survives a restart of the
 * driver: a city whose application waits days for the institutes keeps polling the same `jobId`.
 *
 * SQLite rather than a JSON file: each job is one row written in its own transaction (a JSON file would be
 * rewritten whole, up to the job limit times the largest operation, on every request), and a phase change is a
 * compare-and-set (`UPDATE … WHERE phase = ?`), so two requests carrying the same signatures cannot both submit.
 *
 * Bounds: at most `maxJobs` unexpired jobs (expired ones are deleted first; beyond that, JOB_LIMIT), each holding
 * one operation of at most 60 KiB; every job has an expiry, after which its id is unknown.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, DataIntegrityProof, Operation, UnsignedOperation } from '@did-city/method';
import Database from 'better-sqlite3';
import { RegistrarError } from './errors.ts';
import type { RequestKeys } from './signing.ts';
import type { Operation as RegistrarOperation, RegistrarState } from './states.ts';

/** `sign`: waiting for signatures; `submit`: signed, not yet accepted; `wait`: in review; `done`: answer kept. */
export type Phase = 'sign' | 'submit' | 'wait' | 'done';

export interface Contact {
  organisation: string;
  email: string;
}

export interface JobData {
  unsigned: UnsignedOperation;
  /** The `created` of every proof of the job: the signed bytes depend on it. */
  created: string;
  requestKeys: RequestKeys;
  /** Proofs the driver made with keys it holds, by signing request id (those requests are not sent to the client). */
  heldProofs?: Record<string, DataIntegrityProof>;
  /** `registration`: a division's create, through the institutes' review; `ledger`: submitted directly. */
  route: 'registration' | 'ledger';
  /** What the signing requests ask for, in words. */
  description: string;
  contact?: Contact;
  signed?: Operation;
  registrationId?: string;
  /** The final answer, repeated to a client that asks again. */
  answer?: { status: number; body: RegistrarState };
}

export interface Job {
  id: string;
  operation: RegistrarOperation;
  did: string;
  phase: Phase;
  expiresAt: number;
  data: JobData;
}

interface JobRow {
  id: string;
  operation: RegistrarOperation;
  did: string;
  phase: Phase;
  expires_at: number;
  data: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  operation TEXT NOT NULL CHECK (operation IN ('create', 'update', 'deactivate')),
  did TEXT NOT NULL,
  phase TEXT NOT NULL CHECK (phase IN ('sign', 'submit', 'wait', 'done')),
  expires_at INTEGER NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_expiry ON jobs (expires_at);`;

export const DEFAULT_MAX_JOBS = 1000;

export interface JobStoreOptions {
  file: string;
  maxJobs?: number;
  now?: Clock;
}

function rowToJob(row: JobRow): Job {
  return {
    id: row.id,
    operation: row.operation,
    did: row.did,
    phase: row.phase,
    expiresAt: row.expires_at,
    data: JSON.parse(row.data),
  };
}

export class JobStore {
  readonly #db: Database.Database;
  readonly #max: number;
  readonly #now: Clock;
  readonly #sql;

  constructor(options: JobStoreOptions) {
    this.#max = options.maxJobs ?? DEFAULT_MAX_JOBS;
    this.#now = options.now ?? Date.now;
    this.#db = new Database(options.file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.exec(SCHEMA);
    const db = this.#db;
    this.#sql = {
      insert: db.prepare('INSERT INTO jobs (id, operation, did, phase, expires_at, data) VALUES (?, ?, ?, ?, ?, ?)'),
      byId: db.prepare<[string, number], JobRow>('SELECT * FROM jobs WHERE id = ? AND expires_at > ?'),
      advance: db.prepare(
        'UPDATE jobs SET phase = ?, expires_at = ?, data = ? WHERE id = ? AND phase = ? AND expires_at > ?',
      ),
      purge: db.prepare('DELETE FROM jobs WHERE expires_at <= ?'),
      count: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM jobs'),
    };
  }

  /** Stores a new job and returns its id (122 random bits: ids are not guessable). JOB_LIMIT when full. */
  insert(job: Omit<Job, 'id'>): string {
    const id = randomUUID();
    const add = this.#db.transaction(() => {
      this.#sql.purge.run(this.#now());
      if (this.#sql.count.get()!.n >= this.#max) {
        throw new RegistrarError(
          'JOB_LIMIT',
          `the driver holds ${this.#max} open jobs, its limit; retry once some have finished or expired`,
        );
      }
      this.#sql.insert.run(id, job.operation, job.did, job.phase, job.expiresAt, JSON.stringify(job.data));
    });
    add();
    return id;
  }

  /** The job, or undefined when no unexpired job has this id. */
  get(id: string): Job | undefined {
    const row = this.#sql.byId.get(id, this.#now());
    return row === undefined ? undefined : rowToJob(row);
  }

  /**
   * Moves a job from phase `from` to `to`; false when it is no longer in `from` (another request moved it first)
   * or has expired meanwhile.
   */
  advance(job: Job, from: Phase, to: { phase: Phase; expiresAt: number; data: JobData }): boolean {
    const result = this.#sql.advance.run(to.phase, to.expiresAt, JSON.stringify(to.data), job.id, from, this.#now());
    return result.changes === 1;
  }

  /** Deletes expired jobs; returns how many. */
  purgeExpired(): number {
    return this.#sql.purge.run(this.#now()).changes;
  }

  /** Stored jobs, expired ones not yet purged included. */
  size(): number {
    return this.#sql.count.get()!.n;
  }

  close(): void {
    this.#db.close();
  }
}
