/**
 * What the sequencer authorises against (spec §7.5, R-NODE-2). The derived `did_state` row is a cache anyone with
 * write access to the database can edit, so it is never believed on its own: before an operation is validated
 * against a DID's derived state (its own, or its parent's), the state's head is checked against the log entry it
 * names. That entry must be the DID's last one in the log, its leaf must be included in the tree the node has
 * co-signed (an inclusion proof against the checkpoint root held in memory), and the head's effect the validator
 * relies on (key state, threshold, pre-rotation commitment, document, deactivation) must be exactly what that
 * entry's operation says. Anything else is a TamperedStateError: the operation is refused and the node stops
 * sequencing until its store checks out again.
 */
import { canonicalize, DidCityError, type DidHistory, type LogEntry, operationHash } from '@did-city/method';
import { leafHash, verifyInclusion } from '@did-city/tlog';
import { sameBytes } from '../bytes.ts';
import { decodeLeaf } from '../leaf.ts';
import type { LogReader, StoredEntry, TreeHead } from '../store/interface.ts';
import { versionOf } from '../store/versions.ts';

/** The derived state disagrees with the log: the store was changed behind the node's back. */
export class TamperedStateError extends DidCityError {
  readonly did: string;

  constructor(did: string, reason: string) {
    super(
      'LEDGER_UNAVAILABLE',
      `this node refuses to sequence: the derived state of ${did} disagrees with its log (${reason}); ` +
        'the operator must check the store (did-city ledger check)',
    );
    this.did = did;
  }
}

/**
 * The tree the node vouches for that covers leaf `index`: its latest co-signed checkpoint (root from the signed
 * note it holds in memory), or the appended head for a leaf the checkpoint does not cover yet.
 */
export type AnchorOf = (index: number) => Promise<TreeHead> | TreeHead;

/** `store.didHead(did)`, checked against the log; undefined only when the log holds nothing of `did`. */
export async function verifiedState(store: LogReader, did: string, anchor: AnchorOf): Promise<DidHistory | undefined> {
  const [state, last] = await Promise.all([store.didHead(did), store.lastEntryOfDid(did)]);
  if (last === undefined) {
    if (state !== undefined)
      throw new TamperedStateError(did, 'a derived state exists but the log holds no entry of it');
    return undefined;
  }
  if (state === undefined) throw new TamperedStateError(did, `no derived state, yet the log holds its seq ${last.seq}`);
  const entry = await provenEntry(store, last, anchor);
  const problem = headProblem(state, entry);
  if (problem !== undefined) throw new TamperedStateError(did, problem);
  return state;
}

/** The entry decoded from its leaf bytes, once the leaf is shown to be in the tree the node vouches for. */
async function provenEntry(store: LogReader, stored: StoredEntry, anchor: AnchorOf): Promise<LogEntry> {
  const { did, index } = stored;
  const tree = await anchor(index);
  const hash = leafHash(stored.leaf);
  let included = false;
  if (index < tree.size && sameBytes(hash, stored.leafHash)) {
    const proof = await store.inclusionProof(index, tree.size).catch(() => undefined);
    included =
      proof !== undefined &&
      verifyInclusion({ leafIndex: index, treeSize: tree.size, leafHash: hash, proof, rootHash: tree.root });
  }
  if (!included) throw new TamperedStateError(did, `its last entry, leaf ${index}, is not the leaf the tree holds`);
  let entry: LogEntry;
  try {
    entry = decodeLeaf(stored.leaf, index);
  } catch {
    throw new TamperedStateError(did, `leaf ${index} is not a log entry`);
  }
  const op = entry.operation;
  if (op.did !== did || op.seq !== stored.seq || operationHash(op) !== stored.operationHash) {
    throw new TamperedStateError(did, `the columns of leaf ${index} disagree with its bytes`);
  }
  return entry;
}

const same = (a: unknown, b: unknown): boolean => canonicalize(a as object) === canonicalize(b as object);

/** Why `state` is not what the head `entry` makes it, or undefined when it is. */
function headProblem(state: DidHistory, entry: LogEntry): string | undefined {
  const op = entry.operation;
  const hash = operationHash(op);
  if (state.did !== op.did) return 'the state names another DID';
  if (state.head.seq !== op.seq || state.head.operationHash !== hash) {
    return `its head is seq ${state.head.seq}, the log's last entry is seq ${op.seq} (leaf ${entry.index})`;
  }
  if (op.type === 'deactivate') {
    const expected = { integratedTime: entry.integratedTime, operationHash: hash, leafIndex: entry.index, seq: op.seq };
    const deactivation = op.successor === undefined ? expected : { ...expected, successor: op.successor };
    return same(state.deactivation ?? null, deactivation) ? undefined : 'its deactivation is not the one the log holds';
  }
  if (state.deactivation !== undefined) return 'it is marked deactivated, the log does not deactivate it';
  if (op.type === 'resource') {
    const expected = {
      ...op.resource,
      seq: op.seq,
      operationHash: hash,
      leafIndex: entry.index,
      created: entry.integratedTime,
    };
    return same(state.resources?.at(-1) ?? null, expected)
      ? undefined
      : `its last resource is not the one seq ${op.seq} publishes`;
  }
  const version = versionOf(entry)!;
  if (!same(state.keyState, version.keyState)) return `its keys are not those of seq ${op.seq}`;
  if (!same(state.versions.at(-1) ?? null, version)) return `its latest version is not the one seq ${op.seq} makes`;
  return undefined;
}
