/**
 * The checkpoint-age settings as processes on loopback: `did-city ledger --recosign-interval MS` (env
 * DID_CITY_LEDGER_RECOSIGN_INTERVAL_MS) has the witnesses co-sign an idle node's checkpoint again (same tree, newer
 * cosignatures), `did-city driver --max-checkpoint-age S` and the CLI's reads under DID_CITY_MAX_CHECKPOINT_AGE refuse a
 * checkpoint co-signed longer ago, and bad values
 * stop each command with exit 2 before anything starts. `startAllInOne` refuses an interval that cannot keep its
 * own resolver's age limit. Waits a few seconds (cosignature times are whole seconds).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createWorld } from '@did-city/testing';
import { parseCheckpoint, parseNote } from '@did-city/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAllInOne } from '../src/serve/index.ts';
import { type CliServer, cli, spawnCli, startLedger, type TestLedger, tempDir } from './cli-fixtures.ts';

const ADMIN = 'admin-token-for-checkpoint-age-tests';
let temp: ReturnType<typeof tempDir>;
const running: CliServer[] = [];

beforeAll(() => {
  temp = tempDir('did-city-cli-age-');
});
afterAll(async () => {
  await Promise.all(running.map((server) => server.stop()));
  temp?.cleanup();
});

/** The registry genesis (2 of 3 institutes, an empty document) of @did-city/testing's world. */
const genesis = async () => (await createWorld({ registryDocument: {}, cities: {} })).genesis;

/** The size and newest cosignature time (POSIX s) of a node's checkpoint. */
async function checkpointOf(base: string): Promise<{ note: string; size: number; newest: number }> {
  const note = await (await fetch(`${base}checkpoint`)).text();
  const parsed = parseNote(note);
  // Cosignatures (C2SP tlog-cosignature) are a uint64 timestamp and a 64-byte signature; the log's is 64 bytes.
  const cosignatures = parsed.signatures.filter((s) => s.signature.length === 72);
  const times = cosignatures.map((s) => Number(Buffer.from(s.signature).readBigUInt64BE(0)));
  return { note, size: parseCheckpoint(parsed.text).size, newest: Math.max(...times) };
}

describe('did-city ledger --recosign-interval', { timeout: 60_000 }, () => {
  it('refuses 0 and non-numbers (exit 2)', async () => {
    const home = { DID_CITY_HOME: join(temp.dir, 'home') };
    const zero = await cli(
      ['ledger', '--port', '0', '--data-dir', join(temp.dir, 'zero'), '--recosign-interval', '0'],
      home,
    );
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--recosign-interval="0" must be a positive number of milliseconds/);
    const env = await cli(['ledger', '--port', '0', '--data-dir', join(temp.dir, 'env')], {
      ...home,
      DID_CITY_LEDGER_RECOSIGN_INTERVAL_MS: '5s',
    });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/DID_CITY_LEDGER_RECOSIGN_INTERVAL_MS="5s"/);
  });

  it('an idle node has its checkpoint co-signed again: same tree, newer cosignatures', async () => {
    const node = spawnCli(
      [
        'ledger',
        '--port',
        '0',
        '--data-dir',
        join(temp.dir, 'node'),
        '--admin-token',
        ADMIN,
        '--recosign-interval',
        '300',
        '--allow-unpinned-genesis',
      ],
      {
        DID_CITY_HOME: join(temp.dir, 'home'),
      },
    );
    running.push(node);
    const [, port] = await node.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)\//);
    const base = `http://127.0.0.1:${port}/`;
    const posted = await fetch(`${base}governance/operations`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify(await genesis()),
    });
    expect(posted.status, await posted.clone().text()).toBe(201);
    const first = await checkpointOf(base);
    await sleep(2_200);
    const later = await checkpointOf(base);
    expect(later.size).toBe(first.size);
    expect(later.newest).toBeGreaterThan(first.newest);
  });
});

