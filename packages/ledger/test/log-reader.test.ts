/**
 * LogReader / LogWriter: a read-only node takes a store that can only be read, and serves reads from it; a
 * sequencing node refuses such a store at open, before anything is served.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LedgerNode } from '../src/node.ts';
import type { LogReader, LogStore } from '../src/store/interface.ts';
import { SqliteLogStore } from '../src/store/sqlite.ts';
import { registryGenesis, tempDir } from './fixtures.ts';

const WRITES = new Set<PropertyKey>(['append', 'saveCheckpoint', 'rebuildDerivedState']);

/** The store with its write methods hidden: what a reader-only store looks like from outside. */
function readerOnly(store: LogStore): LogReader {
  return new Proxy(store, {
    get(target, name) {
      if (WRITES.has(name)) return undefined;
      const value = Reflect.get(target, name, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('a node and the part of the store it takes', () => {
  it('a read-only node serves what a reader-only store holds; a sequencing node refuses that store', async () => {
    const temp = tempDir('log-reader-');
    cleanups.push(temp.cleanup);
    const writer = await LedgerNode.open({
      dataDir: temp.dir,
      allowUnpinnedGenesis: true,
      sequencer: { batchIntervalMs: 5 },
    });
    const receipt = await writer.submitGovernance(await registryGenesis());
    const policy = writer.policyText;
    await writer.close();

    const store = readerOnly(new SqliteLogStore({ file: join(temp.dir, 'ledger.db') }));
    const node = await LedgerNode.open({ dataDir: temp.dir, store, readOnly: true, policy });
    cleanups.push(() => node.close());
    expect(node.sequencer).toBeUndefined();
    expect((await node.store.head()).size).toBe(receipt.index + 1);
    expect((await node.store.entry(receipt.index))?.did).toBe('did:city:cn');
    expect((await node.integrityCheck()).ok).toBe(true);

    const other = readerOnly(new SqliteLogStore({ file: join(temp.dir, 'ledger.db') }));
    await expect(LedgerNode.open({ dataDir: temp.dir, store: other, policy, witnesses: [] })).rejects.toThrow(
      /a sequencing node needs a store it can write/,
    );
  });
});
