/**
 * The state machine of spec §5: a DID's log entries, validated one by one against the shared validator, become a
 * DidHistory with one DID document per create/update/recover, the linked resources, and the deactivation, if any.
 *
 * Replay is linear: each operation is canonicalised once for its hash (kept as the head, never recomputed) and
 * once for its proofs, each proof is verified once, and the parent's state at a position is a binary search.
 */
import { buildDocument } from './document-content.ts';
import { DidCityError } from './errors.ts';
import type { DidHistory, DocumentVersion, KeyState, LinkedResource, LogEntry, StateOperation } from './types.ts';
import { type GenesisPolicy, verifyOperation } from './validate.ts';

export interface StateContext {
  /**
   * The parent DID's verified history. One history serves a whole replay: for each operation the validator takes
   * the parent's key state at that operation's leaf index (keyStateAt), so later parent rotations do not reach
   * back. Absent for a country registry, or when the parent has no history.
   */
  parent?: DidHistory;
  genesis?: GenesisPolicy;
}

const INTEGRATED_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

function checkEntry(entry: LogEntry, history: DidHistory | undefined): void {
  if (typeof entry !== 'object' || entry === null)
    throw new DidCityError('INVALID_OPERATION', 'entry: must be an object');
  if (!Number.isSafeInteger(entry.index) || entry.index < 0) {
    throw new DidCityError('INVALID_OPERATION', 'entry.index: must be a non-negative integer');
  }
  if (typeof entry.integratedTime !== 'string' || !INTEGRATED_TIME.test(entry.integratedTime)) {
    throw new DidCityError('INVALID_OPERATION', 'entry.integratedTime: must be an RFC 3339 UTC time without fractions');
  }
  const last = history === undefined ? undefined : lastLeafIndex(history);
  if (last !== undefined && entry.index <= last) {
    throw new DidCityError(
      'INVALID_OPERATION',
      `entry.index: leaf ${entry.index} is not after the previous leaf ${last}`,
    );
  }
}

/** The leaf of a history's last operation, whichever kind it was. */
export function lastLeafIndex(history: DidHistory): number {
  const version = history.versions.at(-1)?.leafIndex ?? -1;
  const resource = history.resources?.at(-1)?.leafIndex ?? -1;
  return Math.max(version, resource, history.deactivation?.leafIndex ?? -1);
}

function keyStateOf(op: StateOperation): KeyState {
  const state: KeyState = { updateKeys: [...op.updateKeys], threshold: op.threshold };
  if (op.nextKeyHashes !== undefined) state.nextKeyHashes = [...op.nextKeyHashes];
  return state;
}

/** Applies one entry to a history this module owns (fresh or copied), mutating it. */
function applyOwned(history: DidHistory | undefined, entry: LogEntry, context: StateContext): DidHistory {
  checkEntry(entry, history);
  const { operation: op, operationHash } = verifyOperation(entry.operation, {
    history,
    parent: context.parent,
    leafIndex: entry.index,
    genesis: context.genesis,
  });
  const head = { seq: op.seq, operationHash };
  if (op.type === 'deactivate') {
    const current = history!;
    const { integratedTime, index: leafIndex } = entry;
    current.deactivation = { integratedTime, operationHash, leafIndex, seq: op.seq };
    if (op.successor !== undefined) current.deactivation.successor = op.successor;
    current.head = head;
    return current;
  }
  if (op.type === 'resource') {
    const current = history!;
    const { integratedTime: created, index: leafIndex } = entry;
    const resource: LinkedResource = { ...op.resource, seq: op.seq, operationHash, leafIndex, created };
    if (current.resources === undefined) current.resources = [resource];
    else current.resources.push(resource);
    current.head = head;
    return current;
  }
  const keyState = keyStateOf(op);
  const version: DocumentVersion = {
    versionId: String(op.seq),
    seq: op.seq,
    document: buildDocument(op.did, op.document),
    keyState,
    operationHash,
    leafIndex: entry.index,
    integratedTime: entry.integratedTime,
  };
  if (history === undefined) return { did: op.did, created: entry.integratedTime, versions: [version], keyState, head };
  history.versions.push(version);
  history.keyState = keyState;
  history.head = head;
  return history;
}

function copyHistory(history: DidHistory): DidHistory {
  const copy: DidHistory = { ...history, versions: [...history.versions], head: { ...history.head } };
  if (history.deactivation !== undefined) copy.deactivation = { ...history.deactivation };
  if (history.resources !== undefined) copy.resources = [...history.resources];
  return copy;
}

/**
 * Validates `entry` as the next operation of `history` (spec §3, with the parent's state at the entry's leaf
 * index) and returns the new history. Pure: `history` is not modified; unchanged versions are shared.
 * Throws the validator's DidCityError for an invalid entry.
 */
export function applyOperation(
  history: DidHistory | undefined,
  entry: LogEntry,
  context: StateContext = {},
): DidHistory {
  return applyOwned(history === undefined ? undefined : copyHistory(history), entry, context);
}

function atEntry(cause: unknown, entry: LogEntry): unknown {
  if (!(cause instanceof DidCityError)) return cause;
  return new DidCityError(cause.code, `leaf ${String(entry?.index)}: ${cause.detail}`, { cause });
}

/**
 * Replays a DID's entries (log order) into its history (spec §5), stopping at the first invalid one.
 * Throws NOT_FOUND for no entries, INVALID_OPERATION for an entry about another DID, and the validator's
 * DidCityError (detail prefixed with the leaf index) for an invalid operation.
 */
export function replayHistory(did: string, entries: readonly LogEntry[], context: StateContext = {}): DidHistory {
  if (entries.length === 0) throw new DidCityError('NOT_FOUND', `${did} has no operations in the log`);
  let history: DidHistory | undefined;
  for (const entry of entries) {
    const about = (entry?.operation as { did?: unknown } | undefined)?.did;
    if (about !== did) {
      throw new DidCityError(
        'INVALID_OPERATION',
        `leaf ${String(entry?.index)}: operation is for ${String(about)}, not ${did}`,
      );
    }
    try {
      history = applyOwned(history, entry, context);
    } catch (cause) {
      throw atEntry(cause, entry);
    }
  }
  return history!;
}
