// The data-directory lock of a SQLite-backed ledger node: one node per directory, stale locks (kill -9) taken over.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirLockedError } from '../src/lock.ts';
import { LedgerNode } from '../src/node.ts';
import { SqliteLogStore } from '../src/store/sqlite.ts';

const dirs: string[] = [];
const nodes: LedgerNode[] = [];
afterEach(async () => {
  for (const node of nodes.splice(0)) await node.close().catch(() => {});
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'did-city-lock-'));
  dirs.push(dir);
  return dir;
}

async function open(dataDir: string, store?: SqliteLogStore): Promise<LedgerNode> {
  const node = await LedgerNode.open({
    allowUnpinnedGenesis: true,
    dataDir,
    sequencer: { batchIntervalMs: 5 },
    ...(store ? { store } : {}),
  });
  nodes.push(node);
  return node;
}

/** The pid of a process that has exited (reuse within the test is practically impossible). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(child.stdout);
  expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  return pid;
}

describe('data directory lock', () => {
  it('refuses a second node on the same directory while the first is open, and allows it after close', async () => {
    const dir = tempDir();
    const first = await open(dir);
    const lock = JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8')) as { pid: number; startedAt: string };
    expect(lock.pid).toBe(process.pid);
    const refused = await LedgerNode.open({ dataDir: dir }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DataDirLockedError);
    expect((refused as Error).message).toContain(`the data directory ${dir} is in use by process ${process.pid}`);
    expect((refused as DataDirLockedError).holder.pid).toBe(process.pid);
    // The refusal left the holder's lock in place.
    expect(JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8'))).toEqual(lock);
    await first.close();
    expect(existsSync(join(dir, 'LOCK'))).toBe(false);
    const second = await open(dir);
    expect(await second.latestCheckpoint()).toBeUndefined();
  });

  it('takes over a stale lock left by a process that no longer runs (kill -9)', async () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    const stale = { pid: deadPid(), host: hostname(), startedAt: '2020-01-01T00:00:00.000Z' };
    writeFileSync(join(dir, 'LOCK'), JSON.stringify(stale));
    const node = await open(dir);
    const lock = JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8')) as { pid: number };
    expect(lock.pid).toBe(process.pid);
    await node.close();
    expect(existsSync(join(dir, 'LOCK'))).toBe(false);
  });

  it('refuses a lock held by a live process, and one it cannot read', async () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    // The parent of this test process is alive.
    writeFileSync(join(dir, 'LOCK'), JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: 'x' }));
    await expect(LedgerNode.open({ dataDir: dir })).rejects.toThrow(`in use by process ${process.ppid}`);
    writeFileSync(join(dir, 'LOCK'), 'garbage');
    await expect(LedgerNode.open({ dataDir: dir })).rejects.toThrow(/in use by another process .*remove .*LOCK/);
    expect(readFileSync(join(dir, 'LOCK'), 'utf8')).toBe('garbage');
  });

  it('does not lock when the store is given (a PostgreSQL writer relies on its advisory lock)', async () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    await open(dir, new SqliteLogStore({ file: join(dir, 'ledger.db') }));
    expect(existsSync(join(dir, 'LOCK'))).toBe(false);
  });
});
