// Two all-in-one processes on one data directory: the second is refused (two sequencers must never append to one
// log) and exits non-zero naming the directory and the pid holding it. The takeover of a stale lock after a
// kill -9 is exercised by the restarts in serve.e2e.test.ts.
import { once } from 'node:events';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, type Spawned, spawnAllInOne, tempDir, waitHealthy } from './serve-fixtures.ts';

const running: Spawned[] = [];
const temp = tempDir('did-city-lock-e2e-');

afterAll(async () => {
  for (const server of running) await server.kill9();
  temp.cleanup();
});

describe('one data directory, two all-in-one processes', () => {
  it('refuses the second start while the first runs', async () => {
    const first = spawnAllInOne({ port: await freePort(), dataDir: temp.dir });
    running.push(first);
    await waitHealthy(first.url);
    const second = spawnAllInOne({ port: await freePort(), dataDir: temp.dir });
    running.push(second);
    const [code] = (await once(second.child, 'exit')) as [number | null];
    expect(code).not.toBe(0);
    expect(second.output()).toContain(
      `the data directory ${resolve(temp.dir)} is in use by process ${first.child.pid}`,
    );
    // The first keeps serving.
    expect((await fetch(`${first.url}/health`)).status).toBe(200);
  }, 90_000);
});
