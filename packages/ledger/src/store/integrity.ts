/**
 * Integrity check of a stored log against itself and its latest co-signed checkpoint. Everything is recomputed
 * from the leaf bytes: leaf hashes, the columns derived from the operation, every stored interior node, the root
 * at the checkpoint's size, the derived per-DID state and the DID index rows (each DID's head). A row edited behind the node's back (a second SQLite
 * connection, a restored backup) shows up as a problem naming the leaf index.
 */
import { canonicalize, type DidHistory, operationHash } from '@did-city/method';
import {
  appendToFrontier,
  emptyFrontier,
  type Frontier,
  frontierRoot,
  leafHash,
  type NodeHash,
  nodeHash,
  parseCheckpoint,
  parseNote,
} from '@did-city/tlog';
import { sameBytes } from '../bytes.ts';
import { applyEntry } from '../derived-state.ts';
import { decodeLeaf } from '../leaf.ts';
import type { IndexedHead } from './index-versions.ts';
import type { IntegrityProblem, IntegrityReport, LogStore, StoredCheckpoint, StoredEntry } from './interface.ts';
import { forEachEntry } from './replay.ts';
import { headState } from './versions.ts';

interface Scan {
  frontier: Frontier;
  created: NodeHash[];
  states: Map<string, DidHistory>;
  /** Each DID's last entry as the leaf bytes say: what its `did_index` row must hold. */
  heads: Map<string, IndexedHead>;
  /** `heads` at the size the `did_index` rows describe, once the scan passed it. */
  headsAtRows?: Map<string, IndexedHead>;
  problems: IntegrityProblem[];
  checkpointRoot?: Uint8Array;
}

export async function checkIntegrity(store: LogStore): Promise<IntegrityReport> {
  const { size } = await store.head();
  const checkpoint = await store.latestCheckpoint();
  const scan: Scan = { frontier: emptyFrontier(), created: [], states: new Map(), heads: new Map(), problems: [] };
  if (checkpoint) checkCheckpointRow(checkpoint, scan.problems);
  const rows = await store.indexRows();
  if (rows.size === 0) scan.headsAtRows = new Map();
  await forEachEntry(store, size, async (entry, expected) => {
    if (entry.index !== expected) missing(scan.problems, expected, entry.index);
    await checkEntry(entry, scan);
    if (checkpoint && scan.frontier.size === checkpoint.size) scan.checkpointRoot = frontierRoot(scan.frontier);
    if (scan.frontier.size === rows.size) scan.headsAtRows = new Map(scan.heads);
    if (scan.created.length >= 1024) await compareNodes(store, scan);
  });
  await compareNodes(store, scan);
  if (scan.frontier.size < size) missing(scan.problems, scan.frontier.size, size);
  if (checkpoint) compareCheckpoint(checkpoint, scan);
  await compareStates(store, scan);
  compareIndexRows(rows, scan);
  const report: IntegrityReport = { ok: scan.problems.length === 0, size, problems: scan.problems };
  if (checkpoint) report.checkpointSize = checkpoint.size;
  return report;
}

function missing(problems: IntegrityProblem[], from: number, to: number): void {
  problems.push({ kind: 'missing-entry', index: from, detail: `leaves ${from} to ${to - 1} are missing` });
}

async function checkEntry(stored: StoredEntry, scan: Scan): Promise<void> {
  const { index } = stored;
  const recomputed = leafHash(stored.leaf);
  if (!sameBytes(recomputed, stored.leafHash)) {
    scan.problems.push({
      kind: 'leaf-hash',
      index,
      detail: `leaf ${index}: stored leaf hash is not the hash of its bytes`,
    });
  }
  const { frontier, nodes } = appendToFrontier(scan.frontier, [recomputed]);
  scan.frontier = frontier;
  scan.created.push(...nodes.filter((n) => n.level > 0));
  try {
    const entry = decodeLeaf(stored.leaf, index);
    const op = entry.operation;
    scan.heads.set(op.did, { did: op.did, seq: op.seq, index, operationHash: operationHash(op) });
    const columnsMatch =
      operationHash(op) === stored.operationHash &&
      op.did === stored.did &&
      op.seq === stored.seq &&
      entry.integratedTime === stored.integratedTime;
    if (!columnsMatch) {
      scan.problems.push({
        kind: 'entry-columns',
        index,
        detail: `leaf ${index}: columns disagree with the leaf bytes`,
      });
    }
    scan.states.set(op.did, await applyEntry((did) => scan.states.get(did), entry));
  } catch (cause) {
    const detail = `leaf ${index}: not a valid next operation (${cause instanceof Error ? cause.message : 'unknown'})`;
    scan.problems.push({ kind: 'derived-state', index, detail });
  }
}

