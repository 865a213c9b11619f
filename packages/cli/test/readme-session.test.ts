/**
 * The example session of packages/cli/README.md, run exactly as written (the fenced block under "Example session",
 * by bash from the repository root) against a fresh all-in-one: apply → approve → resolve → issue → verify →
 * rotate → deactivate. Only the environment differs from a user's: the ledger URL, the data directory and the
 * CLI's home point at this test's server and temporary directories.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AllInOne, startAllInOne } from '../src/serve/server.ts';
import { REPO, tempDir } from './serve-fixtures.ts';

function sessionBlock(): string {
  const readme = readFileSync(join(REPO, 'packages/cli/README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Example session'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('packages/cli/README.md has no example session block');
  return block;
}

let temp: ReturnType<typeof tempDir>;
let running: AllInOne;

beforeAll(async () => {
  temp = tempDir('did-city-readme-');
  running = await startAllInOne({ port: 0, dataDir: join(temp.dir, 'data'), log: () => {} });
}, 60_000);
afterAll(async () => {
  await running?.close();
  temp.cleanup();
});

describe('packages/cli/README.md example session', () => {
  it('covers what the root README promises: apply, approve, resolve, issue, verify, rotate, deactivate', () => {
    const block = sessionBlock();
    for (const command of [
      'apply',
      'approve',
      'resolve',
      'credential issue',
      'credential verify',
      '--rotate-to',
      'deactivate',
    ]) {
      expect(block).toContain(`did-city ${command.startsWith('--') ? 'update' : command}`);
    }
  });

  it('runs exactly as written', async () => {
    const env = {
      ...process.env,
      DID_CITY_LEDGER: running.url,
      DATA_DIR: join(temp.dir, 'data'),
      DID_CITY_HOME: join(temp.dir, 'home'),
    };
    const { stdout } = await promisify(execFile)('bash', ['-c', sessionBlock()], {
      cwd: REPO,
      env,
      encoding: 'utf8',
      timeout: 540_000,
    });
    expect(stdout).toMatch(/anchored/);
    expect(stdout).toContain('did:city:cn:130200');
    expect(stdout).toMatch(/verified/i);
    expect(stdout).toMatch(/deactivated/i);
    const history = await fetch(`${running.url}/dids/did:city:cn:130200/history`).then(
      (r) => r.json() as Promise<{ entries: { operation: { type: string } }[] }>,
    );
    expect(history.entries.map((entry) => entry.operation.type)).toEqual(['create', 'update', 'deactivate']);
  }, 600_000);
});
