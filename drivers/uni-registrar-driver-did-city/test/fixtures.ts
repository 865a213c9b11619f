/**
 * The test setting: a real all-in-one (ledger node, witnesses, registration workflow) as a process, the registrar
 * driver as a process (`node --conditions=source --import tsx src/main.ts`, as the container runs dist/main.js),
 * a client that signs what the driver asks, and the institutes approving with their keys over the ledger API.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSigner, type KeyPair, keyPairFromSecret, type KeyType } from '@did-city/method';
import {
  approval,
  freePort,
  http,
  type Spawned,
  spawnAllInOne,
  tempDir,
  waitHealthy,
} from '../../../packages/cli/test/serve-fixtures.ts';
import { ENV_PREFIX } from '../src/config.ts';
import { expectRegistrarState } from './registrar-openapi.ts';

export { approval, http, tempDir };

const DRIVER_DIR = fileURLToPath(new URL('..', import.meta.url));

export interface Network {
  ledger: Spawned;
  dataDir: string;
  policy: string;
  institute(name: 'institute-a' | 'institute-b' | 'institute-c'): KeyPair;
  /** A seeded city's update key (110000, 120000, 130100). */
  cityKey(code: string): KeyPair;
  token(name: string): string;
  cleanup(): Promise<void>;
}

/** An all-in-one on a free loopback port with its own data directory, seeded and healthy. */
export async function startNetwork(): Promise<Network> {
  const temp = tempDir('did-city-registrar-');
  const ledger = spawnAllInOne({ port: await freePort(), dataDir: temp.dir });
  await waitHealthy(ledger.url);
  const policy = (await http(`${ledger.url}/policy`)).body as string;
  const keyOf = (file: string): KeyPair => {
    const { keys } = JSON.parse(readFileSync(join(temp.dir, 'keys', file), 'utf8')) as {
      keys: Array<{ keyType: KeyType; secretKey: string }>;
    };
    return keyPairFromSecret(keys[0]!.keyType, new Uint8Array(Buffer.from(keys[0]!.secretKey, 'base64url')));
  };
  const tokens = JSON.parse(readFileSync(join(temp.dir, 'tokens.json'), 'utf8')) as {
    institutes: Record<string, string>;
  };
  return {
    ledger,
    dataDir: temp.dir,
    policy,
    institute: (name) => keyOf(`${name}.json`),
    cityKey: (code) => keyOf(join('cities', `${code}.json`)),
    token: (name) => tokens.institutes[name]!,
    async cleanup() {
      await ledger.kill9();
      temp.cleanup();
    },
  };
}

export interface Driver {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** The driver's entry point as a process, with these settings (names without the prefix). */
export function startDriver(settings: Record<string, string>): Promise<Driver> {
  const env = Object.fromEntries(
    Object.entries({ port: '0', ...settings }).map(([name, value]) => [ENV_PREFIX + name, value]),
  );
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts'], {
    cwd: DRIVER_DIR,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the registrar driver did not start: ${output}`)), 30_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const port = /listening on port (\d+)/.exec(output)?.[1];
      if (port === undefined) return;
      clearTimeout(timer);
      resolve({ url: `http://127.0.0.1:${port}`, child, stop });
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    void exited.then(() => reject(new Error(`the registrar driver exited: ${output}`)));
  });
}

/** What the test modules share: one network, one driver process (restartable on the same job store). */
export interface E2e {
  readonly network: Network;
  readonly driver: Driver;
  /** The driver's data directory (jobs.db, checkpoints.json). */
  readonly dataDir: string;
  restartDriver(): Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever state the driver answered
export type State = any;

/** POSTs to the driver and checks the answer against the registrar's OpenAPI before returning it. */
export async function call(
  driver: Driver,
  operation: 'create' | 'update' | 'deactivate',
  body: unknown,
): Promise<{ status: number; body: State }> {
  const answer = await http(`${driver.url}/1.0/${operation}`, { body });
  expectRegistrarState(operation, answer.status, answer.body);
  return answer;
}

/** The client side of client-managed secrets: signs each request's serializedPayload with the key its kid names. */
export async function signingResponse(
  state: State,
  keys: KeyPair[],
): Promise<Record<string, { signature: string; kid: string; alg: string }>> {
  const response: Record<string, { signature: string; kid: string; alg: string }> = {};
  for (const [id, request] of Object.entries(
    state.didState.signingRequest as Record<string, { serializedPayload: string; kid: string; alg: string }>,
  )) {
    const key = keys.find((k) => request.kid === `did:key:${k.publicKeyMultibase}#${k.publicKeyMultibase}`);
    if (key === undefined) continue;
    const signature = await createSigner(key)(new Uint8Array(Buffer.from(request.serializedPayload, 'base64')));
    response[id] = { signature: Buffer.from(signature).toString('base64'), kid: request.kid, alg: request.alg };
  }
  return response;
}

/** The size of the ledger's log, from its health answer. */
export async function treeSize(network: Network): Promise<number> {
  return (await http(`${network.ledger.url}/health`)).body.treeSize as number;
}

/** Two institutes approve an application over the ledger API, as in the README session. */
export async function approveByTwo(network: Network, registrationId: string): Promise<void> {
  const view = await http(`${network.ledger.url}/registrations/${registrationId}`);
  const { proof: _none, ...unsigned } = view.body.operation as Record<string, unknown>;
  for (const name of ['institute-a', 'institute-c'] as const) {
    const answer = await http(`${network.ledger.url}/registrations/${registrationId}/approve`, {
      body: { proof: await approval(unsigned, network.institute(name)) },
    });
    if (answer.status !== 200) throw new Error(`approval by ${name}: ${answer.status} ${JSON.stringify(answer.body)}`);
  }
}
