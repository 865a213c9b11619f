/**
 * spec §2, R-ALLOC-2: a ledger node admits a `create` of a `cn` division only for a code in force in the edition
 * the registry allocates from (its CityDivisionEdition service, else the newest bundled edition). Retired codes
 * stay valid DIDs: a DID created while its code was in force keeps resolving, and the log still replays.
 */
import { join } from 'node:path';
import { type DocumentContent, type Operation, operationHash, updateOperation } from '@did-city/method';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LedgerNode } from '../src/node.ts';
import { content, createOf, INSTITUTES, key, REGISTRY, registryGenesis, sign, tempDir } from './fixtures.ts';
import { errorOf } from './helpers.ts';

const LAIWU = 'did:city:cn:371200';
const JINAN = 'did:city:cn:370100';
const LAIWU_DISTRICT = 'did:city:cn:370116';
const QUORUM = [INSTITUTES[0], INSTITUTES[1]];

/** The registry's update stating the edition it allocates from. */
function statingEdition(genesis: Operation, edition: string): Promise<Operation> {
  const document: DocumentContent = {
    ...content(INSTITUTES[0]),
    service: [{ id: '#division-table', type: 'CityDivisionEdition', serviceEndpoint: { edition } }],
  };
  const head = { did: REGISTRY, seq: genesis.seq, operationHash: operationHash(genesis) };
  const unsigned = updateOperation(head, {
    updateKeys: INSTITUTES.map((k) => k.publicKeyMultibase),
    threshold: 2,
    document,
  });
  return sign(unsigned, QUORUM);
}

describe('R-ALLOC-2 at admission', () => {
  let temp: ReturnType<typeof tempDir>;
  let node: LedgerNode;
  let genesis: Operation;

  beforeEach(async () => {
    temp = tempDir('ledger-allocation-');
    node = await LedgerNode.open({
      allowUnpinnedGenesis: true,
      dataDir: join(temp.dir, 'node'),
      sequencer: { batchIntervalMs: 5 },
    });
    genesis = await registryGenesis();
    await node.submitGovernance(genesis);
  });

  afterEach(async () => {
    await node.close();
    temp.cleanup();
  });

  it('refuses a create of a retired code (Laiwu, 371200, retired in 2019) and writes nothing', async () => {
    const before = (await node.store.head()).size;
    const error = await errorOf(node.submit(await createOf(LAIWU, key('laiwu'), QUORUM)));
    expect(error.code).toBe('INVALID_OPERATION');
    expect(error.detail).toBe(
      'did: division 371200 (莱芜市) was retired in edition 2019 (merged into 370100); the registry allocates from edition 2023, so no new DID is created for it (spec §2, R-ALLOC-2)',
    );
    expect((await node.store.head()).size).toBe(before);
    await node.submit(await createOf(JINAN, key('jinan'), QUORUM));
  });

  it('allocates from the edition the registry states: Laiwu under 2018, not its 2019 district; the log replays later', async () => {
    await node.submit(await statingEdition(genesis, '2018'));
    const laiwu = await createOf(LAIWU, key('laiwu'), QUORUM);
    const receipt = await node.submit(laiwu);
    expect(receipt.operationHash).toBe(operationHash(laiwu));
    const error = await errorOf(node.submit(await createOf(LAIWU_DISTRICT, key('laiwu-district'), QUORUM)));
    expect(error.detail).toContain('division 370116 (莱芜区) is not in force in that edition (first listed in 2019)');
    expect(error.detail).toContain('allocates from edition 2018');
    // The next edition, 2019, retires the code: the DID stays, new creates of it were never possible anyway.
    await node.close();
    node = await LedgerNode.open({
      allowUnpinnedGenesis: true,
      dataDir: join(temp.dir, 'node'),
      sequencer: { batchIntervalMs: 5 },
    });
    expect((await node.integrityCheck()).problems).toStrictEqual([]);
    expect((await node.store.didState(LAIWU))?.head.seq).toBe(0);
  });
});
