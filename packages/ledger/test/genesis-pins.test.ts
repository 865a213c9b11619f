/**
 * R-GEN-4 (spec §3.5): the governance path takes a country registry's genesis only for the countries the operator
 * pinned, unless the node was started with `allowUnpinnedGenesis`. Before, the admin token alone could create
 * `did:city:us` with any one key (issue #11, item 6). A refusal writes nothing.
 */
import { createOperation } from '@did-city/method';
import { afterEach, describe, expect, it } from 'vitest';
import { LedgerNode, type LedgerNodeConfig } from '../src/node.ts';
import { content, INSTITUTES, key, registryGenesis, sign, tempDir } from './fixtures.ts';
import { ADMIN_TOKEN, postJson, problemCode, startLedger } from './http-fixtures.ts';

const PIN = { 'did:city:cn': { updateKeys: INSTITUTES.map((k) => k.publicKeyMultibase) } };
const squatter = key('squatter');

/** Anyone's registry for a country nobody pinned: one key, signed by itself. */
function squattedRegistry(did = 'did:city:us') {
  return sign(createOperation({ did, updateKeys: [squatter.publicKeyMultibase], document: content(squatter) }), [
    squatter,
  ]);
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function open(config: Partial<LedgerNodeConfig>): Promise<LedgerNode> {
  const temp = tempDir('genesis-pins-');
  const node = await LedgerNode.open({ dataDir: temp.dir, sequencer: { batchIntervalMs: 5 }, ...config });
  cleanups.push(async () => {
    await node.close();
    temp.cleanup();
  });
  return node;
}

async function refusal(promise: Promise<unknown>): Promise<{ code?: string; detail?: string }> {
  return promise.then(
    () => ({}),
    (error: { code?: string; detail?: string }) => error,
  );
}

describe('the governance path without a pin (default)', () => {
  it('refuses every registry genesis when nothing is pinned, and writes nothing', async () => {
    const node = await open({});
    for (const genesis of [await registryGenesis(), await squattedRegistry()]) {
      const error = await refusal(node.submitGovernance(genesis));
      expect(error.code).toBe('UNAUTHORIZED_OPERATION');
      expect(error.detail).toMatch(/no genesis pin for this registry.*R-GEN-4/);
    }
    expect((await node.store.head()).size).toBe(0);
  });

  it('takes the pinned country, refuses any other, and the pinned one only with its pinned keys', async () => {
    const node = await open({ genesis: PIN });
    await node.submitGovernance(await registryGenesis());
    expect((await node.store.didState('did:city:cn'))?.versions.length).toBe(1);
    const error = await refusal(node.submitGovernance(await squattedRegistry('did:city:us')));
    expect(error.code).toBe('UNAUTHORIZED_OPERATION');
    expect(error.detail).toContain('did:city:us');
    expect(await node.store.didState('did:city:us')).toBeUndefined();
    // The pinned country with other keys is still refused (R-GEN-3, unchanged).
    const other = await open({ genesis: PIN });
    expect((await refusal(other.submitGovernance(await squattedRegistry('did:city:cn')))).code).toBe(
      'UNAUTHORIZED_OPERATION',
    );
  });

  it('with allowUnpinnedGenesis the operator opted in: an unpinned registry is taken', async () => {
    const node = await open({ genesis: PIN, allowUnpinnedGenesis: true });
    await node.submitGovernance(await squattedRegistry('did:city:us'));
    expect((await node.store.didState('did:city:us'))?.versions.length).toBe(1);
  });
});

describe('over HTTP with the admin token', () => {
  it('POST /governance/operations answers 403 UNAUTHORIZED_OPERATION for an unpinned country', async () => {
    const server = await startLedger({ genesis: PIN, allowUnpinnedGenesis: false });
    cleanups.push(() => server.stop());
    const headers = { Authorization: `Bearer ${ADMIN_TOKEN}` };
    const refused = await postJson(`${server.url}governance/operations`, await squattedRegistry(), headers);
    expect(refused.status).toBe(403);
    expect(problemCode(refused)).toBe('UNAUTHORIZED_OPERATION');
    expect((refused.json() as { detail: string }).detail).toContain('R-GEN-4');
    expect((await postJson(`${server.url}governance/operations`, await registryGenesis(), headers)).status).toBe(201);
  });
});
