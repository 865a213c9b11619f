/**
 * Real PostgreSQL 15 servers for the tests, never a mock: a primary, optionally a synchronous standby made with
 * `pg_basebackup -R` over a replication slot, each in its own directory under one temporary directory, on free
 * loopback ports, fsync and synchronous_commit on. PostgreSQL refuses to run as root, so as uid 0 every server
 * command runs as the `postgres` system user (which CI creates by installing postgresql-15) in a directory that
 * user owns. Everything is stopped with `-m immediate` and removed by `destroy()`, and again at process exit if a
 * test died before its afterAll ran.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** Where Debian's postgresql-15 package puts the server binaries; PG_BIN overrides. */
const DEFAULT_BIN = '/usr/lib/postgresql/15/bin';

/**
 * The server binary directory, or undefined when PostgreSQL is not installed (tests then skip locally). In CI
 * (env CI set) a missing PostgreSQL is an error, so the Postgres tests can never pass by being skipped.
 */
export function postgresBin(): string | undefined {
  const bin = process.env['PG_BIN'] ?? DEFAULT_BIN;
  if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  if (process.env['CI']) {
    throw new Error(
      `PostgreSQL 15 server binaries not found in ${bin} (set PG_BIN or install Debian's postgresql-15); ` +
        'the PostgreSQL tests never skip in CI',
    );
  }
  return undefined;
}

export interface PgServer {
  readonly name: string;
  readonly port: number;
  readonly dataDir: string;
  /** Connection settings for `pg` (trust auth on loopback, user postgres). */
  connection(database?: string): pg.ClientConfig;
  /** `pg_ctl stop -m immediate`: a crash as far as the server's durability is concerned. */
  kill(): Promise<void>;
  /** `pg_ctl promote`: what Patroni or pg_auto_failover does to the synchronous standby on failover. */
  promote(): Promise<void>;
}

export interface PgCluster {
  readonly primary: PgServer;
  readonly standby: PgServer | undefined;
  /** Creates a database on the primary (replicated to the standby). */
  createDatabase(name: string): Promise<void>;
  destroy(): Promise<void>;
}

const live = new Set<{ bin: string; root: string; dataDirs: string[] }>();
let exitHook = false;

