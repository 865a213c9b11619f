/**
 * Conditional reads of a DID's proven head (spec §7.9), the reader's transport and a rate-limited ledger, over real
 * HTTP on loopback: the node's strong ETag naming the checkpoint and the head, 304 to a matching If-None-Match; the
 * reader revalidating its verified history with it, and a 304 that it did not ask for, that names another tag, or
 * that a proxy forges after the DID changed never making it serve more than the proof it holds (the held checkpoint,
 * its provenAt, the age limit). A GET on a kept-alive connection the server closed is sent once more; a 429 from the
 * ledger keeps its Retry-After.
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type LedgerHistory, type Operation, operationHash } from '@did-city/method';
import { HttpLedgerReader } from '@did-city/method/http';
import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLedgerRouter } from '../src/http/router.ts';
import { createLimiters } from '../src/http/rate-limit.ts';
import { CITY_KEY, cityCreate, createOf, INSTITUTES, key, registryGenesis, SJZ, updateAfter } from './fixtures.ts';
import { errorOf } from './helpers.ts';
import { ADMIN_TOKEN, call, type LedgerServer, listen, postJson, startLedger } from './http-fixtures.ts';

const HANDAN = 'did:city:cn:130400';
const HANDAN_KEY = key('handan');
const ABSENT = 'did:city:cn:130500';

let ledger: LedgerServer;
let last: Operation;
let handan: Operation;
const servers: Server[] = [];

function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => done(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)),
  );
}

/** Forwards a request to the ledger as it came (method, path, every header), and its answer back as it came. */
function forward(req: IncomingMessage, res: ServerResponse): void {
  const { host: _host, ...headers } = req.headers;
  const upstream = request(new URL(req.url!.slice(1), ledger.url), { method: req.method, headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => res.writeHead(502).end());
  upstream.end();
}

async function submit(op: Operation): Promise<void> {
  expect((await postJson(`${ledger.url}operations`, op)).status).toBe(201);
}

async function updateSjz(tag: string): Promise<void> {
  last = await updateAfter(last, CITY_KEY, tag);
  await submit(last);
}

const headOf = (history: LedgerHistory) => history.entries.at(-1)?.operation;

beforeAll(async () => {
  ledger = await startLedger();
  const genesis = await registryGenesis();
  expect(
    (await postJson(`${ledger.url}governance/operations`, genesis, { Authorization: `Bearer ${ADMIN_TOKEN}` })).status,
  ).toBe(201);
  last = await cityCreate();
  await submit(last);
  handan = await createOf(HANDAN, HANDAN_KEY, INSTITUTES.slice(0, 2));
  await submit(handan);
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  await ledger.stop();
});

describe('the node: a strong ETag on head and history answers, 304 to a matching If-None-Match', () => {
  it('one tag per checkpoint and head, whatever the endpoint or `after`; 304 carries it and no body', async () => {
    const head = await call(`${ledger.url}dids/${SJZ}/head`);
    const tag = head.headers.get('etag')!;
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect((await call(`${ledger.url}dids/${SJZ}/history`)).headers.get('etag')).toBe(tag);
    expect((await call(`${ledger.url}dids/${SJZ}/history?after=${last.seq}`)).headers.get('etag')).toBe(tag);
    for (const condition of [tag, `W/${tag}`, `"other", ${tag}`, '*']) {
      for (const path of ['head', 'history', `history?after=${last.seq}`]) {
        const answer = await call(`${ledger.url}dids/${SJZ}/${path}`, { headers: { 'If-None-Match': condition } });
        expect([path, condition, answer.status, answer.text]).toEqual([path, condition, 304, '']);
        expect(answer.headers.get('etag')).toBe(tag);
        expect(answer.headers.get('cache-control')).toBe('no-cache');
      }
    }
    const other = await call(`${ledger.url}dids/${SJZ}/history`, { headers: { 'If-None-Match': '"other"' } });
    expect(other.status).toBe(200);
    expect((other.json() as { head: { seq: number } }).head.seq).toBe(last.seq);
  });

  it('a DID proven absent has a tag of its own; another DID has another tag', async () => {
    const absent = await call(`${ledger.url}dids/${ABSENT}/head`);
    expect((absent.json() as { head: unknown }).head).toBeNull();
    const tag = absent.headers.get('etag')!;
    expect(tag).not.toBe((await call(`${ledger.url}dids/${SJZ}/head`)).headers.get('etag'));
    expect((await call(`${ledger.url}dids/${ABSENT}/history`, { headers: { 'If-None-Match': tag } })).status).toBe(304);
  });

  it('a page against a named checkpoint (`size`) is never answered 304', async () => {
    const { headers, json } = await call(`${ledger.url}dids/${SJZ}/history`);
    const size = (json() as { treeSize: number }).treeSize;
    const page = await call(`${ledger.url}dids/${SJZ}/history?after=0&size=${size}`, {
      headers: { 'If-None-Match': headers.get('etag')! },
    });
    expect(page.status).toBe(200);
  });

  it('a new operation of the DID changes the tag: the old one gets the full answer', async () => {
    const before = (await call(`${ledger.url}dids/${SJZ}/head`)).headers.get('etag')!;
    await updateSjz('etag-changes');
    const answer = await call(`${ledger.url}dids/${SJZ}/history?after=${last.seq - 1}`, {
      headers: { 'If-None-Match': before },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('etag')).not.toBe(before);
    expect((answer.json() as { head: { operationHash: string } }).head.operationHash).toBe(operationHash(last));
  });

  it('a new cosignature of the same checkpoint size changes the tag (the note is part of what it names)', async () => {
    const recosigning = await startLedger({ sequencer: { batchIntervalMs: 5, recosignIntervalMs: 400 } });
    try {
      const genesis = await registryGenesis();
      await postJson(`${recosigning.url}governance/operations`, genesis, { Authorization: `Bearer ${ADMIN_TOKEN}` });
      const first = await call(`${recosigning.url}dids/did:city:cn/head`);
      const note = (first.json() as { checkpoint: string }).checkpoint;
      let later = first;
      for (let i = 0; i < 60 && (later.json() as { checkpoint: string }).checkpoint === note; i++) {
        await new Promise((resume) => setTimeout(resume, 100));
        later = await call(`${recosigning.url}dids/did:city:cn/head`);
      }
      const { checkpoint, treeSize } = later.json() as { checkpoint: string; treeSize: number };
      expect(checkpoint).not.toBe(note);
      expect(treeSize).toBe((first.json() as { treeSize: number }).treeSize);
      const stale = first.headers.get('etag')!;
      expect(later.headers.get('etag')).not.toBe(stale);
      expect(
        (await call(`${recosigning.url}dids/did:city:cn/head`, { headers: { 'If-None-Match': stale } })).status,
      ).toBe(200);
    } finally {
      await recosigning.stop();
    }
  });
});

type ProxyMode = 'pass' | 'forge-304' | 'always-304' | 'other-tag-304';

describe('the reader: a verified history revalidated with If-None-Match', () => {
  let proxyUrl: string;
  let mode: ProxyMode = 'pass';
  /** What each history request through the proxy carried and got. */
  const seen: { path: string; condition: string | undefined; status: number }[] = [];

  beforeAll(async () => {
    proxyUrl = await serve((req, res) => {
      const condition = req.headers['if-none-match'];
      const path = decodeURIComponent(req.url!);
      const forged = (tag: string) => {
        seen.push({ path, condition, status: 304 });
        res.writeHead(304, { ETag: tag, 'Cache-Control': 'no-cache' }).end();
      };
      if (path.includes('/history') && mode === 'always-304') return forged('"anything"');
      if (path.includes('/history') && condition !== undefined && mode === 'forge-304') return forged(condition);
      if (path.includes('/history') && condition !== undefined && mode === 'other-tag-304')
        return forged('"not-the-one-asked-about"');
      if (path.includes('/history')) res.on('finish', () => seen.push({ path, condition, status: res.statusCode }));
      forward(req, res);
    });
  });

  beforeEach(() => {
    mode = 'pass';
    seen.length = 0;
  });

  const readerOf = (options: { maxCheckpointAgeMs?: number } = {}) =>
    new HttpLedgerReader({ url: proxyUrl, policy: ledger.node.policyText, ...options });

  it('an unchanged DID costs a 304 and the same verified history; a changed one a 200 with what is new', async () => {
    const reader = readerOf();
    const first = await reader.history(SJZ);
    const again = await reader.history(SJZ);
    expect(again).toEqual(first);
    expect(seen.map((s) => [s.condition === undefined ? 'unconditional' : 'conditional', s.status])).toEqual([
      ['unconditional', 200],
      ['conditional', 304],
    ]);
    await updateSjz('after-304');
    const changed = await reader.history(SJZ);
    expect(seen.at(-1)).toMatchObject({ path: `/dids/${SJZ}/history?after=${last.seq - 1}`, status: 200 });
    expect(seen.at(-1)!.condition).toBeDefined();
    expect(operationHash(headOf(changed)!)).toBe(operationHash(last));
    expect(changed.entries.slice(0, -1)).toEqual(first.entries);
  });

  it('noCache sends no condition and proves everything again', async () => {
    const reader = readerOf();
    await reader.history(SJZ);
    await reader.history(SJZ, { noCache: true });
    expect(seen.map((s) => [s.path, s.condition, s.status])).toEqual([
      [`/dids/${SJZ}/history`, undefined, 200],
      [`/dids/${SJZ}/history`, undefined, 200],
    ]);
  });

  it('a 304 forged after the DID changed serves only the proof held: its checkpoint, its provenAt, and the age limit holds', async () => {
    const reader = readerOf({ maxCheckpointAgeMs: 2_000 });
    const held = await reader.history(SJZ);
    await updateSjz('hidden-by-forged-304');
    mode = 'forge-304';
    const forged = await reader.history(SJZ);
    // Nothing newer than what it held: the same head, the same checkpoint, proven as of the same time.
    expect(forged).toEqual(held);
    expect(operationHash(headOf(forged)!)).not.toBe(operationHash(last));
    // The proof held grows old: past the age limit the forged 304 no longer yields anything.
    const provenAt = Date.parse(held.ledger!.provenAt!);
    await new Promise((resume) => setTimeout(resume, Math.max(0, provenAt + 2_100 - Date.now())));
    expect((await errorOf(reader.history(SJZ))).code).toBe('UNTRUSTED_CHECKPOINT');
    // The proxy steps aside and the ledger has co-signed a new checkpoint: the update is there.
    mode = 'pass';
    await updateSjz('after-the-proxy');
    const honest = await reader.history(SJZ);
    expect(operationHash(headOf(honest)!)).toBe(operationHash(last));
  });

  it('a 304 to a request without If-None-Match is INVALID_LEDGER_PROOF (a cold reader, noCache)', async () => {
    mode = 'always-304';
    expect((await errorOf(readerOf().history(SJZ))).code).toBe('INVALID_LEDGER_PROOF');
    mode = 'pass';
    const warm = readerOf();
    await warm.history(SJZ);
    mode = 'always-304';
    expect((await errorOf(warm.history(SJZ, { noCache: true }))).code).toBe('INVALID_LEDGER_PROOF');
  });

  it('a 304 naming another tag than the one asked about is INVALID_LEDGER_PROOF', async () => {
    const reader = readerOf();
    await reader.history(SJZ);
    mode = 'other-tag-304';
    const error = await errorOf(reader.history(SJZ));
    expect(error.code).toBe('INVALID_LEDGER_PROOF');
    expect(error.detail).toMatch(/another ETag/);
  });

  it('once the reader accepted a larger checkpoint, a DID proven under the older one is proven again (no condition, no rollback)', async () => {
    const reader = readerOf();
    const before = await reader.history(SJZ);
    // Handan changes; reading it makes the reader accept the larger checkpoint.
    handan = await updateAfter(handan, HANDAN_KEY, 'moves-the-checkpoint');
    await submit(handan);
    const other = await reader.history(HANDAN);
    expect(Number(other.ledger!.treeSize)).toBeGreaterThan(Number(before.ledger!.treeSize));
    seen.length = 0;
    const again = await reader.history(SJZ);
    expect(seen).toEqual([{ path: `/dids/${SJZ}/history?after=${last.seq}`, condition: undefined, status: 200 }]);
    expect(again.ledger!.checkpoint).toBe(other.ledger!.checkpoint);
    // A 304 cannot bring the older checkpoint back: the reader asks unconditionally, and a 304 to that fails closed.
    handan = await updateAfter(handan, HANDAN_KEY, 'moves-it-again');
    await submit(handan);
    await reader.history(HANDAN);
    mode = 'always-304';
    expect((await errorOf(reader.history(SJZ))).code).toBe('INVALID_LEDGER_PROOF');
  });
});

describe('the reader transport: keep-alive, and one retry when the server closed a reused connection', () => {
  it('a GET on a kept-alive connection reset by the server is sent once more on a new connection', async () => {
    const connections = new Set<Socket>();
    const served = new Map<Socket, number>();
    let requests = 0;
    const url = await serve((req, res) => {
      requests++;
      connections.add(req.socket);
      const count = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, count);
      // The second request of a connection: the server has just closed it (its idle timeout won the race).
      if (count > 1) return req.socket.destroy();
      forward(req, res);
    });
    const reader = new HttpLedgerReader({ url, policy: ledger.node.policyText });
    const first = await reader.history(SJZ);
    expect(await reader.history(SJZ)).toEqual(first);
    expect(requests).toBe(3);
    expect(connections.size).toBe(2);
  });

  it('a reset on a new connection is not retried: LEDGER_UNAVAILABLE after one request', async () => {
    let requests = 0;
    const url = await serve((req) => {
      requests++;
      req.socket.destroy();
    });
    const error = await errorOf(new HttpLedgerReader({ url, policy: ledger.node.policyText }).history(SJZ));
    expect(error.code).toBe('LEDGER_UNAVAILABLE');
    expect(error.detail).not.toContain('127.0.0.1');
    expect(requests).toBe(1);
  });
});

describe('a ledger that rate limits the reader', () => {
  it('a 429 is LEDGER_UNAVAILABLE with the Retry-After seconds kept (retryAfter), never its internals', async () => {
    const app = express();
    app.use(createLedgerRouter(ledger.node, { limiters: createLimiters({ reads: { limit: 1, windowMs: 60_000 } }) }));
    const limited = await listen(app);
    try {
      const reader = new HttpLedgerReader({ url: limited.url, policy: ledger.node.policyText });
      await reader.history(SJZ);
      const error = await errorOf(reader.history(SJZ));
      expect(error.code).toBe('LEDGER_UNAVAILABLE');
      expect(error.retryAfter).toBeGreaterThan(0);
      expect(error.retryAfter).toBeLessThanOrEqual(60);
      expect(error.detail).toBe(
        `the ledger is rate limiting this reader (HTTP 429 to a history request); retry after ${error.retryAfter} s`,
      );
      expect(error.toProblem()).toMatchObject({
        type: 'https://w3id.org/did-city/errors#LEDGER_UNAVAILABLE',
        retryAfter: error.retryAfter,
      });
    } finally {
      await limited.close();
    }
  });
});
