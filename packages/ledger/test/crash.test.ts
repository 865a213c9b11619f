/**
 * Crash safety: a child process runs a node and submits operations until it is killed with SIGKILL at a random
 * moment; after every kill the node is reopened here and must hold every acknowledged operation at its
 * acknowledged index, pass its integrity check, be consistent with every checkpoint the child ever handed out,
 * and answer a resubmission of an operation whose acknowledgement was lost with the index it already has.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Operation, operationHash } from '@did-city/method';
import { parseCheckpoint, parseNote, verifyConsistency } from '@did-city/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRegistryGenesis } from '../src/derived-state.ts';
import { LedgerNode } from '../src/node.ts';
import type { Receipt } from '../src/receipt.ts';
import { tempDir } from './fixtures.ts';
import { fromBase64, verifyReceipt } from './helpers.ts';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const ROUNDS = 30;
const BUDGET_MS = 30_000;
/** On a loaded machine the rounds go on past BUDGET_MS until enough acknowledgements were seen, up to this. */
const HARD_LIMIT_MS = 70_000;
const ENOUGH_ACKS = 20;

interface Events {
  submitted: Map<string, Operation>;
  acks: Receipt[];
}

let dir: string;
let cleanup: () => void;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('ledger-crash-'));
});
afterAll(() => cleanup());

/** Runs the child until `killAfterMs` after it is ready, then SIGKILLs it and returns what it printed. */
async function runAndKill(round: number, killAfterMs: number): Promise<Events> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CHILD, dir, String(round)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: Events = { submitted: new Map(), acks: [] };
  let buffer = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const ready = new Promise<void>((resolve) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const event = JSON.parse(line);
        if (event.ready) resolve();
        if (event.submit) events.submitted.set(operationHash(event.submit), event.submit);
        if (event.ack) events.acks.push(event.ack);
      }
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await Promise.race([ready, exited]);
  await new Promise((r) => setTimeout(r, killAfterMs));
  kill(child);
  const code = await exited;
  if (code !== null) throw new Error(`child exited by itself (${code}): ${stderr}`);
  return events;
}

function kill(child: ChildProcess): void {
  child.kill('SIGKILL');
}

function checkpointOf(note: string): { size: number; root: Uint8Array } {
  const cp = parseCheckpoint(parseNote(note).text);
  return { size: cp.size, root: cp.rootHash };
}

describe('crash safety (SIGKILL at random moments)', () => {
  it('keeps every acknowledged operation at its index, consistent with every checkpoint handed out', async () => {
    const started = Date.now();
    // Every distinct checkpoint handed out, by size: one root per size, or the log forked.
    const seen = new Map<number, Uint8Array>();
    let totalAcks = 0;
    let lostAcks = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const elapsed = Date.now() - started;
      if (elapsed > HARD_LIMIT_MS || (elapsed > BUDGET_MS && totalAcks > ENOUGH_ACKS)) break;
      const events = await runAndKill(round, 50 + Math.floor(Math.random() * 600));
      // The check runs below, explicitly; the child runs it at each start (a crash must never make it fail).
      const node = await LedgerNode.open({
        allowUnpinnedGenesis: true,
        dataDir: dir,
        sequencer: { batchIntervalMs: 5 },
        checkOnStart: false,
      });
      try {
        for (const ack of events.acks) {
          expect((await node.store.entryByOperationHash(ack.operationHash))?.index).toBe(ack.index);
          const { size, root } = checkpointOf(ack.checkpoint);
          expect(Buffer.from(seen.get(size) ?? root).equals(root)).toBe(true);
          seen.set(size, root);
        }
        totalAcks += events.acks.length;
        expect((await node.integrityCheck()).problems).toEqual([]);
        // On start the node anchored whatever the crash left unacknowledged. A kill before the first append (a
        // slow start under load) leaves an empty log and no checkpoint: nothing else to check in this round.
        const latestNote = await node.latestCheckpoint();
        if (latestNote === undefined) {
          expect((await node.store.head()).size).toBe(0);
          expect(events.acks).toEqual([]);
          continue;
        }
        const latest = checkpointOf(latestNote);
        expect(latest.size).toBe((await node.store.head()).size);
        for (const [oldSize, oldRoot] of seen) {
          const proof = (await node.consistencyProof(oldSize, latest.size)).map(fromBase64);
          expect(verifyConsistency({ oldSize, newSize: latest.size, oldRoot, newRoot: latest.root, proof })).toBe(true);
        }
        const acked = new Set(events.acks.map((a) => a.operationHash));
        for (const [hash, op] of events.submitted) {
          if (acked.has(hash)) continue;
          const stored = await node.store.entryByOperationHash(hash);
          if (!stored) continue;
          lostAcks++;
          const receipt = isRegistryGenesis(op) ? await node.submitGovernance(op) : await node.submit(op);
          expect(receipt.index).toBe(stored.index);
          verifyReceipt(node, receipt, op);
        }
        seen.set(latest.size, latest.root);
      } finally {
        await node.close();
      }
    }
    // The test only means something if the kills landed while work was in flight.
    expect(totalAcks).toBeGreaterThan(ENOUGH_ACKS);
    console.info(`crash test: ${totalAcks} acknowledged, ${lostAcks} appended with a lost acknowledgement`);
  }, 90_000);
});
