// The running-node helper: a world anchored on a real node on loopback; stop() closes it and removes its directory.
import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';
import { createWorld } from '../src/index.ts';
import { startNode } from '../src/node.ts';

it('anchors the world, serves it over HTTP on loopback, and stop() removes everything', async () => {
  const world = await createWorld();
  const running = await startNode({ world });
  try {
    expect(new URL(running.url).hostname).toBe('127.0.0.1');
    const answer = await fetch(`${running.url}dids/${encodeURIComponent(world.cities.sjz!.did)}/history`);
    expect(answer.status).toBe(200);
    const history = (await answer.json()) as { entries: { operation: unknown }[] };
    expect(history.entries.map((e) => e.operation)).toEqual([world.cities.sjz!.operation]);
    expect(running.policy).toMatch(/^log /);
  } finally {
    await running.stop();
  }
  expect(existsSync(running.dir)).toBe(false);
  await expect(fetch(`${running.url}health`)).rejects.toThrow();
  await running.stop();
});
