/**
 * The schema of `registrations.db` and its migrations. Every migration runs in one transaction with the
 * `user_version` bump, so a crash leaves the file at the old version or the new one, never between.
 *
 * Version 1: one open (pending or approved) application per DID, by a partial unique index.
 * Version 2 (spec §2.4): several pending applications per DID (applying first reserves nothing), at most one
 * approved per DID; institutes' objections (a rejection needs the registry threshold of them); the record of bulk
 * rejections (each proof accepted once); expiry by submission time. v1 rejections, each signed by one institute,
 * are kept as they were with `cause: "objections"`; closures by the ledger get `cause: "refused"`.
 */
import type Database from 'better-sqlite3';

export const SCHEMA_VERSION = 2;

const V1 = `
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

const V2 = `
DROP INDEX IF EXISTS one_open_application_per_did;
CREATE UNIQUE INDEX IF NOT EXISTS one_approved_application_per_did ON applications (did) WHERE status = 'approved';
CREATE INDEX IF NOT EXISTS applications_by_did ON applications (did, status);
CREATE INDEX IF NOT EXISTS pending_by_time ON applications (submitted_at) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS objections (
  application_id TEXT NOT NULL REFERENCES applications (id),
  key TEXT NOT NULL,
  reason TEXT NOT NULL,
  created TEXT NOT NULL,
  PRIMARY KEY (application_id, key)
);
CREATE TABLE IF NOT EXISTS bulk_rejections (
  proof_digest TEXT PRIMARY KEY,
  key TEXT NOT NULL,
  filter TEXT NOT NULL,
  reason TEXT NOT NULL,
  created TEXT NOT NULL,
  matched INTEGER NOT NULL
);
UPDATE applications SET rejection = json_set(rejection, '$.cause', 'objections', '$.keys', json_array(json_extract(rejection, '$.key')))
  WHERE rejection IS NOT NULL AND json_extract(rejection, '$.key') IS NOT NULL AND json_extract(rejection, '$.cause') IS NULL;
UPDATE applications SET rejection = json_set(rejection, '$.cause', 'refused')
  WHERE rejection IS NOT NULL AND json_extract(rejection, '$.cause') IS NULL;`;

const MIGRATIONS: Record<number, string> = { 1: V1, 2: V2 };

/** Brings the file to SCHEMA_VERSION, one version per transaction; refuses a file written by a newer node. */
export function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(`registrations.db has schema version ${version}; this node knows up to ${SCHEMA_VERSION}`);
  }
  for (let next = version + 1; next <= SCHEMA_VERSION; next++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[next]!);
      db.pragma(`user_version = ${next}`);
    }).immediate();
  }
}
