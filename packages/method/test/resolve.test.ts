import { beforeAll, describe, expect, it } from 'vitest';
import { DidCityError } from '../src/errors.ts';
import type { DIDResolutionOptions } from '../src/resolution-types.ts';
import { createCityResolver, resolve } from '../src/resolve.ts';
import type { LedgerHistory, LedgerReader, StateOperation } from '../src/types.ts';
import {
  BUREAU,
  CONTEXT,
  cityScenario,
  errorResult,
  FakeReader,
  KEYS,
  REGISTRY,
  SJZ,
  type Scenario,
  sjzCity,
  T,
} from './fixtures/cities.ts';

let scenario: Scenario;
beforeAll(async () => {
  scenario = await cityScenario();
});

const key = (did: string, fragment: string, publicKeyMultibase: string) => ({
  id: `${did}#${fragment}`,
  type: 'Multikey',
  controller: did,
  publicKeyMultibase,
});

function latestSjzDocument() {
  return {
    '@context': CONTEXT,
    id: SJZ,
    verificationMethod: [
      key(SJZ, 'key-3', KEYS.cityRotated.publicKeyMultibase),
      key(SJZ, 'key-2', KEYS.cityP256.publicKeyMultibase),
    ],
    authentication: [`${SJZ}#key-3`],
    assertionMethod: [`${SJZ}#key-3`, `${SJZ}#key-2`],
    service: [
      { id: `${SJZ}#data`, type: 'LinkedDomains', serviceEndpoint: 'https://data.sjz.example/' },
      { id: `${SJZ}#files`, type: 'FileService', serviceEndpoint: 'https://files.sjz.example/public/' },
      {
        id: `${SJZ}#api`,
        type: ['DataService', 'OpenAPI'],
        serviceEndpoint: [
          'https://api.sjz.example/v1/',
          { origins: ['https://a.example'] },
          'https://mirror.sjz.example/v1/',
        ],
      },
    ],
  };
}

