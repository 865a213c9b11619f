/**
 * Rate limits of the ledger and registration routers (spec §9.7, R-LIM-1..4) over real HTTP on loopback. Clients
 * are told apart by their source address: 127.0.0.1, .2, .3 … are all this machine's, so each is a different
 * client to the server. A proxy's X-Forwarded-For counts only when the server was told to trust that proxy.
 */
import { request } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLimiters,
  NO_LIMITERS,
  parseRateLimit,
  type RateLimitSettings,
  rateLimitsFromEnv,
} from '../src/http/rate-limit.ts';
import { createLedgerRouter } from '../src/http/router.ts';
import { applyTrustProxy, parseTrustProxy, type TrustProxy } from '../src/http/trust-proxy.ts';
import { LedgerNode } from '../src/node.ts';
import { createRegistrationRouter } from '../src/registration/router.ts';
import { tempDir } from './fixtures.ts';
import { type Listening, listen } from './http-fixtures.ts';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request from a chosen loopback source address (fetch cannot choose it). */
function send(
  url: string,
  options: { method?: string; from?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((done, fail) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        localAddress: options.from ?? '127.0.0.1',
        headers: options.headers ?? {},
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', fail);
    req.end(options.body);
  });
}

const JSON_TYPE = { 'Content-Type': 'application/json' };
/** An application the desk refuses (400) once it reads it: the limit comes before the body is read. */
const junkApplication = (url: string, from?: string, headers: Record<string, string> = {}) =>
  send(`${url}registrations`, { method: 'POST', from, headers: { ...JSON_TYPE, ...headers }, body: '{"operation":1}' });

function expectLimited(reply: Reply, maxRetry: number): void {
  expect(reply.status).toBe(429);
  expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
  const retry = Number(reply.headers['retry-after']);
  expect(Number.isInteger(retry) && retry >= 1 && retry <= maxRetry).toBe(true);
  const body = JSON.parse(reply.body) as { type: string; status: number; detail: string };
  expect(body).toMatchObject({
    type: 'https://w3id.org/did-city/errors#TOO_MANY_REQUESTS',
    status: 429,
    title: 'Too many requests (rate limit)',
  });
  expect(body.detail).toContain(`retry after ${retry} s`);
}

const LIMITS: RateLimitSettings = {
  applications: { limit: 3, windowMs: 3_600_000 },
  applicationsTotal: { limit: 5, windowMs: 3_600_000 },
  writes: { limit: 4, windowMs: 60_000 },
  reads: { limit: 5, windowMs: 60_000 },
};

let node: LedgerNode;
let temp: { dir: string; cleanup(): void };
const servers: Listening[] = [];

/** A server of the node with its own limiters (fresh counters) and proxy setting. */
async function serve(limits: RateLimitSettings | undefined, trustProxy: TrustProxy = false): Promise<string> {
  const app = express();
  applyTrustProxy(app, trustProxy);
  const limiters = limits === undefined ? NO_LIMITERS : createLimiters(limits);
  app.use(createRegistrationRouter(node, { dataDir: temp.dir, limiters }), createLedgerRouter(node, { limiters }));
  const http = await listen(app);
  servers.push(http);
  return http.url;
}

beforeAll(async () => {
  temp = tempDir('ledger-rate-');
  node = await LedgerNode.open({ dataDir: temp.dir, sequencer: { batchIntervalMs: 5 } });
});

afterAll(async () => {
  for (const server of servers) await server.close();
  await node.close();
  temp.cleanup();
});

describe('registration applications: per client, then all clients together', () => {
  it('a client past its budget gets 429 + Retry-After; others go on until the global budget is spent', async () => {
    const url = await serve(LIMITS);
    for (let i = 0; i < 3; i++) expect((await junkApplication(url)).status).toBe(400);
    expectLimited(await junkApplication(url), 3600);
    // The refused ones did not use up everybody's budget: two more clients share the remaining 2 of 5.
    expect((await junkApplication(url, '127.0.0.2')).status).toBe(400);
    expect((await junkApplication(url, '127.0.0.3')).status).toBe(400);
    const global = await junkApplication(url, '127.0.0.4');
    expectLimited(global, 3600);
    expect(JSON.parse(global.body).detail).toContain('for all clients together');
  });

  it('X-Forwarded-For from a client that is not a trusted proxy buys no fresh budget', async () => {
    const url = await serve(LIMITS);
    for (let i = 0; i < 3; i++)
      expect((await junkApplication(url, '127.0.0.5', { 'X-Forwarded-For': `203.0.113.${i}` })).status).toBe(400);
    expectLimited(await junkApplication(url, '127.0.0.5', { 'X-Forwarded-For': '198.51.100.9' }), 3600);
    expectLimited(
      await junkApplication(url, '127.0.0.5', { Forwarded: 'for=198.51.100.10', 'X-Real-IP': '198.51.100.11' }),
      3600,
    );
  });

  it('behind a trusted proxy the forwarded client counts, IPv6 clients per /56', async () => {
    const url = await serve(LIMITS, parseTrustProxy('127.0.0.1'));
    const via = (client: string, from = '127.0.0.1') => junkApplication(url, from, { 'X-Forwarded-For': client });
    // Three /64s of one /56: one client.
    for (const client of ['2001:db8:1:1::1', '2001:db8:1:2::1', '2001:db8:1:ff::1'])
      expect((await via(client)).status).toBe(400);
    expectLimited(await via('2001:db8:1:42::7'), 3600);
    // Another /56 is another client.
    expect((await via('2001:db8:1:100::1')).status).toBe(400);
    // 127.0.0.6 is not the trusted proxy: its header is ignored and it is counted as itself.
    expect((await via('2001:db8:1:1::1', '127.0.0.6')).status).toBe(400);
  });

  it('with no limiters (or every setting off) nothing is refused', async () => {
    for (const url of [
      await serve(undefined),
      await serve(rateLimitsFromEnv({ DID_CITY_RATE_APPLICATIONS: 'off', DID_CITY_RATE_APPLICATIONS_TOTAL: 'off' })),
    ]) {
      const replies = await Promise.all(Array.from({ length: 12 }, () => junkApplication(url, '127.0.0.7')));
      expect(replies.map((r) => r.status)).toEqual(Array(12).fill(400));
    }
  });
});

