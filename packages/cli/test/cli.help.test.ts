/**
 * `--help` is complete: every command's help exits 0 and names every one of its options and the global ones, and
 * `did-city --help` lists every command. Most run in-process through `run()` (the same code bin.ts runs); one
 * spawned process checks the bin itself.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { GLOBAL_OPTIONS } from '../src/args.ts';
import { run } from '../src/cli.ts';
import { COMMANDS } from '../src/commands/index.ts';
import { cli } from './cli-fixtures.ts';

async function capture(argv: string[]): Promise<{ code: unknown; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  const code = await run(argv, { stdout: sink((t) => (stdout += t)), stderr: sink((t) => (stderr += t)), env: {} });
  return { code, stdout, stderr };
}

describe('did-city --help', () => {
  it('lists every command', async () => {
    const { code, stdout } = await capture(['--help']);
    expect(code).toBe(0);
    for (const command of COMMANDS) expect(stdout).toContain(`  ${command.name} `);
    expect(stdout).toMatch(/Exit codes: 0 success, 1 refused or verification failed, 2 usage error, 3 ledger or issuer unreachable/);
  });

  for (const command of COMMANDS) {
    it(`did-city ${command.name} --help names every option`, async () => {
      const { code, stdout } = await capture([...command.name.split(' '), '--help']);
      expect(code).toBe(0);
      expect(stdout).toContain(`Usage: did-city ${command.name}`);
      for (const name of [...Object.keys(command.options), ...Object.keys(GLOBAL_OPTIONS)]) expect(stdout).toContain(`--${name}`);
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

  it('the bin runs as a process', async () => {
    const { code, stdout } = await cli(['keys', 'generate', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--type TYPE');
  });
});
