/**
 * Attack 10 of issue #11 (no endpoint had a rate limit), replayed against a running all-in-one with small limits:
 * every write class, the expensive reads (driver resolution, histories, proofs, credential verification) and the
 * registration applications (per client and for all clients together) answer 429 + Retry-After with a
 * TOO_MANY_REQUESTS problem. A stranger cannot dodge the limit with X-Forwarded-For, nor claim the exemption of the
 * server's own loopback reader; that reader never eats a client's budget.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, problemCode, type Reply, send, startTarget, type Target } from './fixtures.ts';

let target: Target;

beforeAll(async () => {
  target = await startTarget({
    rateLimits: {
      reads: { limit: 4, windowMs: 60_000 },
      writes: { limit: 3, windowMs: 60_000 },
      applications: { limit: 2, windowMs: 3_600_000 },
      applicationsTotal: { limit: 3, windowMs: 3_600_000 },
    },
  });
}, 90_000);

afterAll(async () => {
  await target?.stop();
});

function expectLimited(reply: Reply): void {
  expect(reply.status).toBe(429);
  expect(problemCode(reply)).toBe('TOO_MANY_REQUESTS');
  expect(Number(reply.headers['retry-after'])).toBeGreaterThanOrEqual(1);
}

const resolve = (did: string, from: string, headers: Record<string, string> = {}) =>
  send(`${target.url}/1.0/identifiers/${did}`, { from, headers });

describe('expensive reads', () => {
  it("the server's own ledger reads are not counted, and only this process can claim that", async () => {
    // Four resolutions, each of which makes the server read its own ledger over loopback from 127.0.0.1 several
    // times (checkpoint, history, proofs): only the four driver requests count.
    for (const did of ['did:city:cn', 'did:city:cn:110000', 'did:city:cn:120000', 'did:city:cn:130100']) {
      expect((await resolve(did, '127.0.0.1')).status).toBe(200);
    }
    expectLimited(await resolve('did:city:cn:110000', '127.0.0.1'));
    // Guessing at the exemption does not help: the header name is in the source, the secret is not.
    for (const value of ['1', 'true', 'self', 'x'.repeat(43)]) {
      expectLimited(await resolve('did:city:cn', '127.0.0.1', { 'x-did-city-own-request': value }));
    }
    // 127.0.0.1 is out of budget, yet another client's resolution (which makes the server read its ledger from
    // 127.0.0.1 again) works: the internal reads never reach the client's limiter.
    expect((await resolve('did:city:cn:130100', '127.0.0.2')).status).toBe(200);
  });

  it('X-Forwarded-For from a stranger buys no fresh budget (no proxy is trusted by default)', async () => {
    for (let i = 0; i < 4; i++)
      expect((await send(`${target.url}/dids/did:city:cn/history`, { from: '127.0.0.3' })).status).toBe(200);
    for (const forwarded of ['203.0.113.1', '198.51.100.7, 203.0.113.2', '2001:db8::1']) {
      expectLimited(
        await send(`${target.url}/dids/did:city:cn/history`, {
          from: '127.0.0.3',
          headers: { 'X-Forwarded-For': forwarded },
        }),
      );
    }
  });

  it('credential verification, histories and proofs share the budget of a client', async () => {
    const body = readFileSync(join(target.dataDir, 'credentials', '110000.json'), 'utf8');
    const verify = await postJson(`${target.url}/issuer/credentials/verify`, body, { from: '127.0.0.4' });
    expect(verify.status).toBe(200);
    expect((verify.json() as { verified: boolean }).verified).toBe(true);
    expect((await send(`${target.url}/proofs/inclusion?index=0&size=1`, { from: '127.0.0.4' })).status).toBe(200);
    expect((await postJson(`${target.url}/issuer/presentations/verify`, {}, { from: '127.0.0.4' })).status).toBe(400);
    expect((await send(`${target.url}/dids/did:city:cn/head`, { from: '127.0.0.4' })).status).toBe(200);
    expectLimited(await postJson(`${target.url}/issuer/credentials/verify`, body, { from: '127.0.0.4' }));
    // Cheap, cacheable reads stay open.
    for (const path of ['/checkpoint', '/policy', '/health', '/1.0/properties'])
      expect((await send(`${target.url}${path}`, { from: '127.0.0.4' })).status).toBe(200);
  });
});

describe('writes', () => {
  it('ledger, governance and issuer writes share one budget per client, before any token or body is checked', async () => {
    const from = '127.0.0.5';
    expect((await postJson(`${target.url}/operations`, {}, { from })).status).toBe(400);
    expect((await postJson(`${target.url}/governance/operations`, {}, { from })).status).toBe(401);
    expect((await postJson(`${target.url}/issuer/credentials/issue`, {}, { from })).status).toBe(401);
    for (const path of [
      '/operations',
      '/Governance/Operations',
      '/issuer/credentials/status',
      '/issuer/status-lists',
      '/registrations/zQmNone/approve',
      '/integrity/check',
    ]) {
      expectLimited(await postJson(`${target.url}${path}`, {}, { from }));
    }
  });
});

describe('registration applications', () => {
  it('per client, then for all clients together; a refused client does not spend the global budget', async () => {
    const apply = (from: string) => postJson(`${target.url}/registrations`, { operation: 1 }, { from });
    expect((await apply('127.0.0.6')).status).toBe(400);
    expect((await apply('127.0.0.6')).status).toBe(400);
    for (let i = 0; i < 5; i++) expectLimited(await apply('127.0.0.6'));
    expect((await apply('127.0.0.7')).status).toBe(400);
    const global = await apply('127.0.0.8');
    expectLimited(global);
    expect((global.json() as { detail: string }).detail).toContain('for all clients together');
  });
});
