/**
 * Bitstring Status List 1.0 on the issuer side: list size, random allocation, the signed list credential with ttl,
 * and status entries kept in a real SQLite file that survive closing and reopening the store.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeBitstring, encodeBitstring, getBit, MIN_STATUS_LIST_LENGTH, setBit } from '../src/bitstring.ts';
import { SqliteStatusStore, STATUS_STORE_SCHEMA_VERSION } from '../src/status-store.ts';
import { REGISTRY } from './fixtures/world.ts';
import { listsFor, type Setup, setup, sjzIdentity } from './fixtures/issuing.ts';
import type { BitstringStatusListEntry } from '../src/types.ts';

let s: Setup;
beforeEach(async () => {
  s = await setup();
});
afterEach(() => s.cleanup());

describe('bitstring', () => {
  it('index 0 is the most significant bit of the first byte; round-trips through GZIP + base64url multibase', () => {
    const bits = new Uint8Array(MIN_STATUS_LIST_LENGTH / 8);
    setBit(bits, 0, true);
    setBit(bits, 131071, true);
    expect(bits[0]).toBe(0x80);
    expect(bits[16383]).toBe(0x01);
    const encoded = encodeBitstring(bits);
    expect(encoded.startsWith('u')).toBe(true);
    const decoded = decodeBitstring(encoded);
    expect([getBit(decoded, 0), getBit(decoded, 1), getBit(decoded, 131071)]).toStrictEqual([true, false, true]);
  });

  it('a list shorter than 131,072 entries is refused', () => {
    expect(() => decodeBitstring(encodeBitstring(new Uint8Array(1024)))).toThrow(/fewer than 131072/);
  });
});

describe('status lists', () => {
  it('each credential gets a revocation and a suspension entry, at random indexes, in separate lists', async () => {
    const entries: BitstringStatusListEntry[][] = [];
    for (let i = 0; i < 20; i++)
      entries.push((await s.registry.issue(sjzIdentity())).credential.credentialStatus as BitstringStatusListEntry[]);
    expect(entries.every((pair) => pair.map((entry) => entry.statusPurpose).join() === 'revocation,suspension')).toBe(
      true,
    );
    const [revocation, suspension] = entries[0]!;
    expect(revocation!.statusListCredential).not.toBe(suspension!.statusListCredential);
    const indexes = entries.map((pair) => Number(pair[0]!.statusListIndex));
    expect(new Set(indexes).size).toBe(20);
    // Random allocation: issuance order is not index order.
    expect(indexes).not.toStrictEqual([...indexes].sort((a, b) => a - b));
    expect(revocation).toStrictEqual({
      id: `${revocation!.statusListCredential}#${revocation!.statusListIndex}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: expect.stringMatching(/^\d+$/),
      statusListCredential: expect.stringMatching(
        /^https:\/\/issuer\.example\/did%3Acity%3Acn\/status-lists\/[0-9a-f-]{36}$/,
      ),
    });
  });

  it('the list credential is signed by the issuer, holds 131,072 entries and carries a ttl', async () => {
    const issued = await s.registry.issue(sjzIdentity());
    const entry = (issued.credential.credentialStatus as BitstringStatusListEntry[])[0]!;
    s.lists.update(issued.id, 'revocation', true);
    const list = await s.lists.listCredential(entry.statusListCredential.split('/').pop()!);
    expect(list).toMatchObject({
      id: entry.statusListCredential,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: REGISTRY,
      credentialSubject: { type: 'BitstringStatusList', statusPurpose: 'revocation', ttl: 300000 },
      proof: { type: 'DataIntegrityProof', cryptosuite: 'eddsa-jcs-2022', proofPurpose: 'assertionMethod' },
    });
    const bits = decodeBitstring((list!.credentialSubject as { encodedList: string }).encodedList);
    expect(bits.length * 8).toBe(131072);
    expect(getBit(bits, Number(entry.statusListIndex))).toBe(true);
    expect(await s.verifier().verify(list)).toMatchObject({ verified: true });
  });

  it('status survives closing and reopening the SQLite store', async () => {
    const issued = await s.registry.issue(sjzIdentity());
    s.lists.update(issued.id, 'suspension', true);
    s.store.close();
    const reopened = new SqliteStatusStore(join(s.dir, 'status.db'));
    const lists = listsFor(reopened, s.world.registryKey);
    expect(lists.statusOf(issued.id)).toStrictEqual({ credentialId: issued.id, revoked: false, suspended: true });
    const next = lists.allocate('urn:uuid:after-restart');
    expect(next[0]!.statusListCredential).toBe(
      (issued.credential.credentialStatus as BitstringStatusListEntry[])[0]!.statusListCredential,
    );
    reopened.close();
  });

  it('unknown credentials and lists are reported', async () => {
    expect(() => s.lists.update('urn:uuid:nope', 'revocation', true)).toThrow(
      expect.objectContaining({ code: 'CREDENTIAL_NOT_FOUND' }),
    );
    expect(await s.lists.listCredential('nope')).toBeUndefined();
  });
});

describe('status store schema (version in PRAGMA user_version)', () => {
  /** A status database as schema version 0 wrote it: no issuing client, user_version 0. */
  function versionZero(file: string, credentialId: string): void {
    const db = new Database(file);
    db.exec(`
CREATE TABLE status_lists (
  id TEXT PRIMARY KEY, purpose TEXT NOT NULL, length INTEGER NOT NULL, bits BLOB NOT NULL,
  version INTEGER NOT NULL DEFAULT 0, allocated INTEGER NOT NULL DEFAULT 0, full INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL);
CREATE TABLE status_entries (
  list_id TEXT NOT NULL REFERENCES status_lists(id), idx INTEGER NOT NULL, credential_id TEXT NOT NULL,
  PRIMARY KEY (list_id, idx));
CREATE INDEX status_entries_credential ON status_entries (credential_id);`);
    const bits = Buffer.alloc(MIN_STATUS_LIST_LENGTH / 8);
    bits[0] = 0x80; // index 0 suspended
    db.prepare(
      'INSERT INTO status_lists (id, purpose, length, bits, allocated, created) VALUES (?, ?, ?, ?, 1, 1)',
    ).run('old', 'suspension', MIN_STATUS_LIST_LENGTH, bits);
    db.prepare('INSERT INTO status_entries (list_id, idx, credential_id) VALUES (?, ?, ?)').run('old', 0, credentialId);
    db.close();
  }

  it('a new store is at the current version and records the issuing client', () => {
    const file = join(s.dir, 'fresh.db');
    const store = new SqliteStatusStore(file);
    const lists = listsFor(store, s.world.registryKey);
    lists.allocate('urn:uuid:a', { client: 'city-a' });
    lists.allocate('urn:uuid:b');
    expect(store.entriesOf('urn:uuid:a').map((e) => e.client)).toStrictEqual(['city-a', 'city-a']);
    expect(store.entriesOf('urn:uuid:b').map((e) => e.client)).toStrictEqual([undefined, undefined]);
    expect(() => lists.update('urn:uuid:a', 'revocation', true, { client: 'city-b' })).toThrow(
      expect.objectContaining({ code: 'CREDENTIAL_NOT_FOUND' }),
    );
    expect(lists.update('urn:uuid:a', 'revocation', true, { client: 'city-a' })).toMatchObject({ revoked: true });
    store.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(STATUS_STORE_SCHEMA_VERSION);
    db.close();
  });

  it('a version 0 database is migrated in place: existing rows stay readable, with no issuing client', () => {
    const file = join(s.dir, 'v0.db');
    versionZero(file, 'urn:uuid:legacy');
    const store = new SqliteStatusStore(file);
    expect(store.entriesOf('urn:uuid:legacy')).toStrictEqual([{ listId: 'old', index: 0, purpose: 'suspension' }]);
    const lists = listsFor(store, s.world.registryKey);
    expect(lists.statusOf('urn:uuid:legacy')).toStrictEqual({
      credentialId: 'urn:uuid:legacy',
      revoked: false,
      suspended: true,
    });
    // No client issued it as far as the store knows: only an unscoped (admin) change reaches it.
    expect(() => lists.statusOf('urn:uuid:legacy', { client: 'ops' })).toThrow(
      expect.objectContaining({ code: 'CREDENTIAL_NOT_FOUND' }),
    );
    expect(lists.update('urn:uuid:legacy', 'suspension', false)).toMatchObject({ suspended: false });
    lists.allocate('urn:uuid:new', { client: 'ops' });
    store.close();
    const again = new SqliteStatusStore(file); // reopening at the current version migrates nothing
    expect(again.entriesOf('urn:uuid:new').every((e) => e.client === 'ops')).toBe(true);
    expect(again.entriesOf('urn:uuid:legacy')).toHaveLength(1);
    again.close();
  });

  it('a database written by a newer schema version is refused', () => {
    const file = join(s.dir, 'future.db');
    const db = new Database(file);
    db.pragma(`user_version = ${STATUS_STORE_SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => new SqliteStatusStore(file)).toThrow(/newer than this code's/);
  });
});

describe('own status lists are read in process', () => {
  it('idOf recognises only URLs under this service', () => {
    const id = s.lists.createList('revocation');
    expect(s.lists.idOf(s.lists.urlOf(id))).toBe(id);
    expect(s.lists.idOf(`https://elsewhere.example/status-lists/${id}`)).toBeUndefined();
    expect(s.lists.idOf(`${s.lists.urlOf(id)}/more`)).toBeUndefined();
    expect(s.lists.idOf(s.lists.urlOf('%ZZ'))).toBeUndefined();
  });

  it('ownListsFirst answers its own lists without the remote fetcher, and hands every other URL to it', async () => {
    const id = s.lists.createList('suspension');
    const remoteCalls: string[] = [];
    const fetchList = s.lists.ownListsFirst(async (url) => {
      remoteCalls.push(url);
      return 'remote';
    });
    const own = (await fetchList(s.lists.urlOf(id))) as { id: string };
    expect(own.id).toBe(s.lists.urlOf(id));
    expect(await fetchList(s.lists.urlOf('no-such-list'))).toBe('remote');
    expect(await fetchList('https://other.example/list')).toBe('remote');
    expect(remoteCalls).toEqual([s.lists.urlOf('no-such-list'), 'https://other.example/list']);
  });
});
