/**
 * Witnesses as their own HTTP services (C2SP tlog-witness over loopback): createWitnessApp serving a Witness,
 * a LedgerNode whose witnesses are HttpWitnessClients, the wire statuses and content types, and a node that
 * still anchors with one witness down (quorum 2 of 3).
 */
import { join } from 'node:path';
import { operationHash } from '@did-city/method';
import {
  evaluateCheckpoint,
  formatAddCheckpointRequest,
  generateKeyPair,
  parsePolicy,
  signerFromKey,
  signNote,
  verifierKeyOf,
} from '@did-city/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWitnessApp, HttpWitnessClient } from '../src/http/witness.ts';
import type { Receipt } from '../src/receipt.ts';
import { Witness } from '../src/witness/witness.ts';
import { cityCreate, registryGenesis, tempDir } from './fixtures.ts';
import { verifyReceipt } from './helpers.ts';
import { ADMIN_TOKEN, type LedgerServer, type Listening, listen, postJson, startLedger } from './http-fixtures.ts';

const NAMES = ['institute-a', 'institute-b', 'institute-c'];
const logKey = generateKeyPair('city.ledger/prod').signerKey;
let dirs: { dir: string; cleanup: () => void };
let witnesses: Witness[];
let servers: Listening[];
let ledger: LedgerServer;

beforeAll(async () => {
  dirs = tempDir('witness-http-');
  witnesses = NAMES.map(
    (name) =>
      new Witness({
        file: join(dirs.dir, `${name}.db`),
        signerKey: generateKeyPair(name).signerKey,
        logKeys: [verifierKeyOf(logKey)],
      }),
  );
  servers = await Promise.all(witnesses.map((w) => listen(createWitnessApp(w))));
  const policy = [
    `log ${verifierKeyOf(logKey)}`,
    ...witnesses.map((w) => `witness ${w.name} ${w.verifierKey}`),
    `group institutes 2 ${NAMES.join(' ')}`,
    'quorum institutes',
    '',
  ].join('\n');
  const clients = witnesses.map(
    (w, i) => new HttpWitnessClient({ name: w.name, url: servers[i]!.url, timeoutMs: 1000 }),
  );
  ledger = await startLedger({
    logKey,
    policy,
    witnesses: clients,
    sequencer: { batchIntervalMs: 5, witnessTimeoutMs: 1000 },
  });
});

afterAll(async () => {
  await ledger.stop();
  for (const server of servers) await server.close();
  for (const w of witnesses) w.close();
  dirs.cleanup();
});

describe('a LedgerNode with witnesses over HTTP', () => {
  it('anchors with cosignatures from all three witness processes', async () => {
    const genesis = await registryGenesis();
    const answer = await postJson(`${ledger.url}governance/operations`, genesis, {
      Authorization: `Bearer ${ADMIN_TOKEN}`,
    });
    expect(answer.status).toBe(201);
    const receipt = answer.json() as Receipt;
    verifyReceipt(ledger.node, receipt, genesis);
    const verdict = evaluateCheckpoint(receipt.checkpoint, parsePolicy(ledger.node.policyText));
    expect(verdict.cosigners.map((c) => c.witness).sort()).toEqual(NAMES);
    expect(witnesses.every((w) => w.latest('city.ledger/prod')?.size === 1)).toBe(true);
  });

  it('still anchors with one witness down (quorum 2 of 3)', async () => {
    await servers[2]!.close();
    const city = await cityCreate();
    const answer = await postJson(`${ledger.url}operations`, city);
    expect(answer.status).toBe(201);
    const verdict = evaluateCheckpoint((answer.json() as Receipt).checkpoint, parsePolicy(ledger.node.policyText));
    expect(verdict.cosigners.map((c) => c.witness).sort()).toEqual(['institute-a', 'institute-b']);
    expect((answer.json() as Receipt).operationHash).toBe(operationHash(city));
  });
});

describe('POST /add-checkpoint (C2SP tlog-witness wire format)', () => {
  const post = (body: string | Uint8Array) => fetch(`${servers[0]!.url}add-checkpoint`, { method: 'POST', body });

  it('409 text/x.tlog.size with the size it knows for a stale old size', async () => {
    const note = (await ledger.node.latestCheckpoint())!;
    const response = await post(formatAddCheckpointRequest({ oldSize: 0, proof: [], checkpoint: note }));
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toBe('text/x.tlog.size');
    expect(await response.text()).toBe(`${witnesses[0]!.latest('city.ledger/prod')!.size}\n`);
  });

  it('400 for a malformed body, 404 for an unknown origin, 403 for a checkpoint the log did not sign', async () => {
    expect((await post('not a request')).status).toBe(400);
    const stranger = generateKeyPair('other.log/x');
    const foreign = await signNote({ text: `other.log/x\n1\n${Buffer.alloc(32).toString('base64')}\n` }, [
      signerFromKey(stranger.signerKey),
    ]);
    expect((await post(formatAddCheckpointRequest({ oldSize: 0, proof: [], checkpoint: foreign }))).status).toBe(404);
    const impostor = generateKeyPair('city.ledger/prod');
    const unsigned = await signNote({ text: `city.ledger/prod\n9\n${Buffer.alloc(32).toString('base64')}\n` }, [
      signerFromKey(impostor.signerKey),
    ]);
    expect((await post(formatAddCheckpointRequest({ oldSize: 2, proof: [], checkpoint: unsigned }))).status).toBe(403);
  });

  it('413 for an oversized body, and the witness health route', async () => {
    expect((await post(new Uint8Array(70 * 1024))).status).toBe(413);
    const health = await fetch(`${servers[0]!.url}health`);
    expect(await health.json()).toEqual({ status: 'ok', witness: 'institute-a' });
  });

  it('HttpWitnessClient reports an unreachable witness as a rejection', async () => {
    const client = new HttpWitnessClient({ name: 'gone', url: 'http://127.0.0.1:9', timeoutMs: 500 });
    await expect(client.addCheckpoint('old 0\n\n')).rejects.toThrow();
  });
});
