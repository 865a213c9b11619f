// The running-node helper: a world anchored on a real node on loopback; stop() closes it and removes its directory.
import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';
import { createWorld, vectorTable } from '../src/index.ts';
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

it('opens on a log written to its store as a replay (entries a node would no longer admit) and anchors it', async () => {
  const { world, genesis } = vectorTable();
  // Entry 13 creates Laiwu (371200), retired in 2019: a node refuses it at admission today (R-ALLOC-2).
  expect(world[13]!.operation.did).toBe('did:city:cn:371200');
  const running = await startNode({ log: { entries: world.slice(0, 14), genesis } });
  try {
    const answer = await fetch(`${running.url}dids/${encodeURIComponent('did:city:cn:371200')}/history`);
    expect(answer.status).toBe(200);
    const history = (await answer.json()) as { treeSize: number; entries: { index: number; integratedTime: string }[] };
    expect(history.treeSize).toBe(14);
    expect(history.entries).toEqual([
      expect.objectContaining({ index: 13, integratedTime: world[13]!.integratedTime }),
    ]);
  } finally {
    await running.stop();
  }
});
