/**
 * Files the all-in-one keeps secrets and results in: written whole or not at all (temp file, fsync, then a hard
 * link that fails if the target exists, then a directory fsync), so a kill -9 never leaves a half-written key that
 * the next start would refuse, and two writers cannot both create one file.
 */
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  chmodSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

/** Creates `file` with `text` unless it exists; returns false when it already existed (its content is kept). */
export function createFileOnce(file: string, text: string, mode: number): boolean {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temp);
    fsyncDirectory(dir);
  }
}

export function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/** Reads a secret file, first tightening its mode if someone made it readable by others. */
export function readSecret(file: string): string {
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return readFileSync(file, 'utf8');
}