describe('writes and expensive reads', () => {
  it('writes share one budget per client, whatever the case or trailing slash of the path', async () => {
    const url = await serve(LIMITS);
    const post = (path: string) => send(`${url}${path}`, { method: 'POST', headers: JSON_TYPE, body: '{}' });
    expect((await post('operations')).status).toBe(400);
    expect((await post('Operations')).status).toBe(400);
    expect((await post('operations/')).status).toBe(400);
    expect((await post('governance/operations')).status).toBe(401);
    expectLimited(await post('OPERATIONS'), 60);
    expectLimited(await post('integrity/check'), 60);
    // Another client is not affected.
    expect(
      (await send(`${url}operations`, { method: 'POST', from: '127.0.0.8', headers: JSON_TYPE, body: '{}' })).status,
    ).toBe(400);
  });

  it('histories, proofs and receipts are limited; the checkpoint, tiles and policy are not', async () => {
    const url = await serve(LIMITS);
    const paths = [
      'dids/did:city:cn/history',
      'dids/did:city:cn/head',
      'proofs/inclusion?index=0&size=1',
      'operations/zQmNotAHash',
      'DIDS/did:city:cn/history',
    ];
    for (const path of paths) expect((await send(`${url}${path}`)).status).not.toBe(429);
    expectLimited(await send(`${url}proofs/consistency?from=1&to=2`), 60);
    for (const path of ['checkpoint', 'policy', 'tile/0/000', 'checkpoint', 'policy'])
      expect((await send(`${url}${path}`)).status).not.toBe(429);
  });
});

describe('settings', () => {
  it('LIMIT/WINDOW with seconds or a unit, or off; anything else is refused with the setting named', () => {
    expect(parseRateLimit('X', '30/3600')).toEqual({ limit: 30, windowMs: 3_600_000 });
    expect(parseRateLimit('X', '30/1h')).toEqual({ limit: 30, windowMs: 3_600_000 });
    expect(parseRateLimit('X', '120/60s')).toEqual({ limit: 120, windowMs: 60_000 });
    expect(parseRateLimit('X', '5/10m')).toEqual({ limit: 5, windowMs: 600_000 });
    expect(parseRateLimit('X', 'off')).toBe(false);
    for (const bad of ['0/60', '10/0', '10', '10/1d', '-1/60', '1e3/60', '10/99999999'])
      expect(() => parseRateLimit('DID_CITY_RATE_WRITES', bad)).toThrow(/DID_CITY_RATE_WRITES/);
    const env = rateLimitsFromEnv({ DID_CITY_RATE_WRITES: 'off', DID_CITY_RATE_READS: '10/1m' });
    expect(env.writes).toBe(false);
    expect(env.reads).toEqual({ limit: 10, windowMs: 60_000 });
    expect(env.applications).toEqual({ limit: 30, windowMs: 3_600_000 });
  });

  it('trust proxy: off by default, never `true`, only addresses, ranges, names or a hop count', () => {
    expect(parseTrustProxy(undefined)).toBe(false);
    expect(parseTrustProxy('off')).toBe(false);
    expect(parseTrustProxy('1')).toBe(1);
    expect(parseTrustProxy('loopback, 10.0.0.0/8,fd00::1')).toEqual(['loopback', '10.0.0.0/8', 'fd00::1']);
    expect(() => parseTrustProxy('true')).toThrow(/would believe any X-Forwarded-For/);
    for (const bad of ['proxy.example', '10.0.0.0/33', '*', '10.0.0.1/8/1'])
      expect(() => parseTrustProxy(bad)).toThrow(RangeError);
  });
});
