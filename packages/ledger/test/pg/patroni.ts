/**
 * A real Patroni cluster for the failover test: a three-node etcd and three PostgreSQL 15 members under Patroni,
 * all on free loopback ports under one temporary directory, with the failover settings of
 * deploy/three-institutes/institute-X/patroni.yml (DEPLOYED_DCS below; the test checks those files say the same)
 * and shorter timers so that a failover takes seconds. Debian's `patroni` (3.0) and `etcd-server` (3.4). As root,
 * Patroni (and the PostgreSQL it starts) runs as the `postgres` system user. Everything is killed and removed by
 * `destroy()`, and at process exit if a test died first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { asPostgresUser, freePort, postgresGid, postgresUid, waitFor } from './harness.ts';

/** Debian's paths; PATRONI_BIN and ETCD_BIN override. */
const PATRONI = process.env['PATRONI_BIN'] ?? '/usr/bin/patroni';
const ETCD = process.env['ETCD_BIN'] ?? '/usr/bin/etcd';

/** The failover settings the deployment uses (bootstrap.dcs of deploy/three-institutes/institute-X/patroni.yml). */
export const DEPLOYED_DCS = {
  synchronous_mode: true,
  synchronous_mode_strict: true,
  synchronous_node_count: 1,
} as const;

/** bootstrap.dcs.postgresql.parameters of the deployment, as the test runs them. */
export const DEPLOYED_PARAMETERS = {
  wal_level: 'replica',
  hot_standby: 'on',
  fsync: 'on',
  synchronous_commit: 'on',
  full_page_writes: 'on',
  wal_log_hints: 'on',
  max_wal_senders: 10,
  max_replication_slots: 10,
  max_connections: 100,
} as const;

/** Timers of the test cluster: the deployment has ttl 30, loop_wait 10, retry_timeout 10. */
export const TEST_TIMERS = { ttl: 10, loop_wait: 1, retry_timeout: 4 } as const;

/**
 * Whether Patroni and etcd are installed: undefined when they are, else why not. In CI (env CI set) their
 * absence is an error, so the test never passes by being skipped there.
 */
export function patroniMissing(): string | undefined {
  const missing = [PATRONI, ETCD].filter((file) => !existsSync(file));
  if (missing.length === 0) return undefined;
  const why = `${missing.join(' and ')} not found (Debian packages patroni and etcd-server; PATRONI_BIN, ETCD_BIN override)`;
  if (process.env['CI']) throw new Error(`${why}; the Patroni failover test never skips in CI`);
  return why;
}

export interface PatroniMember {
  readonly name: string;
  readonly pgPort: number;
  readonly restPort: number;
  connection(database?: string): pg.ClientConfig;
}

interface Running {
  member: PatroniMember;
  dir: string;
  process: ChildProcess;
}

const live = new Set<() => void>();
let exitHook = false;

export class PatroniCluster {
  readonly members: PatroniMember[] = [];
  readonly #root: string;
  readonly #etcd: ChildProcess[] = [];
  readonly #running: Running[] = [];
  readonly #teardown = () => this.#killAll();

  private constructor(root: string) {
    this.#root = root;
  }

