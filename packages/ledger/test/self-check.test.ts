/**
 * A node that checks itself (spec §7.5, R-NODE-1, R-NODE-2), over real HTTP with the database edited by a second
 * SQLite connection behind the node's back. The attack: the `did_state` row of a city is given an attacker's key,
 * then an update signed by that key is submitted. The node must refuse it (and everything else) with a problem
 * saying why, report `degraded` on /health, anchor nothing new, and sequence again only once the store checks out.
 */
import { join } from 'node:path';
import { type DidHistory, type Operation, operationHash } from '@did-city/method';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { cityCreate, createOf, INSTITUTES, key, registryGenesis, SJZ, tempDir, updateAfter } from './fixtures.ts';
import { ADMIN_TOKEN, call, type LedgerServer, postJson, problemCode, startLedger } from './http-fixtures.ts';
import type { LogStore } from '../src/store/interface.ts';

const ATTACKER = key('attacker');
const servers: LedgerServer[] = [];
const dirs: Array<() => void> = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
  for (const cleanup of dirs.splice(0)) cleanup();
});

async function seeded(
  config: Parameters<typeof startLedger>[0] = {},
  dir?: string,
): Promise<{ ledger: LedgerServer; city: Operation }> {
  const ledger = await startLedger(config, dir);
  servers.push(ledger);
  const city = await cityCreate();
  if ((await ledger.node.store.head()).size === 0) {
    await postJson(`${ledger.url}governance/operations`, await registryGenesis(), {
      Authorization: `Bearer ${ADMIN_TOKEN}`,
    });
    expect((await postJson(`${ledger.url}operations`, city)).status).toBe(201);
  }
  return { ledger, city };
}

/** Edits one DID's derived state in the database file, as anyone with write access to it could. */
function editState(dir: string, did: string, edit: (state: DidHistory) => void): void {
  const db = new Database(join(dir, 'ledger.db'));
  try {
    const row = db.prepare('SELECT history FROM did_state WHERE did = ?').get(did) as { history: string };
    const state = JSON.parse(row.history) as DidHistory;
    edit(state);
    db.prepare('UPDATE did_state SET history = ? WHERE did = ?').run(JSON.stringify(state), did);
  } finally {
    db.close();
  }
}

/** The attack of the issue: the city's keys replaced by the attacker's in its derived state. */
function giveKeysToAttacker(state: DidHistory): void {
  state.keyState = { updateKeys: [ATTACKER.publicKeyMultibase], threshold: 1 };
  state.versions.at(-1)!.keyState = state.keyState;
}

async function health(ledger: LedgerServer) {
  const answer = await call(`${ledger.url}health`);
  return {
    status: answer.status,
    body: answer.json() as {
      status: string;
      reasons: string[];
      treeSize: number;
      integrity?: { ok: boolean; problems: Array<{ did?: string; kind: string }> };
    },
  };
}

