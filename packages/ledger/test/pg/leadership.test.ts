/**
 * Sequencer leadership on PostgreSQL: one writer per log (a session-level advisory lock at the primary), readers
 * anywhere, and a writer that lost its session or whose idea of the log is stale cannot write.
 */
import { type Operation, parseOperationWithHash } from '@did-city/method';
import pg from 'pg';
import { leafHash, nodeHash } from '@did-city/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBatch } from '../../src/sequencer/batch.ts';
import { NotLeaderError } from '../../src/leadership.ts';
import { AppendConflictError, type LogStore } from '../../src/store/interface.ts';
import { PostgresLogStore } from '../../src/store/postgres.ts';
import { cityCreate, departmentCreate, registryGenesis } from '../fixtures.ts';
import { type PgCluster, postgresBin, startCluster, waitFor } from './harness.ts';

const T = '2026-11-21T08:00:00Z';
const bin = postgresBin();

async function appendOps(store: LogStore, ops: Operation[]): Promise<void> {
  const items = ops.map((op) => parseOperationWithHash(op));
  const { batch } = await buildBatch({ store, items, size: (await store.head()).size, integratedTime: T });
  await store.append(batch);
}

async function refusal(promise: Promise<unknown>): Promise<NotLeaderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NotLeaderError);
  return error as NotLeaderError;
}

describe.skipIf(bin === undefined)('PostgresLogStore leadership', () => {
  let cluster: PgCluster;
  let databases = 0;

  beforeAll(async () => {
    cluster = await startCluster({ bin: bin!, standby: true });
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  async function freshLog(): Promise<{ primary: pg.ClientConfig; standby: pg.ClientConfig }> {
    const database = `lead_${++databases}`;
    await cluster.createDatabase(database);
    return { primary: cluster.primary.connection(database), standby: cluster.standby!.connection(database) };
  }

  it('refuses a second writer on the same log with a clear error, and lets one in once the first closes', async () => {
    const log = await freshLog();
    const first = await PostgresLogStore.open({ connection: log.primary });
    await appendOps(first, [await registryGenesis()]);
    const second = await refusal(PostgresLogStore.open({ connection: log.primary }));
    expect(second.reason).toBe('held');
    expect(second.message).toMatch(/another sequencer holds the write lock/);
    await first.close();
    const next = await PostgresLogStore.open({ connection: log.primary });
    expect((await next.head()).size).toBe(1);
    await appendOps(next, [await cityCreate()]);
    await next.close();
  });

  it('serves reads on the synchronous standby and never writes there', async () => {
    const log = await freshLog();
    const writer = await PostgresLogStore.open({ connection: log.primary });
    await appendOps(writer, [await registryGenesis(), await cityCreate()]);
    const head = await writer.head();
    await writer.saveCheckpoint({ size: head.size, root: head.root, note: 'note\n' });
    // Synchronous replication acknowledged the commits once flushed on the standby (synchronous_commit = on);
    // the standby applies them a moment later, the new database included.
    const reader = await openReader(log.standby);
    await waitFor(async () => (await reader.latestCheckpoint())?.size === 2, 'the standby to apply the checkpoint');
    expect(await reader.head()).toEqual(head);
    expect(await reader.inclusionProof(0, 2)).toEqual(await writer.inclusionProof(0, 2));
    expect(reader.isWriter).toBe(false);
    expect((await refusal(appendOps(reader, [await departmentCreate('x')]))).reason).toBe('standby');
    expect((await refusal(PostgresLogStore.open({ connection: log.standby }))).reason).toBe('standby');
    await reader.close();
    await writer.close();
  });

  it('a writer whose session was ended (deposed) cannot write, and nothing of its batch lands', async () => {
    const log = await freshLog();
    const deposed = await PostgresLogStore.open({ connection: log.primary });
    await appendOps(deposed, [await registryGenesis()]);
    // What a fencing operator or a demotion does: end the sequencer's session, and with it the lock.
    await withClient(log.primary, (admin) =>
      admin
        .query(
          "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
        .then(() => undefined),
    );
    const successor = await waitForWriter(log.primary);
    const error = await refusal(appendOps(deposed, [await cityCreate()]));
    expect(error.reason).toBe('lost');
    expect(deposed.isWriter).toBe(false);
    expect((await successor.head()).size).toBe(1);
    await appendOps(successor, [await cityCreate()]);
    expect((await successor.head()).size).toBe(2);
    await deposed.close();
    await successor.close();
  });

  it('checks the log size inside the append transaction: a log moved behind the writer refuses its batch', async () => {
    const log = await freshLog();
    const writer = await PostgresLogStore.open({ connection: log.primary });
    await appendOps(writer, [await registryGenesis()]);
    const city = parseOperationWithHash(await cityCreate());
    const { batch } = await buildBatch({ store: writer, items: [city], size: 1, integratedTime: T });
    const dept = parseOperationWithHash(await departmentCreate('water'));
    // Another session appends leaf 1 without the lock (what a deposed sequencer would try): the writer's cached
    // head is now stale, and its batch for size 1 must not land.
    await withClient(log.primary, async (admin) => {
      const leaf = batch.entries[0]!;
      const hashes = [(await writer.readNodes([{ level: 0, index: 0 }]))[0]!.hash, leafHash(leaf.leaf)];
      await admin.query('BEGIN');
      await admin.query(
        'INSERT INTO entries (leaf_index, leaf, leaf_hash, operation_hash, did, seq, integrated_time) VALUES (1, $1, $2, $3, $4, $5, $6)',
        [leaf.leaf, hashes[1], leaf.operationHash, leaf.did, leaf.seq, leaf.integratedTime],
      );
      await admin.query('INSERT INTO tree_nodes (level, node_index, hash) VALUES (1, 0, $1)', [
        nodeHash(hashes[0]!, hashes[1]!),
      ]);
      const state = batch.states[0]!;
      await admin.query('INSERT INTO did_state (did, head_index, history) VALUES ($1, 1, $2)', [
        state.did,
        JSON.stringify(state),
      ]);
      // A whole append, as the other writer's code makes it: the DID index row too (the integrity check compares it).
      await admin.query('INSERT INTO did_index (did, seq, leaf_index, operation_hash) VALUES ($1, $2, 1, $3)', [
        leaf.did,
        leaf.seq,
        leaf.operationHash,
      ]);
      await admin.query('UPDATE log_head SET tree_size = 2');
      await admin.query('COMMIT');
    });
    const error = await writer.append(batch).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppendConflictError);
    expect((error as AppendConflictError).conflict).toBe('size');
    // The writer took the moved head and appends on top of it.
    expect((await writer.head()).size).toBe(2);
    const next = await buildBatch({ store: writer, items: [dept], size: 2, integratedTime: T });
    expect(next.outcomes).toEqual([{ ok: true, index: 2 }]);
    await writer.append(next.batch);
    expect((await writer.head()).size).toBe(3);
    expect((await writer.integrityCheck()).ok).toBe(true);
    await writer.close();
  });
});

async function withClient(connection: pg.ClientConfig, use: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client(connection);
  client.on('error', () => undefined);
  await client.connect();
  try {
    await use(client);
  } finally {
    await client.end();
  }
}

async function openReader(connection: pg.ClientConfig): Promise<PostgresLogStore> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await PostgresLogStore.open({ connection, role: 'reader' });
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function waitForWriter(connection: pg.ClientConfig): Promise<PostgresLogStore> {
  return PostgresLogStore.open({ connection, waitForLeadership: { retryMs: 20, signal: AbortSignal.timeout(10_000) } });
}
