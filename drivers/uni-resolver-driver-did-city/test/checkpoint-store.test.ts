/**
 * The driver's checkpoint store (`checkpointStore` setting, spec §7.6 step 4, R-LED-8), with src/main.ts as a real
 * process: it resolves through a loopback proxy that can switch from the honest ledger to a fork (a node with the
 * honest log key and the honest witnesses' keys, but another tree of the same size). The fork is refused, the
 * driver is restarted, and the fork is still refused with the evidence kept; a driver with a fresh store is the
 * control that shows the fork alone would otherwise be believed.
 */
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLedgerApp, LedgerNode } from '@did-city/ledger';
import { createOperation, type KeyPair, type Operation } from '@did-city/method';
import { CHECKPOINT_FILE_FORMAT } from '@did-city/method/http';
import { createWorld, keyDocument, SJZ as CITY, signWith, testKey } from '@did-city/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startDriverProcess } from './process-fixtures.ts';

// The registry genesis only: the honest node and the fork each create the city with their own key.
const world = await createWorld({ cities: {} });
const honestKey = testKey('sjz');
const impostorKey = testKey('impostor');
const children: ChildProcess[] = [];
const servers: Server[] = [];
const nodes: LedgerNode[] = [];
let dir: string;
let target = '';
let proxyUrl = '';
let honestUrl = '';
let forkUrl = '';

async function cityCreate(key: KeyPair): Promise<Operation> {
  const create = createOperation({ did: CITY, updateKeys: [key.publicKeyMultibase], document: keyDocument(key) });
  return signWith(create, [key, world.institutes[0], world.institutes[1]]);
}

function listen(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => done(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)),
  );
}

/** A node on `dataDir` holding the registry genesis and one creation of the city, served over loopback. */
async function ledger(
  dataDir: string,
  genesis: Operation,
  city: Operation,
): Promise<{ url: string; node: LedgerNode }> {
  const node = await LedgerNode.open({ allowUnpinnedGenesis: true, dataDir, sequencer: { batchIntervalMs: 5 } });
  nodes.push(node);
  await node.submitGovernance(genesis);
  await node.submit(city);
  return { url: await listen(createLedgerApp(node)), node };
}

/** Forwards every request to `target` (the honest node or the fork), as anything on the path could. */
const proxy: RequestListener = (req, res) => {
  fetch(new URL(req.url!.slice(1), target))
    .then(async (answer) => {
      res.writeHead(answer.status, { 'Content-Type': answer.headers.get('Content-Type') ?? 'text/plain' });
      res.end(Buffer.from(await answer.arrayBuffer()));
    })
    .catch(() => res.writeHead(502).end());
};

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise((done) => {
    child.once('exit', done);
    child.kill('SIGTERM');
  });
}

async function resolve(driver: string): Promise<{ status: number; key?: string; error?: string }> {
  const response = await fetch(`${driver}/1.0/identifiers/${CITY}`, {
    headers: { Accept: 'application/did-resolution' },
  });
  const body = (await response.json()) as {
    didDocument: { verificationMethod: Array<{ publicKeyMultibase: string }> } | null;
    didResolutionMetadata: { error?: { type: string } };
  };
  const key = body.didDocument?.verificationMethod[0]?.publicKeyMultibase;
  return {
    status: response.status,
    ...(key ? { key } : {}),
    ...(body.didResolutionMetadata.error ? { error: body.didResolutionMetadata.error.type } : {}),
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'driver-checkpoint-store-'));
  const { genesis } = world;
  const honestDir = join(dir, 'honest');
  const honest = await ledger(honestDir, genesis, await cityCreate(honestKey));
  honestUrl = honest.url;
  // The fork: the same log key and witness keys, none of their state.
  const forkDir = join(dir, 'fork');
  mkdirSync(join(forkDir, 'keys'), { recursive: true });
  copyFileSync(join(honestDir, 'keys', 'log.key'), join(forkDir, 'keys', 'log.key'));
  for (const name of readdirSync(join(honestDir, 'witnesses'))) {
    mkdirSync(join(forkDir, 'witnesses', name), { recursive: true });
    copyFileSync(join(honestDir, 'witnesses', name, 'witness.key'), join(forkDir, 'witnesses', name, 'witness.key'));
  }
  const fork = await ledger(forkDir, genesis, await cityCreate(impostorKey));
  expect(fork.node.policyText).toBe(honest.node.policyText);
  forkUrl = fork.url;
  proxyUrl = await listen(proxy);
}, 60_000);

afterAll(async () => {
  for (const child of children) await stop(child);
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
  for (const node of nodes) await node.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('checkpointStore: trust survives a restart of the driver process', () => {
  test('a fork refused before a restart is refused after it, with the evidence kept', async () => {
    const file = join(dir, 'driver', 'checkpoints.json');
    const settings = { ledgerUrl: proxyUrl, trustPolicy: nodes[0]!.policyText, freshness: '0', checkpointStore: file };
    target = honestUrl;
    let driver = await startDriverProcess(settings, children);
    expect(await resolve(driver)).toEqual({ status: 200, key: honestKey.publicKeyMultibase });
    expect(statSync(file).mode & 0o777).toBe(0o600);

    target = forkUrl;
    const refused = { status: 500, error: 'https://www.w3.org/ns/did#INTERNAL_ERROR' };
    expect(await resolve(driver)).toEqual(refused);
    const evidence = (JSON.parse(readFileSync(file, 'utf8')) as { evidence: Array<Record<string, string>> }).evidence;
    expect(evidence).toHaveLength(1);
    expect(evidence[0]).toMatchObject({
      trusted: await nodes[0]!.latestCheckpoint(),
      conflicting: await nodes[1]!.latestCheckpoint(),
    });

    await stop(children.at(-1)!);
    driver = await startDriverProcess(settings, children);
    expect(await resolve(driver)).toEqual(refused);
    const after = JSON.parse(readFileSync(file, 'utf8')) as {
      format: string;
      evidence: unknown[];
      checkpoints: Record<string, string>;
    };
    expect(after.format).toBe(CHECKPOINT_FILE_FORMAT);
    expect(after.evidence).toEqual(evidence);
    expect(Object.values(after.checkpoints)).toEqual([await nodes[0]!.latestCheckpoint()]);

    target = honestUrl; // the honest ledger still resolves
    expect(await resolve(driver)).toEqual({ status: 200, key: honestKey.publicKeyMultibase });
  }, 60_000);

  test('control: a driver with a fresh store believes the fork it has never seen contradicted', async () => {
    target = forkUrl;
    const settings = {
      ledgerUrl: proxyUrl,
      trustPolicy: nodes[0]!.policyText,
      freshness: '0',
      checkpointStore: join(dir, 'fresh.json'),
    };
    const driver = await startDriverProcess(settings, children);
    expect(await resolve(driver)).toEqual({ status: 200, key: impostorKey.publicKeyMultibase });
  }, 30_000);
});
