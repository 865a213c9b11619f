/**
 * The write side of the ledger HTTP API over real HTTP: every status a submission can get, refusals that write
 * nothing, the governance path's bearer token, and no secret in any response or log line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Operation, operationHash, type StateOperation } from '@did-city/method';
import { generateKeyPair, verifierKeyOf } from '@did-city/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpWitnessClient } from '../src/http/witness.ts';
import type { Receipt } from '../src/receipt.ts';
import {
  CITY_KEY,
  cityCreate,
  deactivateAfter,
  departmentCreate,
  key,
  registryGenesis,
  SJZ,
  updateAfter,
} from './fixtures.ts';
import { verifyReceipt } from './helpers.ts';
import {
  ADMIN_TOKEN,
  type Answer,
  call,
  type LedgerServer,
  postJson,
  problemCode,
  startLedger,
} from './http-fixtures.ts';

let ledger: LedgerServer;
let genesis: Operation;
let city: Operation;
const bodies: string[] = [];

async function record(answer: Promise<Answer>): Promise<Answer> {
  const a = await answer;
  bodies.push(a.text);
  return a;
}

const submit = (op: unknown, headers: Record<string, string> = {}) =>
  record(postJson(`${ledger.url}operations`, op, headers));
const governance = (op: unknown, token?: string) =>
  record(
    postJson(`${ledger.url}governance/operations`, op, token === undefined ? {} : { Authorization: `Bearer ${token}` }),
  );
const logSize = async () => (await ledger.node.store.head()).size;

/** Asserts the answer is the problem `code` and that the log did not grow. */
async function refused(answer: Answer, status: number, code: string, sizeBefore: number): Promise<void> {
  expect(answer.status).toBe(status);
  expect(problemCode(answer)).toBe(code);
  expect(await logSize()).toBe(sizeBefore);
}

beforeAll(async () => {
  ledger = await startLedger();
  genesis = await registryGenesis();
  city = await cityCreate();
});

afterAll(async () => {
  await ledger.stop();
});

