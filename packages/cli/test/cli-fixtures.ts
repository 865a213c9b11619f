/**
 * Helpers for the CLI process tests: a real ledger node (SQLite in a temp dir, three embedded witnesses) behind
 * its HTTP API and registration routes on loopback, and `did-city` spawned as a process the way a user runs it
 * from the repo (`node --conditions=source --import tsx packages/cli/src/bin.ts`).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLedgerRouter, createRegistrationRouter, LedgerNode } from '@did-city/ledger';
import express from 'express';

export const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const BIN = 'packages/cli/src/bin.ts';
export const INSTITUTE_TOKEN = 'institute-token-for-cli-tests';

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => done(port));
    });
  });
}

export interface TestLedger {
  url: string;
  node: LedgerNode;
  stop(): Promise<void>;
}

export async function startLedger(dataDir: string): Promise<TestLedger> {
  const node = await LedgerNode.open({ dataDir, sequencer: { batchIntervalMs: 5 } });
  const registrations = createRegistrationRouter(node, { dataDir, instituteTokens: { 'institute-a': INSTITUTE_TOKEN } });
  const app = express();
  app.use(registrations, createLedgerRouter(node));
  const server = await new Promise<Server>((done, fail) => {
    const listening = app.listen(0, '127.0.0.1', () => done(listening));
    listening.once('error', fail);
  });
  const stop = async () => {
    await new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    });
    registrations.registrations.close();
    await node.close();
  };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, node, stop };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for --json runs). */
  json<T = Record<string, unknown>>(): T;
}

/** Runs `did-city …` as a process; `env` adds to (and overrides) the test's environment. */
export function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((done) => {
    const argv = ['--conditions=source', '--import', 'tsx', BIN, ...args];
    execFile(process.execPath, argv, { cwd: REPO, env: { ...process.env, ...env }, timeout: 90_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      done({ code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T });
    });
  });
}
