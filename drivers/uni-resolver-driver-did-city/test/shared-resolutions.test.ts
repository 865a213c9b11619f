/**
 * Concurrent requests for one reply share a resolution, but only one started after they arrived (freshness 0
 * keeps its promise: no reply is built from a ledger read older than its request).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { deactivateOperation, type LedgerHistory, type LedgerReader, signOperation } from '@did-city/method';
import { afterAll, describe, expect, test } from 'vitest';
import { SharedResolutions } from '../src/shared-resolutions.ts';
import { buildLedger, DIDS, identifierPath, type RunningDriver, rawRequest, startDriver } from './fixtures.ts';

/** A task whose settlement the test decides, counting its starts. */
function gatedTasks() {
  const gates: Array<{ resolve: (value: number) => void; reject: (error: Error) => void }> = [];
  const task = () => new Promise<number>((resolve, reject) => gates.push({ resolve, reject }));
  return { task, gates };
}

const connections = (driver: RunningDriver) =>
  new Promise<number>((resolve, reject) =>
    driver.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );

const tick = () => new Promise((resume) => setImmediate(resume));

describe('SharedResolutions', () => {
  test('requests arriving while one runs share the next, never the running one', async () => {
    const shared = new SharedResolutions<number>();
    const { task, gates } = gatedTasks();
    const first = shared.run('k', task);
    await tick();
    const second = shared.run('k', task);
    const third = shared.run('k', task);
    await tick();
    expect(gates).toHaveLength(1); // the next starts only once the running one settles
    gates[0]!.resolve(1);
    expect(await first).toBe(1);
    await tick();
    expect(gates).toHaveLength(2);
    const fourth = shared.run('k', task); // arrives while the second runs: waits for a third
    gates[1]!.resolve(2);
    expect([await second, await third]).toEqual([2, 2]);
    await tick();
    expect(gates).toHaveLength(3);
    gates[2]!.resolve(3);
    expect(await fourth).toBe(3);
    await tick();
    expect(shared.size).toBe(0);
  });

  test('a failed resolution is not shared with those who came after it; other keys run apart', async () => {
    const shared = new SharedResolutions<number>();
    const { task, gates } = gatedTasks();
    const first = shared.run('k', task);
    const other = shared.run('other', task);
    await tick();
    const second = shared.run('k', task);
    gates[0]!.reject(new Error('ledger down'));
    await expect(first).rejects.toThrow('ledger down');
    await tick();
    expect(gates).toHaveLength(3);
    gates[2]!.resolve(7);
    gates[1]!.resolve(9);
    expect([await second, await other]).toEqual([7, 9]);
  });
});

describe('the driver with freshness 0', () => {
  const running: RunningDriver[] = [];
  afterAll(async () => {
    await Promise.all(running.map((driver) => driver.close()));
  });

  test('a request that arrives during a read gets a later read: it sees a deactivation made meanwhile', async () => {
    const fixture = await buildLedger();
    let release: () => void = () => {};
    let gate: Promise<void> | undefined;
    const reads: string[] = [];
    // Reads the ledger when called, and answers when the test opens the gate: the answer is as old as the call.
    const reader: LedgerReader = {
      async history(did, options): Promise<LedgerHistory> {
        reads.push(did);
        const answer = await fixture.ledger.history(did, options);
        await gate;
        return answer;
      },
    };
    const driver = await startDriver({ reader, freshness: 0 });
    running.push(driver);
    const path = identifierPath(DIDS.updated);
    expect((await rawRequest(driver.url, path)).status).toBe(200);
    reads.length = 0;
    gate = new Promise((resolve) => {
      release = resolve;
    });
    const first = rawRequest(driver.url, path);
    while (!reads.includes(DIDS.updated)) await sleep(5);
    const deactivation = deactivateOperation(fixture.ledger.historyOf(DIDS.updated)!);
    await fixture.ledger.append(await signOperation(deactivation, [fixture.updateSigners[DIDS.updated]!]));
    const later = [rawRequest(driver.url, path), rawRequest(driver.url, path), rawRequest(driver.url, path)];
    // Let them reach the driver while the first read is held (their sharing is timed; what they see is not).
    while ((await connections(driver)) < 4) await sleep(5);
    await sleep(200);
    release();
    expect((await first).status).toBe(200);
    const answers = await Promise.all(later);
    expect(answers.map((answer) => answer.status)).toEqual([410, 410, 410]);
    expect(new Set(answers.map((answer) => answer.text)).size).toBe(1);
    // One read for the first request and one shared by the three that came while it was held.
    expect(reads.filter((did) => did === DIDS.updated)).toHaveLength(2);
  });
});
