/**
 * Helpers for the CLI process tests: a real ledger node (SQLite in a temp dir, three embedded witnesses) behind
 * its HTTP API and registration routes on loopback, and `did-city` spawned as a process the way a user runs it
 * from the repo (`node --conditions=source --import tsx packages/cli/src/bin.ts`).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLedgerRouter, createRegistrationRouter, LedgerNode } from '@did-city/ledger';
import { type KeyPair, type KeyType, keyPairFromSecret } from '@did-city/method';
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

export async function startLedger(dataDir: string, options: { adminToken?: string } = {}): Promise<TestLedger> {
  const node = await LedgerNode.open({ allowUnpinnedGenesis: true, dataDir, sequencer: { batchIntervalMs: 5 } });
  const registrations = createRegistrationRouter(node, {
    dataDir,
    instituteTokens: { 'institute-a': INSTITUTE_TOKEN },
  });
  const app = express();
  app.use(registrations, createLedgerRouter(node, options));
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
    execFile(
      process.execPath,
      argv,
      { cwd: REPO, env: { ...process.env, ...env }, timeout: 90_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        done({ code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T });
      },
    );
  });
}

export interface CliServer {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects if the process exits first or after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then SIGKILL after a grace period; resolves when the process has exited. */
  stop(): Promise<void>;
}

const servers = new Set<CliServer>();
// A test process that dies before its afterAll leaves no server behind.
process.once('exit', () => {
  for (const server of servers)
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
});

/** Starts `did-city …` (a server command) as a process; `env` adds to the test's environment. */
export function spawnCli(args: string[], env: Record<string, string> = {}): CliServer {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', BIN, ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const server: CliServer = {
    child,
    output: () => text,
    async waitFor(pattern, ms = 20_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const match = pattern.exec(text);
        if (match !== null) return match;
        if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
          throw new Error(
            `did-city ${args[0]}: ${pattern} not seen (exit ${child.exitCode ?? child.signalCode ?? 'none'}); output:\n${text}`,
          );
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async stop() {
      servers.delete(server);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
  servers.add(server);
  return server;
}

/** The key pair named `name` in a CLI key file, as the tests read back what `did-city keys generate` wrote. */
export function keyPairIn(keyFile: string, name: string): KeyPair {
  const file = JSON.parse(readFileSync(keyFile, 'utf8')) as {
    keys: Array<{ name: string; keyType: KeyType; secretKey: string }>;
  };
  const key = file.keys.find((k) => k.name === name);
  if (key === undefined) throw new Error(`${keyFile} holds no key named ${name}`);
  return keyPairFromSecret(key.keyType, new Uint8Array(Buffer.from(key.secretKey, 'base64url')));
}
