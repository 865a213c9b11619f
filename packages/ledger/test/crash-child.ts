/**
 * Child process of crash.test.ts: opens a ledger node on argv[2] and submits operations in concurrent batches
 * until it is killed, printing one JSON line per event: {"ready"}, {"submit": op} before a submission and
 * {"ack": receipt} after its acknowledgement.
 *
 *     node --conditions=source --import tsx crash-child.ts <dataDir> <round>
 */
import type { Operation } from '@did-city/method';
import { join } from 'node:path';
import { LedgerNode } from '../src/node.ts';
import { SqliteLogStore } from '../src/store/sqlite.ts';
import { cityCreate, departmentCreate, key, registryGenesis, updateAfter } from './fixtures.ts';

const [dataDir, round] = process.argv.slice(2) as [string, string];

function print(value: unknown): void {
  // Pipes are synchronous on Linux, so a line printed is a line the parent reads, even after SIGKILL.
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

async function submit(node: LedgerNode, op: Operation, governance = false): Promise<void> {
  print({ submit: op });
  const receipt = governance ? await node.submitGovernance(op) : await node.submit(op);
  print({ ack: receipt });
}

// A short tail, so kills also land in the batches that write the op_index and did_index rows (store/sqlite-tail.ts).
const store = new SqliteLogStore({ file: join(dataDir, 'ledger.db'), tailEntries: 5 });
const node = await LedgerNode.open({
  allowUnpinnedGenesis: true,
  dataDir,
  store,
  sequencer: { batchIntervalMs: 5, maxBatch: 8 },
});
print({ ready: true });
await submit(node, await registryGenesis(), true);
await submit(node, await cityCreate());
for (let batch = 0; ; batch++) {
  const names = Array.from({ length: 6 }, (_, i) => `r${round}-b${batch}-${i}`);
  const creates = await Promise.all(names.map((name) => departmentCreate(name)));
  await Promise.all(creates.map((op) => submit(node, op)));
  const updates = await Promise.all(creates.slice(0, 3).map((op, i) => updateAfter(op, key(names[i]!), 'v1')));
  await Promise.all(updates.map((op) => submit(node, op)));
}
