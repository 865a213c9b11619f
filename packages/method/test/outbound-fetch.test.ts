import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createOutboundFetch,
  fetchPolicyFromEnv,
  hostsOf,
  OutboundFetchError,
  type OutboundFetchOptions,
} from '../src/http.ts';

interface Listener {
  origin: string;
  host: string;
  port: number;
  /** Requests (and bare connections) it has received. */
  requests: string[];
  connections: number;
  server: Server;
}

const servers: Server[] = [];

async function listen(handler: RequestListener = (_req, res) => res.end('{"ok":true}')): Promise<Listener> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    handler(req, res);
  });
  const listener = { requests, connections: 0, server } as Listener;
  server.on('connection', () => {
    listener.connections++;
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return Object.assign(listener, { origin: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}`, port });
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

/** Runs the fetch and returns the refusal (fails the test if it succeeded). */
async function refusal(url: string, options: OutboundFetchOptions = {}): Promise<OutboundFetchError> {
  const error = await createOutboundFetch(options)(url).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OutboundFetchError);
  return error as OutboundFetchError;
}

/** Allowances for one loopback listener, as the tests and the all-in-one configure them. */
function trusting(listener: Listener, extra: OutboundFetchOptions = {}): OutboundFetchOptions {
  return { httpHosts: [listener.host], privateHosts: [listener.host], ...extra };
}

describe('outbound fetch: scheme (R-FETCH-1)', () => {
  it('refuses plain http by default and never connects', async () => {
    const target = await listen();
    const error = await refusal(`${target.origin}/status/1`);
    expect(error.code).toBe('FETCH_URL_REFUSED');
    expect(error.message).toContain('R-FETCH-1');
    expect(target.connections).toBe(0);
  });

  it.each([
    'file:///etc/passwd',
    'javascript:alert(1)',
    'ftp://192.0.2.1/x',
    'data:text/plain,hi',
    'not a url',
    'https://user:pw@issuer.example/',
  ])('refuses %s', async (url) => {
    expect((await refusal(url, { httpHosts: ['192.0.2.1'] })).code).toBe('FETCH_URL_REFUSED');
  });

  it('fetches over http from a configured host that may be private', async () => {
    const target = await listen((_req, res) => res.setHeader('content-type', 'application/json').end('{"ok":true}'));
    const answer = await createOutboundFetch(trusting(target))(`${target.origin}/x`, { accept: 'application/json' });
    expect(Buffer.from(answer.body).toString()).toBe('{"ok":true}');
    expect(answer.contentType).toBe('application/json');
    expect(target.requests).toEqual(['/x']);
  });

  it('matches a host:port allowance on the port too', async () => {
    const target = await listen();
    const error = await refusal(`${target.origin}/x`, { httpHosts: ['127.0.0.1:1'], privateHosts: ['127.0.0.1'] });
    expect(error.code).toBe('FETCH_URL_REFUSED');
    expect(target.connections).toBe(0);
  });
});

describe('outbound fetch: addresses (R-FETCH-2)', () => {
  it('refuses a loopback target that may use http but is not allowed private addresses', async () => {
    const target = await listen();
    const error = await refusal(`${target.origin}/`, { httpHosts: [target.host] });
    expect(error.code).toBe('FETCH_ADDRESS_REFUSED');
    expect(error.message).toBe('the target address is loopback, not public (R-FETCH-2)');
    expect(target.connections).toBe(0);
  });

  it.each([
    'http://[::1]:9/',
    'http://2130706433:9/',
    'http://0x7f.1:9/',
    'https://169.254.169.254/latest/meta-data/',
    'https://[::ffff:127.0.0.1]/',
    'https://10.0.0.1/',
  ])('refuses the literal %s before connecting', async (url) => {
    const error = await refusal(url, { httpHosts: ['[::1]', '127.0.0.1'] });
    expect(error.code).toBe('FETCH_ADDRESS_REFUSED');
  });

  it('refuses a name that resolves to 127.0.0.1 (the system resolver, localhost)', async () => {
    const target = await listen();
    const error = await refusal(`http://localhost:${target.port}/`, { httpHosts: ['localhost'] });
    expect(error.code).toBe('FETCH_ADDRESS_REFUSED');
    expect(target.connections).toBe(0);
  });

  it('refuses a name when any of its addresses is not public', async () => {
    const target = await listen();
    const resolveHost = async () => [
      { address: '8.8.8.8', family: 4 },
      { address: '::ffff:127.0.0.1', family: 6 },
    ];
    const error = await refusal(`http://evil.example:${target.port}/`, { httpHosts: ['evil.example'], resolveHost });
    expect(error.code).toBe('FETCH_ADDRESS_REFUSED');
    expect(target.connections).toBe(0);
  });

  it('resolves once per connection and connects to the address it checked (no second lookup to rebind)', async () => {
    const target = await listen();
    const answers = ['127.0.0.1', '10.255.255.1'];
    let lookups = 0;
    const resolveHost = async () => [{ address: answers[Math.min(lookups++, 1)]!, family: 4 }];
    const host = `rebind.example:${target.port}`;
    const answer = await createOutboundFetch({ httpHosts: [host], privateHosts: [host], resolveHost })(
      `http://${host}/one`,
    );
    expect(Buffer.from(answer.body).toString()).toBe('{"ok":true}');
    expect(lookups).toBe(1);
    expect(target.requests).toEqual(['/one']);
  });

  it('says the same thing for a closed port and a port that drops the connection', async () => {
    const dropping = await listen((req) => req.socket.destroy());
    const closed = await listen();
    closed.server.close();
    const a = await refusal(`${dropping.origin}/`, trusting(dropping));
    const b = await refusal(`${closed.origin}/`, trusting(closed));
    expect(a.code).toBe('FETCH_FAILED');
    expect(a.message).toBe(b.message);
  });

  it('never quotes the answer of a failing peer', async () => {
    const target = await listen((_req, res) => res.writeHead(500).end('SECRET-POLICY-TEXT'));
    const error = await refusal(`${target.origin}/`, trusting(target));
    expect(error.code).toBe('FETCH_FAILED');
    expect(error.message).not.toContain('SECRET');
  });
});

