/**
 * What the explorer verifies before it shows anything as verified, with the method library built for the browser
 * (spec §7.6, §7.9): the checkpoint against the trust policy (log signature, witness quorum, index quorum), each
 * entry's leaf recomputed from `{integratedTime, operation}` and its inclusion proof, the DID's head against the
 * checkpoint's index root, and the operation chain replayed by the method's validator. Each check has its own
 * result, so a failure names the entry and the check instead of failing the page as a whole.
 */
import {
  canonicalBytes,
  type DidHistory,
  indexRootOf,
  type LogEntry,
  type Operation,
  operationHash,
  replayHistory,
  verifyIndexHead,
} from '@did-city/method';
import {
  type Checkpoint,
  type CheckpointVerdict,
  evaluateCheckpoint,
  leafHash,
  parsePolicy,
  verifyInclusion,
} from '@did-city/tlog';

export interface Check {
  ok: boolean;
  /** What failed, in words (English; the page shows it as is). */
  problem?: string;
}

export interface CheckpointCheck extends Check {
  checkpoint?: Checkpoint;
  verdict?: CheckpointVerdict;
}

export interface EntryCheck {
  index: number;
  integratedTime: string;
  operation: Operation;
  /** Leaf recomputed and included in the checkpoint. */
  inclusion: Check;
  /** The operation is a valid next step of the chain (signatures, authorisation, prev/seq). */
  chain: Check;
}

export interface DidCheck {
  did: string;
  checkpoint: CheckpointCheck;
  entries: EntryCheck[];
  /** The history ends at the head the DID index proves (nothing left out at the end). */
  head: Check;
  /** The replayed history when every entry verified. */
  history?: DidHistory;
  ok: boolean;
}

const fail = (problem: string): Check => ({ ok: false, problem });
const PASS: Check = { ok: true };

function message(error: unknown): string {
  const e = error as { detail?: unknown; message?: unknown };
  return String(e?.detail ?? e?.message ?? error);
}

/** The verdict of the trust policy on a signed checkpoint note. */
export function checkCheckpoint(note: unknown, policyText: string): CheckpointCheck {
  if (typeof note !== 'string') return fail('the ledger served no checkpoint');
  let verdict: CheckpointVerdict;
  try {
    verdict = evaluateCheckpoint(note, parsePolicy(policyText));
  } catch (error) {
    return fail(`the checkpoint is not a well-formed signed note: ${message(error)}`);
  }
  const { checkpoint } = verdict;
  if (!verdict.logSigned)
    return { ...fail(`checkpoint ${checkpoint.size}: not signed by a log of the trust policy`), checkpoint, verdict };
  if (!verdict.quorum) {
    const cosigners = verdict.cosigners.map((c) => c.witness).join(', ') || 'none';
    return {
      ...fail(`checkpoint ${checkpoint.size}: the witness quorum is not met (valid cosignatures: ${cosigners})`),
      checkpoint,
      verdict,
    };
  }
  return { ok: true, checkpoint, verdict };
}

function decodeHash(value: unknown): Uint8Array | undefined {
  if (typeof value !== 'string') return undefined;
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === 32 && bytes.toString('base64') === value ? new Uint8Array(bytes) : undefined;
}

function inclusionOf(entry: ServedEntry, checkpoint: Checkpoint | undefined): Check {
  if (checkpoint === undefined) return fail('no trusted checkpoint to check against');
  const { index } = entry;
  if (!Number.isSafeInteger(index) || index < 0 || index >= checkpoint.size)
    return fail(`leaf ${index}: not in the checkpoint's tree`);
  const proof = Array.isArray(entry.inclusionProof) ? entry.inclusionProof.map(decodeHash) : [];
  if (!Array.isArray(entry.inclusionProof) || proof.some((hash) => hash === undefined))
    return fail(`leaf ${index}: malformed inclusion proof`);
  let hash: Uint8Array;
  try {
    hash = leafHash(canonicalBytes({ integratedTime: entry.integratedTime, operation: entry.operation }));
  } catch {
    return fail(`leaf ${index}: the entry cannot be canonicalised`);
  }
  const check = {
    leafIndex: index,
    treeSize: checkpoint.size,
    leafHash: hash,
    proof: proof as Uint8Array[],
    rootHash: checkpoint.rootHash,
  };
  return verifyInclusion(check)
    ? PASS
    : fail(
        `leaf ${index}: not included in checkpoint ${checkpoint.size} (the entry differs from what the log committed)`,
      );
}

