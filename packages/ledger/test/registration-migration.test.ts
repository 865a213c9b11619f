// registrations.db written by the schema-1 desk (one open application per DID, a rejection by one institute) opens
// under schema 2 without losing anything: its pending application keeps its approval and is anchored by the next,
// its rejection keeps its reason and key (as cause "objections"), and a second application for the DID is accepted.
// The fixture file was written by the schema-1 code through HTTP (apply, one approval; apply, one rejection).
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistrationStore } from '../src/registration/store.ts';
import type { RegistrationView } from '../src/registration/types.ts';
import { INSTITUTES, key, tempDir } from './fixtures.ts';
import { call } from './http-fixtures.ts';
import {
  application,
  apply,
  approve,
  type RegistrationServer,
  startRegistrationServer,
} from './registration-fixtures.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures-db', 'registrations-v1.db');
const PENDING = 'zQmPy2gjWV3BuNn9j2f89w7RVs91bGYV7DHLteQc6MpS9Kk'; // did:city:cn:130200, approved by institute-a
const REJECTED = 'zQmcgrMkC28eTt8hK2XEB2zRMj9DETNDCNmmAnonwoUGMtP'; // did:city:cn:130400, rejected by institute-c

let temp: ReturnType<typeof tempDir>;
let server: RegistrationServer;

beforeAll(async () => {
  temp = tempDir('registration-migration-');
  const file = join(temp.dir, 'registrations.db');
  copyFileSync(FIXTURE, file);
  const before = new Database(file, { readonly: true });
  expect(before.pragma('user_version', { simple: true })).toBe(1);
  before.close();
  server = await startRegistrationServer(temp.dir);
});
afterAll(async () => {
  await server.stop();
  temp.cleanup();
});

async function view(id: string): Promise<RegistrationView> {
  return (await call(`${server.url}registrations/${id}`)).json() as RegistrationView;
}

describe('schema 1 → 2', () => {
  it('keeps the rejection with its reason and key, as cause "objections"', async () => {
    expect(await view(REJECTED)).toMatchObject({
      status: 'rejected',
      objections: [],
      rejection: {
        reason: 'not the municipal government',
        cause: 'objections',
        key: INSTITUTES[2].publicKeyMultibase,
        keys: [INSTITUTES[2].publicKeyMultibase],
      },
    });
  });

  it('anchors the pending application with the approval it had and one more', async () => {
    const kept = await view(PENDING);
    expect(kept).toMatchObject({
      status: 'pending',
      approvals: [{ key: INSTITUTES[0].publicKeyMultibase }],
      threshold: 2,
    });
    // The index of schema 1 (one open application per DID) is gone: a second application for the DID is accepted.
    expect((await apply(server, await application('did:city:cn:130200', key('another')))).status).toBe(201);
    const operation = server.router.registrations.get(PENDING)!.operation;
    const anchored = (await approve(server, PENDING, operation, INSTITUTES[1])).json() as RegistrationView;
    expect(anchored.status).toBe('anchored');
    expect(await server.node.store.didState('did:city:cn:130200')).toBeDefined();
  });

  it('records the new version, and a file of a newer version is refused rather than read', async () => {
    await server.stop();
    const file = join(temp.dir, 'registrations.db');
    const db = new Database(file);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    db.pragma('user_version = 3');
    db.close();
    expect(() => new RegistrationStore(file)).toThrow(/schema version 3; this node knows up to 2/);
  });

  it('migrates in one transaction: a file the migration fails on is left at schema 1, its index and rows untouched', async () => {
    const broken = join(temp.dir, 'broken.db');
    copyFileSync(FIXTURE, broken);
    const db = new Database(broken);
    db.prepare("UPDATE applications SET rejection = 'not json' WHERE id = ?").run(REJECTED);
    db.close();
    expect(() => new RegistrationStore(broken)).toThrow(/malformed JSON/);
    const after = new Database(broken, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(1);
    const indexes = after
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'applications'")
      .all() as Array<{ name: string }>;
    expect(indexes.map((i) => i.name)).toContain('one_open_application_per_did');
    expect(after.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'objections'").get()).toEqual({ n: 0 });
    expect(after.prepare('SELECT COUNT(*) AS n FROM applications').get()).toEqual({ n: 2 });
    after.close();
  });
});
