/**
 * The driver's entry point as the container runs it (`node --conditions=source --import tsx src/main.ts`), as a
 * plain process, reading a real ledger node over HTTP on loopback and verifying everything with the trust policy
 * given in its environment: 200 for a city, 404 for a code never registered, 410 after a deactivation, and 500
 * INTERNAL_ERROR once the ledger is stopped (for what the freshness window does not cover).
 */
import type { ChildProcess } from 'node:child_process';
import { deactivateOperation, type Operation, operationHash } from '@did-city/method';
import { createWorld, signWith } from '@did-city/testing';
import { type RunningNode, startNode } from '@did-city/testing/node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startDriverProcess } from './process-fixtures.ts';

const TOKEN = 'process-test-admin-token';
// The registry, Shijiazhuang and Tianjin (deactivated below), sent to the node over its HTTP API.
const world = await createWorld({ cities: { sjz: 'did:city:cn:130100', tianjin: 'did:city:cn:120000' } });
const institutes = world.institutes;

let ledger: RunningNode;
const children: ChildProcess[] = [];
let driverUrl: string;
const driverOutput = { stderr: '' };

async function post(path: string, op: Operation, headers: Record<string, string> = {}): Promise<void> {
  const url = `${ledger.url}${path}`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(op),
  });
  expect(response.status).toBe(201);
}

async function seedLedger(): Promise<void> {
  await post('governance/operations', world.genesis, { Authorization: `Bearer ${TOKEN}` });
  const { sjz, tianjin } = world.cities;
  await post('operations', sjz!.operation);
  await post('operations', tianjin!.operation);
  const head = { did: tianjin!.did, seq: 0, operationHash: operationHash(tianjin!.operation) };
  await post('operations', await signWith(deactivateOperation(head), [tianjin!.key]));
}

/** The parts of a resolution result these tests read. */
interface ResultBody {
  didDocument: { id: string } | null;
  didDocumentMetadata: { deactivated?: boolean };
  didResolutionMetadata: { ledger?: object; error?: { type: string; detail: string } };
}

async function resolveOnDriver(did: string, query = ''): Promise<{ status: number; body: ResultBody }> {
  const path = query === '' ? did : `${encodeURIComponent(did)}?${query}`;
  const response = await fetch(`${driverUrl}/1.0/identifiers/${path}`, {
    headers: { Accept: 'application/did-resolution' },
  });
  return { status: response.status, body: (await response.json()) as ResultBody };
}

beforeAll(async () => {
  ledger = await startNode({ app: { adminToken: TOKEN } });
  await seedLedger();
  driverUrl = await startDriverProcess({ ledgerUrl: ledger.url, trustPolicy: ledger.policy }, children, driverOutput);
}, 60_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  await ledger.stop();
});

describe('src/main.ts against a real ledger node', () => {
  test('200 for a registered city, verified against the policy from the environment', async () => {
    const { status, body } = await resolveOnDriver('did:city:cn:130100');
    expect(status).toBe(200);
    expect(body.didDocument?.id).toBe('did:city:cn:130100');
    expect(body.didResolutionMetadata.ledger).toMatchObject({ origin: 'city.ledger/prod', treeSize: '4' });
  });

  test('404 NOT_FOUND for a valid division code that was never registered', async () => {
    const { status, body } = await resolveOnDriver('did:city:cn:130200');
    expect(status).toBe(404);
    expect(body.didResolutionMetadata.error?.type).toBe('https://www.w3.org/ns/did#NOT_FOUND');
  });

  test('410 for a deactivated city', async () => {
    const { status, body } = await resolveOnDriver('did:city:cn:120000');
    expect(status).toBe(410);
    expect(body.didDocumentMetadata.deactivated).toBe(true);
    expect(body.didDocument).toBeNull();
  });

  test('warns loudly on stderr that no registry genesis is pinned; a pinned driver does not, and resolves the same', async () => {
    expect(driverOutput.stderr).toMatch(
      /WARNING: NO REGISTRY GENESIS IS PINNED \(uniresolver_driver_did_city_genesis\)/,
    );
    const pinned = { stderr: '' };
    const genesis = JSON.stringify({ 'did:city:cn': { updateKeys: institutes.map((k) => k.publicKeyMultibase) } });
    const url = await startDriverProcess(
      { ledgerUrl: ledger.url, trustPolicy: ledger.policy, genesis },
      children,
      pinned,
    );
    const response = await fetch(`${url}/1.0/identifiers/did:city:cn:130100`);
    expect(response.status).toBe(200);
    expect(pinned.stderr).not.toMatch(/NOT PINNED|NO REGISTRY GENESIS/);
  });

  test('500 INTERNAL_ERROR once the ledger is stopped, saying the ledger could not be read', async () => {
    await new Promise((done) => {
      ledger.server.close(done);
      ledger.server.closeAllConnections();
    });
    // A DID not verified yet, and noCache=true on one verified within the freshness window (5 s by default: what
    // the driver answers without noCache then depends on the clock, so it is not asserted here).
    for (const [did, query] of [
      ['did:city:cn:110000', ''],
      ['did:city:cn:130100', 'noCache=true'],
    ] as const) {
      const { status, body } = await resolveOnDriver(did, query);
      expect(status).toBe(500);
      expect(body.didResolutionMetadata.error?.type).toBe('https://www.w3.org/ns/did#INTERNAL_ERROR');
      expect(body.didResolutionMetadata.error?.detail).toMatch(/ledger could not be reached/);
      expect(body.didDocument).toBeNull();
    }
  });
});