/** Starts a primary and, with `standby: true`, a synchronous standby streaming from it. */
export async function startCluster(options: { bin: string; standby?: boolean }): Promise<PgCluster> {
  const root = mkdtempSync(join(tmpdir(), 'ledger-pg-'));
  const record = { bin: options.bin, root, dataDirs: [] as string[] };
  live.add(record);
  installExitHook();
  if (asPostgresUser()) chownSync(root, postgresUid(), postgresGid());
  const cluster = new Cluster(record);
  try {
    await cluster.startPrimary();
    if (options.standby) await cluster.startStandby();
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}

class Cluster implements PgCluster {
  primary!: PgServer;
  standby: PgServer | undefined;
  readonly #record: { bin: string; root: string; dataDirs: string[] };

  constructor(record: { bin: string; root: string; dataDirs: string[] }) {
    this.#record = record;
  }

  async startPrimary(): Promise<void> {
    const dataDir = join(this.#record.root, 'primary');
    this.#record.dataDirs.push(dataDir);
    await this.#pg('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C']);
    const port = await freePort();
    await appendConf(dataDir, port, [
      "cluster_name = 'primary'",
      'wal_level = replica',
      'max_wal_senders = 4',
      'max_replication_slots = 4',
    ]);
    this.primary = await this.#start('primary', dataDir, port);
  }

  async startStandby(): Promise<void> {
    const dataDir = join(this.#record.root, 'standby');
    this.#record.dataDirs.push(dataDir);
    const from = ['-h', '127.0.0.1', '-p', String(this.primary.port), '-U', 'postgres'];
    await this.#pg('pg_basebackup', [
      ...from,
      '-D',
      dataDir,
      '-R',
      '-X',
      'stream',
      '-C',
      '-S',
      'standby',
      '--checkpoint=fast',
    ]);
    const port = await freePort();
    // cluster_name becomes the walreceiver's application_name, which synchronous_standby_names names.
    await appendConf(dataDir, port, ["cluster_name = 'standby'", 'hot_standby = on']);
    this.standby = await this.#start('standby', dataDir, port);
    await this.#sql(this.primary, "ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 (standby)'");
    await this.#sql(this.primary, 'SELECT pg_reload_conf()');
    await waitFor(async () => {
      const rows = await this.#sql(this.primary, "SELECT 1 FROM pg_stat_replication WHERE sync_state = 'sync'");
      return rows.length === 1;
    }, 'the standby to become synchronous');
  }

  async createDatabase(name: string): Promise<void> {
    await this.#sql(this.primary, `CREATE DATABASE ${name}`);
  }

  async #start(name: string, dataDir: string, port: number): Promise<PgServer> {
    const log = join(this.#record.root, `${name}.log`);
    try {
      await this.#pg('pg_ctl', ['-D', dataDir, '-l', log, '-w', '-t', '60', 'start']);
    } catch (error) {
      throw new Error(`${name} did not start: ${tail(log)}`, { cause: error });
    }
    return {
      name,
      port,
      dataDir,
      connection: (database = 'postgres') => ({ host: '127.0.0.1', port, user: 'postgres', database }),
      kill: async () => {
        await this.#pg('pg_ctl', ['-D', dataDir, 'stop', '-m', 'immediate', '-w']);
      },
      promote: async () => {
        await this.#pg('pg_ctl', ['-D', dataDir, 'promote', '-w', '-t', '60']);
      },
    };
  }

  async #sql(server: PgServer, text: string): Promise<unknown[]> {
    const client = new pg.Client(server.connection());
    await client.connect();
    try {
      return (await client.query(text)).rows;
    } finally {
      await client.end();
    }
  }

  #pg(tool: string, args: string[]): Promise<unknown> {
    const [file, argv] = command(join(this.#record.bin, tool), args);
    return run(file, argv, { cwd: this.#record.root, timeout: 120_000 });
  }

  async destroy(): Promise<void> {
    live.delete(this.#record);
    teardown(this.#record);
  }
}

async function appendConf(dataDir: string, port: number, extra: string[]): Promise<void> {
  const lines = [
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${dataDir}'`,
    // Durability exactly as in production: every commit is flushed, and waits for the synchronous standby.
    'fsync = on',
    'synchronous_commit = on',
    'full_page_writes = on',
    'max_connections = 50',
    'shared_buffers = 64MB',
    ...extra,
  ];
  // Appended by a shell running as the file's owner, so its ownership and mode stay what initdb made them.
  const [file, argv] = command('/bin/sh', [
    '-c',
    `printf '%s\\n' "$@" >> '${join(dataDir, 'postgresql.auto.conf')}'`,
    'sh',
    ...lines,
  ]);
  await run(file, argv);
}

// Synchronous on purpose: it also runs from the exit hook, where nothing asynchronous completes.
function teardown(record: { bin: string; root: string; dataDirs: string[] }): void {
  for (const dataDir of record.dataDirs) {
    if (!existsSync(join(dataDir, 'postmaster.pid'))) continue;
    const [file, argv] = command(join(record.bin, 'pg_ctl'), ['-D', dataDir, 'stop', '-m', 'immediate', '-w']);
    spawnSync(file, argv, { cwd: record.root, stdio: 'ignore', timeout: 30_000 });
  }
  rmSync(record.root, { recursive: true, force: true });
}

function installExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const record of live) teardown(record);
  });
}

export function asPostgresUser(): boolean {
  return process.getuid?.() === 0;
}

function command(file: string, args: string[]): [string, string[]] {
  return asPostgresUser() ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
}

export function postgresUid(): number {
  return idOf('-u');
}

export function postgresGid(): number {
  return idOf('-g');
}

function idOf(flag: '-u' | '-g'): number {
  const result = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const id = Number.parseInt(result.stdout, 10);
  if (result.status !== 0 || !Number.isSafeInteger(id)) {
    throw new Error(
      'running as root, but there is no `postgres` system user to run PostgreSQL as (.ci/run creates it)',
    );
  }
  return id;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no server log)';
  }
}

/** The server's current WAL position in bytes (`pg_current_wal_lsn()`; on a primary): WAL written between two calls. */
export async function walPosition(server: PgServer): Promise<number> {
  const client = new pg.Client(server.connection());
  await client.connect();
  try {
    const { rows } = await client.query<{ bytes: string }>("SELECT (pg_current_wal_lsn() - '0/0')::text AS bytes");
    return Number(rows[0]!.bytes);
  } finally {
    await client.end();
  }
}

/** Polls `check` every 50 ms for up to `ms`. */
export async function waitFor(check: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not ready yet (connection refused, recovery in progress)
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
