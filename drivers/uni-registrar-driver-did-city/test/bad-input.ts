// What a stranger or a confused client can send: each refusal is a `failed` state with HTTP 400 (never 404), a
// code and a reason that says what to fix, and the ledger's log and application list stay as they were. Run by
// registrar.e2e.test.ts.
import { createProof, createSigner, didKeyUrl, generateKeyPair, type KeyPair, PROOF_PURPOSE } from '@did-city/method';
import { describe, expect, it } from 'vitest';
import { call, type E2e, http, type State, signingResponse, treeSize } from './fixtures.ts';

const contact = { organisation: 'Municipal Government', email: 'did@city.example' };

function createBody(did: string, key: KeyPair, options: Record<string, unknown> = {}) {
  return { didDocument: { id: did }, options: { updateKeys: [key.publicKeyMultibase], contact, ...options } };
}

function expectFailed(answer: { status: number; body: State }, code: string, reason: RegExp): void {
  expect(answer.status).toBe(400);
  expect(answer.body.jobId).toBeNull();
  expect(answer.body.didState).toMatchObject({ state: 'failed', error: code });
  expect(answer.body.didState.reason).toMatch(reason);
  expect(answer.body.didRegistrationMetadata.problem).toMatchObject({
    status: 400,
    detail: answer.body.didState.reason,
  });
  expect(answer.body.didRegistrationMetadata.problem.type).toMatch(/^https:\/\//);
}

export function badInputTests(e2e: E2e): void {
  /** The DIDs with an application on the ledger, as the institutes list them. */
  const applied = async (): Promise<string[]> => {
    const answer = await http(`${e2e.network.ledger.url}/registrations`, { token: e2e.network.token('institute-b') });
    return (answer.body.registrations as Array<{ did: string }>).map((r) => r.did);
  };

  describe('refusals: failed with a reason, nothing changes on the ledger', () => {
    it('a body that is not a JSON object, not sent as JSON, or too large, is MALFORMED_REQUEST / REQUEST_TOO_LARGE with 400, never 404', async () => {
      for (const operation of ['create', 'update', 'deactivate']) {
        const response = await fetch(`${e2e.driver.url}/1.0/${operation}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: '{"jobId":',
        });
        expect(response.status).toBe(400);
        expect(await response.json()).toMatchObject({
          jobId: null,
          didState: { state: 'failed', error: 'MALFORMED_REQUEST' },
        });
        expectFailed(await call(e2e.driver, operation as 'create', [1, 2]), 'MALFORMED_REQUEST', /JSON object/);
        // A form or text/plain POST (what a browser sends cross-origin without asking) is refused unread.
        const plain = await fetch(`${e2e.driver.url}/1.0/${operation}`, {
          method: 'POST',
          headers: { 'Content-Type': 'text/plain' },
          body: '{"did":"did:city:cn:110000"}',
        });
        expect(plain.status).toBe(400);
        expect(((await plain.json()) as State).didState).toMatchObject({
          state: 'failed',
          error: 'MALFORMED_REQUEST',
          reason: 'send the request as Content-Type: application/json',
        });
      }
      const huge = await call(e2e.driver, 'create', {
        didDocument: { id: 'did:city:cn:130300', padding: 'x'.repeat(200_000) },
      });
      expectFailed(huge, 'REQUEST_TOO_LARGE', /larger/);
    });

    it('malformed options fail before any job or application exists', async () => {
      const before = { size: await treeSize(e2e.network), applied: await applied() };
      const key = generateKeyPair();
      const did = 'did:city:cn:130300';
      const cases: Array<[unknown, string, RegExp]> = [
        [
          { didDocument: { id: did }, options: { updateKey: [key.publicKeyMultibase], contact } },
          'INVALID_OPTIONS',
          /unknown option "updateKey"/,
        ],
        [createBody(did, key, { updateKeys: ['z6MkNotAKey'] }), 'INVALID_OPTIONS', /updateKeys\[0\] is not a Multikey/],
        [
          { didDocument: { id: did }, options: { updateKeys: [key.publicKeyMultibase] } },
          'INVALID_OPTIONS',
          /options\.contact .* is required/,
        ],
        [createBody(did, key, { threshold: 0 }), 'INVALID_OPTIONS', /threshold must be an integer/],
        [createBody(did, key, { network: 'test' }), 'INVALID_OPTIONS', /does not match did:city:cn:130300/],
        [createBody(did, key, { clientSecretMode: false }), 'FEATURE_NOT_SUPPORTED', /client-managed secret mode only/],
        [
          {
            ...createBody(did, key),
            secret: { verificationMethod: [{ type: 'Multikey', privateKeyMultibase: 'z3u2' }] },
          },
          'FEATURE_NOT_SUPPORTED',
          /never takes them/,
        ],
        [
          { ...createBody(did, key), secret: { signingResponse: { signingRequest0: { signature: 'AA' } } } },
          'MALFORMED_REQUEST',
          /send it with that jobId/,
        ],
        [createBody('did:city:cn:999999', key), 'INVALID_DID', /999999/],
        [createBody('did:city:cn', key), 'FEATURE_NOT_SUPPORTED', /governance path/],
        [createBody('did:city:cn:110000', key), 'STALE_OPERATION', /already allocated/],
        [
          {
            didDocument: { id: did, verificationMethod: [{ id: '#k', type: 'Multikey' }] },
            options: { updateKeys: [key.publicKeyMultibase], contact },
          },
          'INVALID_OPERATION',
          /verificationMethod/,
        ],
      ];
      for (const [body, code, reason] of cases) expectFailed(await call(e2e.driver, 'create', body), code, reason);
      expectFailed(
        await call(e2e.driver, 'update', { did: 'did:city:cn:110000' }),
        'INVALID_OPTIONS',
        /nothing to change/,
      );
      expectFailed(
        await call(e2e.driver, 'update', {
          did: 'did:city:cn:110000',
          didDocumentOperation: ['patch'],
          didDocument: [{}],
        }),
        'FEATURE_NOT_SUPPORTED',
        /didDocumentOperation/,
      );
      expectFailed(
        await call(e2e.driver, 'deactivate', { did: 'did:city:cn:110000', options: { successor: 'did:example:1' } }),
        'INVALID_OPTIONS',
        /successor/,
      );
      expectFailed(await call(e2e.driver, 'deactivate', { did: 'did:city:cn:130300' }), 'NOT_FOUND', /does not exist/);
      expect({ size: await treeSize(e2e.network), applied: await applied() }).toEqual(before);
    });

    it('an unknown, malformed or misplaced jobId is UNKNOWN_JOB / JOB_MISMATCH', async () => {
      expectFailed(
        await call(e2e.driver, 'create', { jobId: '6d85bcd0-2ea3-4288-ab00-15afadd8a156' }),
        'UNKNOWN_JOB',
        /unknown, or expired/,
      );
      expectFailed(
        await call(e2e.driver, 'update', { jobId: "'; DROP TABLE jobs; --" }),
        'UNKNOWN_JOB',
        /not one this driver issues/,
      );
      const started = await call(e2e.driver, 'create', createBody('did:city:cn:130300', generateKeyPair()));
      expectFailed(
        await call(e2e.driver, 'deactivate', { jobId: started.body.jobId }),
        'JOB_MISMATCH',
        /continue it at \/1\.0\/create/,
      );
      // The misplaced request did not touch the job: it still asks for its signature.
      expect((await call(e2e.driver, 'create', { jobId: started.body.jobId })).body.didState.action).toBe(
        'signPayload',
      );
    });

    it('a wrong signature is INVALID_SIGNATURE, applies nothing, and closes the job', async () => {
      const before = { size: await treeSize(e2e.network), applied: await applied() };
      const owner = generateKeyPair();
      const started = await call(e2e.driver, 'create', createBody('did:city:cn:130300', owner));
      const response = await signingResponse(started.body, [owner]);
      const forged = await createSigner(generateKeyPair())(
        new Uint8Array(Buffer.from(started.body.didState.signingRequest.signingRequest0.serializedPayload, 'base64')),
      );
      response.signingRequest0!.signature = Buffer.from(forged).toString('base64');
      const refused = await call(e2e.driver, 'create', {
        jobId: started.body.jobId,
        secret: { signingResponse: response },
      });
      expectFailed(refused, 'INVALID_SIGNATURE', /does not verify with z6Mk/);
      // Closed: the right signature afterwards gets the same answer, and still nothing reaches the ledger.
      const late = await call(e2e.driver, 'create', {
        jobId: started.body.jobId,
        secret: { signingResponse: await signingResponse(started.body, [owner]) },
      });
      expect(late.body).toEqual(refused.body);
      expect({ size: await treeSize(e2e.network), applied: await applied() }).toEqual(before);

      const other = await call(e2e.driver, 'create', createBody('did:city:cn:130300', owner));
      const badId = { signingRequest7: (await signingResponse(other.body, [owner])).signingRequest0 };
      expectFailed(
        await call(e2e.driver, 'create', { jobId: other.body.jobId, secret: { signingResponse: badId } }),
        'INVALID_SIGNATURE',
        /no such signing request/,
      );
    });

    it('a signature replayed from another job does not verify there', async () => {
      const owner = generateKeyPair();
      const first = await call(e2e.driver, 'create', createBody('did:city:cn:130300', owner));
      const second = await call(e2e.driver, 'create', createBody('did:city:cn:130400', owner));
      const replayed = await signingResponse(first.body, [owner]);
      expectFailed(
        await call(e2e.driver, 'create', { jobId: second.body.jobId, secret: { signingResponse: replayed } }),
        'INVALID_SIGNATURE',
        /does not verify/,
      );
    });

    it('the same signatures sent twice submit once; a job whose DID moved on meanwhile is STALE_OPERATION', async () => {
      const tianjin = 'did:city:cn:120000';
      const key = e2e.network.cityKey('120000');
      const service = (id: string) => ({
        service: [{ id, type: 'LinkedDomains', serviceEndpoint: `https://tianjin.example/${id.slice(1)}` }],
      });
      const first = await call(e2e.driver, 'update', {
        did: tianjin,
        didDocumentOperation: ['addToDidDocument'],
        didDocument: [service('#a')],
      });
      const second = await call(e2e.driver, 'update', {
        did: tianjin,
        didDocumentOperation: ['addToDidDocument'],
        didDocument: [service('#b')],
      });
      const firstResponse = {
        jobId: first.body.jobId,
        secret: { signingResponse: await signingResponse(first.body, [key]) },
      };
      const done = await call(e2e.driver, 'update', firstResponse);
      expect(done.body.didState.state).toBe('finished');
      const size = await treeSize(e2e.network);
      expect((await call(e2e.driver, 'update', firstResponse)).body).toEqual(done.body);
      const stale = await call(e2e.driver, 'update', {
        jobId: second.body.jobId,
        secret: { signingResponse: await signingResponse(second.body, [key]) },
      });
      expectFailed(stale, 'STALE_OPERATION', /.+/);
      expect(await treeSize(e2e.network)).toBe(size);
    });

    it("one institute's objection leaves the job waiting (shown in its metadata); the k-th of N fails it with their reasons", async () => {
      const owner = generateKeyPair();
      const started = await call(e2e.driver, 'create', createBody('did:city:cn:130400', owner));
      const waiting = await call(e2e.driver, 'create', {
        jobId: started.body.jobId,
        secret: { signingResponse: await signingResponse(started.body, [owner]) },
      });
      expect(waiting.body.didState.state).toBe('wait');
      const id: string = waiting.body.didRegistrationMetadata.registration.id;
      const object = async (name: 'institute-b' | 'institute-c', reason: string) => {
        const institute = e2e.network.institute(name);
        const proof = await createProof(
          { type: 'reject', registration: id, reason },
          {
            signer: createSigner(institute),
            verificationMethod: didKeyUrl(institute.publicKeyMultibase),
            proofPurpose: PROOF_PURPOSE,
          },
        );
        expect(
          (await http(`${e2e.network.ledger.url}/registrations/${id}/reject`, { body: { reason, proof } })).status,
        ).toBe(200);
        return institute.publicKeyMultibase;
      };
      const first = await object('institute-b', 'The applicant is not the municipal government of Handan.');
      const objected = await call(e2e.driver, 'create', { jobId: started.body.jobId });
      expect(objected.body.didState).toMatchObject({ state: 'wait' });
      expect(objected.body.didState.wait).toMatch(/0 of 2 approvals, 1 objection/);
      expect(objected.body.didRegistrationMetadata.registration).toMatchObject({
        id,
        status: 'pending',
        objections: [{ key: first }],
      });
      const second = await object('institute-c', 'Confirmed with the province.');
      const rejected = await call(e2e.driver, 'create', { jobId: started.body.jobId });
      expectFailed(
        rejected,
        'REJECTED',
        new RegExp(`Handan\\. / Confirmed with the province\\. \\(rejected by ${first}, ${second}\\)$`),
      );
      expect(rejected.body.didRegistrationMetadata.registration).toMatchObject({
        id,
        status: 'rejected',
        rejection: { cause: 'objections' },
      });
    });
  });
}
