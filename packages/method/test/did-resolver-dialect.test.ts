/**
 * getResolver() speaks did-resolver's dialect (spec §6.7, R-RES-6) with did-resolver 4, 5 and 6 as installed
 * from the registry (npm aliases), and did-jwt 8 on top: `error` is the string code did-resolver types it as,
 * `message` what did-jwt prints, `problemDetails` the RFC 9457 object that `resolve()` returns.
 */
import { createJWT, EdDSASigner, verifyJWT } from 'did-jwt';
import { Resolver as Resolver4 } from 'did-resolver';
import { Resolver as Resolver5 } from 'did-resolver-5';
import { Resolver as Resolver6 } from 'did-resolver-6';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSigner } from '../src/keys.ts';
import { createOperation, signOperation } from '../src/operation.ts';
import { createCityResolver } from '../src/resolve.ts';
import { didResolverErrorCode, getResolver } from '../src/resolver.ts';
import { BUREAU, cityScenario, deactivate, KEYS, SJZ, type Scenario } from './fixtures/cities.ts';

const WATER = 'did:city:cn:130100:water-bureau';

type AnyResolver = {
  resolve(
    didUrl: string,
    options?: Record<string, unknown>,
  ): Promise<{ didResolutionMetadata: Record<string, unknown>; didDocument: unknown }>;
};
type ResolverClass = new (registry: ReturnType<typeof getResolver>, options?: { cache?: boolean }) => AnyResolver;

const VERSIONS: [string, ResolverClass][] = [
  ['did-resolver 4', Resolver4 as unknown as ResolverClass],
  ['did-resolver 5', Resolver5 as unknown as ResolverClass],
  ['did-resolver 6', Resolver6 as unknown as ResolverClass],
];

/** Shijiazhuang allocates a sub-identifier after the test has already asked for it. */
async function createWaterBureau(scenario: Scenario): Promise<void> {
  const unsigned = createOperation({ did: WATER, updateKeys: [KEYS.bureau.publicKeyMultibase], document: {} });
  const signed = await signOperation(unsigned, [KEYS.bureau, KEYS.cityRotated].map(createSigner), {
    created: '2026-11-26T09:00:00Z',
  });
  await scenario.ledger.append(signed, { integratedTime: '2026-11-26T09:00:00Z' });
}

describe.each(VERSIONS)('getResolver() with %s', (_name, Resolver) => {
  let scenario: Scenario;
  beforeEach(async () => {
    scenario = await cityScenario();
  });

  it('a DID that is not registered: error "notFound", the detail as message, the problem details beside', async () => {
    const resolver = new Resolver({ ...getResolver({ reader: scenario.ledger }) });
    const result = await resolver.resolve('did:city:cn:110000');
    const w3c = await createCityResolver({ reader: scenario.ledger }).resolve('did:city:cn:110000');
    expect(result).toStrictEqual({
      didResolutionMetadata: {
        error: 'notFound',
        message: w3c.didResolutionMetadata.error?.detail,
        problemDetails: w3c.didResolutionMetadata.error,
      },
      didDocument: null,
      didDocumentMetadata: {},
    });
  });

  it('an invalid did:city DID: error "invalidDid"', async () => {
    const resolver = new Resolver({ ...getResolver({ reader: scenario.ledger }) });
    const { didResolutionMetadata } = await resolver.resolve('did:city:cn:999999');
    expect(didResolutionMetadata['error']).toBe('invalidDid');
    expect(didResolutionMetadata['problemDetails']).toMatchObject({
      type: 'https://www.w3.org/ns/did#INVALID_DID',
      status: 400,
    });
  });

  it('an unsupported accept value: error "representationNotSupported"', async () => {
    const resolver = new Resolver({ ...getResolver({ reader: scenario.ledger }) });
    const { didResolutionMetadata } = await resolver.resolve(SJZ, { accept: 'image/png' });
    expect(didResolutionMetadata['error']).toBe('representationNotSupported');
  });

  it('with the resolver cache on, "notFound" is not cached: a DID allocated later resolves', async () => {
    const resolver = new Resolver({ ...getResolver({ reader: scenario.ledger }) }, { cache: true });
    expect((await resolver.resolve(WATER)).didResolutionMetadata['error']).toBe('notFound');
    await createWaterBureau(scenario);
    const later = await resolver.resolve(WATER);
    expect(later.didResolutionMetadata['error']).toBeUndefined();
    expect((later.didDocument as { id: string }).id).toBe(WATER);
  });

  it('a successful result is the W3C result unchanged', async () => {
    const resolver = new Resolver({ ...getResolver({ reader: scenario.ledger }) });
    const w3c = await createCityResolver({ reader: scenario.ledger }).resolve(BUREAU, {
      accept: 'application/did+json',
    });
    expect(await resolver.resolve(BUREAU, { accept: 'application/did+json' })).toStrictEqual(w3c);
  });
});