describe('POST /governance/operations (spec §3.5)', () => {
  it('answers 401 UNAUTHORIZED without the admin token, with a wrong one, and for a non-bearer scheme', async () => {
    await refused(await governance(genesis), 401, 'UNAUTHORIZED', 0);
    await refused(await governance(genesis, 'wrong-token'), 401, 'UNAUTHORIZED', 0);
    await refused(await governance(genesis, `${ADMIN_TOKEN}x`), 401, 'UNAUTHORIZED', 0);
    const basic = await record(
      postJson(`${ledger.url}governance/operations`, genesis, { Authorization: `Basic ${ADMIN_TOKEN}` }),
    );
    await refused(basic, 401, 'UNAUTHORIZED', 0);
    expect(basic.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('refuses a registry genesis on the public path (403) and anything but a genesis on the governance path (400)', async () => {
    await refused(await submit(genesis), 403, 'UNAUTHORIZED_OPERATION', 0);
    await refused(await governance(city, ADMIN_TOKEN), 400, 'INVALID_OPERATION', 0);
  });

  it('integrates the genesis with the token: 201, Location, a receipt that verifies offline', async () => {
    const answer = await governance(genesis, ADMIN_TOKEN);
    expect(answer.status).toBe(201);
    expect(answer.headers.get('location')).toBe(`/operations/${operationHash(genesis)}`);
    const receipt = answer.json() as Receipt;
    expect(receipt.index).toBe(0);
    verifyReceipt(ledger.node, receipt, genesis);
  });
});

describe('POST /operations', () => {
  it('201 for a new entry, 200 with the same receipt index for a resubmission', async () => {
    const first = await submit(city);
    expect(first.status).toBe(201);
    const receipt = first.json() as Receipt;
    verifyReceipt(ledger.node, receipt, city);
    const again = await submit(city);
    expect(again.status).toBe(200);
    expect((again.json() as Receipt).index).toBe(receipt.index);
    expect(await logSize()).toBe(2);
  });

  it('counts concurrent copies of one operation as one entry (one 201, the rest 200)', async () => {
    const op = await departmentCreate('water');
    const answers = await Promise.all([submit(op), submit(op), submit(op)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 201]);
    expect(new Set(answers.map((a) => (a.json() as Receipt).index)).size).toBe(1);
  });

  it('409 STALE_OPERATION for a second operation on the same prev, nothing written', async () => {
    const winner = await updateAfter(city, CITY_KEY, 'first');
    expect((await submit(winner)).status).toBe(201);
    const size = await logSize();
    await refused(await submit(await updateAfter(city, CITY_KEY, 'second')), 409, 'STALE_OPERATION', size);
  });

  it('403 UNAUTHORIZED_OPERATION for an update signed by a stranger; 400 INVALID_SIGNATURE for a forged proof', async () => {
    const size = await logSize();
    const head = (await ledger.node.store.entriesOfDid(SJZ)).length;
    expect(head).toBe(2);
    const current = JSON.parse(
      new TextDecoder().decode((await ledger.node.store.entriesOfDid(SJZ))[1]!.leaf),
    ).operation;
    await refused(await submit(await updateAfter(current, key('stranger'), 'x')), 403, 'UNAUTHORIZED_OPERATION', size);
    const forged = { ...(await departmentCreate('fire')), did: `${SJZ}:police` };
    await refused(await submit(forged), 400, 'INVALID_SIGNATURE', size);
  });

  it('400 INVALID_OPERATION for a missing proof, an unknown member and an unknown division code', async () => {
    const size = await logSize();
    const op = await departmentCreate('parks');
    await refused(await submit({ ...op, proof: [] }), 400, 'INVALID_OPERATION', size);
    const { proof: _proof, ...unsigned } = op;
    await refused(await submit(unsigned), 400, 'INVALID_OPERATION', size);
    await refused(await submit({ ...op, extra: 1 }), 400, 'INVALID_OPERATION', size);
    // 999999 is not in the GB/T 2260 table: the DID itself is refused, before any signature is looked at.
    const answer = await submit({ ...op, did: 'did:city:cn:999999' });
    await refused(answer, 400, 'INVALID_OPERATION', size);
    expect((answer.json() as { detail: string }).detail).toMatch(/^did: /);
  });

  it('409 DID_DEACTIVATED for an operation after a deactivate', async () => {
    const dept = await departmentCreate('archive');
    expect((await submit(dept)).status).toBe(201);
    const gone = await deactivateAfter(dept, key('archive'));
    expect((await submit(gone)).status).toBe(201);
    const size = await logSize();
    await refused(await submit(await updateAfter(gone, key('archive'), 'zombie')), 409, 'DID_DEACTIVATED', size);
  });

  it('400 MALFORMED_REQUEST for malformed JSON, a JSON scalar-free body, a wrong or missing Content-Type', async () => {
    const size = await logSize();
    await refused(await submit('{"type": "create",'), 400, 'MALFORMED_REQUEST', size);
    await refused(await submit('"just a string"'), 400, 'MALFORMED_REQUEST', size);
    const text = await record(
      call(`${ledger.url}operations`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain' },
        body: JSON.stringify(city),
      }),
    );
    await refused(text, 400, 'MALFORMED_REQUEST', size);
    expect((text.json() as { detail: string }).detail).toMatch(/Content-Type/);
    const none = await record(
      call(`${ledger.url}operations`, { method: 'POST', body: new Uint8Array(Buffer.from(JSON.stringify(city))) }),
    );
    await refused(none, 400, 'MALFORMED_REQUEST', size);
  });

  it('413 REQUEST_TOO_LARGE past the body limit; 413 OPERATION_TOO_LARGE for an operation over 60 KiB', async () => {
    const size = await logSize();
    const huge = { ...city, padding: 'x'.repeat(70 * 1024) };
    await refused(await submit(huge), 413, 'REQUEST_TOO_LARGE', size);
    const op = (await departmentCreate('big')) as StateOperation;
    const big = { ...op, document: { ...op.document, alsoKnownAs: [`https://big.example/${'y'.repeat(61 * 1024)}`] } };
    await refused(await submit(big), 413, 'OPERATION_TOO_LARGE', size);
  });

  it('GET /operations/{hash}: the anchored receipt, 404 for an unknown hash, 400 for junk', async () => {
    const answer = await record(call(`${ledger.url}operations/${operationHash(city)}`));
    expect(answer.status).toBe(200);
    verifyReceipt(ledger.node, answer.json() as Receipt, city);
    const unknown = operationHash({ ...city, seq: 7 } as Operation);
    const missing = await record(call(`${ledger.url}operations/${unknown}`));
    expect(missing.status).toBe(404);
    expect((missing.json() as { type: string }).type).toBe('about:blank');
    const junk = await record(call(`${ledger.url}operations/not-a-hash`));
    expect(junk.status).toBe(400);
    expect(problemCode(junk)).toBe('MALFORMED_REQUEST');
  });

  it('never puts the admin token or any key material in a response or a log line', () => {
    const secrets = [ADMIN_TOKEN, ...privateKeys(ledger.dir)];
    expect(secrets.length).toBe(5); // the token, the log key, three witness keys
    const seen = [...bodies, ...ledger.logs].join('\n');
    expect(ledger.logs.length).toBeGreaterThan(10);
    for (const secret of secrets) expect(seen).not.toContain(secret);
    expect(seen).not.toContain('PRIVATE+KEY');
  });
});

describe('503 LEDGER_UNAVAILABLE', () => {
  it('answers 503 with Retry-After when the witness quorum is missing past the ack timeout', async () => {
    const witnesses = ['w1', 'w2', 'w3'].map((name) => ({ name, pair: generateKeyPair(name) }));
    const logKey = generateKeyPair('city.ledger/prod').signerKey;
    const policy = [
      `log ${verifierKeyOf(logKey)}`,
      ...witnesses.map((w) => `witness ${w.name} ${verifierKeyOf(w.pair.signerKey, 0x04)}`),
      'group all3 2 w1 w2 w3',
      'quorum all3',
      '',
    ].join('\n');
    // Port 9 (discard) on loopback: connections are refused, so no witness ever answers.
    const clients = witnesses.map(
      (w) => new HttpWitnessClient({ name: w.name, url: 'http://127.0.0.1:9/', timeoutMs: 200 }),
    );
    const down = await startLedger({
      logKey,
      policy,
      witnesses: clients,
      sequencer: { ackTimeoutMs: 300, batchIntervalMs: 5 },
    });
    try {
      const answer = await postJson(`${down.url}governance/operations`, genesis, {
        Authorization: `Bearer ${ADMIN_TOKEN}`,
      });
      expect(answer.status).toBe(503);
      expect(problemCode(answer)).toBe('LEDGER_UNAVAILABLE');
      expect(answer.headers.get('retry-after')).toBe('5');
      expect(answer.text).not.toContain(logKey);
    } finally {
      await down.stop();
    }
  });
});

function privateKeys(dir: string): string[] {
  const files = [join(dir, 'keys', 'log.key')];
  for (const name of readdirSync(join(dir, 'witnesses'))) files.push(join(dir, 'witnesses', name, 'witness.key'));
  return files.map((file) => readFileSync(file, 'utf8').trim());
}
