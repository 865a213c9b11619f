/**
 * Applications on SQLite (`<dataDir>/registrations.db`, WAL, synchronous=FULL, the file 0600): every state change
 * is one transaction, so after a crash an application is in exactly one state. Several applications for one DID
 * may be pending (nobody holds a DID by applying first, spec §2.4); a partial unique index keeps at most one
 * approved (being anchored) per DID, whatever the code above does. Schema and migrations: schema.ts.
 */
import Database from 'better-sqlite3';
import type { DataIntegrityProof, StateOperation } from '@did-city/method';
import type { Receipt } from '../receipt.ts';
import { restrictFile } from '../store/file-mode.ts';
import { migrate } from './schema.ts';
import type {
  Application,
  Approval,
  Contact,
  Objection,
  Rejection,
  RegistrationFilter,
  RegistrationStatus,
} from './types.ts';

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

/** One accepted bulk rejection, kept so that the same signed request is never applied twice. */
export interface BulkRecord {
  proofDigest: string;
  key: string;
  filter: object;
  reason: string;
  created: string;
  matched: number;
}

/** Each member of a filter as a SQL condition (all given members must match). */
const FILTER_COLUMNS: ReadonlyArray<[keyof RegistrationFilter, string]> = [
  ['status', 'status = ?'],
  ['did', 'did = ?'],
  ['email', "json_extract(contact, '$.email') = ?"],
  ['organisation', "json_extract(contact, '$.organisation') = ?"],
  ['submittedBefore', 'submitted_at < ?'],
  ['submittedAfter', 'submitted_at > ?'],
];

function prepare(db: Database.Database) {
  return {
    insert: db.prepare(
      `INSERT INTO applications (id, did, status, operation, contact, submitted_at, seq)
       VALUES (?, ?, 'pending', ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM applications))`,
    ),
    byId: db.prepare<[string], ApplicationRow>('SELECT * FROM applications WHERE id = ?'),
    approvedForDid: db.prepare<[string], ApplicationRow>(
      "SELECT * FROM applications WHERE did = ? AND status = 'approved'",
    ),
    pendingCount: db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM applications WHERE status = 'pending'"),
    byStatus: db.prepare<[string], ApplicationRow>('SELECT * FROM applications WHERE status = ? ORDER BY seq'),
    all: db.prepare<[], ApplicationRow>('SELECT * FROM applications ORDER BY seq'),
    seqOf: db.prepare<[string], { seq: number }>('SELECT seq FROM applications WHERE id = ?'),
    approvals: db.prepare<[string], ApprovalRow>(
      'SELECT key, created, proof FROM approvals WHERE application_id = ? ORDER BY position',
    ),
    addApproval: db.prepare(
      `INSERT OR IGNORE INTO approvals (application_id, key, created, proof, position)
       VALUES (?, ?, ?, ?, (SELECT COUNT(*) FROM approvals WHERE application_id = ?))`,
    ),
    objections: db.prepare<[string], Objection>(
      'SELECT key, reason, created FROM objections WHERE application_id = ? ORDER BY rowid',
    ),
    addObjection: db.prepare(
      'INSERT OR IGNORE INTO objections (application_id, key, reason, created) VALUES (?, ?, ?, ?)',
    ),
    assemble: db.prepare(
      "UPDATE applications SET status = 'approved', assembled = ? WHERE id = ? AND status = 'pending'",
    ),
    anchor: db.prepare("UPDATE applications SET status = 'anchored', receipt = ? WHERE id = ? AND status = 'approved'"),
    reject: db.prepare(
      "UPDATE applications SET status = 'rejected', rejection = ? WHERE id = ? AND status IN ('pending', 'approved')",
    ),
    closeOthers: db.prepare(
      "UPDATE applications SET status = 'rejected', rejection = ? WHERE did = ? AND id != ? AND status = 'pending'",
    ),
    expire: db.prepare(
      "UPDATE applications SET status = 'rejected', rejection = ? WHERE status = 'pending' AND submitted_at <= ?",
    ),
    bulkSeen: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM bulk_rejections WHERE proof_digest = ?'),
    addBulk: db.prepare(
      'INSERT INTO bulk_rejections (proof_digest, key, filter, reason, created, matched) VALUES (?, ?, ?, ?, ?, ?)',
    ),
  };
}