describe('outbound fetch: redirects (R-FETCH-3)', () => {
  it('re-checks a redirect to a loopback listener and never reaches it', async () => {
    const inner = await listen();
    const outer = await listen((_req, res) => res.writeHead(302, { location: `${inner.origin}/policy` }).end());
    const error = await refusal(`${outer.origin}/`, trusting(outer));
    expect(error.code).toBe('FETCH_URL_REFUSED');
    expect(inner.connections).toBe(0);
  });

  it('re-checks a redirect to a name that resolves to loopback', async () => {
    const inner = await listen();
    const outer = await listen((_req, res) =>
      res.writeHead(307, { location: `http://localhost:${inner.port}/` }).end(),
    );
    const error = await refusal(`${outer.origin}/`, { ...trusting(outer), httpHosts: [outer.host, 'localhost'] });
    expect(error.code).toBe('FETCH_ADDRESS_REFUSED');
    expect(inner.connections).toBe(0);
  });

  it('follows allowed redirects up to the limit, and refuses them all with maxRedirects 0', async () => {
    const target = await listen((req, res) => {
      const step = Number(req.url?.slice(1) ?? 0);
      if (step < 2) res.writeHead(301, { location: `/${step + 1}` }).end();
      else res.end('done');
    });
    const answer = await createOutboundFetch(trusting(target))(`${target.origin}/0`);
    expect(Buffer.from(answer.body).toString()).toBe('done');
    expect(answer.url).toBe(`${target.origin}/2`);
    expect((await refusal(`${target.origin}/0`, trusting(target, { maxRedirects: 1 }))).code).toBe(
      'FETCH_REDIRECT_REFUSED',
    );
    expect((await refusal(`${target.origin}/0`, trusting(target, { maxRedirects: 0 }))).code).toBe(
      'FETCH_REDIRECT_REFUSED',
    );
  });

  it('refuses a redirect to another scheme', async () => {
    const target = await listen((_req, res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end());
    expect((await refusal(`${target.origin}/`, trusting(target))).code).toBe('FETCH_URL_REFUSED');
  });
});

describe('outbound fetch: time and size (R-FETCH-4, R-FETCH-5)', () => {
  it('gives up on a peer that never answers', async () => {
    const target = await listen(() => undefined);
    const started = Date.now();
    const error = await refusal(`${target.origin}/`, trusting(target, { timeoutMs: 150 }));
    expect(error.code).toBe('FETCH_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('gives up on a body that stalls after the headers', async () => {
    const target = await listen((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"partial":');
    });
    expect((await refusal(`${target.origin}/`, trusting(target, { timeoutMs: 150 }))).code).toBe('FETCH_TIMEOUT');
  });

  it('refuses an announced length over the cap', async () => {
    const target = await listen((_req, res) => res.end('x'.repeat(2000)));
    const error = await refusal(`${target.origin}/`, trusting(target, { maxBytes: 1000 }));
    expect(error.code).toBe('FETCH_TOO_LARGE');
    expect(error.message).toContain('R-FETCH-5');
  });

  it('stops reading a chunked body once it passes the cap', async () => {
    const target = await listen((_req, res) => {
      res.writeHead(200);
      for (let i = 0; i < 20; i++) res.write('y'.repeat(100));
      res.end();
    });
    expect((await refusal(`${target.origin}/`, trusting(target, { maxBytes: 1000 }))).code).toBe('FETCH_TOO_LARGE');
    const exact = await createOutboundFetch(trusting(target, { maxBytes: 2000 }))(`${target.origin}/`);
    expect(exact.body.length).toBe(2000);
  });
});

describe('fetchPolicyFromEnv', () => {
  it('reads hosts and caps, and adds the trusted hosts to both lists', () => {
    const env = {
      DID_CITY_FETCH_ALLOW_HTTP: 'a.example, b.example:8080',
      DID_CITY_FETCH_ALLOW_PRIVATE: 'c.example',
      DID_CITY_FETCH_TIMEOUT_MS: '250',
      DID_CITY_FETCH_MAX_BYTES: '1000',
      DID_CITY_FETCH_MAX_REDIRECTS: '0',
    };
    expect(fetchPolicyFromEnv(env, hostsOf(['http://localhost:8080/issuer']))).toEqual({
      httpHosts: ['localhost:8080', 'a.example', 'b.example:8080'],
      privateHosts: ['localhost:8080', 'c.example'],
      timeoutMs: 250,
      maxBytes: 1000,
      maxRedirects: 0,
    });
    expect(fetchPolicyFromEnv({})).toEqual({ httpHosts: [], privateHosts: [] });
  });

  it('refuses a cap that is not a whole number and a host entry that is not a host', () => {
    expect(() => fetchPolicyFromEnv({ DID_CITY_FETCH_TIMEOUT_MS: '5s' })).toThrow(/DID_CITY_FETCH_TIMEOUT_MS/);
    expect(() => createOutboundFetch({ httpHosts: ['http://a.example/'] })).toThrow(/not a host/);
  });
});
