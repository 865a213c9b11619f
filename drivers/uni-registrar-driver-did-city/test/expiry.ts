// Expiry with a clock the test moves: the registrar in this process (same code as the driver's entry point, on
// the real ledger), its job store on a real file. An unsigned job is forgotten after signTtl, so signatures
// arriving later are UNKNOWN_JOB and nothing reaches the ledger; a finished answer is repeated until resultTtl.
// Run by registrar.e2e.test.ts.
import { join } from 'node:path';
import { generateKeyPair } from '@did-city/method';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobStore } from '../src/jobs.ts';
import { LedgerGateway } from '../src/ledger.ts';
import { Registrar } from '../src/registrar.ts';
import { type E2e, signingResponse, tempDir, treeSize } from './fixtures.ts';
import { expectRegistrarState } from './registrar-openapi.ts';

export function expiryTests(e2e: E2e): void {
  describe('expiry: a late signature meets UNKNOWN_JOB, a finished answer is repeated until it expires', () => {
    const temp = tempDir('did-city-registrar-expiry-');
    let now = Date.UTC(2026, 11, 3, 8, 0, 0);
    let store: JobStore;
    let registrar: Registrar;

    beforeAll(() => {
      store = new JobStore({ file: join(temp.dir, 'jobs.db'), now: () => now });
      const ledger = new LedgerGateway({ url: [e2e.network.ledger.url], policy: e2e.network.policy });
      registrar = new Registrar({ store, ledger, now: () => now, signTtlMs: 60_000, resultTtlMs: 120_000 });
    });
    afterAll(() => {
      store.close();
      temp.cleanup();
    });

    async function handle(operation: 'create' | 'update', body: unknown) {
      const answer = await registrar.handle(operation, body);
      expectRegistrarState(operation, answer.status, answer.body);
      return answer;
    }

    it('signatures after signTtl: UNKNOWN_JOB, and no application is made', async () => {
      const owner = generateKeyPair();
      const contact = { organisation: 'Baoding Municipal Government', email: 'did@baoding.example' };
      const started = await handle('create', {
        didDocument: { id: 'did:city:cn:130600' },
        options: { updateKeys: [owner.publicKeyMultibase], contact },
      });
      now += 60_000;
      const size = await treeSize(e2e.network);
      const late = await handle('create', {
        jobId: started.body.jobId,
        secret: { signingResponse: await signingResponse(started.body, [owner]) },
      });
      expect(late.body.didState).toMatchObject({ state: 'failed', error: 'UNKNOWN_JOB' });
      expect(late.body.didState.reason).toMatch(/expired \(unsigned jobs last 60 s\)/);
      expect(await treeSize(e2e.network)).toBe(size);
      expect(store.purgeExpired()).toBe(1);
    });

    it('a finished answer is repeated until resultTtl, then the job is unknown', async () => {
      const key = e2e.network.cityKey('110000');
      const started = await handle('update', {
        did: 'did:city:cn:110000',
        didDocumentOperation: ['addToDidDocument'],
        didDocument: [{ alsoKnownAs: ['https://expiry.example/'] }],
      });
      const response = {
        jobId: started.body.jobId,
        secret: { signingResponse: await signingResponse(started.body, [key]) },
      };
      const done = await handle('update', response);
      expect(done.body.didState.state).toBe('finished');
      now += 119_000;
      expect((await handle('update', { jobId: started.body.jobId })).body).toEqual(done.body);
      now += 1_000;
      expect((await handle('update', response)).body.didState).toMatchObject({ state: 'failed', error: 'UNKNOWN_JOB' });
    });
  });
}
