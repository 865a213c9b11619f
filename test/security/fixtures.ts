/**
 * The security suite's all-in-one: the real server (ledger, witnesses, registration, driver, issuer) started in
 * process on 127.0.0.1 with a free port and a fresh data directory, and an HTTP client that can choose its loopback
 * source address (127.0.0.2, .3, … are other clients to the server), which fetch cannot.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AllInOne, type AllInOneOptions, startAllInOne } from '@did-city/cli';

export interface Target {
  running: AllInOne;
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:40123 */
  url: string;
  dataDir: string;
  logs: string[];
  tokens(): { admin: string; issuer: string; institutes: Record<string, string> };
  stop(): Promise<void>;
}

export async function startTarget(
  options: Omit<AllInOneOptions, 'port' | 'host' | 'log'> & { dataDir?: string } = {},
): Promise<Target> {
  const owned = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'did-city-security-'));
  const logs: string[] = [];
  const running = await startAllInOne({
    ...options,
    port: 0,
    host: '127.0.0.1',
    dataDir,
    log: (line) => logs.push(line),
  });
  const url = `http://127.0.0.1:${running.port}`;
  return {
    running,
    url,
    dataDir,
    logs,
    tokens: () => JSON.parse(readFileSync(join(dataDir, 'tokens.json'), 'utf8')),
    async stop() {
      await running.close();
      if (owned) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): unknown;
}

export interface SendOptions {
  method?: string;
  /** Loopback source address; default 127.0.0.1. */
  from?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** One request on its own connection, from a chosen source address. */
export function send(url: string, options: SendOptions = {}): Promise<Reply> {
  return new Promise((done, fail) => {
    const headers = options.headers ?? {};
    const req = request(
      url,
      { method: options.method ?? 'GET', localAddress: options.from ?? '127.0.0.1', headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () =>
          done({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) }),
        );
      },
    );
    req.on('error', fail);
    req.end(options.body);
  });
}

export function postJson(
  url: string,
  body: unknown,
  options: Omit<SendOptions, 'method' | 'body'> = {},
): Promise<Reply> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return send(url, {
    ...options,
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...options.headers },
    body: text,
  });
}

/** The did:city code of a problem answer (the fragment of its `type`), after checking it is RFC 9457 shaped. */
export function problemCode(reply: Reply): string {
  if (!/^application\/problem\+json/.test(String(reply.headers['content-type'])))
    throw new Error(`not a problem: ${reply.status} ${reply.body.slice(0, 200)}`);
  const body = reply.json() as { type: string; status: number };
  if (body.status !== reply.status) throw new Error(`problem status ${body.status} on a ${reply.status} answer`);
  return body.type.slice(body.type.indexOf('#') + 1);
}