export class RegistrationStore {
  readonly #db: Database.Database;
  readonly #sql: ReturnType<typeof prepare>;

  constructor(file: string) {
    restrictFile(file);
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('foreign_keys = ON');
    migrate(this.#db);
    this.#sql = prepare(this.#db);
  }

  insert(application: NewApplication): void {
    const { id, did, operation, contact, submittedAt } = application;
    this.#sql.insert.run(id, did, JSON.stringify(operation), JSON.stringify(contact), submittedAt);
  }

  get(id: string): Application | undefined {
    const row = this.#sql.byId.get(id);
    return row === undefined ? undefined : this.#application(row);
  }

  /** The application for a DID that reached its approvals and is being anchored, if any. */
  approvedFor(did: string): Application | undefined {
    const row = this.#sql.approvedForDid.get(did);
    return row === undefined ? undefined : this.#application(row);
  }

  pendingCount(): number {
    return this.#sql.pendingCount.get()!.n;
  }

  list(status?: RegistrationStatus): Application[] {
    const rows = status === undefined ? this.#sql.all.all() : this.#sql.byStatus.all(status);
    return rows.map((row) => this.#application(row));
  }

  /** Applications matching every member of `filter`, oldest first, after sequence number `from`, at most `limit`. */
  matching(filter: RegistrationFilter, limit: number, from = 0): Application[] {
    const clauses = ['seq > ?'];
    const values: unknown[] = [from];
    for (const [member, clause] of FILTER_COLUMNS) {
      if (filter[member] === undefined) continue;
      clauses.push(clause);
      values.push(filter[member]);
    }
    const sql = `SELECT * FROM applications WHERE ${clauses.join(' AND ')} ORDER BY seq LIMIT ?`;
    return this.#db
      .prepare<unknown[], ApplicationRow>(sql)
      .all(...values, limit)
      .map((row) => this.#application(row));
  }

  /**
   * Up to `limit` applications matching `filter` after the one with id `after` (from the start when undefined),
   * oldest first; undefined when `after` is no application's id.
   */
  page(options: RegistrationFilter & { after?: string; limit: number }): Application[] | undefined {
    let from = 0;
    if (options.after !== undefined) {
      const row = this.#sql.seqOf.get(options.after);
      if (row === undefined) return undefined;
      from = row.seq;
    }
    const { after: _after, limit, ...filter } = options;
    return this.matching(filter, limit, from);
  }

  /** Records an approval; false when this key had already approved (idempotent). */
  addApproval(id: string, approval: Approval): boolean {
    const { key, created, proof } = approval;
    return this.#sql.addApproval.run(id, key, created, JSON.stringify(proof), id).changes === 1;
  }

  /** Records an institute's objection; false when this key had already objected (the first reason stays). */
  addObjection(id: string, objection: Objection): boolean {
    return this.#sql.addObjection.run(id, objection.key, objection.reason, objection.created).changes === 1;
  }

  /** Runs `work` in one IMMEDIATE transaction: committed together or not at all. */
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

  /** Closes every other pending application for `did` (one of them was anchored); returns how many. */
  closeOthers(did: string, id: string, rejection: Rejection): number {
    return this.#sql.closeOthers.run(JSON.stringify(rejection), did, id).changes;
  }

  /** Closes every application still pending that was submitted at or before `cutoff`; returns how many. */
  expire(cutoff: string, rejection: Rejection): number {
    return this.#sql.expire.run(JSON.stringify(rejection), cutoff).changes;
  }

  /** Whether a bulk rejection with this proof was already accepted. */
  bulkSeen(proofDigest: string): boolean {
    return this.#sql.bulkSeen.get(proofDigest)!.n > 0;
  }

  addBulk(record: BulkRecord): void {
    const { proofDigest, key, filter, reason, created, matched } = record;
    this.#sql.addBulk.run(proofDigest, key, JSON.stringify(filter), reason, created, matched);
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
      objections: this.#sql.objections.all(row.id),
    };
    if (row.assembled !== null) application.assembled = JSON.parse(row.assembled) as StateOperation;
    if (row.receipt !== null) application.receipt = JSON.parse(row.receipt) as Receipt;
    if (row.rejection !== null) application.rejection = JSON.parse(row.rejection) as Rejection;
    return application;
  }
}
