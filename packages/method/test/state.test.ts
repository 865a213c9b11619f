import { describe, expect, it } from 'vitest';
import { keyHash } from '../src/hash.ts';
import { loadHistory } from '../src/history.ts';
import { MemoryLedger, steppingClock } from '../src/memory-ledger.ts';
import {
  createOperation,
  deactivateOperation,
  operationHash,
  recoverOperation,
  updateOperation,
} from '../src/operation.ts';
import { applyOperation, replayHistory } from '../src/state.ts';
import type { KeyPair } from '../src/keys.ts';
import type { DidHistory, LogEntry, Operation } from '../src/types.ts';
import { keyStateAt } from '../src/validate.ts';
import {
  BUREAU,
  BUREAU_KEY,
  CITY,
  cityCreate,
  content,
  expectCode,
  INSTITUTES,
  key,
  mk,
  REGISTRY,
  registryCreate,
  SJZ,
  sign,
  world,
} from './fixtures/world.ts';

const [A, B, C] = INSTITUTES as [KeyPair, KeyPair, KeyPair];
const CONTEXTS = ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'];
const NEW_CITY = key('sjz-2');

function entry(index: number, operation: Operation, minute = index): LogEntry {
  return { index, integratedTime: `2026-11-21T08:${String(minute).padStart(2, '0')}:00Z`, operation };
}

describe('replayHistory (spec §5): versions and documents', () => {
  it('turns create, update, recover and deactivate into versions, documents and a deactivation', async () => {
    const registry = replayHistory(REGISTRY, [entry(0, await registryCreate())]);
    const create = await cityCreate();
    const update = await sign(
      updateOperation(
        { did: SJZ, seq: 0, operationHash: operationHash(create) },
        {
          updateKeys: [mk(CITY)],
          nextKeyHashes: [keyHash(mk(NEW_CITY))],
          document: {
            verificationMethod: [
              { id: '#key-1', type: 'Multikey', publicKeyMultibase: mk(CITY), controller: REGISTRY },
            ],
            assertionMethod: [`${SJZ}#key-1`],
            service: [{ id: '#data', type: 'LinkedDomains', serviceEndpoint: 'https://data.sjz.example/' }],
            alsoKnownAs: ['https://www.sjz.gov.cn/'],
            controller: SJZ,
          },
        },
      ),
      [CITY],
    );
    const recover = await sign(
      recoverOperation(
        { did: SJZ, seq: 1, operationHash: operationHash(update) },
        { updateKeys: [mk(NEW_CITY)], document: {} },
      ),
      [A, B],
    );
    const deactivate = await sign(
      deactivateOperation(
        { did: SJZ, seq: 2, operationHash: operationHash(recover) },
        { successor: 'did:city:cn:130200' },
      ),
      [NEW_CITY],
    );
    const history = replayHistory(SJZ, [entry(1, create), entry(4, update), entry(6, recover), entry(9, deactivate)], {
      parent: registry,
    });
    const cityKeys = { updateKeys: [mk(CITY)], threshold: 1 };
    expect(history).toEqual<DidHistory>({
      did: SJZ,
      created: '2026-11-21T08:01:00Z',
      versions: [
        {
          versionId: '0',
          seq: 0,
          document: {
            '@context': CONTEXTS,
            id: SJZ,
            verificationMethod: [
              { id: `${SJZ}#key-1`, type: 'Multikey', controller: SJZ, publicKeyMultibase: mk(CITY) },
            ],
            authentication: [`${SJZ}#key-1`],
            assertionMethod: [`${SJZ}#key-1`],
          },
          keyState: cityKeys,
          operationHash: operationHash(create),
          leafIndex: 1,
          integratedTime: '2026-11-21T08:01:00Z',
        },
        {
          versionId: '1',
          seq: 1,
          document: {
            '@context': CONTEXTS,
            id: SJZ,
            controller: SJZ,
            alsoKnownAs: ['https://www.sjz.gov.cn/'],
            verificationMethod: [
              { id: `${SJZ}#key-1`, type: 'Multikey', controller: REGISTRY, publicKeyMultibase: mk(CITY) },
            ],
            assertionMethod: [`${SJZ}#key-1`],
            service: [{ id: `${SJZ}#data`, type: 'LinkedDomains', serviceEndpoint: 'https://data.sjz.example/' }],
          },
          keyState: { ...cityKeys, nextKeyHashes: [keyHash(mk(NEW_CITY))] },
          operationHash: operationHash(update),
          leafIndex: 4,
          integratedTime: '2026-11-21T08:04:00Z',
        },
        {
          versionId: '2',
          seq: 2,
          document: { '@context': CONTEXTS, id: SJZ },
          keyState: { updateKeys: [mk(NEW_CITY)], threshold: 1 },
          operationHash: operationHash(recover),
          leafIndex: 6,
          integratedTime: '2026-11-21T08:06:00Z',
        },
      ],
      deactivation: {
        integratedTime: '2026-11-21T08:09:00Z',
        operationHash: operationHash(deactivate),
        leafIndex: 9,
        seq: 3,
        successor: 'did:city:cn:130200',
      },
      keyState: { updateKeys: [mk(NEW_CITY)], threshold: 1 },
      head: { seq: 3, operationHash: operationHash(deactivate) },
    });
  });

  it('rejects an empty history, entries about another DID, and leaves out of order', async () => {
    const registry = replayHistory(REGISTRY, [entry(0, await registryCreate())]);
    const create = await cityCreate();
    expectCode(() => replayHistory(SJZ, []), 'NOT_FOUND');
    const genesis = await registryCreate();
    expectCode(() => replayHistory(SJZ, [entry(0, genesis)]), 'INVALID_OPERATION', `not ${SJZ}`);
    const update = await sign(
      updateOperation(
        { did: SJZ, seq: 0, operationHash: operationHash(create) },
        { updateKeys: [mk(CITY)], document: {} },
      ),
      [CITY],
    );
    expectCode(
      () => replayHistory(SJZ, [entry(5, create), entry(3, update)], { parent: registry }),
      'INVALID_OPERATION',
      'leaf 3: entry.index: leaf 3 is not after the previous leaf 5',
    );
    expectCode(
      () => replayHistory(SJZ, [{ ...entry(1, create), integratedTime: 'now' }], { parent: registry }),
      'INVALID_OPERATION',
      'integratedTime',
    );
  });

  it('stops at the first invalid operation, naming its leaf', async () => {
    const registry = replayHistory(REGISTRY, [entry(0, await registryCreate())]);
    const create = await cityCreate();
    const byStranger = await sign(
      updateOperation(
        { did: SJZ, seq: 0, operationHash: operationHash(create) },
        { updateKeys: [mk(CITY)], document: {} },
      ),
      [NEW_CITY],
    );
    expectCode(
      () => replayHistory(SJZ, [entry(1, create), entry(2, byStranger)], { parent: registry }),
      'UNAUTHORIZED_OPERATION',
      /^leaf 2: update not authorised/,
    );
    expectCode(
      () => replayHistory(SJZ, [entry(1, create)]),
      'UNAUTHORIZED_OPERATION',
      /^leaf 1: create: parent did:city:cn does not exist/,
    );
    const tampered = { ...create, document: {} };
    expectCode(
      () => replayHistory(SJZ, [entry(1, tampered)], { parent: registry }),
      'INVALID_SIGNATURE',
      /^leaf 1: proof\[0\]/,
    );
  });
});

