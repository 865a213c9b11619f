/**
 * History bounds in a registry document (spec §9.7, R-LIM-2): the `CityHistoryLimits` service is validated with the
 * rest of the document (the ledger node parses operations with the same validator), and historyLimitsOf reads the
 * bounds over the defaults.
 */
import { describe, expect, it } from 'vitest';
import { DidCityError } from '../src/errors.ts';
import { DEFAULT_HISTORY_LIMITS, HISTORY_LIMIT_CEILINGS, historyLimitsOf } from '../src/history-limits.ts';
import { createSigner, generateKeyPair } from '../src/keys.ts';
import { createOperation, signOperation } from '../src/operation.ts';

const key = generateKeyPair();
const content = (endpoint: unknown, type: unknown = 'CityHistoryLimits') => ({
  verificationMethod: [{ id: '#key-1', type: 'Multikey' as const, publicKeyMultibase: key.publicKeyMultibase }],
  service: [{ id: '#history-limits', type, serviceEndpoint: endpoint }],
});
/** Signed as a client would: signOperation checks the document with the validator the ledger node runs. */
const create = (did: string, endpoint: unknown, type?: unknown) =>
  signOperation(
    createOperation({ did, updateKeys: [key.publicKeyMultibase], document: content(endpoint, type) as never }),
    [createSigner(key)],
  );

async function refusal(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(DidCityError);
    expect((error as DidCityError).code).toBe('INVALID_OPERATION');
    return (error as DidCityError).message;
  }
  throw new Error('expected INVALID_OPERATION');
}

describe('CityHistoryLimits (R-LIM-2)', () => {
  it('a registry may set either bound or both, within the ceilings', async () => {
    const op = await create('did:city:cn', { maxOperations: 50, maxBytes: HISTORY_LIMIT_CEILINGS.maxBytes });
    expect(historyLimitsOf((op as unknown as { document: never }).document)).toEqual({
      maxOperations: 50,
      maxBytes: HISTORY_LIMIT_CEILINGS.maxBytes,
    });
    const one = await create('did:city:test:cn', { maxBytes: 1000 });
    expect(historyLimitsOf((one as unknown as { document: never }).document)).toEqual({
      ...DEFAULT_HISTORY_LIMITS,
      maxBytes: 1000,
    });
    expect(historyLimitsOf(undefined)).toEqual(DEFAULT_HISTORY_LIMITS);
  });

  it.each([
    [
      'outside a registry',
      () => create('did:city:cn:130100', { maxOperations: 5 }),
      /only a country registry carries a CityHistoryLimits/,
    ],
    [
      'beyond the ceiling',
      () => create('did:city:cn', { maxOperations: 10_001 }),
      /maxOperations: must be an integer from 1 to 10000/,
    ],
    ['zero', () => create('did:city:cn', { maxBytes: 0 }), /maxBytes: must be an integer from 1 to/],
    ['not an integer', () => create('did:city:cn', { maxOperations: 2.5 }), /maxOperations: must be an integer/],
    ['an unknown member', () => create('did:city:cn', { maxOps: 5 }), /maxOps: unknown member/],
    ['an empty map', () => create('did:city:cn', {}), /must be the map/],
    ['a string endpoint', () => create('did:city:cn', 'https://limits.example/'), /must be the map/],
    [
      'a type list',
      () => create('did:city:cn', { maxOperations: 5 }, ['CityHistoryLimits', 'Other']),
      /must be the single type/,
    ],
  ])('refused %s', async (_what, run, message) => {
    expect(await refusal(run)).toMatch(message);
  });
});