export interface ServedEntry {
  index: number;
  integratedTime: string;
  operation: Operation;
  inclusionProof: unknown;
}

export interface ServedHistory {
  did: string;
  checkpoint?: string;
  head?: unknown;
  indexProof?: unknown;
  entries: ServedEntry[];
}

/** Replays the chain one entry at a time, so the first invalid operation is named and the rest are not trusted. */
function chainChecks(
  did: string,
  entries: readonly ServedEntry[],
  parent: DidHistory | undefined,
): { checks: Check[]; history?: DidHistory } {
  const checks: Check[] = [];
  let history: DidHistory | undefined;
  for (let i = 0; i < entries.length; i++) {
    if (checks.some((c) => !c.ok)) {
      checks.push(fail(`leaf ${entries[i]!.index}: follows an invalid operation`));
      continue;
    }
    try {
      history = replayHistory(did, entries.slice(0, i + 1) as LogEntry[], parent === undefined ? {} : { parent });
      checks.push(PASS);
    } catch (error) {
      checks.push(fail(message(error)));
    }
  }
  return checks.every((c) => c.ok) && history !== undefined ? { checks, history } : { checks };
}

function headCheck(served: ServedHistory, checkpoint: Checkpoint | undefined): Check {
  if (checkpoint === undefined) return fail('no trusted checkpoint to check against');
  const root = indexRootOf(checkpoint);
  if (root === undefined) return fail(`checkpoint ${checkpoint.size} commits no DID index root`);
  try {
    const head = verifyIndexHead({ did: served.did, head: served.head, indexProof: served.indexProof, root });
    const last = served.entries.at(-1);
    if (head === null)
      return last === undefined ? PASS : fail(`the index proves ${served.did} absent, but entries were served`);
    if (last === undefined) return fail(`the index proves a head (seq ${head.seq}) but no entries were served`);
    if (
      last.index !== head.index ||
      last.operation.seq !== head.seq ||
      operationHash(last.operation) !== head.operationHash
    ) {
      return fail(
        `the history ends at leaf ${last.index}, not at the proven head (leaf ${head.index}, seq ${head.seq})`,
      );
    }
    return PASS;
  } catch (error) {
    return fail(message(error));
  }
}

/**
 * Every check of one DID's served history (all pages joined), against the trust policy. `parent` is the verified
 * history of the DID that authorises it (the registry for a city), which the validator needs for creates.
 */
export function checkDid(served: ServedHistory, policyText: string, parent?: DidHistory): DidCheck {
  const checkpoint = checkCheckpoint(served.checkpoint, policyText);
  const trusted = checkpoint.ok ? checkpoint.checkpoint : undefined;
  const chain = chainChecks(served.did, served.entries, parent);
  const entries = served.entries.map((entry, i) => ({
    index: entry.index,
    integratedTime: entry.integratedTime,
    operation: entry.operation,
    inclusion: inclusionOf(entry, trusted),
    chain: chain.checks[i]!,
  }));
  const head = headCheck(served, trusted);
  const ok = checkpoint.ok && head.ok && entries.every((e) => e.inclusion.ok && e.chain.ok);
  const result: DidCheck = { did: served.did, checkpoint, entries, head, ok };
  if (ok && chain.history !== undefined) result.history = chain.history;
  return result;
}