describe('did-jwt 8 reports did:city resolution errors readably', () => {
  it('an unregistered issuer: "resolver_error: … notFound, <detail>", never [object Object]', async () => {
    const scenario = await cityScenario();
    const jwt = await createJWT(
      { claim: 'x' },
      { issuer: 'did:city:cn:110000', signer: EdDSASigner(KEYS.bureau.secretKey), alg: 'EdDSA' },
    );
    const resolver = new Resolver4({ ...getResolver({ reader: scenario.ledger }) });
    const message = await verifyJWT(jwt, { resolver }).then(
      () => 'verified',
      (error: Error) => error.message,
    );
    expect(message).toMatch(/^resolver_error: Unable to resolve DID document for did:city:cn:110000: notFound, \S/);
    expect(message).not.toContain('[object Object]');
  });

  it('a deactivated issuer is no error, yet nothing verifies (the document is null)', async () => {
    const scenario = await cityScenario();
    await deactivate(scenario);
    const jwt = await createJWT(
      { claim: 'x' },
      { issuer: SJZ, signer: EdDSASigner(KEYS.cityRotated.secretKey), alg: 'EdDSA' },
    );
    // did-resolver 6's registry type differs from 4's in `@context` only; the plugin works with both.
    const resolver = new (Resolver6 as unknown as ResolverClass)({ ...getResolver({ reader: scenario.ledger }) });
    await expect(verifyJWT(jwt, { resolver: resolver as never })).rejects.toThrow(
      /^resolver_error: Unable to resolve DID document for did:city:cn:130100: undefined/,
    );
  });
});

describe('didResolverErrorCode', () => {
  it.each([
    ['INVALID_DID', 'invalidDid'],
    ['INVALID_DID_URL', 'invalidDidUrl'],
    ['INVALID_OPTIONS', 'invalidOptions'],
    ['NOT_FOUND', 'notFound'],
    ['REPRESENTATION_NOT_SUPPORTED', 'representationNotSupported'],
    ['METHOD_NOT_SUPPORTED', 'methodNotSupported'],
    ['FEATURE_NOT_SUPPORTED', 'featureNotSupported'],
    ['INVALID_DID_DOCUMENT', 'invalidDidDocument'],
    ['INTERNAL_ERROR', 'internalError'],
  ])('%s → %s', (code, dialect) => {
    expect(didResolverErrorCode({ type: `https://www.w3.org/ns/did#${code}`, title: 't', detail: 'd' })).toBe(dialect);
  });

  it('a type outside the W3C codes is "internalError"', () => {
    expect(
      didResolverErrorCode({ type: 'https://w3id.org/did-city/errors#LEDGER_UNAVAILABLE', title: 't', detail: 'd' }),
    ).toBe('internalError');
    expect(didResolverErrorCode({ type: 'https://example.org/#x', title: 't', detail: 'd' })).toBe('internalError');
  });
});
