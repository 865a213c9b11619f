/**
 * The ledger settings of the standalone driver, through src/main.ts as a process against a real ledger node over
 * HTTP on loopback: `genesis` pins the registry genesis (spec §3.5, R-GEN-3), so a driver pinned to the genesis the
 * log holds resolves and one pinned to another answers 500 INVALID_DID_DOCUMENT (as the library does); and
 * `ledgerUrl` takes several URLs, the next asked when one is unavailable.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCityResolver, keyHash, operationHash } from '@did-city/method';
import { HttpLedgerReader } from '@did-city/method/http';
import { createWorld, SJZ as CITY, testKey, type World } from '@did-city/testing';
import { type RunningNode, startNode } from '@did-city/testing/node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startDriverProcess } from './process-fixtures.ts';

const children: ChildProcess[] = [];

let dir: string;
let world: World;
let ledger: RunningNode;
let ledgerUrl: string;

/** A loopback port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

interface ResultBody {
  didDocument: { id: string } | null;
  didResolutionMetadata: { ledger?: { origin?: string }; error?: { type: string; detail: string } };
}

async function resolveOn(driver: string, did: string): Promise<{ status: number; body: ResultBody }> {
  const response = await fetch(`${driver}/1.0/identifiers/${did}`, {
    headers: { Accept: 'application/did-resolution' },
  });
  return { status: response.status, body: (await response.json()) as ResultBody };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'driver-ledger-settings-'));
  world = await createWorld();
  ledger = await startNode({ world });
  ledgerUrl = ledger.url;
}, 60_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  await ledger?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('genesis: registry genesis pins (spec §3.5, R-GEN-3)', () => {
  test('pinned to the genesis the log holds (inline JSON, by hash and keys): 200', async () => {
    const pins = {
      'did:city:cn': {
        operationHash: operationHash(world.genesis),
        updateKeys: world.institutes.map((k) => k.publicKeyMultibase),
      },
    };
    const driver = await startDriverProcess(
      { ledgerUrl, trustPolicy: ledger.policy, genesis: JSON.stringify(pins) },
      children,
    );
    for (const did of ['did:city:cn', CITY]) {
      const { status, body } = await resolveOn(driver, did);
      expect(status).toBe(200);
      expect(body.didDocument?.id).toBe(did);
    }
  }, 60_000);

  test('pinned to another genesis (from a file): 500 INVALID_DID_DOCUMENT, what the library answers', async () => {
    const pins = { 'did:city:cn': { operationHash: keyHash(testKey('another-registry').publicKeyMultibase) } };
    const file = join(dir, 'genesis.json');
    writeFileSync(file, JSON.stringify(pins));
    const driver = await startDriverProcess({ ledgerUrl, trustPolicy: ledger.policy, genesis: file }, children);
    const expected = await createCityResolver({
      reader: new HttpLedgerReader({ url: ledgerUrl, policy: ledger.policy }),
      genesis: pins,
    }).resolve(CITY);
    expect(expected.didResolutionMetadata.error?.type).toMatch(/#INVALID_DID_DOCUMENT$/);
    for (const did of ['did:city:cn', CITY]) {
      const { status, body } = await resolveOn(driver, did);
      expect(status).toBe(500);
      expect(body.didResolutionMetadata.error?.type).toBe(expected.didResolutionMetadata.error?.type);
      expect(body.didDocument).toBeNull();
    }
    // The properties say where the pins came from, like the trust policy.
    const properties = (await (await fetch(`${driver}/1.0/properties`)).json()) as Record<string, unknown>;
    expect(JSON.stringify(properties)).toContain(file);
  }, 60_000);
});

describe('ledgerUrl: several nodes serving the same log', () => {
  test('the first URL a closed port, the second a live ledger: 200 over the second', async () => {
    const closed = `http://127.0.0.1:${await closedPort()}/`;
    const driver = await startDriverProcess(
      { ledgerUrl: `${closed}, ${ledgerUrl}`, trustPolicy: ledger.policy, freshness: '0' },
      children,
    );
    for (let i = 0; i < 2; i++) {
      const { status, body } = await resolveOn(driver, CITY);
      expect(status).toBe(200);
      expect(body.didDocument?.id).toBe(CITY);
      expect(body.didResolutionMetadata.ledger?.origin).toBe('city.ledger/prod');
    }
    const properties = (await (await fetch(`${driver}/1.0/properties`)).json()) as Record<string, unknown>;
    expect(JSON.stringify(properties)).toContain(`${closed},${ledgerUrl}`);
  }, 60_000);

  test('the closed port alone: 500 INTERNAL_ERROR, the ledger could not be read', async () => {
    const closed = `http://127.0.0.1:${await closedPort()}/`;
    const driver = await startDriverProcess({ ledgerUrl: closed, trustPolicy: ledger.policy }, children);
    const { status, body } = await resolveOn(driver, CITY);
    expect(status).toBe(500);
    expect(body.didResolutionMetadata.error?.type).toBe('https://www.w3.org/ns/did#INTERNAL_ERROR');
  }, 60_000);
});
