// Registrar-held keys, which are off unless configured: a third driver process holds Shijiazhuang's update key
// (a key file, mode 0600) and signs with it only for requests that give the operator's token. Run by
// registrar.e2e.test.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair } from '@did-city/method';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type Driver, type E2e, signingResponse, startDriver, tempDir, treeSize } from './fixtures.ts';

const SJZ = 'did:city:cn:130100';
const TOKEN = 'held-keys-token-for-the-tests';

export function heldKeysTests(e2e: E2e): void {
  describe('registrar-held keys (off by default): they sign only with the operator token', () => {
    const temp = tempDir('did-city-registrar-held-');
    let driver: Driver;
    const keyFile = join(temp.dir, 'held-keys.json');

    beforeAll(async () => {
      writeFileSync(keyFile, readFileSync(join(e2e.network.dataDir, 'keys', 'cities', '130100.json')), { mode: 0o600 });
      const jobs = join(temp.dir, 'jobs');
      driver = await startDriver({
        ledgerUrl: e2e.network.ledger.url,
        trustPolicy: e2e.network.policy,
        dataDir: jobs,
        heldKeys: keyFile,
        heldKeysToken: TOKEN,
      });
    });
    afterAll(async () => {
      await driver?.stop();
      temp.cleanup();
    });

    const service = {
      service: [{ id: '#catalog', type: 'DataCatalog', serviceEndpoint: 'https://data.sjz.example/catalog/' }],
    };
    const update = { did: SJZ, didDocumentOperation: ['addToDidDocument'], didDocument: [service] };

    it('without the token the driver asks the client, as every driver does; with a wrong one it refuses', async () => {
      const asked = await call(driver, 'update', update);
      expect(asked.body.didState.action).toBe('signPayload');
      expect(Object.keys(asked.body.didState.signingRequest)).toHaveLength(1);
      const size = await treeSize(e2e.network);
      const refused = await call(driver, 'update', { ...update, secret: { heldKeysToken: 'not-the-operator-token' } });
      expect(refused.status).toBe(400);
      expect(refused.body.didState).toMatchObject({ state: 'failed', error: 'UNAUTHORIZED' });
      expect(await treeSize(e2e.network)).toBe(size);
      // The driver of the other tests holds nothing.
      const none = await call(e2e.driver, 'update', { ...update, secret: { heldKeysToken: TOKEN } });
      expect(none.body.didState).toMatchObject({ state: 'failed', error: 'FEATURE_NOT_SUPPORTED' });
    });

    it('with the token an update signed by a held key finishes in one request', async () => {
      const done = await call(driver, 'update', { ...update, secret: { heldKeysToken: TOKEN } });
      expect(done.status).toBe(200);
      expect(done.body.didState.state).toBe('finished');
      expect(done.body.didState.didDocument.service).toContainEqual({
        id: `${SJZ}#catalog`,
        type: 'DataCatalog',
        serviceEndpoint: 'https://data.sjz.example/catalog/',
      });
    });

    it('a department create asks the client only for the new key; the held parent key signs the rest', async () => {
      const own = generateKeyPair();
      const did = `${SJZ}:water-bureau`;
      const started = await call(driver, 'create', {
        didDocument: { id: did },
        options: { updateKeys: [own.publicKeyMultibase] },
        secret: { heldKeysToken: TOKEN },
      });
      expect(Object.values(started.body.didState.signingRequest).map((r) => (r as { kid: string }).kid)).toEqual([
        `did:key:${own.publicKeyMultibase}#${own.publicKeyMultibase}`,
      ]);
      expect(started.body.didState.description).toMatch(/signed 1 request with keys it holds/);
      const done = await call(driver, 'create', {
        jobId: started.body.jobId,
        secret: { signingResponse: await signingResponse(started.body, [own]) },
      });
      expect(done.body.didState).toMatchObject({ state: 'finished', did });
    });
  });
}
