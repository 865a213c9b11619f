/**
 * Three institutes as separate processes on loopback, configured as in deploy/three-institutes/*.env: a real
 * PostgreSQL primary and synchronous standby (test/pg/harness.ts), institute A's `did-city ledger` on the primary
 * (sequencing), institute B's on the standby (serving reads, waiting for leadership), one `did-city witness` per
 * institute with its own key and state, and a Universal Resolver driver at A and at B. apply → approve (two
 * institutes) → resolve through both drivers; then A's primary is killed (`pg_ctl stop -m immediate`): A's node exits
 * 1 naming the lost lock, the standby is promoted, B's node takes over and signs with its own log key, and a second
 * city is applied for, approved and resolved through B. Without PostgreSQL this skips locally and fails in CI.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createOperation,
  createSigner,
  type KeyPair,
  type KeyType,
  keyPairFromSecret,
  signOperation,
} from '@did-city/method';
import { generateKeyPair, openNote, SIGNATURE_TYPE, verifierFromKey, verifierKeyOf } from '@did-city/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgCluster, postgresBin, startCluster } from '../../ledger/test/pg/harness.ts';
import { run } from '../src/cli.ts';
import { cli, freePort, REPO, tempDir } from './cli-fixtures.ts';

const bin = postgresBin();
const ORIGIN = 'city.ledger/prod';
const INSTITUTES = ['institute-a', 'institute-b', 'institute-c'] as const;
const SJZ = 'did:city:cn:130100';
const TANGSHAN = 'did:city:cn:130200';
const ADMIN_TOKEN = 'admin-token-of-the-e2e';

interface Proc {
  name: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  waitFor(text: string, ms?: number): Promise<void>;
}

const procs: Proc[] = [];
// If the test process dies before afterAll, no institute process outlives it (the harness removes PostgreSQL).
process.on('exit', () => {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
});

/** A server process as its supervisor starts it: `node --conditions=source --import tsx <entry>`, settings in env. */
function start(name: string, entry: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', entry, ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const proc: Proc = {
    name,
    child,
    output: () => text,
    exited,
    async waitFor(wanted, ms = 30_000) {
      const deadline = Date.now() + ms;
      while (!text.includes(wanted)) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`${name}: "${wanted}" not seen; output:\n${text}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
  procs.push(proc);
  return proc;
}

async function stopAll(): Promise<void> {
  await Promise.all(
    procs.map(async (p) => {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await p.exited;
    }),
  );
}

/** GET until `ok` holds (a standby replays commits a moment after the primary acknowledged them). */
async function eventually(
  url: string,
  ok: (status: number) => boolean,
  ms = 15_000,
): Promise<{ status: number; body: unknown }> {
  const deadline = Date.now() + ms;
  for (;;) {
    const response = await fetch(url).catch(() => undefined);
    const answer = response
      ? { status: response.status, body: await response.json().catch(() => undefined) }
      : { status: 0, body: undefined };
    if (ok(answer.status) || Date.now() > deadline) return answer;
    await new Promise((r) => setTimeout(r, 100));
  }
}

let temp: ReturnType<typeof tempDir>;
let cluster: PgCluster | undefined;
const dir = (...parts: string[]) => join(temp.dir, ...parts);
const url = (port: number) => `http://127.0.0.1:${port}/`;
let ports: Record<string, number>;
let cliEnv: Record<string, string>;
let nodeA: Proc;
let nodeB: Proc;
const logKeys: Record<string, { signerKey: string; verifierKey: string }> = {};

function keyPair(name: string): KeyPair {
  const file = JSON.parse(readFileSync(dir('keys.json'), 'utf8')) as {
    keys: Array<{ name: string; keyType: KeyType; secretKey: string }>;
  };
  const key = file.keys.find((k) => k.name === name)!;
  return keyPairFromSecret(key.keyType, new Uint8Array(Buffer.from(key.secretKey, 'base64url')));
}

/** `did-city …` as a process, verifying against the institutes' policy file (no trust on first use). */
async function ok(args: string[]) {
  const result = await cli(args[0] === 'keys' ? args : [...args, '--policy', dir('policy.txt')], cliEnv);
  expect(result.code, `did-city ${args.join(' ')}\n${result.stderr}`).toBe(0);
  return result;
}

/** apply (signed by the city's key) → approve by institutes A and B → anchored, all with the `did-city` command. */
async function register(did: string, cityKey: string, ledger: string): Promise<void> {
  const applied = await ok([
    'apply',
    '--did',
    did,
    '--key',
    cityKey,
    '--organisation',
    `${cityKey} data bureau`,
    '--email',
    `did@${cityKey}.example`,
    '--ledger',
    ledger,
    '--json',
  ]);
  const { id } = applied.json<{ id: string }>();
  const first = await ok(['approve', id, '--key', 'institute-a', '--ledger', ledger, '--json']);
  expect(first.json<{ status: string }>().status).toBe('pending');
  const second = await ok(['approve', id, '--key', 'institute-b', '--ledger', ledger, '--json']);
  expect(second.json<{ status: string }>().status).toBe('anchored');
}

function ledgerEnv(institute: 'a' | 'b', pgPort: number): Record<string, string> {
  return {
    DID_CITY_LEDGER_DATABASE_URL: `postgresql://postgres@127.0.0.1:${pgPort}/ledger`,
    DID_CITY_LEDGER_ORIGIN: ORIGIN,
    DID_CITY_LEDGER_LOG_KEY_FILE: dir(`institute-${institute}`, 'log.key'),
    DID_CITY_LEDGER_POLICY_FILE: dir('policy.txt'),
    DID_CITY_LEDGER_WITNESSES: INSTITUTES.map((name) => `${name}=${url(ports[`witness-${name}`]!)}`).join(','),
    DID_CITY_LEDGER_GENESIS_FILE: dir('genesis.json'),
    DID_CITY_LEDGER_DATA_DIR: dir(`institute-${institute}`, 'ledger'),
    DID_CITY_LEDGER_LISTEN: `127.0.0.1:${ports[`node-${institute}`]}`,
    DID_CITY_LEDGER_ADMIN_TOKEN_FILE: dir('admin-token'),
    DID_CITY_LEDGER_INSTITUTE_TOKENS_FILE: dir('institute-tokens'),
    DID_CITY_LEDGER_LEADERSHIP_RETRY_MS: '100',
    DID_CITY_LEDGER_BATCH_INTERVAL_MS: '10',
    DID_CITY_LEDGER_ACK_TIMEOUT_MS: '20000',
  };
}

function startDriver(institute: 'a' | 'b'): Proc {
  return start(`driver-${institute}`, 'drivers/uni-resolver-driver-did-city/src/main.ts', [], {
    uniresolver_driver_did_city_ledgerUrl: url(ports[`node-${institute}`]!),
    uniresolver_driver_did_city_trustPolicy: dir('policy.txt'),
    uniresolver_driver_did_city_port: String(ports[`driver-${institute}`]),
    uniresolver_driver_did_city_cacheTtl: '0',
    uniresolver_driver_did_city_checkpointStore: dir(`driver-${institute}`, 'checkpoints.json'),
  });
}

describe.skipIf(bin === undefined)(
  'three institutes as processes: PostgreSQL failover from A to B',
  { timeout: 90_000 },
  () => {
    beforeAll(async () => {
      temp = tempDir('did-city-institutes-');
      const names = ['node-a', 'node-b', 'driver-a', 'driver-b', ...INSTITUTES.map((n) => `witness-${n}`)];
      ports = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await freePort()] as const)));
      const clusterStarted = startCluster({ bin: bin!, standby: true });

      // Keys as each institute generates them: a log key named after the origin, a witness key, a registry key.
      const witnessKeys = INSTITUTES.map((name) => generateKeyPair(name).signerKey);
      for (const [i, name] of INSTITUTES.entries()) {
        logKeys[name] = generateKeyPair(ORIGIN);
        await run(['keys', 'generate', '--name', name, '--keys', dir('keys.json')], {
          stdout: devNull(),
          stderr: devNull(),
        });
        mkdirSync(dir(name));
        writeFileSync(dir(name, 'log.key'), `${logKeys[name]!.signerKey}\n`, { mode: 0o600 });
        writeFileSync(dir(name, 'witness.key'), `${witnessKeys[i]}\n`, { mode: 0o600 });
      }
      const policy = [
        ...INSTITUTES.map((name) => `log ${logKeys[name]!.verifierKey}`),
        ...INSTITUTES.map(
          (name, i) =>
            `witness ${name} ${verifierKeyOf(witnessKeys[i]!, SIGNATURE_TYPE.cosignatureV1)} ${url(ports[`witness-${name}`]!)}`,
        ),
        `group institutes 2 ${INSTITUTES.join(' ')}`,
        'quorum institutes',
      ];
      writeFileSync(dir('policy.txt'), `${policy.join('\n')}\n`);
      writeFileSync(dir('log-keys.txt'), `${INSTITUTES.map((name) => logKeys[name]!.verifierKey).join('\n')}\n`);
      writeFileSync(dir('admin-token'), `${ADMIN_TOKEN}\n`, { mode: 0o600 });
      writeFileSync(dir('institute-tokens'), `${INSTITUTES.map((name) => `${name}=token-of-${name}`).join('\n')}\n`, {
        mode: 0o600,
      });
      cliEnv = { DID_CITY_KEYS: dir('keys.json'), DID_CITY_HOME: dir('home'), DID_CITY_TOKEN: '' };

      cluster = await clusterStarted;
      await cluster.createDatabase('ledger');
    });

    afterAll(async () => {
      await stopAll();
      await cluster?.destroy();
      temp?.cleanup();
    });

    it('starts the witnesses, A sequencing on the primary, B serving reads on the standby, and a driver at each', async () => {
      // The registry genesis is pinned to the three institutes' keys (DID_CITY_LEDGER_GENESIS_FILE).
      const institutes = INSTITUTES.map(keyPair);
      writeFileSync(
        dir('genesis.json'),
        JSON.stringify({ 'did:city:cn': { updateKeys: institutes.map((k) => k.publicKeyMultibase) } }),
      );
      const witnesses = INSTITUTES.map((name) =>
        start(`witness-${name}`, 'packages/cli/src/bin.ts', ['witness'], {
          DID_CITY_WITNESS_NAME: name,
          DID_CITY_WITNESS_KEY_FILE: dir(name, 'witness.key'),
          DID_CITY_WITNESS_STATE: dir(name, 'witness', 'state.db'),
          DID_CITY_WITNESS_LOG_KEYS_FILE: dir('log-keys.txt'),
          DID_CITY_WITNESS_LISTEN: `127.0.0.1:${ports[`witness-${name}`]}`,
        }),
      );
      await Promise.all(witnesses.map((w) => w.waitFor('listening on')));

      nodeA = start('node-a', 'packages/cli/src/bin.ts', ['ledger'], ledgerEnv('a', cluster!.primary.port));
      await nodeA.waitFor('listening on');
      expect(nodeA.output()).toContain('sequencing: this node holds the sequencer lock');
      expect(nodeA.output()).toContain(`log key ${logKeys['institute-a']!.verifierKey}`);

      nodeB = start('node-b', 'packages/cli/src/bin.ts', ['ledger'], ledgerEnv('b', cluster!.standby!.port));
      const drivers = [startDriver('a'), startDriver('b')];
      await Promise.all([nodeB.waitFor('not sequencing'), ...drivers.map((d) => d.waitFor('listening on port'))]);
      expect(nodeB.output()).not.toContain('sequencing: this node holds');
    });

    it('a waiting node refuses writes and registrations with 503 and serves reads', async () => {
      const b = url(ports['node-b']!);
      const write = await fetch(`${b}operations`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(write.status).toBe(503);
      expect(((await write.json()) as { detail: string }).detail).toMatch(/does not sequence/);
      const apply = await fetch(`${b}registrations`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(apply.status).toBe(503);
      expect(((await apply.json()) as { detail: string }).detail).toMatch(/does not sequence/);
      expect((await fetch(`${b}health`)).status).toBe(200);
      expect(await (await fetch(`${b}policy`)).text()).toBe(readFileSync(dir('policy.txt'), 'utf8'));
    });

    it('apply → approve by two institutes through A → resolves through the drivers at A and at B (standby reads)', async () => {
      const institutes = INSTITUTES.map(keyPair);
      const genesis = createOperation({
        did: 'did:city:cn',
        updateKeys: institutes.map((k) => k.publicKeyMultibase),
        threshold: 2,
        document: {},
      });
      const signed = await signOperation(genesis, institutes.slice(0, 2).map(createSigner));
      const governance = await fetch(`${url(ports['node-a']!)}governance/operations`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_TOKEN}` },
        body: JSON.stringify(signed),
      });
      expect(governance.status, await governance.clone().text()).toBe(201);

      await ok(['keys', 'generate', '--name', 'sjz']);
      await register(SJZ, 'sjz', url(ports['node-a']!));

      const atA = await eventually(`${url(ports['driver-a']!)}1.0/identifiers/${SJZ}`, (s) => s === 200);
      expect(atA.status).toBe(200);
      expect((atA.body as { didDocument: { id: string } }).didDocument.id).toBe(SJZ);
      const atB = await eventually(`${url(ports['driver-b']!)}1.0/identifiers/${SJZ}`, (s) => s === 200);
      expect(atB.status).toBe(200);
    });

    it("A's primary dies: A's node exits 1 naming the lost lock; the standby is promoted and B sequences with its own key", async () => {
      await cluster!.primary.kill();
      const code = await Promise.race([nodeA.exited, new Promise((r) => setTimeout(() => r('still running'), 15_000))]);
      expect(code, nodeA.output()).toBe(1);
      expect(nodeA.output()).toMatch(
        /error: Sequencer lock lost: the database session holding the sequencer lock ended/,
      );

      await cluster!.standby!.promote();
      await nodeB.waitFor('sequencing: this node holds the sequencer lock', 30_000);

      await ok(['keys', 'generate', '--name', 'tangshan']);
      await register(TANGSHAN, 'tangshan', url(ports['node-b']!));
      const checkpoint = await (await fetch(`${url(ports['node-b']!)}checkpoint`)).text();
      const byB = openNote(checkpoint, [verifierFromKey(logKeys['institute-b']!.verifierKey)]);
      expect(byB.verified.length).toBe(1);
    });

    it('both cities resolve through the driver at B, and the CLI verifies them against the policy', async () => {
      for (const did of [SJZ, TANGSHAN]) {
        const answer = await eventually(`${url(ports['driver-b']!)}1.0/identifiers/${did}`, (s) => s === 200);
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        expect((answer.body as { didDocument: { id: string } }).didDocument.id).toBe(did);
      }
      const resolved = await ok(['resolve', TANGSHAN, '--ledger', url(ports['node-b']!), '--json']);
      expect(resolved.json<{ didDocument: { id: string } }>().didDocument.id).toBe(TANGSHAN);
    });
  },
);

function devNull() {
  return { write: () => true } as unknown as NodeJS.WritableStream;
}