// Each stored interior node must be the hash of its two *stored* children: an edit then shows at the one node
// above it instead of cascading up every ancestor, which names the leaves it covers.
async function compareNodes(store: LogStore, scan: Scan): Promise<void> {
  const ids = scan.created;
  scan.created = [];
  if (ids.length === 0) return;
  const children = ids.flatMap(({ level, index }) => [
    { level: level - 1, index: 2 * index },
    { level: level - 1, index: 2 * index + 1 },
  ]);
  let stored: NodeHash[];
  let below: NodeHash[];
  try {
    [stored, below] = [await store.readNodes(ids), await store.readNodes(children)];
  } catch {
    const first = ids[0]!;
    const detail = `interior nodes from ${first.level}/${first.index} are missing`;
    scan.problems.push({ kind: 'node-hash', index: first.index * 2 ** first.level, detail });
    return;
  }
  ids.forEach((node, i) => {
    const expected = nodeHash(below[2 * i]!.hash, below[2 * i + 1]!.hash);
    if (!sameBytes(expected, stored[i]?.hash)) {
      const first = node.index * 2 ** node.level;
      const detail = `node ${node.level}/${node.index} (leaves ${first} to ${first + 2 ** node.level - 1}) is not the hash of its children`;
      scan.problems.push({ kind: 'node-hash', index: first, detail });
    }
  });
}

// The root column must be the root the signed note states (the note itself is verified by the node, which
// knows the trust policy).
function checkCheckpointRow(checkpoint: StoredCheckpoint, problems: IntegrityProblem[]): void {
  try {
    const body = parseCheckpoint(parseNote(checkpoint.note).text);
    if (body.size === checkpoint.size && sameBytes(body.rootHash, checkpoint.root)) return;
  } catch {
    // reported below
  }
  problems.push({ kind: 'checkpoint-root', detail: `checkpoint row ${checkpoint.size} disagrees with its note` });
}

function compareCheckpoint(checkpoint: StoredCheckpoint, scan: Scan): void {
  const root = checkpoint.size === 0 ? frontierRoot(emptyFrontier()) : scan.checkpointRoot;
  if (root !== undefined && sameBytes(root, checkpoint.root)) return;
  scan.problems.push({
    kind: 'checkpoint-root',
    detail: `the root recomputed from leaves 0 to ${checkpoint.size - 1} is not the co-signed root`,
  });
}

// Stores keep each DID's head state (store/versions.ts): that is what must equal the replay's.
async function compareStates(store: LogStore, scan: Scan): Promise<void> {
  for (const [did, replayed] of scan.states) {
    const stored = await store.didHead(did);
    if (stored !== undefined && canonicalize(stored) === canonicalize(headState(replayed))) continue;
    const seq = replayed.head.seq;
    scan.problems.push({ kind: 'derived-state', did, detail: `derived state of ${did} (head seq ${seq}) differs` });
  }
}

/**
 * Every DID's `did_index` row must be its last entry (seq, leaf index, operation hash from the leaf bytes), and no
 * row may name a DID without entries: the index a node opens with is built from these rows, and its root is what
 * the witnesses co-sign and resolvers prove heads against.
 */
function compareIndexRows(stored: { size: number; heads: IndexedHead[] }, scan: Scan): void {
  const rows = new Map(stored.heads.map((row) => [row.did, row]));
  const heads = scan.headsAtRows;
  if (heads === undefined) {
    scan.problems.push({
      kind: 'did-index',
      detail: `the DID index rows describe ${stored.size} entries, more than the log holds`,
    });
    return;
  }
  const differs = (did: string, detail: string) => {
    scan.problems.push({
      kind: 'did-index',
      did: did.slice(0, 200),
      detail: `DID index row of ${did.slice(0, 200)}: ${detail}`,
    });
  };
  for (const [did, head] of heads) {
    const row = rows.get(did);
    rows.delete(did);
    if (row === undefined) differs(did, `missing (its last entry is leaf ${head.index})`);
    else if (row.seq !== head.seq || row.index !== head.index || row.operationHash !== head.operationHash) {
      differs(
        did,
        `says seq ${row.seq} at leaf ${row.index}, the log's last entry is seq ${head.seq} at leaf ${head.index}`,
      );
    }
  }
  for (const did of rows.keys()) differs(did, 'names a DID with no entry in the log');
}