describe('parent key state at the child operation position', () => {
  /** The registry at leaf 0 with keys A, B, C (2-of-3), rotated at leaf 5 to A, B and a new key D (2-of-3). */
  const D = key('institute-d');

  async function rotatedRegistry(): Promise<{ registry: DidHistory; rotation: Operation }> {
    const genesis = await registryCreate();
    const rotation = await sign(
      updateOperation(
        { did: REGISTRY, seq: 0, operationHash: operationHash(genesis) },
        { updateKeys: [mk(D), mk(A)], threshold: 2, document: {} },
      ),
      [A, B],
    );
    return { registry: replayHistory(REGISTRY, [entry(0, genesis), entry(5, rotation)]), rotation };
  }

  it('keyStateAt takes the state after the last operation before the position', async () => {
    const { registry } = await rotatedRegistry();
    expect(keyStateAt(registry, 0)).toBeUndefined();
    expect(keyStateAt(registry, 1)).toEqual({ updateKeys: INSTITUTES.map(mk), threshold: 2 });
    expect(keyStateAt(registry, 5)).toEqual({ updateKeys: INSTITUTES.map(mk), threshold: 2 });
    expect(keyStateAt(registry, 6)).toEqual({ updateKeys: [mk(D), mk(A)], threshold: 2 });
    const deactivated = {
      ...registry,
      deactivation: { integratedTime: '2026-11-21T09:00:00Z', operationHash: 'zQm', leafIndex: 8, seq: 2 },
    };
    expect(keyStateAt(deactivated, 8)).toEqual({ updateKeys: [mk(D), mk(A)], threshold: 2 });
    expect(keyStateAt(deactivated, 9)).toBeUndefined();
  });

  it('accepts a child create signed by the old parent keys before the rotation, rejects it after', async () => {
    const { registry } = await rotatedRegistry();
    const byOldKeys = await cityCreate([CITY, B, C]);
    expect(replayHistory(SJZ, [entry(3, byOldKeys)], { parent: registry }).head.seq).toBe(0);
    expectCode(
      () => replayHistory(SJZ, [entry(7, byOldKeys)], { parent: registry }),
      'UNAUTHORIZED_OPERATION',
      'leaf 7: create not authorised: parent allocation: 0 of 2 keys signed, 2 required',
    );
    const byNewKeys = await cityCreate([CITY, A, D]);
    expect(replayHistory(SJZ, [entry(7, byNewKeys)], { parent: registry }).versions).toHaveLength(1);
    expectCode(
      () => replayHistory(SJZ, [entry(3, byNewKeys)], { parent: registry }),
      'UNAUTHORIZED_OPERATION',
      '1 of 3 keys signed',
    );
  });
});

