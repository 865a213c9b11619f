/**
 * `did-city serve` as a process (the all-in-one on a free port), then the credential commands against it:
 * issue → verify → suspend (fails) → reinstate (verifies) → revoke (fails), verification done by the CLI itself
 * against the ledger, and the issuer refusing a wrong token (exit 1).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, freePort, REPO, tempDir } from './cli-fixtures.ts';

let temp: ReturnType<typeof tempDir>;
let server: ChildProcess;
let env: Record<string, string>;
let token: string;

beforeAll(async () => {
  temp = tempDir('did-city-cli-serve-');
  const port = await freePort();
  const dataDir = join(temp.dir, 'data');
  server = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      'packages/cli/src/bin.ts',
      'serve',
      '--port',
      String(port),
      '--data-dir',
      dataDir,
    ],
    {
      cwd: REPO,
      stdio: 'pipe',
    },
  );
  await new Promise<void>((done, fail) => {
    let text = '';
    const timer = setTimeout(() => fail(new Error(`serve did not start:\n${text}`)), 100_000);
    server.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('listening on')) {
        clearTimeout(timer);
        done();
      }
    });
  });
  token = (JSON.parse(readFileSync(join(dataDir, 'tokens.json'), 'utf8')) as { issuer: string }).issuer;
  env = {
    DID_CITY_LEDGER: `http://127.0.0.1:${port}`,
    DID_CITY_HOME: join(temp.dir, 'home'),
    DID_CITY_ISSUER_TOKEN: token,
  };
}, 120_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((done) => server.once('exit', done));
    server.kill('SIGTERM');
    await exited;
  }
  temp?.cleanup();
});

describe('did-city serve and the credential commands', { timeout: 120_000 }, () => {
  it('issues, verifies, suspends, reinstates and revokes a city identity credential', async () => {
    const file = join(temp.dir, 'tianjin.jwt');
    const issued = await cli(
      ['credential', 'issue', '--subject', 'did:city:cn:120000', '--name-en', 'Tianjin', '--out', file, '--json'],
      env,
    );
    expect(issued.code, issued.stderr).toBe(0);
    const { id } = issued.json<{ id: string }>();
    expect(id).toMatch(/^urn:uuid:/);

    const verified = await cli(['credential', 'verify', file], env);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/verified: vc-jwt credential issued by did:city:cn/);

    expect((await cli(['credential', 'suspend', id], env)).code).toBe(0);
    const suspended = await cli(['credential', 'verify', file], env);
    expect(suspended.code).toBe(1);
    expect(suspended.stdout).toMatch(/SUSPENDED/);

    expect((await cli(['credential', 'reinstate', id], env)).code).toBe(0);
    expect((await cli(['credential', 'verify', file], env)).code).toBe(0);

    expect((await cli(['credential', 'revoke', id], env)).code).toBe(0);
    const revoked = await cli(['credential', 'verify', file], env);
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toMatch(/^error: Credential not verified: REVOKED/m);
  });

  it('a wrong issuer token is refused (exit 1)', async () => {
    const refused = await cli(
      ['credential', 'issue', '--subject', 'did:city:cn:120000', '--name-en', 'Tianjin', '--format', 'di'],
      { ...env, DID_CITY_ISSUER_TOKEN: 'wrong' },
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: Missing or wrong credentials/m);
  });

  it('history of a seeded city passes every check', async () => {
    const history = await cli(['history', 'did:city:cn:130100', '--json'], env);
    expect(history.code, history.stderr).toBe(0);
    expect(history.json()).toMatchObject({
      verified: true,
      verification: { checkpoint: { status: 'ok' }, inclusion: { status: 'ok' }, chain: { status: 'ok' } },
    });
  });
});
