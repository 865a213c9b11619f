// The ledger saying "not now": HTTP 429 on an application (the registration workflow's rate limit) or 503 on an
// operation. A loopback proxy in front of the real all-in-one answers the next matching request with that status
// once and forwards everything else, and a second driver process talks to the ledger through it. A signed job
// then answers `wait` with the retry time and is submitted on the next request, never `failed`. Run by
// registrar.e2e.test.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPair } from '@did-city/method';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type Driver, type E2e, http, signingResponse, startDriver, tempDir } from './fixtures.ts';

interface Refusal {
  method: string;
  path: string;
  status: number;
  retryAfter?: string;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Forwards to `target`, except the next request matching a queued refusal, which gets that status once. */
function startProxy(target: string, refusals: Refusal[]): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const index = refusals.findIndex((r) => r.method === req.method && req.url === r.path);
    if (index >= 0) {
      const [refusal] = refusals.splice(index, 1);
      if (refusal!.retryAfter !== undefined) res.setHeader('Retry-After', refusal!.retryAfter);
      res
        .writeHead(refusal!.status, { 'Content-Type': 'application/problem+json' })
        .end(JSON.stringify({ title: 'Not now', status: refusal!.status }));
      return;
    }
    const payload = req.method === 'POST' ? await body(req) : undefined;
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'accept', 'authorization'])
      if (typeof req.headers[name] === 'string') headers[name] = req.headers[name] as string;
    const answer = await fetch(`${target}${req.url}`, {
      method: req.method!,
      headers,
      ...(payload ? { body: payload } : {}),
    });
    res.writeHead(answer.status, { 'Content-Type': answer.headers.get('content-type') ?? 'application/octet-stream' });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }),
    ),
  );
}

export function busyLedgerTests(e2e: E2e): void {
  describe('a busy ledger (429, 503): wait with the retry time, then submit', () => {
    const refusals: Refusal[] = [];
    const jobs = tempDir('did-city-registrar-busy-');
    let proxy: { url: string; server: Server };
    let driver: Driver;

    beforeAll(async () => {
      proxy = await startProxy(e2e.network.ledger.url, refusals);
      driver = await startDriver({
        ledgerUrl: proxy.url,
        trustPolicy: e2e.network.policy,
        dataDir: jobs.dir,
        maxJobs: '3',
      });
    });
    afterAll(async () => {
      await driver?.stop();
      proxy?.server.close();
      jobs.cleanup();
    });

    it('an application refused with 429 waits for Retry-After and is applied on the next request', async () => {
      const owner = generateKeyPair();
      const did = 'did:city:cn:130500';
      const contact = { organisation: 'Xingtai Municipal Government', email: 'did@xingtai.example' };
      const started = await call(driver, 'create', {
        didDocument: { id: did },
        options: { updateKeys: [owner.publicKeyMultibase], contact },
      });
      refusals.push({ method: 'POST', path: '/registrations', status: 429, retryAfter: '2' });
      const limited = await call(driver, 'create', {
        jobId: started.body.jobId,
        secret: { signingResponse: await signingResponse(started.body, [owner]) },
      });
      expect(limited.body).toMatchObject({
        jobId: started.body.jobId,
        didState: { state: 'wait', waittime: '2000', waitTime: 2000 },
      });
      expect(limited.body.didState.wait).toMatch(/limits the rate of applications/);
      const listed = async () =>
        (
          await http(`${e2e.network.ledger.url}/registrations?status=pending`, {
            token: e2e.network.token('institute-a'),
          })
        ).body.registrations.map((r: { did: string }) => r.did);
      expect(await listed()).not.toContain(did);

      const applied = await call(driver, 'create', { jobId: started.body.jobId });
      expect(applied.body.didState.state).toBe('wait');
      expect(applied.body.didRegistrationMetadata.registration).toMatchObject({ status: 'pending' });
      expect(await listed()).toContain(did);

      refusals.push({
        method: 'GET',
        path: `/registrations/${applied.body.didRegistrationMetadata.registration.id}`,
        status: 429,
        retryAfter: '3',
      });
      const polled = await call(driver, 'create', { jobId: started.body.jobId });
      expect(polled.body).toMatchObject({ jobId: started.body.jobId, didState: { state: 'wait', waittime: '3000' } });
    });

    it('an update refused with 503 waits and is submitted (once) on the next request', async () => {
      const beijing = 'did:city:cn:110000';
      const started = await call(driver, 'update', {
        did: beijing,
        didDocumentOperation: ['addToDidDocument'],
        didDocument: [{ alsoKnownAs: ['https://beijing.example/'] }],
      });
      refusals.push({ method: 'POST', path: '/operations', status: 503 });
      const key = e2e.network.cityKey('110000');
      const busy = await call(driver, 'update', {
        jobId: started.body.jobId,
        secret: { signingResponse: await signingResponse(started.body, [key]) },
      });
      expect(busy.body).toMatchObject({ jobId: started.body.jobId, didState: { state: 'wait' } });
      const size = (await http(`${e2e.network.ledger.url}/health`)).body.treeSize as number;
      const done = await call(driver, 'update', { jobId: started.body.jobId });
      expect((await http(`${e2e.network.ledger.url}/health`)).body.treeSize).toBe(size + 1);
      expect(done.body.didState).toMatchObject({
        state: 'finished',
        didDocument: { alsoKnownAs: ['https://beijing.example/'] },
      });
    });

    it('beyond maxJobs (3 here, with the two jobs above kept for their answers) a new job fails JOB_LIMIT and is not stored', async () => {
      const body = { did: 'did:city:cn:110000', options: { successor: 'did:city:cn:120000' } };
      const third = await call(driver, 'deactivate', body);
      expect(third.body.didState.state).toBe('action');
      const refused = await call(driver, 'deactivate', body);
      expect(refused.status).toBe(500);
      expect(refused.body).toMatchObject({ jobId: null, didState: { state: 'failed', error: 'JOB_LIMIT' } });
      expect(refused.body.didState.reason).toMatch(/holds 3 open jobs, its limit/);
      // The jobs held are intact: the third still answers.
      expect((await call(driver, 'deactivate', { jobId: third.body.jobId })).body.didState.action).toBe('signPayload');
    });
  });
}
