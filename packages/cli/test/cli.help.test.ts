/**
 * `--help` is complete: every command's help exits 0 and names every one of its options and the global ones, and
 * `did-city --help` lists every command. Most run in-process through `run()` (the same code bin.ts runs); one
 * spawned process checks the bin itself.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { GLOBAL_OPTIONS } from '../src/args.ts';
import { run } from '../src/cli.ts';
import { COMMANDS } from '../src/commands/index.ts';
import { cli } from './cli-fixtures.ts';

async function capture(
  argv: string[],
  env: Record<string, string> = {},
): Promise<{ code: unknown; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  const code = await run(argv, { stdout: sink((t) => (stdout += t)), stderr: sink((t) => (stderr += t)), env });
  return { code, stdout, stderr };
}

describe('did-city --help', () => {
  it('lists every command', async () => {
    const { code, stdout } = await capture(['--help']);
    expect(code).toBe(0);
    for (const command of COMMANDS) expect(stdout).toContain(`  ${command.name} `);
    expect(stdout).toMatch(
      /Exit codes: 0 success, 1 refused or verification failed, 2 usage error, 3 ledger or issuer unreachable/,
    );
  });

  for (const command of COMMANDS) {
    it(`did-city ${command.name} --help names every option`, async () => {
      const { code, stdout } = await capture([...command.name.split(' '), '--help']);
      expect(code).toBe(0);
      expect(stdout).toContain(`Usage: did-city ${command.name}`);
      for (const name of [...Object.keys(command.options), ...Object.keys(GLOBAL_OPTIONS)])
        expect(stdout).toContain(`--${name}`);
      for (const positional of command.positionals ?? []) expect(stdout).toContain(positional.name);
    });
  }

  it('a command group without a subcommand shows its commands (exit 2)', async () => {
    const { code, stdout } = await capture(['credential']);
    expect(code).toBe(2);
    expect(stdout).toContain('credential verify');
  });

  it('an unknown command is a usage error (exit 2)', async () => {
    const { code, stderr } = await capture(['frobnicate']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown command "frobnicate"/);
  });

  it('--version prints the package version (JSON with --json)', async () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(await capture(['--version'])).toEqual({ code: 0, stdout: `did-city ${manifest.version}\n`, stderr: '' });
    const json = await capture(['--version', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ name: '@did-city/cli', version: manifest.version });
  });

  it('with --json a failure is one JSON value on stdout (and the human text on stderr)', async () => {
    const { code, stdout, stderr } = await capture(['frobnicate', '--json']);
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toEqual({
      error: { title: 'Usage error', detail: 'unknown command "frobnicate"', hint: 'see did-city --help', exitCode: 2 },
    });
    expect(stderr).toMatch(/^error: Usage error: unknown command "frobnicate"/);
  });

  it('a key file that does not exist is named as missing, with what to do', async () => {
    const home = mkdtempSync(join(tmpdir(), 'did-city-home-'));
    const args = ['deactivate', '--did', 'did:city:cn:130100', '--key', 'sjz', '--json'];
    const { code, stdout } = await capture(args, { DID_CITY_HOME: home });
    expect(code).toBe(1);
    const { error } = JSON.parse(stdout) as { error: { title: string; detail: string; hint: string } };
    expect(error.title).toBe('Key file not found');
    expect(error.detail).toBe(`the key file ${join(home, 'keys.json')} does not exist`);
    expect(error.hint).toMatch(/did-city keys generate --name sjz/);
  });

  it('the default key file is under DID_CITY_HOME (~/.did-city), not the working directory', async () => {
    const home = join(mkdtempSync(join(tmpdir(), 'did-city-home-')), 'nested');
    const { code } = await capture(['keys', 'generate', '--name', 'a', '--json'], { DID_CITY_HOME: home });
    expect(code).toBe(0);
    expect(statSync(join(home, 'keys.json')).mode & 0o777).toBe(0o600);
    expect(statSync(home).mode & 0o777).toBe(0o700);
  });

  it('the bin runs as a process', async () => {
    const { code, stdout } = await cli(['keys', 'generate', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--type TYPE');
  });
});
