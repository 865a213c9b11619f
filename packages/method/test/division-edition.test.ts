/**
 * The edition a registry allocates from (spec §2.2, R-DIV-1) and the allocation rule a ledger applies at admission
 * (R-ALLOC-2, checkAllocation). Retired codes stay valid DIDs (R-SYN-5).
 */
import { describe, expect, it } from 'vitest';
import { isCityDid, parseDid } from '../src/did.ts';
import { checkDocumentContent, divisionEditionOf } from '../src/document-content.ts';
import { DidCityError } from '../src/errors.ts';
import { createOperation } from '../src/operation.ts';
import type { DidHistory, DocumentContent, Operation, Service } from '../src/types.ts';
import { checkAllocation } from '../src/validate.ts';
import { key, mk } from './fixtures/world.ts';

const edition = (endpoint: unknown, extra: Partial<Service> = {}): Service => ({
  id: '#division-table',
  type: 'CityDivisionEdition',
  serviceEndpoint: endpoint as Service['serviceEndpoint'],
  ...extra,
});

function detailOf(run: () => void): string {
  try {
    run();
  } catch (error) {
    if (error instanceof DidCityError) return `${error.code}: ${error.detail}`;
    throw error;
  }
  return 'accepted';
}

describe('CityDivisionEdition (R-DIV-1)', () => {
  const check = (did: string, service: unknown[]) => detailOf(() => checkDocumentContent({ service }, did));

  it('a registry states one edition as { edition: "<year>" }', () => {
    expect(check('did:city:cn', [edition({ edition: '2023' })])).toBe('accepted');
    expect(divisionEditionOf({ service: [edition({ edition: '2019' })] })).toBe('2019');
    expect(divisionEditionOf({ service: [] })).toBeUndefined();
    expect(divisionEditionOf(undefined)).toBeUndefined();
  });

  it.each([
    [
      [edition({ edition: '23' })],
      'INVALID_OPERATION: document.service[0].serviceEndpoint: must be the map { "edition": "<year of the GB/T 2260 edition>" }',
    ],
    [
      [edition({ edition: '2023', extra: 1 })],
      'INVALID_OPERATION: document.service[0].serviceEndpoint: must be the map { "edition": "<year of the GB/T 2260 edition>" }',
    ],
    [
      [edition('https://tables.example/2023')],
      'INVALID_OPERATION: document.service[0].serviceEndpoint: must be the map { "edition": "<year of the GB/T 2260 edition>" }',
    ],
    [
      [edition({ edition: '2023' }), edition({ edition: '2019' }, { id: '#other' })],
      'INVALID_OPERATION: document.service[1]: a second CityDivisionEdition service',
    ],
    [
      [edition({ edition: '2023' }, { type: ['CityDivisionEdition', 'Other'] })],
      'INVALID_OPERATION: document.service[0].type: must be the single type "CityDivisionEdition"',
    ],
  ])('refuses %j', (services, expected) => {
    expect(check('did:city:cn', services)).toBe(expected);
  });

  it('only a country registry carries it', () => {
    expect(check('did:city:cn:130100', [edition({ edition: '2023' })])).toBe(
      'INVALID_OPERATION: document.service[0].type: only a country registry carries a CityDivisionEdition',
    );
  });
});

/** A registry history whose current document states `stated` (or nothing). */
function registry(stated?: string): DidHistory {
  const document = stated === undefined ? {} : { service: [edition({ edition: stated })] };
  const version = {
    versionId: '0',
    seq: 0,
    document: { id: 'did:city:cn', ...document },
    keyState: { updateKeys: [], threshold: 1 },
    operationHash: 'zQm',
    leafIndex: 0,
    integratedTime: '2026-11-21T08:00:00Z',
  };
  return {
    did: 'did:city:cn',
    created: version.integratedTime,
    versions: [version],
    keyState: version.keyState,
    head: { seq: 0, operationHash: 'zQm' },
  } as DidHistory;
}

const create = (did: string): Operation =>
  ({
    ...createOperation({ did, updateKeys: [mk(key('laiwu'))], document: {} as DocumentContent }),
    proof: [],
  }) as Operation;

describe('checkAllocation (R-ALLOC-2)', () => {
  it('Laiwu is a valid DID, but closed to new creates under the newest edition and any stated edition from 2019', () => {
    expect(isCityDid('did:city:cn:371200')).toBe(true);
    expect(parseDid('did:city:cn:371200').division).toBe('371200');
    expect(detailOf(() => checkAllocation(create('did:city:cn:371200'), undefined))).toMatch(
      /^INVALID_OPERATION: did: division 371200 \(莱芜市\) was retired in edition 2019 \(merged into 370100\); the registry allocates from edition 2023/,
    );
    expect(detailOf(() => checkAllocation(create('did:city:cn:371200'), registry('2019')))).toMatch(
      /allocates from edition 2019/,
    );
    expect(detailOf(() => checkAllocation(create('did:city:cn:371200'), registry('2018')))).toBe('accepted');
  });

  it('a code created later is not allocatable under an earlier edition', () => {
    expect(detailOf(() => checkAllocation(create('did:city:cn:370116'), registry('2018')))).toMatch(
      /division 370116 \(莱芜区\) is not in force in that edition \(first listed in 2019\)/,
    );
    expect(detailOf(() => checkAllocation(create('did:city:cn:370116'), registry('2019')))).toBe('accepted');
  });

  it('applies to creates of cn divisions only: sub-identifiers, other countries, the registry and other operations pass', () => {
    expect(detailOf(() => checkAllocation(create('did:city:cn:371200:archive'), undefined))).toBe('accepted');
    expect(detailOf(() => checkAllocation(create('did:city:us:000001'), undefined))).toBe('accepted');
    expect(detailOf(() => checkAllocation(create('did:city:cn'), undefined))).toBe('accepted');
    const deactivate = { type: 'deactivate', did: 'did:city:cn:371200', seq: 1, prev: 'zQm', proof: [] } as Operation;
    expect(detailOf(() => checkAllocation(deactivate, undefined))).toBe('accepted');
  });
});
