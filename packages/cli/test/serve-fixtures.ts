/**
 * Helpers for the all-in-one tests: a real process on a free port (`node --conditions=source --import tsx`), the
 * operations a city and the institutes sign, and HTTP calls.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createOperation,
  createProof,
  createSigner,
  type DocumentContent,
  didKeyUrl,
  type KeyPair,
  PROOF_PURPOSE,
  signOperation,
  type UnsignedOperation,
} from '@did-city/method';

export const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const MAIN = 'packages/cli/src/serve/main.ts';

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

export interface Spawned {
  child: ChildProcess;
  url: string;
  output(): string;
  /** Resolves once stdout has shown `text`. */
  waitFor(text: string, ms?: number): Promise<void>;
  kill9(): Promise<void>;
}

export function spawnAllInOne(options: { port: number; dataDir: string }): Spawned {
  const env = { ...process.env, PORT: String(options.port), DATA_DIR: options.dataDir, HOST: '127.0.0.1' };
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', MAIN], {
    cwd: REPO,
    env,
    stdio: 'pipe',
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return {
    child,
    url: `http://127.0.0.1:${options.port}`,
    output: () => text,
    async waitFor(wanted, ms = 30_000) {
      const deadline = Date.now() + ms;
      while (!text.includes(wanted)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`"${wanted}" not seen; output:\n${text}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Waits for `GET /health` to answer 200 (the seeding is complete). */
export async function waitHealthy(url: string, ms = 40_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const status = await fetch(`${url}/health`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${url}/health did not answer 200 in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the server answered
  body: any;
}

export async function http(
  url: string,
  init: { method?: string; body?: unknown; token?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  if (init.token !== undefined) headers['Authorization'] = `Bearer ${init.token}`;
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  const response = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // a text answer (checkpoint), kept as is
  }
  return { status: response.status, body: parsed };
}

export function keyDocument(key: KeyPair): DocumentContent {
  return {
    verificationMethod: [{ id: '#key-1', type: 'Multikey', publicKeyMultibase: key.publicKeyMultibase }],
    authentication: ['#key-1'],
    assertionMethod: ['#key-1'],
  };
}

export function sign(unsigned: UnsignedOperation, keys: KeyPair[]) {
  return signOperation(unsigned, keys.map(createSigner));
}

export function createOf(did: string, key: KeyPair): UnsignedOperation {
  return createOperation({ did, updateKeys: [key.publicKeyMultibase], document: keyDocument(key) });
}

/** An institute's approval of an application: a proof over the unsigned create. */
export function approval(unsigned: object, institute: KeyPair) {
  const verificationMethod = didKeyUrl(institute.publicKeyMultibase);
  return createProof(unsigned, { signer: createSigner(institute), verificationMethod, proofPurpose: PROOF_PURPOSE });
}