describe('resolve: documents and metadata (spec §5, §6.3)', () => {
  it('"The document id equals the resolved DID": the latest version of Shijiazhuang with its metadata', async () => {
    const result = await createCityResolver({ reader: scenario.ledger }).resolve(SJZ);
    expect(result).toStrictEqual({
      didResolutionMetadata: { contentType: 'application/did' },
      didDocument: latestSjzDocument(),
      didDocumentMetadata: {
        created: T.create,
        updated: T.rotate,
        versionId: '2',
        canonicalId: SJZ,
        city: sjzCity(scenario, 'rotate'),
      },
    });
  });

  it('the national registry (k-of-N institutes) resolves with the metadata that applies to a country registry', async () => {
    const result = await createCityResolver({ reader: scenario.ledger }).resolve(REGISTRY);
    expect(result).toStrictEqual({
      didResolutionMetadata: { contentType: 'application/did' },
      didDocument: { '@context': CONTEXT, id: REGISTRY },
      didDocumentMetadata: {
        created: T.registry,
        versionId: '0',
        canonicalId: REGISTRY,
        city: { country: 'cn', operationHash: scenario.hashes.registry, leafIndex: '0' },
      },
    });
  });

  it('a sub-identifier allocated by its parent: divisionCode, but no official name, level or parent code of its own', async () => {
    const result = await createCityResolver({ reader: scenario.ledger }).resolve(BUREAU);
    expect(result).toStrictEqual({
      didResolutionMetadata: { contentType: 'application/did' },
      didDocument: {
        '@context': CONTEXT,
        id: BUREAU,
        verificationMethod: [key(BUREAU, 'key-1', KEYS.bureau.publicKeyMultibase)],
        assertionMethod: [`${BUREAU}#key-1`],
      },
      didDocumentMetadata: {
        created: T.bureau,
        versionId: '0',
        canonicalId: BUREAU,
        city: { divisionCode: '130100', country: 'cn', operationHash: scenario.hashes.bureau, leafIndex: '3' },
      },
    });
  });

  it('"application/did+json ... the document without @context" (did-jwt asks for it)', async () => {
    const result = await createCityResolver({ reader: scenario.ledger }).resolve(SJZ, {
      accept: 'application/did+json',
    });
    const { '@context': _context, ...withoutContext } = latestSjzDocument();
    expect(result.didResolutionMetadata).toStrictEqual({ contentType: 'application/did+json' });
    expect(result.didDocument).toStrictEqual(withoutContext);
  });

  it.each([
    ['application/did', 'application/did', true],
    ['application/did+ld+json', 'application/did+ld+json', true],
    ['application/ld+json', 'application/did+ld+json', true],
    ['application/json', 'application/did+json', false],
    ['*/*', 'application/did', true],
    ['application/did-resolution,application/did', 'application/did', true],
    ['text/html;q=0.9, application/did+json;q=0.5, application/did;q=0.1', 'application/did+json', false],
    ['application/ld+json;profile="https://w3id.org/did-resolution"', 'application/did', true],
  ])('accept %s is served as %s', async (accept, contentType, withContext) => {
    const result = await createCityResolver({ reader: scenario.ledger }).resolve(SJZ, { accept });
    expect(result.didResolutionMetadata).toStrictEqual({ contentType });
    expect(result.didDocument !== null && '@context' in result.didDocument).toBe(withContext);
  });

  it('"didResolutionMetadata ... ledger: the co-signed checkpoint the result was verified against"', async () => {
    const ledgerInfo = {
      origin: 'ledger.city.example/log',
      treeSize: '5',
      checkpoint: 'ledger.city.example/log\n5\nabc=\n',
    };
    const reader = await FakeReader.of(scenario.ledger, [SJZ, REGISTRY], ledgerInfo);
    const result = await resolve(SJZ, {}, { reader });
    expect(result.didResolutionMetadata).toStrictEqual({ contentType: 'application/did', ledger: ledgerInfo });
  });

  it('expandRelativeUrls is accepted and has no further effect: ids are always absolute', async () => {
    const resolver = createCityResolver({ reader: scenario.ledger });
    expect(await resolver.resolve(SJZ, { expandRelativeUrls: true })).toStrictEqual(await resolver.resolve(SJZ));
    expect(await resolver.resolve(SJZ, { expandRelativeUrls: 'false' })).toStrictEqual(await resolver.resolve(SJZ));
  });

  it('unknown options are ignored (spec §6.1)', async () => {
    const resolver = createCityResolver({ reader: scenario.ledger });
    expect(await resolver.resolve(SJZ, { color: 'blue' })).toStrictEqual(await resolver.resolve(SJZ));
  });
});