describe('an edited did_state row (R-NODE-2)', () => {
  it('an attacker-signed update is refused, the node stops sequencing, /health says why, nothing is anchored', async () => {
    const { ledger, city } = await seeded();
    expect((await health(ledger)).body).toMatchObject({ status: 'ok', treeSize: 2, integrity: { ok: true } });
    editState(ledger.dir, SJZ, giveKeysToAttacker);

    const attack = await updateAfter(city, ATTACKER, 'attacker');
    const refused = await postJson(`${ledger.url}operations`, attack);
    expect(refused.status).toBe(503);
    expect(problemCode(refused)).toBe('LEDGER_UNAVAILABLE');
    const { detail } = refused.json() as { detail: string };
    expect(detail).toMatch(
      /refuses to sequence: the derived state of did:city:cn:130100 disagrees with its log \(its keys are not those of seq 0\)/,
    );

    const { status, body } = await health(ledger);
    expect(status).toBe(503);
    expect(body.status).toBe('degraded');
    expect(body.reasons.join(' ')).toMatch(/integrity check .*did:city:cn:130100.*refuses to sequence/);
    expect(body.integrity?.problems[0]).toMatchObject({ kind: 'derived-state', did: SJZ });

    // Not only that DID: nothing is sequenced until the store checks out.
    const beijing = await createOf('did:city:cn:110000', key('bj'), [INSTITUTES[0], INSTITUTES[1]]);
    const other = await postJson(`${ledger.url}operations`, beijing);
    expect(other.status).toBe(503);
    expect((await ledger.node.store.head()).size).toBe(2);
    expect((await ledger.node.store.latestCheckpoint())?.size).toBe(2);
    expect(await ledger.node.store.entryByOperationHash(operationHash(attack))).toBeUndefined();
    expect(ledger.logs.join('\n')).not.toContain(ATTACKER.publicKeyMultibase);
  });

  it('a head rolled back to an older operation is refused, and a deleted row too', async () => {
    const { ledger, city } = await seeded();
    const first = await updateAfter(city, key('sjz'), 'one');
    expect((await postJson(`${ledger.url}operations`, first)).status).toBe(201);
    editState(ledger.dir, SJZ, (state) => {
      state.versions.pop();
      state.head = { seq: 0, operationHash: operationHash(city) };
    });
    const replay = await updateAfter(city, key('sjz'), 'fork');
    const refused = await postJson(`${ledger.url}operations`, replay);
    expect(refused.status).toBe(503);
    expect((refused.json() as { detail: string }).detail).toMatch(/its head is seq 0, the log's last entry is seq 1/);

    const { ledger: other, city: otherCity } = await seeded();
    const db = new Database(join(other.dir, 'ledger.db'));
    db.prepare('DELETE FROM did_state WHERE did = ?').run(SJZ);
    db.close();
    const answer = await postJson(`${other.url}operations`, await updateAfter(otherCity, key('sjz'), 'x'));
    expect((answer.json() as { detail: string }).detail).toMatch(/no derived state, yet the log holds its seq 0/);
  });

  it('POST /integrity/check (admin only) finds it too; once the store is rebuilt from the log, sequencing resumes', async () => {
    const { ledger, city } = await seeded();
    editState(ledger.dir, SJZ, giveKeysToAttacker);
    const anonymous = await postJson(`${ledger.url}integrity/check`, {});
    expect(anonymous.status).toBe(401);
    expect((anonymous.json() as { detail: string }).detail).toMatch(/the integrity check needs Authorization/);

    const check = await call(`${ledger.url}integrity/check`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(check.status).toBe(503);
    expect(check.json()).toMatchObject({
      status: 'degraded',
      integrity: { ok: false, problems: [{ kind: 'derived-state', did: SJZ }] },
    });
    expect((await postJson(`${ledger.url}operations`, await updateAfter(city, key('sjz'), 'honest'))).status).toBe(503);

    // The operator's repair writes the store: the node's own view of it is a reader.
    await (ledger.node.store as LogStore).rebuildDerivedState();
    const again = await call(`${ledger.url}integrity/check`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(again.status).toBe(200);
    expect(again.json()).toMatchObject({ status: 'ok', integrity: { ok: true, size: 2 } });
    expect((await postJson(`${ledger.url}operations`, await updateAfter(city, key('sjz'), 'honest'))).status).toBe(201);
  });

  it('an edit made while the node was down is found at start: it refuses before anything is submitted', async () => {
    const { dir, cleanup } = tempDir('ledger-self-check-');
    dirs.push(cleanup);
    const { ledger } = await seeded({}, dir);
    await ledger.stop(); // keeps the directory it was given
    editState(dir, SJZ, giveKeysToAttacker);
    const { ledger: restarted } = await seeded({}, dir);
    const { status, body } = await health(restarted);
    expect(status).toBe(503);
    expect(body.integrity).toMatchObject({ ok: false, size: 2, problems: [{ kind: 'derived-state', did: SJZ }] });
    const beijing = await createOf('did:city:cn:110000', key('bj'), [INSTITUTES[0], INSTITUTES[1]]);
    const refused = await postJson(`${restarted.url}operations`, beijing);
    expect(refused.status).toBe(503);
    expect((refused.json() as { detail: string }).detail).toMatch(
      /store fails the integrity check \(1 problem; first: derived state of did:city:cn:130100/,
    );
  });
});

describe('an edited did_index row', () => {
  it('is found at start (the index would be built from it): /health is degraded naming the DID, nothing is sequenced', async () => {
    const { dir, cleanup } = tempDir('ledger-self-check-');
    dirs.push(cleanup);
    const { ledger } = await seeded({}, dir);
    await ledger.stop();
    const db = new Database(join(dir, 'ledger.db'));
    // The city's head pointed at the registry's leaf: an index built from it would prove a head that is not its own.
    db.prepare('UPDATE did_index SET leaf_index = 0 WHERE did = ?').run(SJZ);
    db.close();
    const { ledger: restarted } = await seeded({}, dir);
    const { status, body } = await health(restarted);
    expect(status).toBe(503);
    expect(body.integrity).toMatchObject({ ok: false, problems: [{ kind: 'did-index', did: SJZ }] });
    const beijing = await createOf('did:city:cn:110000', key('bj'), [INSTITUTES[0], INSTITUTES[1]]);
    expect((await postJson(`${restarted.url}operations`, beijing)).status).toBe(503);
    expect((await restarted.node.store.head()).size).toBe(2);
  });
});

describe('witnesses that refuse checkpoints (no quorum)', () => {
  it('/health is degraded naming who refused, and the failures are logged', async () => {
    const lines: string[] = [];
    const { ledger, city } = await seeded({
      sequencer: { ackTimeoutMs: 1500, batchIntervalMs: 5 },
      log: (line) => lines.push(line),
    });
    for (const witness of ledger.node.embeddedWitnesses.slice(0, 2)) witness.close();
    const answer = await postJson(`${ledger.url}operations`, await updateAfter(city, key('sjz'), 'unanchored'));
    expect(answer.status).toBe(503);
    const { status, body } = await health(ledger);
    expect(status).toBe(503);
    expect(body.reasons.join(' ')).toMatch(
      /witnesses do not co-sign checkpoints \(no quorum since .*\): witness-a no answer, witness-b no answer/,
    );
    expect(body.treeSize).toBe(2);
    expect(lines.some((line) => /anchoring failed, no witness quorum: witness-a: .*; witness-b: /.test(line))).toBe(
      true,
    );
  });
});
