/**
 * Pre-rotation (spec §3.4) through a real Veramo agent against a real ledger node: `didManagerUpdate` commits to
 * the next update key (created in the agent's KMS, hashed with keyHash), then rotates to it, signed by it, and
 * commits again. While the DID is pre-rotated, the current update key alone cannot change it: the provider refuses
 * (UNAUTHORIZED_OPERATION), and so does the ledger when such an update is built and signed by hand.
 */
import { DidCityError, decodeMultikey, keyHash, loadHistory, signOperation, updateOperation } from '@did-city/method';
import { HttpLedgerReader, LedgerClient } from '@did-city/method/http';
import {
  createAgent,
  type IAgentContext,
  type IDIDManager,
  type IKey,
  type IKeyManager,
  type IResolver,
} from '@veramo/core';
import { DIDManager, MemoryDIDStore } from '@veramo/did-manager';
import { DIDResolverPlugin } from '@veramo/did-resolver';
import { KeyManager, MemoryKeyStore, MemoryPrivateKeyStore } from '@veramo/key-manager';
import { KeyManagementSystem } from '@veramo/kms-local';
import { Resolver } from 'did-resolver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CityDIDProvider, getDidCityResolver, kmsSigner, multikeyOf } from '../src/index.ts';
import { CITY_KEY, SJZ, startLedger, type TestLedger } from './fixtures.ts';

const RECORDS = `${SJZ}:records`;

let ledger: TestLedger;
let agent: ReturnType<typeof agentOf>;

function agentOf(test: TestLedger) {
  const { url, policy, genesis } = test;
  return createAgent<IDIDManager & IKeyManager & IResolver>({
    plugins: [
      new KeyManager({
        store: new MemoryKeyStore(),
        kms: { local: new KeyManagementSystem(new MemoryPrivateKeyStore()) },
      }),
      new DIDManager({
        store: new MemoryDIDStore(),
        defaultProvider: 'did:city',
        providers: { 'did:city': new CityDIDProvider({ ledgerUrl: url, policy, genesis, defaultKms: 'local' }) },
      }),
      new DIDResolverPlugin({ resolver: new Resolver(getDidCityResolver({ ledgerUrl: url, policy, genesis })) }),
    ],
  });
}

/** The DID's verified key state, read from the ledger as any resolver reads it. */
async function keyState(did: string) {
  const reader = new HttpLedgerReader({ url: ledger.url, policy: ledger.policy });
  const { history } = await loadHistory(reader, did, { genesis: ledger.genesis });
  return history!.keyState;
}

async function refusal(promise: Promise<unknown>): Promise<DidCityError> {
  const error = await promise.then(
    () => undefined,
    (cause: unknown) => cause,
  );
  expect(error).toBeInstanceOf(DidCityError);
  return error as DidCityError;
}

const hashOf = (key: IKey) => keyHash(multikeyOf(key));

beforeAll(async () => {
  ledger = await startLedger();
  agent = agentOf(ledger);
  const publicKey = Buffer.from(decodeMultikey(CITY_KEY.publicKeyMultibase).publicKey);
  await agent.keyManagerImport({
    kid: 'sjz-update',
    kms: 'local',
    type: 'Ed25519',
    privateKeyHex: Buffer.concat([CITY_KEY.secretKey, publicKey]).toString('hex'),
  });
});
afterAll(() => ledger?.stop());

