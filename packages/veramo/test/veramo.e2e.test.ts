/**
 * Real Veramo 7 agents against a real ledger node over HTTP. Agent A (DID manager with CityDIDProvider, key
 * manager with kms-local, did:city resolver, CredentialProviderJWT) holds Shijiazhuang's key, creates
 * did:city:cn:130100:data-office, adds a service and issues a JWT credential; agent B (resolver and credential
 * plugin only) verifies it. After A rotates the signing key (addKey new, removeKey old), a credential signed
 * with the old key fails in B and one signed with the new key verifies.
 */
import { createAgent, type ICredentialPlugin, type IDIDManager, type IKeyManager, type IResolver } from '@veramo/core';
import { CredentialProviderJWT } from '@veramo/credential-jwt';
import { CredentialPlugin } from '@veramo/credential-w3c';
import { DIDManager, MemoryDIDStore } from '@veramo/did-manager';
import { DIDResolverPlugin } from '@veramo/did-resolver';
import { KeyManager, MemoryKeyStore, MemoryPrivateKeyStore } from '@veramo/key-manager';
import { KeyManagementSystem } from '@veramo/kms-local';
import { decodeMultikey } from '@did-city/method';
import { Resolver } from 'did-resolver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CityDIDProvider, getDidCityResolver } from '../src/index.ts';
import { CITY_KEY, SJZ, startLedger, type TestLedger } from './fixtures.ts';

const OFFICE = `${SJZ}:data-office`;

let ledger: TestLedger;
beforeAll(async () => {
  ledger = await startLedger();
});
afterAll(() => ledger?.stop());

function resolverPlugin() {
  const { url, policy, genesis } = ledger;
  return new DIDResolverPlugin({
    resolver: new Resolver({ ...getDidCityResolver({ ledgerUrl: url, policy, genesis }) }),
  });
}

function agentA() {
  const provider = new CityDIDProvider({
    ledgerUrl: ledger.url,
    policy: ledger.policy,
    genesis: ledger.genesis,
    defaultKms: 'local',
  });
  return createAgent<IDIDManager & IKeyManager & IResolver & ICredentialPlugin>({
    plugins: [
      new KeyManager({
        store: new MemoryKeyStore(),
        kms: { local: new KeyManagementSystem(new MemoryPrivateKeyStore()) },
      }),
      new DIDManager({ store: new MemoryDIDStore(), defaultProvider: 'did:city', providers: { 'did:city': provider } }),
      resolverPlugin(),
      new CredentialPlugin([new CredentialProviderJWT()]),
    ],
  });
}

function agentB() {
  return createAgent<IResolver & ICredentialPlugin>({
    plugins: [resolverPlugin(), new CredentialPlugin([new CredentialProviderJWT()])],
  });
}

function credential(subject: string) {
  return {
    '@context': ['https://www.w3.org/2018/credentials/v1'],
    type: ['VerifiableCredential', 'DataSharingAgreement'],
    issuer: { id: OFFICE },
    issuanceDate: new Date().toISOString(),
    credentialSubject: { id: subject, dataset: 'bus-timetables' },
  };
}

describe('Veramo agents with did:city', () => {
  const a = () => agents.a;
  const b = () => agents.b;
  const agents = {} as { a: ReturnType<typeof agentA>; b: ReturnType<typeof agentB> };
  let signingKid: string;

  beforeAll(() => {
    agents.a = agentA();
    agents.b = agentB();
  });

  it('creates a sub-identifier with the parent city key imported into the KMS', async () => {
    const publicKey = Buffer.from(decodeMultikey(CITY_KEY.publicKeyMultibase).publicKey);
    const privateKeyHex = Buffer.concat([CITY_KEY.secretKey, publicKey]).toString('hex');
    await a().keyManagerImport({ kid: 'sjz-update', kms: 'local', type: 'Ed25519', privateKeyHex });
    const office = await a().didManagerCreate({
      alias: 'data-office',
      options: { parentDid: SJZ, label: 'data-office', parentKid: 'sjz-update' },
    });
    expect(office.did).toBe(OFFICE);
    expect(office.provider).toBe('did:city');
    expect(office.keys).toHaveLength(1);
    expect(office.controllerKeyId).toBeTypeOf('string');
    signingKid = office.keys[0]!.kid;

    const { didDocument, didDocumentMetadata } = await b().resolveDid({ didUrl: OFFICE });
    expect(didDocument?.assertionMethod).toEqual([`${OFFICE}#key-1`]);
    expect(didDocumentMetadata).toMatchObject({ versionId: '0' });
  });

  it('adds a service', async () => {
    const service = { id: 'catalog', type: 'DataCatalog', serviceEndpoint: 'https://data.sjz.example/catalog/' };
    await a().didManagerAddService({ did: OFFICE, service });
    const { didDocument } = await b().resolveDid({ didUrl: OFFICE });
    expect(didDocument?.service).toEqual([
      { id: `${OFFICE}#catalog`, type: 'DataCatalog', serviceEndpoint: 'https://data.sjz.example/catalog/' },
    ]);
  });

  it('issues a JWT credential that another agent verifies', async () => {
    const vc = await a().createVerifiableCredential({ credential: credential(SJZ), proofFormat: 'jwt' });
    expect(typeof vc.proof.jwt).toBe('string');
    const result = await b().verifyCredential({ credential: vc });
    expect(result.error).toBeUndefined();
    expect(result.verified).toBe(true);
  });

  it('after a rotation, the old key no longer verifies and the new one does', async () => {
    const oldKey = await a().keyManagerGet({ kid: signingKid });
    const newKey = await a().keyManagerCreate({ kms: 'local', type: 'Ed25519' });
    await a().didManagerAddKey({ did: OFFICE, key: newKey });
    await a().didManagerRemoveKey({ did: OFFICE, kid: signingKid });
    const { didDocument } = await b().resolveDid({ didUrl: OFFICE });
    expect(didDocument?.assertionMethod).toEqual([`${OFFICE}#key-2`]);

    // The old key is still in A's KMS (as a stolen or stale copy would be): sign with it after the rotation.
    await a().didManagerAddKey({ did: OFFICE, key: oldKey, options: { localOnly: true } });
    const stale = await a().createVerifiableCredential({
      credential: credential(SJZ),
      proofFormat: 'jwt',
      keyRef: signingKid,
    });
    const refused = await b().verifyCredential({ credential: stale });
    expect(refused.verified).toBe(false);
    expect(refused.error?.message).toMatch(/signature/i);

    const fresh = await a().createVerifiableCredential({
      credential: credential(SJZ),
      proofFormat: 'jwt',
      keyRef: newKey.kid,
    });
    expect((await b().verifyCredential({ credential: fresh })).verified).toBe(true);
  });

  it('deactivates the identifier on delete', async () => {
    expect(await a().didManagerDelete({ did: OFFICE })).toBe(true);
    const { didDocument, didDocumentMetadata } = await b().resolveDid({ didUrl: OFFICE });
    expect(didDocument).toBeNull();
    expect(didDocumentMetadata.deactivated).toBe(true);
  });
});