describe('resolve: "Checks run in this order: invalid DID → method not supported → feature not supported → invalid options → not found"', () => {
  const refusing = () => createCityResolver({ reader: scenario.ledger, refuseNoCache: true });
  const allOptionErrors = { noCache: true, versionId: '1', versionTime: 'soon', accept: 'text/html' };

  it.each([
    ['did:city:CN:130100', 'upper case'],
    ['did:city:cn:999999', 'not a code in the bundled GB/T 2260 table'],
    ['did:city:cn:13010', 'exactly 6 digits'],
    ['did:city:prod:cn:130100', 'prod'],
    ['did:city:cn:130100#key-1', 'not a DID'],
    ['not a did', 'not a DID'],
    ['', 'not a DID'],
  ])('invalid DID %j → INVALID_DID, before every other check', async (did, detail) => {
    expect(await refusing().resolve(did, allOptionErrors)).toStrictEqual(
      errorResult('INVALID_DID', 400, expect.stringContaining(detail)),
    );
  });

  it('a DID of another method → METHOD_NOT_SUPPORTED, before feature and option checks', async () => {
    expect(await refusing().resolve('did:example:123', allOptionErrors)).toStrictEqual(
      errorResult('METHOD_NOT_SUPPORTED', 501, expect.stringContaining('"example"')),
    );
  });

  it('noCache refused by the resolver → FEATURE_NOT_SUPPORTED, before invalid options', async () => {
    expect(await refusing().resolve(SJZ, allOptionErrors)).toStrictEqual(errorResult('FEATURE_NOT_SUPPORTED', 501));
    expect(await refusing().resolve(SJZ, { noCache: 'true' })).toStrictEqual(errorResult('FEATURE_NOT_SUPPORTED', 501));
  });

  it('a resolver that refuses noCache still resolves noCache: false', async () => {
    const result = await refusing().resolve(SJZ, { noCache: false });
    expect(result.didDocument).toStrictEqual(latestSjzDocument());
  });

  it.each([
    [{ versionId: '1', versionTime: T.update }, 'together'],
    [{ versionTime: 'yesterday' }, 'XML datetime'],
    [{ versionTime: '2026-11-22' }, 'XML datetime'],
    [{ versionTime: '2026-11-22T09:00:00' }, 'time zone'],
    [{ versionTime: '2026-02-30T09:00:00Z' }, 'XML datetime'],
    [{ versionTime: 1795338000000 }, 'must be a string'],
    [{ noCache: 'yes' }, 'noCache'],
    [{ noCache: 1 }, 'noCache'],
    [{ expandRelativeUrls: 'maybe' }, 'expandRelativeUrls'],
    [{ accept: ['application/did'] }, 'accept'],
  ])('invalid options %j → INVALID_OPTIONS, even for a DID that is not registered', async (options, detail) => {
    const expected = errorResult('INVALID_OPTIONS', 400, expect.stringContaining(detail));
    const untyped = options as unknown as DIDResolutionOptions;
    expect(await refusing().resolve('did:city:cn:110000', untyped)).toStrictEqual(expected);
    expect(await refusing().resolve(SJZ, untyped)).toStrictEqual(expected);
  });

  it('"anything else is representationNotSupported", checked before the ledger is read', async () => {
    const reader = new FakeReader({});
    expect(await resolve('did:city:cn:110000', { accept: 'text/html' }, { reader })).toStrictEqual(
      errorResult('REPRESENTATION_NOT_SUPPORTED', 406, expect.stringContaining('text/html')),
    );
    expect(reader.reads).toStrictEqual([]);
  });

  it.each([
    ['did:city:cn:110000', 'a valid division code nobody registered (Beijing)'],
    ['did:city:fr', 'a country with no registry on the ledger'],
    ['did:city:test:cn:130100', 'a DID of another network'],
    ['did:city:cn:130100:water-bureau', 'a sub-identifier Shijiazhuang never allocated'],
  ])('%s (%s) → NOT_FOUND', async (did) => {
    expect(await createCityResolver({ reader: scenario.ledger }).resolve(did)).toStrictEqual(
      errorResult('NOT_FOUND', 404, expect.stringContaining(did)),
    );
  });
});

describe('resolve: a history that does not verify is "invalidDidDocument" (spec §5 step 1)', () => {
  async function doctoredReader(doctor: (op: StateOperation) => void): Promise<FakeReader> {
    const reader = await FakeReader.of(scenario.ledger, [SJZ, REGISTRY]);
    const { entries } = await scenario.ledger.history(SJZ);
    doctor(entries[1]!.operation as StateOperation);
    reader.set(SJZ, { entries });
    return reader;
  }

  it('a proof that does not verify (a reader that does not validate served it) → INVALID_DID_DOCUMENT', async () => {
    const reader = await doctoredReader((op) => {
      const proof = op.proof[0]!;
      proof.proofValue = `${proof.proofValue.slice(0, -4)}${proof.proofValue.endsWith('1111') ? '2222' : '1111'}`;
    });
    expect(await resolve(SJZ, {}, { reader })).toStrictEqual(
      errorResult('INVALID_DID_DOCUMENT', 500, expect.stringContaining('leaf 2')),
    );
  });

  it('a document changed after signing → INVALID_DID_DOCUMENT', async () => {
    const reader = await doctoredReader((op) => {
      op.document.assertionMethod = ['#key-1'];
    });
    expect(await resolve(SJZ, {}, { reader })).toStrictEqual(
      errorResult('INVALID_DID_DOCUMENT', 500, expect.stringContaining('leaf 2')),
    );
  });

  it('a create the parent never authorised → INVALID_DID_DOCUMENT', async () => {
    const reader = await FakeReader.of(scenario.ledger, [BUREAU, SJZ]);
    reader.set(REGISTRY, { entries: [] });
    expect(await resolve(BUREAU, {}, { reader })).toStrictEqual(errorResult('INVALID_DID_DOCUMENT', 500));
  });
});

