/**
 * How the stores keep derived state without rewriting a DID's history on every update: the `did_state` row holds
 * the DID's head state only (head, key state, deactivation, creation time and its latest version), so an update
 * writes one version's worth of bytes whatever the DID's length. The earlier versions are not stored twice: they are
 * rebuilt from the DID's log entries when a whole history is asked for (the governance registry's policy at a size,
 * the integrity check's comparison), which validated those entries when they were appended.
 */
import { buildDocument, type DidHistory, type DocumentVersion, type LogEntry, operationHash } from '@did-city/method';
import { decodeLeaf } from '../leaf.ts';
import type { LogStore, StoredEntry } from './interface.ts';

/** The head state: `state` with only its latest version (what validation reads, and what a row holds). */
export function headState(state: DidHistory): DidHistory {
  return state.versions.length <= 1 ? state : { ...state, versions: state.versions.slice(-1) };
}

/** The version a create, update or recover entry makes (spec §5), exactly as the method's state machine builds it. */
export function versionOf(entry: LogEntry): DocumentVersion | undefined {
  const op = entry.operation;
  if (op.type === 'deactivate' || op.type === 'resource') return undefined;
  const keyState = {
    updateKeys: [...op.updateKeys],
    threshold: op.threshold,
    ...(op.nextKeyHashes ? { nextKeyHashes: [...op.nextKeyHashes] } : {}),
  };
  return {
    versionId: String(op.seq),
    seq: op.seq,
    document: buildDocument(op.did, op.document),
    keyState,
    operationHash: operationHash(op),
    leafIndex: entry.index,
    integratedTime: entry.integratedTime,
  };
}

/** A head state with every version, rebuilt from the DID's entries in log order. */
export function withAllVersions(head: DidHistory, entries: readonly StoredEntry[]): DidHistory {
  const versions = entries.flatMap((stored) => versionOf(decodeLeaf(stored.leaf, stored.index)) ?? []);
  return { ...head, versions };
}

/** `store.didState(did)` for every store: the stored head state with the versions rebuilt from the log. */
export async function fullState(store: LogStore, did: string): Promise<DidHistory | undefined> {
  const head = await store.didHead(did);
  return head && withAllVersions(head, await store.entriesOfDid(did));
}
