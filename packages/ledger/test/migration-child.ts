/**
 * Child process of store.migration-crash.test.ts: opens the SQLite store on argv[2], which migrates an older file,
 * printing a line just before and one just after, then waits to be killed.
 *
 *     node --conditions=source --import tsx migration-child.ts <file>
 */
import { SqliteLogStore } from '../src/store/sqlite.ts';

const [file] = process.argv.slice(2) as [string];
// Pipes are synchronous on Linux, so a line printed is a line the parent reads, even after SIGKILL.
process.stdout.write('opening\n');
new SqliteLogStore({ file });
process.stdout.write('opened\n');
setInterval(() => undefined, 1000);
