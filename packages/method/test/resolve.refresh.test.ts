/**
 * A warm refresh replays only the operations after the cached head (spec §7.9: a refresh costs O(log n + new
 * operations)). The result is the one a cold resolver gives, a new operation that does not validate still fails
 * the resolution, and a ledger whose entries no longer hold the cached head at its position is replayed in full.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createSigner, type KeyPair } from '../src/keys.ts';
import { MemoryLedger } from '../src/memory-ledger.ts';
import { recoverOperation, signOperation, updateOperation } from '../src/operation.ts';
import { createCityResolver } from '../src/resolve.ts';
import type { LedgerHistory, LedgerReader, LogEntry, Operation } from '../src/types.ts';
import { BUREAU, cityScenario, DOCUMENTS, KEYS, type Scenario, SJZ } from './fixtures/cities.ts';

const sign = (unsigned: Parameters<typeof signOperation>[0], keys: KeyPair[]) =>
  signOperation(unsigned, keys.map(createSigner));

/** A reader over the ledger that can alter what it serves of one DID (the test decides how). */
function alteringReader(ledger: MemoryLedger) {
  const state: { alter?: (did: string, entries: LogEntry[]) => LogEntry[] } = {};
  const reader: LedgerReader = {
    async history(did, options): Promise<LedgerHistory> {
      const answer = structuredClone(await ledger.history(did, options));
      return state.alter === undefined ? answer : { ...answer, entries: state.alter(did, answer.entries) };
    },
  };
  return { reader, state };
}

/** Shijiazhuang updated once more by its rotated key (scenario head: seq 2). */
async function updateSjz(scenario: Scenario, n: number): Promise<Operation> {
  const op = await sign(
    updateOperation(scenario.ledger.historyOf(SJZ)!, {
      document: {
        ...DOCUMENTS.v2,
        service: [{ id: '#n', type: 'LinkedDomains', serviceEndpoint: `https://n${n}.example/` }],
      },
    }),
    [KEYS.cityRotated],
  );
  await scenario.ledger.append(op);
  return op;
}

let scenario: Scenario;
beforeEach(async () => {
  scenario = await cityScenario();
});

describe('a warm refresh after new operations', () => {
  it('gives, at every step and for every version, what a cold resolver gives', async () => {
    const warm = createCityResolver({ reader: scenario.ledger });
    await warm.resolve(SJZ);
    await warm.resolve(BUREAU);
    for (let n = 0; n < 4; n++) {
      await updateSjz(scenario, n);
      const cold = createCityResolver({ reader: scenario.ledger });
      for (const options of [{}, { versionId: '0' }, { versionId: '2' }, { versionId: String(3 + n) }]) {
        expect(await warm.resolve(SJZ, options)).toStrictEqual(await cold.resolve(SJZ, options));
      }
      expect(await warm.resolve(BUREAU)).toStrictEqual(await cold.resolve(BUREAU));
    }
  });

  it('checks a new recover against the parent read now (its keys at the operation position)', async () => {
    const warm = createCityResolver({ reader: scenario.ledger });
    await warm.resolve(BUREAU);
    // Shijiazhuang (its update key rotated at seq 2) recovers the bureau with new keys.
    const recovered = recoverOperation(scenario.ledger.historyOf(BUREAU)!, {
      updateKeys: [KEYS.city.publicKeyMultibase],
      document: DOCUMENTS.v0,
    });
    await scenario.ledger.append(await sign(recovered, [KEYS.cityRotated]));
    const result = await warm.resolve(BUREAU);
    expect(result.didResolutionMetadata.error).toBeUndefined();
    expect(result).toStrictEqual(await createCityResolver({ reader: scenario.ledger }).resolve(BUREAU));
    expect(result.didDocumentMetadata.versionId).toBe('1');
  });

  it('does not replay the operations it verified before: an altered early entry is not read again', async () => {
    const { reader, state } = alteringReader(scenario.ledger);
    const warm = createCityResolver({ reader });
    expect((await warm.resolve(SJZ)).didDocument).not.toBeNull();
    await updateSjz(scenario, 1);
    // From now on the first entry's signature is broken: a full replay fails on it, the refresh never looks.
    state.alter = (did, entries) => {
      if (did !== SJZ) return entries;
      const first = entries[0]!.operation as unknown as { proof: Array<{ proofValue: string }> };
      first.proof[0]!.proofValue = `z${'1'.repeat(86)}`;
      return entries;
    };
    const refreshed = await warm.resolve(SJZ);
    expect(refreshed.didResolutionMetadata.error).toBeUndefined();
    expect(refreshed.didDocumentMetadata.versionId).toBe('3');
    const cold = await createCityResolver({ reader }).resolve(SJZ);
    expect(cold.didResolutionMetadata.error).toBeDefined();
  });

  it('fails on a new operation that does not validate, and keeps the verified state for the next read', async () => {
    const { reader, state } = alteringReader(scenario.ledger);
    const warm = createCityResolver({ reader });
    const before = await warm.resolve(SJZ);
    // An update signed by the key rotated away at seq 2, served after the real head.
    const forged = await sign(updateOperation(scenario.ledger.historyOf(SJZ)!, { document: DOCUMENTS.v0 }), [
      KEYS.city,
    ]);
    state.alter = (did, entries) => {
      if (did !== SJZ) return entries;
      const last = entries.at(-1)!;
      return [...entries, { index: last.index + 10, integratedTime: last.integratedTime, operation: forged }];
    };
    const refused = await warm.resolve(SJZ);
    expect(refused.didDocument).toBeNull();
    expect(refused.didResolutionMetadata.error).toMatchObject({ detail: expect.stringMatching(/^leaf \d+: /) });
    state.alter = undefined;
    expect(await warm.resolve(SJZ)).toStrictEqual(before);
  });

  it('replays in full when the entry at the cached head position is another operation', async () => {
    const { reader, state } = alteringReader(scenario.ledger);
    const warm = createCityResolver({ reader });
    await warm.resolve(SJZ);
    // Another ledger: the same history up to seq 1, then a different (valid) seq 2 and a seq 3 after it.
    const other = new MemoryLedger();
    for (const did of ['did:city:cn', SJZ]) {
      for (const entry of (await scenario.ledger.history(did)).entries.filter((e) => e.operation.seq < 2))
        await other.append(entry.operation);
    }
    const fork = await sign(updateOperation(other.historyOf(SJZ)!, { document: DOCUMENTS.v0 }), [KEYS.city]);
    await other.append(fork);
    await other.append(await sign(updateOperation(other.historyOf(SJZ)!, { document: DOCUMENTS.v1 }), [KEYS.city]));
    const forked = (await other.history(SJZ)).entries;
    state.alter = (did, entries) => (did === SJZ ? structuredClone(forked) : entries);
    const result = await warm.resolve(SJZ);
    const expected = await createCityResolver({ reader }).resolve(SJZ);
    expect(result).toStrictEqual(expected);
    expect(result.didDocumentMetadata.versionId).toBe('3');
  });
});