describe('applyOperation', () => {
  it('returns a new history and leaves its input untouched', async () => {
    const ledger = await world();
    const before = ledger.historyOf(SJZ)!;
    const snapshot = structuredClone(before);
    const op = await sign(updateOperation(before, { document: content(NEW_CITY) }), [CITY]);
    const after = applyOperation(before, entry(2, op), { parent: ledger.historyOf(REGISTRY)! });
    expect(before).toEqual(snapshot);
    expect(after).not.toBe(before);
    expect(after.versions).toHaveLength(2);
    expect(after.versions[0]).toBe(before.versions[0]);
    expect(after.head).toEqual({ seq: 1, operationHash: operationHash(op) });
    const deactivated = applyOperation(after, entry(3, await sign(deactivateOperation(after), [CITY])));
    expect(after.deactivation).toBeUndefined();
    expect(deactivated.deactivation?.leafIndex).toBe(3);
  });
});

describe('MemoryLedger and loadHistory', () => {
  it('appends with deterministic integration times and is idempotent by operation hash', async () => {
    const ledger = new MemoryLedger({ now: steppingClock('2026-11-21T08:00:00Z', 30) });
    const genesis = await registryCreate();
    const first = await ledger.append(genesis);
    expect(await ledger.append(genesis)).toEqual(first);
    const second = await ledger.append(await cityCreate());
    expect([first.index, first.integratedTime, second.index, second.integratedTime]).toEqual([
      0,
      '2026-11-21T08:00:00Z',
      1,
      '2026-11-21T08:00:30Z',
    ]);
    const third = await ledger.append(
      await sign(createOperation({ did: 'did:city:cn:110000', updateKeys: [mk(CITY)], document: {} }), [CITY, A, B]),
      {
        integratedTime: '2026-11-22T00:00:00Z',
      },
    );
    expect(third.integratedTime).toBe('2026-11-22T00:00:00Z');
    expect(ledger.size).toBe(3);
  });

  it('rejects an invalid operation and appends nothing', async () => {
    const ledger = await world();
    await expect(ledger.append(await cityCreate([CITY, A]))).rejects.toMatchObject({ code: 'STALE_OPERATION' });
    const bureau = await sign(createOperation({ did: BUREAU, updateKeys: [mk(BUREAU_KEY)], document: {} }), [
      BUREAU_KEY,
    ]);
    await expect(ledger.append(bureau)).rejects.toMatchObject({ code: 'UNAUTHORIZED_OPERATION' });
    expect(ledger.size).toBe(2);
    expect((await ledger.history(BUREAU)).entries).toEqual([]);
  });

  it('loadHistory replays the DID with its ancestors and matches the ledger state', async () => {
    const ledger = await world();
    const bureau = await sign(
      createOperation({ did: BUREAU, updateKeys: [mk(BUREAU_KEY)], document: content(BUREAU_KEY) }),
      [BUREAU_KEY, CITY],
    );
    await ledger.append(bureau);
    const loaded = await loadHistory(ledger, BUREAU);
    expect(loaded).toEqual({ history: ledger.historyOf(BUREAU) });
    expect(await loadHistory(ledger, 'did:city:cn:110000')).toEqual({});
    const pinned = await loadHistory(ledger, SJZ, { genesis: { [REGISTRY]: { updateKeys: [mk(A)] } } }).catch(
      (error: unknown) => error,
    );
    expect(pinned).toMatchObject({ code: 'UNAUTHORIZED_OPERATION' });
  });

  it('loadHistory passes noCache and the checkpoint through', async () => {
    const ledger = await world();
    const seen: Array<[string, unknown]> = [];
    const reader = {
      history: async (did: string, options?: { noCache?: boolean }) => {
        seen.push([did, options]);
        const read = await ledger.history(did);
        return { ...read, ledger: { origin: 'ledger.example', treeSize: '2', checkpoint: 'c' } };
      },
    };
    const loaded = await loadHistory(reader, SJZ, { noCache: true });
    expect(loaded.ledger).toEqual({ origin: 'ledger.example', treeSize: '2', checkpoint: 'c' });
    expect(seen).toEqual([
      [SJZ, { noCache: true }],
      [REGISTRY, { noCache: true }],
    ]);
  });
});
