/**
 * Where a ledger node keeps the content of DID-Linked Resources (spec §3.9): not in the log, which anchors only each
 * content's SHA-256, but beside it, addressed by that checksum. The bytes of one checksum never change, so a
 * content is written once and any number of resources may share it. Nothing here is trusted by a resolver: it
 * checks every content it reads against the checksum its verified history anchors.
 */
import Database from 'better-sqlite3';

export interface ResourceStore {
  /** Stores `content` under `checksum` (the caller has checked that it is the content's SHA-256); idempotent. */
  put(checksum: string, content: Uint8Array): Promise<void>;
  /** The content stored under `checksum`, or undefined. */
  get(checksum: string): Promise<Uint8Array | undefined>;
  close(): Promise<void>;
}

/** Contents in their own SQLite file (WAL, synchronous=FULL as the log), one row per checksum. */
export class SqliteResourceStore implements ResourceStore {
  readonly #db: Database.Database;
  readonly #put: Database.Statement<[string, Buffer]>;
  readonly #get: Database.Statement<[string], { content: Buffer }>;

  constructor(file: string) {
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.exec(
      'CREATE TABLE IF NOT EXISTS resource_content (checksum TEXT PRIMARY KEY, content BLOB NOT NULL) STRICT',
    );
    this.#put = this.#db.prepare(
      'INSERT INTO resource_content (checksum, content) VALUES (?, ?) ON CONFLICT (checksum) DO NOTHING',
    );
    this.#get = this.#db.prepare('SELECT content FROM resource_content WHERE checksum = ?');
  }

  async put(checksum: string, content: Uint8Array): Promise<void> {
    this.#put.run(checksum, Buffer.from(content.buffer, content.byteOffset, content.byteLength));
  }

  async get(checksum: string): Promise<Uint8Array | undefined> {
    const row = this.#get.get(checksum);
    return row === undefined ? undefined : new Uint8Array(row.content);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}

/** Contents in memory (tests, examples). */
export class MemoryResourceStore implements ResourceStore {
  readonly #contents = new Map<string, Uint8Array>();

  async put(checksum: string, content: Uint8Array): Promise<void> {
    if (!this.#contents.has(checksum)) this.#contents.set(checksum, Uint8Array.from(content));
  }

  async get(checksum: string): Promise<Uint8Array | undefined> {
    const content = this.#contents.get(checksum);
    return content === undefined ? undefined : Uint8Array.from(content);
  }

  async close(): Promise<void> {}
}