describe('resolve: ledger failures are INTERNAL_ERROR', () => {
  const failing = (error: unknown): LedgerReader => ({
    history: async () => {
      throw error;
    },
  });

  it('a did:city ledger error keeps its detail', async () => {
    const reader = failing(new DidCityError('LEDGER_UNAVAILABLE', 'ledger.city.example did not answer'));
    expect(await resolve(SJZ, {}, { reader })).toStrictEqual(
      errorResult('INTERNAL_ERROR', 500, 'ledger.city.example did not answer'),
    );
  });

  it('a foreign error is not echoed (it may leak internals)', async () => {
    const result = await resolve(SJZ, {}, { reader: failing(new Error('ECONNREFUSED 10.0.0.7:5432')) });
    expect(result).toStrictEqual(errorResult('INTERNAL_ERROR', 500));
    expect(JSON.stringify(result)).not.toContain('10.0.0.7');
  });

  it('"resolve() never throws": not even for a reader that returns garbage', async () => {
    const reader = { history: async () => ({ entries: null }) as unknown as LedgerHistory };
    expect(await resolve(SJZ, {}, { reader })).toStrictEqual(errorResult('INTERNAL_ERROR', 500));
  });
});

describe('resolve: "Verified state is cached so that the common case costs one lookup, not a replay"', () => {
  it('an unchanged DID is resolved from the cache with one read of its own entries', async () => {
    const reader = await FakeReader.of(scenario.ledger, [SJZ, REGISTRY]);
    const resolver = createCityResolver({ reader });
    const first = await resolver.resolve(SJZ);
    expect(reader.reads.map((read) => read.did).sort()).toStrictEqual([REGISTRY, SJZ]);
    reader.reads.length = 0;
    expect(await resolver.resolve(SJZ)).toStrictEqual(first);
    expect(reader.reads).toStrictEqual([{ did: SJZ }]);
  });

  it('a DID with a new operation is replayed, and the new version is returned', async () => {
    const reader = await FakeReader.of(scenario.ledger, [SJZ, REGISTRY]);
    const { entries } = await reader.history(SJZ);
    reader.set(SJZ, { entries: entries.slice(0, 2) });
    const resolver = createCityResolver({ reader });
    expect((await resolver.resolve(SJZ)).didDocumentMetadata.versionId).toBe('1');
    reader.set(SJZ, { entries });
    reader.reads.length = 0;
    expect((await resolver.resolve(SJZ)).didDocumentMetadata.versionId).toBe('2');
    // The DID's own entries are read once (and handed to the replay); the registry's for the replay.
    expect(reader.reads.map((read) => read.did).sort()).toStrictEqual([REGISTRY, SJZ]);
  });

  it('a cached DID whose newest entry was doctored is replayed and fails', async () => {
    const reader = await FakeReader.of(scenario.ledger, [SJZ, REGISTRY]);
    const resolver = createCityResolver({ reader });
    await resolver.resolve(SJZ);
    const { entries } = await reader.history(SJZ);
    (entries.at(-1)!.operation as StateOperation).threshold = 2;
    reader.set(SJZ, { entries });
    expect(await resolver.resolve(SJZ)).toStrictEqual(errorResult('INVALID_DID_DOCUMENT', 500));
  });

  it('"noCache: bypass every cache and verify afresh from the ledger"', async () => {
    const reader = await FakeReader.of(scenario.ledger, [SJZ, REGISTRY]);
    const resolver = createCityResolver({ reader });
    await resolver.resolve(SJZ);
    reader.reads.length = 0;
    await resolver.resolve(SJZ, { noCache: 'true' });
    expect(reader.reads).toStrictEqual([
      { did: SJZ, options: { noCache: true } },
      { did: REGISTRY, options: { noCache: true } },
    ]);
  });

  it('cache: false replays every time', async () => {
    const reader = await FakeReader.of(scenario.ledger, [SJZ, REGISTRY]);
    const resolver = createCityResolver({ reader, cache: false });
    await resolver.resolve(SJZ);
    await resolver.resolve(SJZ);
    expect(reader.reads.map((read) => read.did)).toStrictEqual([SJZ, REGISTRY, SJZ, REGISTRY]);
  });

  it('the least recently used DID is evicted first', async () => {
    const reader = await FakeReader.of(scenario.ledger, [SJZ, REGISTRY, BUREAU]);
    const resolver = createCityResolver({ reader, cache: { maxEntries: 1 } });
    await resolver.resolve(SJZ);
    await resolver.resolve(REGISTRY);
    reader.reads.length = 0;
    await resolver.resolve(SJZ);
    expect(reader.reads.map((read) => read.did).sort()).toStrictEqual([REGISTRY, SJZ]);
  });

  it('a warm resolution recognises the head by content: member order and undefined members do not matter', async () => {
    const reader = await FakeReader.of(scenario.ledger, [SJZ, REGISTRY]);
    const resolver = createCityResolver({ reader });
    const first = await resolver.resolve(SJZ);
    const { entries } = await reader.history(SJZ);
    const head = entries.at(-1)!;
    head.operation = {
      ...(Object.fromEntries(Object.entries(head.operation).reverse()) as StateOperation),
      nextKeyHashes: undefined,
    };
    reader.set(SJZ, { entries });
    reader.reads.length = 0;
    expect(await resolver.resolve(SJZ)).toStrictEqual(first);
    expect(reader.reads).toStrictEqual([{ did: SJZ }]);
  });

  it('a reader that changes the entries it handed out cannot change what the cache compares against', async () => {
    const { entries } = await scenario.ledger.history(SJZ);
    const registry = await scenario.ledger.history(REGISTRY);
    // Hands out its own objects, no copies.
    const reader: LedgerReader = {
      history: async (did) => (did === SJZ ? { entries } : did === REGISTRY ? registry : { entries: [] }),
    };
    const resolver = createCityResolver({ reader });
    const first = await resolver.resolve(SJZ);
    expect(await resolver.resolve(SJZ)).toStrictEqual(first);
    (entries.at(-1)!.operation as StateOperation).threshold = 2;
    expect(await resolver.resolve(SJZ)).toStrictEqual(errorResult('INVALID_DID_DOCUMENT', 500));
    (entries.at(-1)!.operation as StateOperation).threshold = 1;
    expect(await resolver.resolve(SJZ)).toStrictEqual(first);
  });

  it('results of warm resolutions are independent copies', async () => {
    const resolver = createCityResolver({ reader: scenario.ledger });
    const first = await resolver.resolve(SJZ);
    const second = await resolver.resolve(SJZ);
    expect(second).toStrictEqual(first);
    expect(second.didDocument).not.toBe(first.didDocument);
    second.didDocument!.service!.push({ id: `${SJZ}#evil`, type: 'Evil', serviceEndpoint: 'https://evil.example/' });
    (second.didDocument!.verificationMethod![0] as { publicKeyMultibase: string }).publicKeyMultibase = 'z6MkEvil';
    second.didDocumentMetadata.versionId = '99';
    expect(await resolver.resolve(SJZ)).toStrictEqual(first);
  });

  it('what a caller does to a result does not reach the cache', async () => {
    const resolver = createCityResolver({ reader: scenario.ledger });
    const first = await resolver.resolve(SJZ);
    first.didDocument!.authentication!.push('did:city:cn:130100#evil');
    expect((await resolver.resolve(SJZ)).didDocument).toStrictEqual(latestSjzDocument());
  });
});
