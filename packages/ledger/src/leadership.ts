/**
 * Sequencer leadership on PostgreSQL. Exactly one sequencer writes a log: the one holding a session-level
 * advisory lock on the current primary. The lock lives on a dedicated connection (the lease) and every write
 * of the store goes through that same connection, so a sequencer that lost its session (its primary died or
 * was demoted, the network cut it off) has lost the lock and its writes with it. After a failover the promoted
 * standby has no lock held at all: the first sequencer to ask there becomes the writer and reloads the head.
 *
 * Failover itself (who is primary) is decided by an existing tool, Patroni or pg_auto_failover; this module
 * only makes sure that at most one sequencer writes to whichever server is primary.
 */
import pg from 'pg';

/** Why a store cannot write. `held`: another sequencer has the lock; `standby`: the server is read-only. */
export type NotLeaderReason = 'held' | 'standby' | 'lost';

export class NotLeaderError extends Error {
  readonly reason: NotLeaderReason;

  constructor(reason: NotLeaderReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NotLeaderError';
    this.reason = reason;
  }
}

/** The two-int advisory lock key of the sequencer: 'didc' and 1. One log per database, so one key. */
export const SEQUENCER_LOCK = [0x64696463, 1] as const;

/**
 * SQL that is true while this session still holds the sequencer lock; writes check it inside their
 * transaction, so a lease whose session was somehow released cannot write even on a live connection.
 */
export const HOLDS_SEQUENCER_LOCK = `EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'
  AND pid = pg_backend_pid() AND classid = ${SEQUENCER_LOCK[0]} AND objid = ${SEQUENCER_LOCK[1]}
  AND objsubid = 2 AND granted)`;

export interface LeaseOptions {
  connection: string | pg.ClientConfig;
}

export class WriterLease {
  readonly #client: pg.Client;
  #lost: unknown;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(client: pg.Client) {
    this.#client = client;
    // An idle connection that dies emits 'error'; unhandled, that would crash the process.
    client.on('error', (error) => this.#lose(error));
    client.on('end', () => this.#lose(new Error('the sequencer connection ended')));
  }

  /** Connects and takes the lock, or throws NotLeaderError (`standby`, `held`). */
  static async acquire(options: LeaseOptions): Promise<WriterLease> {
    const client = new pg.Client(withKeepAlive(options.connection));
    await client.connect();
    const lease = new WriterLease(client);
    try {
      const { rows } = await client.query<{ standby: boolean; locked: boolean }>(
        `SELECT pg_is_in_recovery() AS standby,
          CASE WHEN pg_is_in_recovery() THEN false ELSE pg_try_advisory_lock($1, $2) END AS locked`,
        [...SEQUENCER_LOCK],
      );
      if (rows[0]?.standby)
        throw new NotLeaderError('standby', 'the database is a standby (read-only): only the primary takes writes');
      if (!rows[0]?.locked) {
        throw new NotLeaderError(
          'held',
          'another sequencer holds the write lock of this log; a log has exactly one writer',
        );
      }
      return lease;
    } catch (error) {
      await lease.release();
      throw error;
    }
  }

  /**
   * Retries `acquire` until this sequencer is the writer: on a standby until it is promoted, on a primary
   * until the other sequencer's session ends. Connection failures (a server restarting) are retried too.
   */
  static async waitFor(options: LeaseOptions & { retryMs?: number; signal?: AbortSignal }): Promise<WriterLease> {
    for (;;) {
      options.signal?.throwIfAborted();
      try {
        return await WriterLease.acquire(options);
      } catch (error) {
        if (error instanceof NotLeaderError || isConnectionError(error))
          await sleep(options.retryMs ?? 500, options.signal);
        else throw error;
      }
    }
  }

  /** The session, for one exclusive use at a time; throws NotLeaderError('lost') once the session is gone. */
  run<T>(use: (client: pg.ClientBase) => Promise<T>): Promise<T> {
    const next = this.#queue.then(() => {
      if (this.#lost !== undefined) {
        throw new NotLeaderError('lost', 'this sequencer lost its database session and with it the write lock', {
          cause: this.#lost,
        });
      }
      return use(this.#client);
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** `run` inside BEGIN … COMMIT, rolled back if `use` throws. */
  transaction<T>(use: (client: pg.ClientBase) => Promise<T>): Promise<T> {
    return this.run(async (client) => {
      await client.query('BEGIN');
      try {
        const result = await use(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  get lost(): boolean {
    return this.#lost !== undefined;
  }

  #lose(error: unknown): void {
    this.#lost ??= error;
  }

  /** Ends the session, which releases the lock. */
  async release(): Promise<void> {
    this.#lose(new Error('the lease was released'));
    await this.#queue;
    await this.#client.end().catch(() => undefined);
  }
}

function withKeepAlive(connection: string | pg.ClientConfig): pg.ClientConfig {
  const config = typeof connection === 'string' ? { connectionString: connection } : connection;
  // TCP keepalive so a primary that vanished without closing the socket is noticed.
  return { keepAlive: true, ...config };
}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  // Node socket errors; SQLSTATE class 08 (connection exception); 57P01-57P03 (shutting down, starting up);
  // 3D000 (the database is not there yet: a fresh standby still replaying its creation).
  return (
    typeof code === 'string' &&
    (/^E[A-Z]+$/.test(code) || code.startsWith('08') || code.startsWith('57P') || code === '3D000')
  );
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const abort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', abort, { once: true });
  });
}
