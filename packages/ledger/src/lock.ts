/**
 * The exclusive lock a SQLite-backed ledger node holds on its data directory: `<dataDir>/LOCK`, created with
 * O_EXCL and holding `{ pid, host, startedAt }`. Two sequencers appending to one log must never happen, so a
 * second process (or a second node in this process) opening the same directory is refused, naming the pid that
 * holds it.
 *
 * Crash semantics: a lock left by a process that no longer runs (kill -9, power loss) is stale and the next open
 * takes it over. A lock is stale when its pid is not alive on this host (`process.kill(pid, 0)` throws ESRCH), or
 * when it names this very pid but this process does not hold it (a restarted container reusing the pid). A lock
 * written on another host is never taken over: remove the file by hand once that host is known to be down.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';

export const LOCK_FILE = 'LOCK';

interface LockRecord {
  pid: number;
  host: string;
  startedAt: string;
}

/** Thrown when another live process (or another node of this process) holds the data directory. */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  readonly dataDir: string;
  /** What the lock file records (empty when unreadable). */
  readonly holder: { pid?: number; host?: string; startedAt?: string };

  constructor(dataDir: string, holder: { pid?: number; host?: string; startedAt?: string }) {
    const who =
      holder.pid === undefined
        ? 'another process (the lock file is unreadable)'
        : `process ${holder.pid}${holder.host && holder.host !== hostname() ? ` on host ${holder.host}` : ''}` +
          (holder.startedAt ? ` (since ${holder.startedAt})` : '');
    super(
      `the data directory ${dataDir} is in use by ${who}: two ledger nodes must never sequence one log. ` +
        `Stop that process first; if it is certainly not running, remove ${join(dataDir, LOCK_FILE)}.`,
    );
    this.dataDir = dataDir;
    this.holder = holder;
  }
}

/** Lock files this process holds (absolute paths): tells our own live lock from a previous incarnation's. */
const held = new Set<string>();

function readRecord(file: string): Partial<LockRecord> | undefined {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (value === null || typeof value !== 'object') return {};
    const { pid, host, startedAt } = value as Record<string, unknown>;
    return {
      ...(Number.isSafeInteger(pid) && (pid as number) > 0 ? { pid: pid as number } : {}),
      ...(typeof host === 'string' ? { host } : {}),
      ...(typeof startedAt === 'string' ? { startedAt } : {}),
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // released meanwhile
    return {}; // unreadable or half-written: treated as held, never silently taken over
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH'; // EPERM: alive, another user's
  }
}

function isStale(file: string, record: Partial<LockRecord>): boolean {
  if (record.pid === undefined || record.host !== hostname()) return false;
  if (record.pid === process.pid) return !held.has(file);
  return !alive(record.pid);
}

export interface DataDirLock {
  readonly file: string;
  /** Removes the lock file if it is still ours; idempotent. */
  release(): void;
}

/** Takes `<dataDir>/LOCK` (the directory must exist), taking over a stale lock; throws DataDirLockedError. */
export function lockDataDir(dataDir: string): DataDirLock {
  const file = resolve(dataDir, LOCK_FILE);
  const record: LockRecord = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o644);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const existing = readRecord(file);
      if (existing !== undefined && !isStale(file, existing)) throw new DataDirLockedError(resolve(dataDir), existing);
      if (attempt >= 3) throw new DataDirLockedError(resolve(dataDir), existing ?? {});
      // Stale (or released meanwhile): remove it and retry the exclusive create.
      try {
        if (existing !== undefined) unlinkSync(file);
      } catch (unlinkError) {
        if ((unlinkError as NodeJS.ErrnoException).code !== 'ENOENT') throw unlinkError;
      }
      continue;
    }
    try {
      writeSync(fd, `${JSON.stringify(record)}\n`);
    } finally {
      closeSync(fd);
    }
    held.add(file);
    return { file, release: () => release(file, record) };
  }
}

function release(file: string, record: LockRecord): void {
  if (!held.delete(file)) return;
  const current = readRecord(file);
  if (current?.pid !== record.pid || current.startedAt !== record.startedAt) return; // not ours any more
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
