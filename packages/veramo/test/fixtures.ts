/**
 * A real ledger node on loopback for the Veramo tests: SQLite in a temp dir, three embedded witnesses, the HTTP
 * API, and the national registry (2-of-3 institutes) plus Shijiazhuang already anchored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLedgerApp, LedgerNode } from '@did-city/ledger';
import {
  createOperation,
  createSigner,
  type DocumentContent,
  type KeyPair,
  keyPairFromSecret,
  type Operation,
  operationHash,
  sha256,
  signOperation,
} from '@did-city/method';

export const REGISTRY = 'did:city:cn';
export const SJZ = 'did:city:cn:130100';

export function key(name: string): KeyPair {
  return keyPairFromSecret('Ed25519', sha256(new TextEncoder().encode(`veramo-test:${name}`)));
}

export const INSTITUTES = [key('institute-a'), key('institute-b'), key('institute-c')] as const;
export const CITY_KEY = key('sjz');

function content(pair: KeyPair): DocumentContent {
  return {
    verificationMethod: [{ id: '#key-1', type: 'Multikey', publicKeyMultibase: pair.publicKeyMultibase }],
    authentication: ['#key-1'],
    assertionMethod: ['#key-1'],
  };
}

function sign(unsigned: Parameters<typeof signOperation>[0], pairs: readonly KeyPair[]): Promise<Operation> {
  return signOperation(unsigned, pairs.map(createSigner));
}

export interface TestLedger {
  url: string;
  policy: string;
  genesis: Record<string, { operationHash: string }>;
  node: LedgerNode;
  stop(): Promise<void>;
}

function listen(node: LedgerNode): Promise<{ url: string; server: Server }> {
  return new Promise((resolve, reject) => {
    const server = createLedgerApp(node).listen(0, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server });
    });
    server.once('error', reject);
  });
}

/** The node with did:city:cn (genesis, 2 of 3 institutes) and did:city:cn:130100 (city key + 2 institutes). */
export async function startLedger(): Promise<TestLedger> {
  const dir = mkdtempSync(join(tmpdir(), 'veramo-ledger-'));
  const node = await LedgerNode.open({ allowUnpinnedGenesis: true, dataDir: dir, sequencer: { batchIntervalMs: 5 } });
  const registryKeys = INSTITUTES.map((k) => k.publicKeyMultibase);
  const genesisOp = await sign(createOperation({ did: REGISTRY, updateKeys: registryKeys, threshold: 2, document: {} }), [
    INSTITUTES[0],
    INSTITUTES[1],
  ]);
  await node.submitGovernance(genesisOp);
  const city = createOperation({ did: SJZ, updateKeys: [CITY_KEY.publicKeyMultibase], document: content(CITY_KEY) });
  await node.submit(await sign(city, [CITY_KEY, INSTITUTES[0], INSTITUTES[2]]));
  const { url, server } = await listen(node);
  const stop = async () => {
    await new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    });
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { url, policy: node.policyText, genesis: { [REGISTRY]: { operationHash: operationHash(genesisOp) } }, node, stop };
}
