/**
 * Applications on SQLite (`<dataDir>/registrations.db`, WAL, synchronous=FULL): every state change is one
 * transaction, so after a crash an application is in exactly one state. A partial unique index keeps at most one
 * open (pending or approved) application per DID, whatever the code above does.
 */
import Database from 'better-sqlite3';
import type { DataIntegrityProof, StateOperation } from '@did-city/method';
import type { Receipt } from '../receipt.ts';
import type { Application, Approval, Contact, Rejection, RegistrationStatus } from './types.ts';
import { restrictFile } from '../store/file-mode.ts';

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS applications (
  id TEXT PRIMARY KEY,
  did TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'anchored')),
  operation TEXT NOT NULL,
  contact TEXT NOT NULL,
  submitted_at TEXT NOT NULL,
  assembled TEXT,
  receipt TEXT,
  rejection TEXT,
  seq INTEGER NOT NULL UNIQUE
);
CREATE UNIQUE INDEX IF NOT EXISTS one_open_application_per_did ON applications (did) WHERE status IN ('pending', 'approved');
CREATE INDEX IF NOT EXISTS applications_by_status ON applications (status, seq);
CREATE TABLE IF NOT EXISTS approvals (
  application_id TEXT NOT NULL REFERENCES applications (id),
  key TEXT NOT NULL,
  created TEXT NOT NULL,
  proof TEXT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (application_id, key)
);`;

interface ApplicationRow {
  id: string;
  did: string;
  status: RegistrationStatus;
  operation: string;
  contact: string;
  submitted_at: string;
  assembled: string | null;
  receipt: string | null;
  rejection: string | null;
}

interface ApprovalRow {
  key: string;
  created: string;
  proof: string;
}

export interface NewApplication {
  id: string;
  did: string;
  operation: StateOperation;
  contact: Contact;
  submittedAt: string;
}

export class RegistrationStore {
  readonly #db: Database.Database;
  readonly #sql;

  constructor(file: string) {
    restrictFile(file);
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('foreign_keys = ON');
    this.#migrate();
    const db = this.#db;
    this.#sql = {
      insert: db.prepare(
        `INSERT INTO applications (id, did, status, operation, contact, submitted_at, seq)
         VALUES (?, ?, 'pending', ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM applications))`,
      ),
      byId: db.prepare<[string], ApplicationRow>('SELECT * FROM applications WHERE id = ?'),
      openForDid: db.prepare<[string], ApplicationRow>(
        "SELECT * FROM applications WHERE did = ? AND status IN ('pending', 'approved')",
      ),
      byStatus: db.prepare<[string], ApplicationRow>('SELECT * FROM applications WHERE status = ? ORDER BY seq'),
      all: db.prepare<[], ApplicationRow>('SELECT * FROM applications ORDER BY seq'),
      seqOf: db.prepare<[string], { seq: number }>('SELECT seq FROM applications WHERE id = ?'),
      pageAll: db.prepare<[number, number], ApplicationRow>('SELECT * FROM applications WHERE seq > ? ORDER BY seq LIMIT ?'),
      pageByStatus: db.prepare<[string, number, number], ApplicationRow>(
        'SELECT * FROM applications WHERE status = ? AND seq > ? ORDER BY seq LIMIT ?',
      ),
      approvals: db.prepare<[string], ApprovalRow>('SELECT key, created, proof FROM approvals WHERE application_id = ? ORDER BY position'),
      addApproval: db.prepare(
        `INSERT OR IGNORE INTO approvals (application_id, key, created, proof, position)
         VALUES (?, ?, ?, ?, (SELECT COUNT(*) FROM approvals WHERE application_id = ?))`,
      ),
      assemble: db.prepare("UPDATE applications SET status = 'approved', assembled = ? WHERE id = ? AND status = 'pending'"),
      anchor: db.prepare("UPDATE applications SET status = 'anchored', receipt = ? WHERE id = ? AND status = 'approved'"),
      reject: db.prepare("UPDATE applications SET status = 'rejected', rejection = ? WHERE id = ? AND status IN ('pending', 'approved')"),
    };
  }

  #migrate(): void {
    const version = this.#db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`registrations.db has schema version ${version}; this node knows up to ${SCHEMA_VERSION}`);
    }
    this.#db.exec(SCHEMA);
    this.#db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }

  insert(application: NewApplication): void {
    const { id, did, operation, contact, submittedAt } = application;
    this.#sql.insert.run(id, did, JSON.stringify(operation), JSON.stringify(contact), submittedAt);
  }

  get(id: string): Application | undefined {
    const row = this.#sql.byId.get(id);
    return row === undefined ? undefined : this.#application(row);
  }

  /** The pending or approved application for a DID, if any. */
  openFor(did: string): Application | undefined {
    const row = this.#sql.openForDid.get(did);
    return row === undefined ? undefined : this.#application(row);
  }

  list(status?: RegistrationStatus): Application[] {
    const rows = status === undefined ? this.#sql.all.all() : this.#sql.byStatus.all(status);
    return rows.map((row) => this.#application(row));
  }

  /**
   * Up to `limit` applications after the one with id `after` (from the start when undefined), oldest first;
   * undefined when `after` is no application's id.
   */
  page(options: { status?: RegistrationStatus; after?: string; limit: number }): Application[] | undefined {
    let from = 0;
    if (options.after !== undefined) {
      const row = this.#sql.seqOf.get(options.after);
      if (row === undefined) return undefined;
      from = row.seq;
    }
    const { status, limit } = options;
    const rows = status === undefined ? this.#sql.pageAll.all(from, limit) : this.#sql.pageByStatus.all(status, from, limit);
    return rows.map((row) => this.#application(row));
  }

  /** Records an approval; false when this key had already approved (idempotent). */
  addApproval(id: string, approval: Approval): boolean {
    const { key, created, proof } = approval;
    return this.#sql.addApproval.run(id, key, created, JSON.stringify(proof), id).changes === 1;
  }

  /**
   * Runs `work` in one IMMEDIATE transaction: the approval, the threshold check and the assembled create are
   * committed together or not at all.
   */
  transaction<T>(work: () => T): T {
    return this.#db.transaction(work).immediate();
  }

  /** pending → approved with the assembled create; false when the application was no longer pending. */
  markApproved(id: string, assembled: StateOperation): boolean {
    return this.#sql.assemble.run(JSON.stringify(assembled), id).changes === 1;
  }

  markAnchored(id: string, receipt: Receipt): boolean {
    return this.#sql.anchor.run(JSON.stringify(receipt), id).changes === 1;
  }

  markRejected(id: string, rejection: Rejection): boolean {
    return this.#sql.reject.run(JSON.stringify(rejection), id).changes === 1;
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #application(row: ApplicationRow): Application {
    const application: Application = {
      id: row.id,
      did: row.did,
      status: row.status,
      operation: JSON.parse(row.operation) as StateOperation,
      contact: JSON.parse(row.contact) as Contact,
      submittedAt: row.submitted_at,
      approvals: this.#sql.approvals.all(row.id).map((a) => ({
        key: a.key,
        created: a.created,
        proof: JSON.parse(a.proof) as DataIntegrityProof,
      })),
    };
    if (row.assembled !== null) application.assembled = JSON.parse(row.assembled) as StateOperation;
    if (row.receipt !== null) application.receipt = JSON.parse(row.receipt) as Receipt;
    if (row.rejection !== null) application.rejection = JSON.parse(row.rejection) as Rejection;
    return application;
  }
}
