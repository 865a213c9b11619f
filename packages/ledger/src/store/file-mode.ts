/**
 * Database files readable by the owner only (0600), whatever the umask or the mode of a data directory created
 * beforehand: the registrations hold contact e-mails, the log store the node's state. The file is created 0600
 * before SQLite opens it, and SQLite gives its -wal and -shm files the mode of the database file.
 */
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';

export const PRIVATE_FILE_MODE = 0o600;

export function restrictFile(file: string): void {
  if (file === ':memory:' || file === '') return;
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(path)) chmodSync(path, PRIVATE_FILE_MODE);
  }
}