describe('CityDIDProvider pre-rotation', () => {
  let current: IKey;
  let next: IKey;
  let after: IKey;

  it('commits to the next update key: nextKeyHashes holds its keyHash, the document is kept', async () => {
    const records = await agent.didManagerCreate({
      options: { parentDid: SJZ, label: 'records', parentKid: 'sjz-update' },
    });
    current = await agent.keyManagerGet({ kid: records.controllerKeyId! });
    next = await agent.keyManagerCreate({ kms: 'local', type: 'Ed25519' });
    after = await agent.keyManagerCreate({ kms: 'local', type: 'Ed25519' });

    const updated = await agent.didManagerUpdate({ did: RECORDS, document: {}, options: { nextKeys: next.kid } });
    expect(updated.controllerKeyId).toBe(current.kid);
    expect(await keyState(RECORDS)).toEqual({
      updateKeys: [multikeyOf(current)],
      threshold: 1,
      nextKeyHashes: [hashOf(next)],
    });
    const { didDocument, didDocumentMetadata } = await agent.resolveDid({ didUrl: RECORDS });
    expect(didDocument?.assertionMethod).toEqual([`${RECORDS}#key-1`]);
    expect(didDocumentMetadata).toMatchObject({ versionId: '1' });
  });

  it('refuses changes signed by the current update key alone while the DID is pre-rotated', async () => {
    const service = { id: 'catalog', type: 'DataCatalog', serviceEndpoint: 'https://records.sjz.example/' };
    const addService = await refusal(agent.didManagerAddService({ did: RECORDS, service }));
    expect(addService.code).toBe('UNAUTHORIZED_OPERATION');
    expect(addService.message).toMatch(/is pre-rotated: its next update must rotate to the committed update keys/);

    const stranger = await agent.keyManagerCreate({ kms: 'local', type: 'Ed25519' });
    const uncommitted = await refusal(
      agent.didManagerUpdate({ did: RECORDS, document: {}, options: { rotateTo: stranger.kid } }),
    );
    expect(uncommitted.code).toBe('UNAUTHORIZED_OPERATION');
    expect(uncommitted.message).toContain(`${stranger.kid} is not committed in its nextKeyHashes`);

    const deactivate = await refusal(agent.didManagerDelete({ did: RECORDS }));
    expect(deactivate.code).toBe('UNAUTHORIZED_OPERATION');
    expect(deactivate.message).toMatch(/only its committed update keys can deactivate it/);

    // The ledger enforces it too: reveal the committed key, but sign with the old update key only (R-AUTH-3).
    const reader = new HttpLedgerReader({ url: ledger.url, policy: ledger.policy });
    const { history } = await loadHistory(reader, RECORDS, { genesis: ledger.genesis });
    const unsigned = updateOperation(history!, { updateKeys: [multikeyOf(next)] });
    const signed = await signOperation(unsigned, [kmsSigner({ agent } as IAgentContext<IKeyManager>, current)]);
    const byLedger = await refusal(new LedgerClient({ url: ledger.url, policy: ledger.policy }).submit(signed));
    expect(byLedger.code).toBe('UNAUTHORIZED_OPERATION');
    expect(byLedger.message).toMatch(/pre-rotation, revealed new update keys/);

    expect(await keyState(RECORDS)).toEqual({
      updateKeys: [multikeyOf(current)],
      threshold: 1,
      nextKeyHashes: [hashOf(next)],
    });
  });

  it('refuses a commitment smaller than the threshold (R-OP-9)', async () => {
    const error = await refusal(
      agent.didManagerUpdate({
        did: RECORDS,
        document: {},
        options: { rotateTo: next.kid, threshold: 2, nextKeys: after.kid },
      }),
    );
    expect(error.code).toBe('INVALID_OPERATION');
    expect(error.message).toMatch(/1 committed keys cannot meet the threshold 2/);
  });

  it("the parent's current update key still allocates children of a pre-rotated DID (R-AUTH-1)", async () => {
    const archive = await agent.didManagerCreate({ options: { parentDid: RECORDS, label: 'archive' } });
    expect(archive.did).toBe(`${RECORDS}:archive`);
  });

  it('rotates to the committed key, signed by it, and commits to the one after', async () => {
    const rotated = await agent.didManagerUpdate({
      did: RECORDS,
      document: {},
      options: { rotateTo: next.kid, nextKeys: after.kid },
    });
    expect(rotated.controllerKeyId).toBe(next.kid);
    expect((await agent.didManagerGet({ did: RECORDS })).controllerKeyId).toBe(next.kid);
    expect(await keyState(RECORDS)).toEqual({
      updateKeys: [multikeyOf(next)],
      threshold: 1,
      nextKeyHashes: [hashOf(after)],
    });
    expect((await agent.resolveDid({ didUrl: RECORDS })).didDocument?.assertionMethod).toEqual([`${RECORDS}#key-1`]);
  });

  it('a rotation without a new commitment ends pre-rotation; the new update key then signs ordinary updates', async () => {
    await agent.didManagerUpdate({ did: RECORDS, document: {}, options: { rotateTo: after.kid } });
    expect(await keyState(RECORDS)).toEqual({ updateKeys: [multikeyOf(after)], threshold: 1 });
    const service = { id: 'catalog', type: 'DataCatalog', serviceEndpoint: 'https://records.sjz.example/' };
    await agent.didManagerAddService({ did: RECORDS, service });
    const { didDocument } = await agent.resolveDid({ didUrl: RECORDS });
    expect(didDocument?.service).toEqual([
      { id: `${RECORDS}#catalog`, type: 'DataCatalog', serviceEndpoint: 'https://records.sjz.example/' },
    ]);
  });
});