  /** Starts etcd, then the three Patroni members, and waits for a leader with a synchronous standby. */
  static async start(pgBin: string): Promise<PatroniCluster> {
    const root = mkdtempSync(join(tmpdir(), 'ledger-patroni-'));
    if (asPostgresUser()) chownSync(root, postgresUid(), postgresGid());
    const cluster = new PatroniCluster(root);
    live.add(cluster.#teardown);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', () => {
        for (const teardown of live) teardown();
      });
    }
    try {
      const clientPorts = await cluster.#startEtcd();
      for (let i = 0; i < 3; i++) await cluster.#startMember(i, pgBin, clientPorts);
      await cluster.leader();
      return cluster;
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
  }

  async #startEtcd(): Promise<number[]> {
    const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()));
    const names = ['etcd-0', 'etcd-1', 'etcd-2'];
    const peers = names.map((name, i) => `${name}=http://127.0.0.1:${ports[3 + i]}`).join(',');
    names.forEach((name, i) => {
      const client = `http://127.0.0.1:${ports[i]}`;
      const peer = `http://127.0.0.1:${ports[3 + i]}`;
      const args = [
        ...['--name', name, '--data-dir', join(this.#root, name)],
        ...['--listen-client-urls', client, '--advertise-client-urls', client],
        ...['--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer],
        ...['--initial-cluster', peers, '--initial-cluster-state', 'new', '--initial-cluster-token', 'did-city-test'],
      ];
      this.#etcd.push(spawnLogged(ETCD, args, join(this.#root, `${name}.log`)));
    });
    return ports.slice(0, 3);
  }

  async #startMember(i: number, pgBin: string, etcdPorts: number[]): Promise<void> {
    const name = `member-${i}`;
    const dir = join(this.#root, name);
    mkdirSync(dir, { mode: 0o700 });
    const [pgPort, restPort] = [await freePort(), await freePort()];
    const config = {
      scope: 'did-city-test',
      name,
      restapi: { listen: `127.0.0.1:${restPort}`, connect_address: `127.0.0.1:${restPort}` },
      etcd3: { hosts: etcdPorts.map((p) => `127.0.0.1:${p}`) },
      bootstrap: {
        dcs: {
          ...TEST_TIMERS,
          ...DEPLOYED_DCS,
          postgresql: { use_slots: true, parameters: DEPLOYED_PARAMETERS },
        },
        initdb: [{ encoding: 'UTF8' }, { locale: 'C' }],
        // Loopback only, trust: the deployment uses scram-sha-256 over TLS between institutes.
        pg_hba: ['host replication replicator 127.0.0.1/32 trust', 'host all all 127.0.0.1/32 trust'],
      },
      postgresql: {
        listen: `127.0.0.1:${pgPort}`,
        connect_address: `127.0.0.1:${pgPort}`,
        data_dir: join(dir, 'data'),
        bin_dir: pgBin,
        pgpass: join(dir, 'pgpass'),
        authentication: {
          replication: { username: 'replicator', password: 'replicator' },
          superuser: { username: 'postgres', password: 'postgres' },
        },
        parameters: { unix_socket_directories: dir, shared_buffers: '32MB' },
      },
    };
    const file = join(dir, 'patroni.yml');
    writeFileSync(file, JSON.stringify(config, null, 2)); // JSON is YAML
    if (asPostgresUser()) chownSync(dir, postgresUid(), postgresGid());
    const member: PatroniMember = {
      name,
      pgPort,
      restPort,
      connection: (database = 'postgres') => ({ host: '127.0.0.1', port: pgPort, user: 'postgres', database }),
    };
    const [command, args] = asPostgres(PATRONI, [file]);
    const child = spawnLogged(command, args, join(this.#root, `${name}.log`), { HOME: dir });
    this.members.push(member);
    this.#running.push({ member, dir, process: child });
  }

  /** The members as Patroni reports them (GET /cluster on any member that answers). */
  async roles(): Promise<Array<{ name: string; role: string; state: string }>> {
    for (const { member, process } of this.#running) {
      if (process.exitCode !== null || process.signalCode !== null) continue;
      try {
        const response = await fetch(`http://127.0.0.1:${member.restPort}/cluster`, {
          signal: AbortSignal.timeout(2000),
        });
        return ((await response.json()) as { members: Array<{ name: string; role: string; state: string }> }).members;
      } catch {
        // this member's API is not up (yet)
      }
    }
    return [];
  }

  /** Waits until a leader runs with a synchronous standby streaming from it, and returns the leader. */
  async leader(ms = 90_000): Promise<PatroniMember> {
    let leader: string | undefined;
    await waitFor(
      async () => {
        const members = await this.roles();
        const running = (role: string) => members.find((m) => m.role === role && m.state === 'running');
        leader = running('leader')?.name;
        return leader !== undefined && running('sync_standby') !== undefined;
      },
      `a Patroni leader with a synchronous standby (logs in ${this.#root})`,
      ms,
    );
    return this.members.find((m) => m.name === leader)!;
  }

  /** `kill -9` of the member's Patroni and of its postmaster: the institute's machine is gone. */
  kill(member: PatroniMember): void {
    const running = this.#running.find((r) => r.member === member)!;
    killHard(running);
  }

  async destroy(): Promise<void> {
    live.delete(this.#teardown);
    this.#killAll();
    rmSync(this.#root, { recursive: true, force: true });
  }

  #killAll(): void {
    for (const running of this.#running) killHard(running);
    for (const etcd of this.#etcd) if (etcd.exitCode === null) etcd.kill('SIGKILL');
  }
}

function killHard(running: Running): void {
  if (running.process.exitCode === null && running.process.signalCode === null) running.process.kill('SIGKILL');
  const pidFile = join(running.dir, 'data', 'postmaster.pid');
  const pid = existsSync(pidFile) ? Number.parseInt(readFileSync(pidFile, 'utf8'), 10) : Number.NaN;
  if (!Number.isSafeInteger(pid)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** As root, `setpriv` (which execs, so the child is Patroni itself) to the postgres user; else as is. */
function asPostgres(file: string, args: string[]): [string, string[]] {
  if (!asPostgresUser()) return [file, args];
  return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', file, ...args]];
}

function spawnLogged(file: string, args: string[], log: string, env: Record<string, string> = {}): ChildProcess {
  const out = openSync(log, 'a');
  return spawn(file, args, { stdio: ['ignore', out, out], env: { ...process.env, ...env } });
}

/** Creates a database on the member (the leader). */
export async function createDatabase(member: PatroniMember, name: string): Promise<void> {
  const client = new pg.Client(member.connection());
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}
