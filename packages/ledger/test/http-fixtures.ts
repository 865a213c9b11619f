/**
 * Real HTTP for the API tests: a LedgerNode (SQLite in a temp dir, three embedded witnesses) behind
 * createLedgerApp on 127.0.0.1:0, with the request log captured so tests can grep it for secrets.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { expect } from 'vitest';
import { createLedgerApp } from '../src/http/router.ts';
import { LedgerNode, type LedgerNodeConfig } from '../src/node.ts';
import { tempDir } from './fixtures.ts';

export const ADMIN_TOKEN = 'admin-token-7f3c9e1b2a4d6f80-never-echo';

export interface Listening {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Listens on an ephemeral loopback port; close() also drops keep-alive connections. */
export function listen(app: Express): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      const close = () =>
        new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        });
      resolve({ url: `http://127.0.0.1:${port}/`, server, close });
    });
    server.once('error', reject);
  });
}

export interface LedgerServer extends Listening {
  node: LedgerNode;
  dir: string;
  logs: string[];
  /** Stops the server and the node and removes the data directory. */
  stop(): Promise<void>;
}

export async function startLedger(config: Partial<LedgerNodeConfig> = {}, dir?: string): Promise<LedgerServer> {
  const temp = dir === undefined ? tempDir('ledger-http-') : { dir, cleanup: () => {} };
  const node = await LedgerNode.open({
    allowUnpinnedGenesis: true,
    dataDir: temp.dir,
    sequencer: { batchIntervalMs: 5 },
    ...config,
  });
  const logs: string[] = [];
  const http = await listen(createLedgerApp(node, { adminToken: ADMIN_TOKEN, log: (line) => logs.push(line) }));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await http.close();
    await node.close();
    temp.cleanup();
  };
  return { ...http, node, dir: temp.dir, logs, stop };
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json(): unknown;
}

export async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return call(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: text });
}

/** The problem's `type` fragment (the did:city or W3C code), e.g. STALE_OPERATION. */
export function problemCode(answer: Answer): string {
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = answer.json() as { type: string; status: number; title: string; detail: string };
  expect(body.status).toBe(answer.status);
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  return body.type.slice(body.type.indexOf('#') + 1);
}
