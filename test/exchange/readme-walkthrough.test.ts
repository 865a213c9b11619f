/**
 * The root README's "Share data between cities" session, run by bash exactly as written against a fresh
 * all-in-one: Beijing publishes a dataset (anchored), grants Shijiazhuang, Shijiazhuang fetches it verified, the
 * grant is revoked and the next fetch refused, the access log shows both. Only the environment differs from a
 * user's: the ledger URL, the data directory and the CLI's home point at this test's server and directories.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type AllInOne, startAllInOne } from '@did-city/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './fixtures.ts';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));

function walkthrough(): string {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('## Share data between cities')))?.[1];
  if (block === undefined) throw new Error('README.md has no data-sharing session');
  return block;
}

let temp: ReturnType<typeof tempDir>;
let running: AllInOne;

beforeAll(async () => {
  temp = tempDir('did-city-walkthrough-');
  running = await startAllInOne({ port: 0, dataDir: join(temp.dir, 'data'), log: () => {} });
}, 90_000);
afterAll(async () => {
  await running?.close();
  temp?.cleanup();
});

describe('README: share data between cities', () => {
  it('runs as written: publish, grant, fetch verified, revoke and be refused, read the access log', async () => {
    const env = {
      ...process.env,
      DID_CITY_LEDGER: running.url,
      DATA_DIR: join(temp.dir, 'data'),
      DID_CITY_HOME: join(temp.dir, 'home'),
    };
    const { stdout, stderr } = await promisify(execFile)('bash', ['-c', walkthrough()], {
      cwd: REPO,
      env,
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(stdout).toMatch(/published did:city:cn:110000\/resources\/[0-9a-f-]{36}/);
    expect(stdout).toContain('bus-ridership  Daily bus ridership  (1 releases)');
    expect(stdout).toContain('date,line,riders\n2026-12-01,1,512000');
    expect(stderr).toMatch(
      /verified: \d+ bytes of did:city:cn:110000\/resources\/[0-9a-f-]{36}, sha-256 [0-9a-f]{64} matches the ledger checksum/,
    );
    expect(stderr).toMatch(/error: Data-sharing grant not accepted: .*REVOKED/);
    const log = stdout
      .trim()
      .split('\n')
      .filter((line) => line.startsWith('{"time"'))
      .map((line) => JSON.parse(line) as { decision: string; consumer?: string; reason: string });
    expect(
      log.filter((entry) => entry.consumer === 'did:city:cn:130100').map((entry) => [entry.decision, entry.reason]),
    ).toEqual([
      ['allowed', 'GRANTED'],
      ['denied', 'GRANT_INVALID'],
    ]);
  }, 300_000);
});
