/**
 * Where an issuer keeps its status lists and which credential holds which entry. SQLite by default (better-sqlite3,
 * WAL, synchronous=FULL, so an acknowledged revocation survives a crash); the interface is small so another store
 * can replace it.
 */
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';

export type StatusPurpose = 'revocation' | 'suspension';

export interface StatusListRecord {
  id: string;
  purpose: StatusPurpose;
  length: number;
  bits: Uint8Array;
  /** Incremented on every bit change: the signed list credential is re-signed when it moves. */
  version: number;
  allocated: number;
  full: boolean;
}

export interface StatusEntryRecord {
  listId: string;
  index: number;
  purpose: StatusPurpose;
  /**
   * The service client that issued the credential (spec: only it, or an admin client, may change its status).
   * Undefined when issued through the library without a client, or recorded before schema version 1.
   */
  client?: string;
}

export interface StatusStore {
  createList(list: { id: string; purpose: StatusPurpose; bits: Uint8Array }): void;
  getList(id: string): StatusListRecord | undefined;
  /** A list of this purpose still taking new entries, if any. */
  openList(purpose: StatusPurpose): StatusListRecord | undefined;
  markFull(id: string): void;
  /** Records `credentialId` (issued by `client`, if any) at `index`; false when the index is already taken. */
  allocate(listId: string, index: number, credentialId: string, client?: string): boolean;
  entriesOf(credentialId: string): StatusEntryRecord[];
  /** Writes the list's new bits and bumps its version, atomically. */
  writeBits(listId: string, bits: Uint8Array): void;
  close(): void;
}

interface ListRow {
  id: string;
  purpose: StatusPurpose;
  length: number;
  bits: Buffer;
  version: number;
  allocated: number;
  full: number;
}

/** Schema version 0: the tables as first created. Later versions are the MIGRATIONS below, in order. */
const SCHEMA_V0 = `
CREATE TABLE IF NOT EXISTS status_lists (
  id TEXT PRIMARY KEY, purpose TEXT NOT NULL, length INTEGER NOT NULL, bits BLOB NOT NULL,
  version INTEGER NOT NULL DEFAULT 0, allocated INTEGER NOT NULL DEFAULT 0, full INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS status_entries (
  list_id TEXT NOT NULL REFERENCES status_lists(id), idx INTEGER NOT NULL, credential_id TEXT NOT NULL,
  PRIMARY KEY (list_id, idx));
CREATE INDEX IF NOT EXISTS status_entries_credential ON status_entries (credential_id);`;

/**
 * Migration to version `i + 1` (kept in `PRAGMA user_version`). Each runs once, in a transaction with the version
 * bump; existing rows stay readable.
 * 1: the issuing service client of each entry (`client_id`, NULL for entries recorded before, which only an admin
 *    client may then change).
 */
const MIGRATIONS: readonly string[] = ['ALTER TABLE status_entries ADD COLUMN client_id TEXT'];

/** The schema version this code writes and reads. */
export const STATUS_STORE_SCHEMA_VERSION = MIGRATIONS.length;

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > STATUS_STORE_SCHEMA_VERSION) {
    throw new Error(
      `status store schema version ${version} is newer than this code's (${STATUS_STORE_SCHEMA_VERSION})`,
    );
  }
  db.transaction(() => {
    db.exec(SCHEMA_V0);
    for (let next = version; next < STATUS_STORE_SCHEMA_VERSION; next++) db.exec(MIGRATIONS[next]!);
    db.pragma(`user_version = ${STATUS_STORE_SCHEMA_VERSION}`);
  }).immediate();
}

function toRecord(row: ListRow | undefined): StatusListRecord | undefined {
  if (row === undefined) return undefined;
  const bits = new Uint8Array(row.bits.buffer, row.bits.byteOffset, row.bits.byteLength);
  return {
    id: row.id,
    purpose: row.purpose,
    length: row.length,
    bits,
    version: row.version,
    allocated: row.allocated,
    full: row.full === 1,
  };
}

/** The store file 0600 whatever the directory's mode (created so before SQLite opens it; -wal/-shm follow it). */
function restrictFile(path: string): void {
  if (path === ':memory:' || path === '') return;
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
}

export class SqliteStatusStore implements StatusStore {
  readonly #db: Database.Database;
  readonly #statements;

  /** `path`: a file, or ':memory:' for tests. */
  constructor(path: string) {
    restrictFile(path);
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('foreign_keys = ON');
    try {
      migrate(this.#db);
    } catch (error) {
      this.#db.close();
      throw error;
    }
    const db = this.#db;
    this.#statements = {
      insertList: db.prepare('INSERT INTO status_lists (id, purpose, length, bits, created) VALUES (?, ?, ?, ?, ?)'),
      getList: db.prepare<[string], ListRow>('SELECT * FROM status_lists WHERE id = ?'),
      openList: db.prepare<[string], ListRow>(
        'SELECT * FROM status_lists WHERE purpose = ? AND full = 0 ORDER BY created DESC LIMIT 1',
      ),
      markFull: db.prepare('UPDATE status_lists SET full = 1 WHERE id = ?'),
      insertEntry: db.prepare(
        'INSERT OR IGNORE INTO status_entries (list_id, idx, credential_id, client_id) VALUES (?, ?, ?, ?)',
      ),
      countEntry: db.prepare('UPDATE status_lists SET allocated = allocated + 1 WHERE id = ?'),
      entriesOf: db.prepare<
        [string],
        { list_id: string; idx: number; purpose: StatusPurpose; client_id: string | null }
      >(
        'SELECT e.list_id, e.idx, l.purpose, e.client_id FROM status_entries e JOIN status_lists l ON l.id = e.list_id WHERE e.credential_id = ?',
      ),
      writeBits: db.prepare('UPDATE status_lists SET bits = ?, version = version + 1 WHERE id = ?'),
    };
  }

  createList(list: { id: string; purpose: StatusPurpose; bits: Uint8Array }): void {
    this.#statements.insertList.run(list.id, list.purpose, list.bits.length * 8, Buffer.from(list.bits), Date.now());
  }

  getList(id: string): StatusListRecord | undefined {
    return toRecord(this.#statements.getList.get(id));
  }

  openList(purpose: StatusPurpose): StatusListRecord | undefined {
    return toRecord(this.#statements.openList.get(purpose));
  }

  markFull(id: string): void {
    this.#statements.markFull.run(id);
  }

  allocate(listId: string, index: number, credentialId: string, client?: string): boolean {
    return this.#db.transaction(() => {
      const inserted = this.#statements.insertEntry.run(listId, index, credentialId, client ?? null).changes === 1;
      if (inserted) this.#statements.countEntry.run(listId);
      return inserted;
    })();
  }

  entriesOf(credentialId: string): StatusEntryRecord[] {
    return this.#statements.entriesOf.all(credentialId).map((row) => {
      const entry: StatusEntryRecord = { listId: row.list_id, index: row.idx, purpose: row.purpose };
      if (row.client_id !== null) entry.client = row.client_id;
      return entry;
    });
  }

  writeBits(listId: string, bits: Uint8Array): void {
    this.#statements.writeBits.run(Buffer.from(bits), listId);
  }

  close(): void {
    this.#db.close();
  }
}