describe('did-city driver --max-checkpoint-age', { timeout: 60_000 }, () => {
  let ledger: TestLedger;
  let policyFile: string;

  beforeAll(async () => {
    ledger = await startLedger(join(temp.dir, 'ledger'));
    await ledger.node.submitGovernance(await genesis());
    policyFile = join(temp.dir, 'policy.txt');
    writeFileSync(policyFile, ledger.node.policyText);
  }, 30_000);
  afterAll(async () => {
    await ledger?.stop();
  });

  const driver = async (age: string) => {
    const env = {
      DID_CITY_LEDGER: ledger.url,
      DID_CITY_HOME: join(temp.dir, 'home'),
      uniresolver_driver_did_city_checkpointStore: 'memory',
    };
    const server = spawnCli(
      ['driver', '--port', '0', '--freshness', '0', '--max-checkpoint-age', age, '--policy', policyFile],
      env,
    );
    running.push(server);
    const [, port] = await server.waitFor(/did:city driver listening on http:\/\/127\.0\.0\.1:(\d+)\//);
    return `http://127.0.0.1:${port}/1.0/identifiers/did:city:cn`;
  };

  it('refuses a checkpoint last co-signed longer ago than the limit (500), accepts it under a longer one', async () => {
    // This ledger never re-cosigns: its only checkpoint gets older than 1 s.
    const [strict, lenient] = await Promise.all([driver('1'), driver('3600')]);
    await sleep(2_200);
    const refused = await fetch(strict);
    expect(refused.status).toBe(500);
    expect(await refused.text()).toMatch(/INTERNAL_ERROR/);
    expect((await fetch(lenient)).status).toBe(200);
  });

  it("the CLI's own reads (DID_CITY_MAX_CHECKPOINT_AGE): refused past the limit, read under a longer one, a bad value is a usage error", async () => {
    const env = (age: string) => ({
      DID_CITY_LEDGER: ledger.url,
      DID_CITY_HOME: join(temp.dir, `home-${age}`),
      DID_CITY_MAX_CHECKPOINT_AGE: age,
    });
    await sleep(2_200);
    const refused = await cli(['resolve', 'did:city:cn', '--policy', policyFile], env('1'));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/last co-signed by its quorum \d+ s ago, more than the 1 s allowed/);
    expect(refused.stderr).toMatch(/DID_CITY_MAX_CHECKPOINT_AGE/);
    expect((await cli(['resolve', 'did:city:cn', '--policy', policyFile], env('3600'))).code).toBe(0);
    const bad = await cli(['resolve', 'did:city:cn', '--policy', policyFile], env('1.5'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/DID_CITY_MAX_CHECKPOINT_AGE="1\.5" must be a positive integer \(seconds\)/);
  });

  it('refuses a value that is not a whole number of seconds (exit 2)', async () => {
    const result = await cli(['driver', '--port', '0', '--max-checkpoint-age', '1.5', '--policy', policyFile], {
      DID_CITY_LEDGER: ledger.url,
      DID_CITY_HOME: join(temp.dir, 'home'),
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--max-checkpoint-age="1\.5" must be an integer/);
  });
});

describe('the all-in-one', () => {
  it('refuses a re-cosigning interval that cannot keep its own age limit, before opening anything', async () => {
    const dataDir = join(temp.dir, 'all-in-one');
    await expect(
      startAllInOne({ dataDir, port: 0, maxCheckpointAgeMs: 2_000, recosignIntervalMs: 1_500, log: () => {} }),
    ).rejects.toThrow(/recosignIntervalMs \(1500\) must be at least 1000 ms below maxCheckpointAgeMs \(2000\)/);
    await expect(startAllInOne({ dataDir, port: 0, maxCheckpointAgeMs: 0, log: () => {} })).rejects.toThrow(
      /maxCheckpointAgeMs must be a positive integer/,
    );
    const serve = await cli(['serve', '--port', '0', '--data-dir', dataDir, '--max-checkpoint-age', 'soon'], {
      DID_CITY_HOME: join(temp.dir, 'home'),
    });
    expect(serve.code).toBe(2);
    expect(serve.stderr).toMatch(/--max-checkpoint-age="soon" must be a positive integer/);
  });
});
