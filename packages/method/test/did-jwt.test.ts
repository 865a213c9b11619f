/**
 * did:city keys through did-resolver 4 and did-jwt 8, as Veramo and did-jwt-vc use them: did-jwt resolves the
 * issuer with `accept: 'application/did+json'` and picks keys from `assertionMethod` by absolute id.
 */
import { createJWT, EdDSASigner, ES256Signer, verifyJWT } from 'did-jwt';
import { Resolver } from 'did-resolver';
import { beforeAll, describe, expect, it } from 'vitest';
import { getResolver } from '../src/resolver.ts';
import type { KeyPair } from '../src/keys.ts';
import { BUREAU, cityScenario, deactivate, KEYS, SJZ, type Scenario } from './fixtures/cities.ts';

function sign(pair: KeyPair, issuer: string): Promise<string> {
  // did-jwt's EdDSASigner takes the 32-byte seed (or seed||public); ES256Signer the 32-byte P-256 scalar.
  const [signer, alg] =
    pair.keyType === 'Ed25519' ? [EdDSASigner(pair.secretKey), 'EdDSA'] : [ES256Signer(pair.secretKey), 'ES256'];
  return createJWT({ sub: 'did:city:cn:130100', claim: 'population data 2026' }, { issuer, signer, alg });
}

function verify(jwt: string, scenario: Scenario) {
  const resolver = new Resolver({ ...getResolver({ reader: scenario.ledger }) });
  return verifyJWT(jwt, { resolver, proofPurpose: 'assertionMethod' });
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'verified',
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
}

describe('did-jwt 8 with getResolver() and did-resolver 4', () => {
  let scenario: Scenario;
  beforeAll(async () => {
    scenario = await cityScenario();
  });

  it('a JWT signed by a did:city Ed25519 assertion key (Multikey z6Mk…) verifies', async () => {
    const jwt = await sign(KEYS.cityRotated, SJZ);
    const { verified, issuer, signer } = await verify(jwt, scenario);
    expect({ verified, issuer, signer: signer.id }).toStrictEqual({
      verified: true,
      issuer: SJZ,
      signer: `${SJZ}#key-3`,
    });
  });

  it('a JWT signed by a did:city P-256 assertion key (Multikey zDn…, ES256) verifies', async () => {
    const jwt = await sign(KEYS.cityP256, SJZ);
    const { verified, signer } = await verify(jwt, scenario);
    expect({ verified, signer: signer.id }).toStrictEqual({ verified: true, signer: `${SJZ}#key-2` });
  });

  it('a sub-identifier can issue too', async () => {
    const { verified } = await verify(await sign(KEYS.bureau, BUREAU), scenario);
    expect(verified).toBe(true);
  });

  it('after an update rotates key-1 away, a JWT signed with the old key fails', async () => {
    expect(await rejection(verify(await sign(KEYS.city, SJZ), scenario))).toMatch(/^invalid_signature/);
  });

  it('a key of another DID does not verify for this issuer', async () => {
    expect(await rejection(verify(await sign(KEYS.bureau, SJZ), scenario))).toMatch(/^invalid_signature/);
  });

  it('an issuer that is not registered fails to resolve', async () => {
    expect(await rejection(verify(await sign(KEYS.bureau, 'did:city:cn:110000'), scenario))).toMatch(/^resolver_error/);
  });

  it('a DID URL as issuer with ?versionId=0 does not bring the rotated key back', async () => {
    expect(await rejection(verify(await sign(KEYS.city, `${SJZ}?versionId=0`), scenario))).not.toBe('verified');
  });

  it('after deactivation nothing verifies: "did-jwt never checks deactivated"; the document is null', async () => {
    const deactivated = await cityScenario();
    await deactivate(deactivated);
    expect(await rejection(verify(await sign(KEYS.cityRotated, SJZ), deactivated))).toMatch(/^resolver_error/);
    expect(await rejection(verify(await sign(KEYS.cityP256, SJZ), deactivated))).toMatch(/^resolver_error/);
  });
});

describe('getResolver() result shape', () => {
  it('resolves parsed.did (no fragment) and returns the W3C resolution result', async () => {
    const scenario = await cityScenario();
    const resolver = new Resolver({ ...getResolver({ reader: scenario.ledger }) });
    const result = await resolver.resolve(`${SJZ}#key-3`, { accept: 'application/did+json' });
    expect(result.didResolutionMetadata).toStrictEqual({ contentType: 'application/did+json' });
    expect(result.didDocument?.id).toBe(SJZ);
    expect(result.didDocument).not.toHaveProperty('@context');
  });

  it('DID parameters in the URL are not applied: ?versionId=0 resolves the latest version', async () => {
    const scenario = await cityScenario();
    const resolver = new Resolver({ ...getResolver({ reader: scenario.ledger }) });
    const result = await resolver.resolve(`${SJZ}?versionId=0`);
    expect(result.didDocumentMetadata.versionId).toBe('2');
  });

  it("errors come back as values in did-resolver's dialect, not thrown", async () => {
    const scenario = await cityScenario();
    const resolver = new Resolver({ ...getResolver({ reader: scenario.ledger }) });
    const problem = {
      type: 'https://www.w3.org/ns/did#INVALID_DID',
      title: 'Invalid DID',
      detail: expect.any(String),
      status: 400,
    };
    expect(await resolver.resolve('did:city:cn:999999')).toStrictEqual({
      didResolutionMetadata: { error: 'invalidDid', message: expect.any(String), problemDetails: problem },
      didDocument: null,
      didDocumentMetadata: {},
    });
  });
});
