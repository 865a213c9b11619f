// The whole lifecycle over real HTTP: a client that signs what the driver asks creates Tangshan (the application
// waits while two institutes approve it with their keys over the ledger API; the driver is killed and restarted
// meanwhile and the job survives), then updates its document, rotates its update key, commits to the next one,
// updates with the committed key, creates a sub-identifier, and deactivates. Every answer is checked against the
// registrar's OpenAPI (registrar-openapi.ts). Run by registrar.e2e.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalBytes, generateKeyPair, keyHash, sha256 } from '@did-city/method';
import { LedgerClient } from '@did-city/method/http';
import { describe, expect, it } from 'vitest';
import { approveByTwo, call, type E2e, http, type State, signingResponse } from './fixtures.ts';

const TANGSHAN = 'did:city:cn:130200';
const contact = { organisation: 'Tangshan Municipal Government', email: 'did@tangshan.example' };

export function lifecycleTests(e2e: E2e): void {
  describe('create → institutes approve → finished, update, rotate, deactivate', () => {
    const city = generateKeyPair();
    const next = generateKeyPair('P-256');
    const after = generateKeyPair();
    const published = generateKeyPair();
    let receiptIndex = -1;

    it('create answers signPayload with the exact bytes of the proof and the key to use', async () => {
      const didDocument = {
        '@context': ['https://www.w3.org/ns/did/v1'],
        id: TANGSHAN,
        verificationMethod: [
          { id: `${TANGSHAN}#key-1`, type: 'Multikey', publicKeyMultibase: published.publicKeyMultibase },
        ],
        authentication: [`${TANGSHAN}#key-1`],
        assertionMethod: ['#key-1'],
      };
      const started = await call(e2e.driver, 'create', {
        didDocument,
        options: { updateKeys: [city.publicKeyMultibase], contact },
      });
      expect(started.status).toBe(200);
      const { didState, jobId, didRegistrationMetadata } = started.body;
      expect(didState).toMatchObject({ state: 'action', action: 'signPayload', did: TANGSHAN });
      const requests = Object.values(didState.signingRequest) as State[];
      expect(requests).toHaveLength(1);
      expect(requests[0]).toMatchObject({
        kid: `did:key:${city.publicKeyMultibase}#${city.publicKeyMultibase}`,
        alg: 'EdDSA',
        purpose: 'capabilityInvocation',
      });
      // eddsa-jcs-2022: SHA-256(JCS(proof config)) || SHA-256(JCS(unsigned operation)), 64 bytes.
      const unsigned = didRegistrationMetadata.unsignedOperation;
      expect(unsigned).toMatchObject({
        type: 'create',
        did: TANGSHAN,
        seq: 0,
        prev: null,
        updateKeys: [city.publicKeyMultibase],
      });
      const expected = Buffer.concat([
        sha256(canonicalBytes(requests[0].payload.proofConfig)),
        sha256(canonicalBytes(unsigned)),
      ]);
      expect(Buffer.from(requests[0].serializedPayload, 'base64')).toEqual(expected);

      const signed = await call(e2e.driver, 'create', {
        jobId,
        secret: { signingResponse: await signingResponse(started.body, [city]) },
      });
      expect(signed.status).toBe(200);
      expect(signed.body.jobId).toBe(jobId);
      expect(signed.body.didState).toMatchObject({ state: 'wait', did: TANGSHAN, waittime: '1000', waitTime: 1000 });
      expect(signed.body.didRegistrationMetadata.registration).toMatchObject({
        status: 'pending',
        approvals: [],
        threshold: 2,
      });
      const registrationId: string = signed.body.didRegistrationMetadata.registration.id;

      // The job is on disk: a restarted driver still knows it.
      await e2e.restartDriver();
      const polled = await call(e2e.driver, 'create', { jobId });
      expect(polled.body.didState.state).toBe('wait');
      // So is the last checkpoint it trusted: a restarted driver accepts no smaller or forked log.
      const remembered = readFileSync(join(e2e.dataDir, 'checkpoints.json'), 'utf8');
      expect(remembered).toContain((await http(`${e2e.network.ledger.url}/checkpoint`)).body.split('\n')[0]);

      await approveByTwo(e2e.network, registrationId);
      const done = await call(e2e.driver, 'create', { jobId });
      expect(done.status).toBe(201);
      expect(done.body.jobId).toBeNull();
      expect(done.body.didState).toMatchObject({ state: 'finished', did: TANGSHAN, didDocument: { id: TANGSHAN } });
      expect(done.body.didState.didDocument.verificationMethod[0].publicKeyMultibase).toBe(
        published.publicKeyMultibase,
      );
      const { receipt, registration } = done.body.didRegistrationMetadata;
      expect(registration).toMatchObject({ id: registrationId, status: 'anchored' });
      // Origin, size, root hash, extension lines (the DID index root), a blank line, signatures (C2SP tlog-checkpoint).
      expect(receipt.checkpoint).toMatch(/^.+\n\d+\n[A-Za-z0-9+/=]+\n(.+\n)*\n(— .+\n)+$/);
      expect(receipt.inclusionProof.length).toBeGreaterThan(0);
      // The receipt is the ledger's own, and verifies against the policy on its own.
      const client = new LedgerClient({ url: e2e.network.ledger.url, policy: e2e.network.policy });
      expect(await client.receipt(receipt.operationHash)).toMatchObject({ index: receipt.index });
      expect(done.body.didDocumentMetadata).toMatchObject({ versionId: '0' });
      receiptIndex = receipt.index;

      // Asking again repeats the answer; nothing is submitted twice.
      const again = await call(e2e.driver, 'create', { jobId });
      expect(again.body).toEqual(done.body);
      expect((await http(`${e2e.network.ledger.url}/1.0/identifiers/${TANGSHAN}`)).status).toBe(200);
    });

    it('update adds a service and a key (addToDidDocument), signed by the update key', async () => {
      const change = {
        service: [{ id: '#data', type: 'LinkedDomains', serviceEndpoint: 'https://data.tangshan.example/' }],
        verificationMethod: [{ id: '#key-2', type: 'Multikey', publicKeyMultibase: next.publicKeyMultibase }],
        assertionMethod: ['#key-2'],
      };
      const started = await call(e2e.driver, 'update', {
        did: TANGSHAN,
        didDocumentOperation: ['addToDidDocument'],
        didDocument: [change],
      });
      expect(started.body.didState).toMatchObject({ state: 'action', action: 'signPayload', did: TANGSHAN });
      const done = await call(e2e.driver, 'update', {
        jobId: started.body.jobId,
        secret: { signingResponse: await signingResponse(started.body, [city]) },
      });
      expect(done.status).toBe(200);
      expect(done.body.didState.state).toBe('finished');
      const document = done.body.didState.didDocument;
      expect(document.service).toEqual([
        { id: `${TANGSHAN}#data`, type: 'LinkedDomains', serviceEndpoint: 'https://data.tangshan.example/' },
      ]);
      expect(document.assertionMethod).toEqual([`${TANGSHAN}#key-1`, `${TANGSHAN}#key-2`]);
      expect(done.body.didDocumentMetadata.versionId).toBe('1');
      expect(done.body.didRegistrationMetadata.receipt.index).toBeGreaterThan(receiptIndex);
    });

    it('rotates the update key to a P-256 key (ES256), which commits to the next key; the committed key then signs', async () => {
      const rotate = await call(e2e.driver, 'update', {
        did: TANGSHAN,
        options: { updateKeys: [next.publicKeyMultibase] },
      });
      const kids = (state: State) =>
        Object.values(state.didState.signingRequest).map((r) => [(r as State).kid, (r as State).alg]);
      expect(kids(rotate.body)).toEqual([[`did:key:${city.publicKeyMultibase}#${city.publicKeyMultibase}`, 'EdDSA']]);
      const rotated = await call(e2e.driver, 'update', {
        jobId: rotate.body.jobId,
        secret: { signingResponse: await signingResponse(rotate.body, [city]) },
      });
      expect(rotated.body.didState.state).toBe('finished');

      const commit = await call(e2e.driver, 'update', {
        did: TANGSHAN,
        options: { nextUpdateKeys: [after.publicKeyMultibase] },
      });
      expect(kids(commit.body)).toEqual([[`did:key:${next.publicKeyMultibase}#${next.publicKeyMultibase}`, 'ES256']]);
      expect(commit.body.didRegistrationMetadata.unsignedOperation).toMatchObject({
        updateKeys: [next.publicKeyMultibase],
        nextKeyHashes: [keyHash(after.publicKeyMultibase)],
      });
      const committed = await call(e2e.driver, 'update', {
        jobId: commit.body.jobId,
        secret: { signingResponse: await signingResponse(commit.body, [next]) },
      });
      expect(committed.body.didState.state).toBe('finished');

      // Under pre-rotation the current key cannot sign: the revealed committed key is asked for.
      const reveal = await call(e2e.driver, 'update', {
        did: TANGSHAN,
        options: { updateKeys: [after.publicKeyMultibase] },
      });
      expect(kids(reveal.body)).toEqual([[`did:key:${after.publicKeyMultibase}#${after.publicKeyMultibase}`, 'EdDSA']]);
      const revealed = await call(e2e.driver, 'update', {
        jobId: reveal.body.jobId,
        secret: { signingResponse: await signingResponse(reveal.body, [after]) },
      });
      expect(revealed.body.didState.state).toBe('finished');
      expect(revealed.body.didDocumentMetadata.versionId).toBe('4');
    });

    it('a sub-identifier is created by its parent directly (both sign), without review', async () => {
      const bureau = `${TANGSHAN}:transport-bureau`;
      const own = generateKeyPair('secp256k1');
      const started = await call(e2e.driver, 'create', {
        didDocument: { id: bureau },
        options: { updateKeys: [own.publicKeyMultibase] },
      });
      const kids = Object.values(started.body.didState.signingRequest).map((r) => [(r as State).kid, (r as State).alg]);
      expect(kids).toEqual([
        [`did:key:${own.publicKeyMultibase}#${own.publicKeyMultibase}`, 'ES256K'],
        [`did:key:${after.publicKeyMultibase}#${after.publicKeyMultibase}`, 'EdDSA'],
      ]);
      const done = await call(e2e.driver, 'create', {
        jobId: started.body.jobId,
        secret: { signingResponse: await signingResponse(started.body, [own, after]) },
      });
      expect(done.status).toBe(201);
      expect(done.body.didState).toMatchObject({ state: 'finished', did: bureau, didDocument: { id: bureau } });
      expect(done.body.didRegistrationMetadata.registration).toBeUndefined();
    });

    it('deactivate ends the DID: finished with deactivated metadata, and the resolver answers 410', async () => {
      // The pre-rotated state (the reveal committed nothing further) is signed by the current key.
      const started = await call(e2e.driver, 'deactivate', { did: TANGSHAN });
      const done = await call(e2e.driver, 'deactivate', {
        jobId: started.body.jobId,
        secret: { signingResponse: await signingResponse(started.body, [after]) },
      });
      expect(done.status).toBe(200);
      expect(done.body.didState).toEqual({ state: 'finished', did: TANGSHAN });
      expect(done.body.didDocumentMetadata.deactivated).toBe(true);
      expect((await http(`${e2e.network.ledger.url}/1.0/identifiers/${TANGSHAN}`)).status).toBe(410);
      const late = await call(e2e.driver, 'update', {
        did: TANGSHAN,
        options: { updateKeys: [city.publicKeyMultibase] },
      });
      expect(late.body.didState).toMatchObject({ state: 'failed', error: 'DID_DEACTIVATED' });
    });
  });
}
