/**
 * The trust policy a reader holds checkpoints to, and witness-set governance (spec §7.8, R-GOV-4): with
 * `followGovernance`, a policy the governance registry's verified history carries governs the checkpoints larger
 * than the one that proved it, unless it would weaken what is checked (R-GOV-2: no witness quorum, other log keys,
 * or no `index` line where the policy in force has one); such a policy is kept as evidence instead.
 */
import { type Checkpoint, parsePolicy, quorumSatisfied, type TlogPolicy } from '@did-city/tlog';
import { ledgerPolicyOf } from './document-content.ts';
import { replayHistory } from './state.ts';
import type { LogEntry, Operation } from './types.ts';
import type { GenesisPolicy } from './validate.ts';

/**
 * A policy the governance registry's verified history carried but the reader refused to adopt (spec §7.8): it
 * drops the witness quorum or changes the log key(s), which a ledger node refuses at submission (R-GOV-2). A ledger
 * that anchored it anyway misbehaved, or the institutes' keys did; the signed operation and the checkpoint that
 * proved it are kept as transferable evidence, and the policy in force stays.
 */
export interface RefusedPolicyEvidence {
  /** The governance registry DID. */
  did: string;
  /** The registry operation (as signed by the institutes) whose document carries the refused policy. */
  operation: Operation;
  /** Its leaf index in the log. */
  index: number;
  /** The refused policy text. */
  policy: string;
  /** The policy kept in force. */
  kept: string;
  /** The checkpoint (signed note) under which the registry's history was proven. */
  checkpoint: string;
  reason: string;
  /** RFC 3339 time of detection. */
  detectedAt: string;
}

/** A policy and the checkpoint sizes it governs: those larger than `after`. */
interface PolicyEra {
  after: number;
  text: string;
  policy: TlogPolicy;
}

/** The policies in force by checkpoint size, and what governance proposed but was refused. */
export class GovernedPolicies {
  /** Policies in force, by increasing `after`; the first is the configured one. */
  readonly #eras: PolicyEra[];
  readonly #governance: { did: string; genesis: GenesisPolicy | undefined } | undefined;
  /**
   * The highest head seq of the governance registry replayed so far: a history not longer than that one is an
   * omission (spec §7.7), never a newer policy, so it cannot bring back a superseded one.
   */
  #governanceSeq = -1;
  readonly #refused: RefusedPolicyEvidence[] = [];

  /** `governance` set: follow the registry DID's policy (R-GOV-4); unset: the configured policy stays. */
  constructor(policy: string, governance?: { did: string; genesis: GenesisPolicy | undefined }) {
    this.#eras = [{ after: -1, text: policy, policy: parsePolicy(policy) }];
    this.#governance = governance;
  }

  /** The policy text in force for new checkpoints. */
  get text(): string {
    return this.#eras.at(-1)!.text;
  }

  /** The policy in force for new checkpoints. */
  get current(): TlogPolicy {
    return this.#eras.at(-1)!.policy;
  }

  get refused(): readonly RefusedPolicyEvidence[] {
    return this.#refused;
  }

  /** Whether `did`'s verified history may change the policy (it is the governance registry being followed). */
  governs(did: string): boolean {
    return did === this.#governance?.did;
  }

  /** The policy for a checkpoint of `size`: the last era that governs it. */
  policyFor(size: number): TlogPolicy {
    let era = this.#eras[0]!;
    for (const next of this.#eras) if (size > next.after) era = next;
    return era.policy;
  }

  /**
   * spec §7.8: the registry's history, proven under `checkpoint` (verified under the policy in force), is replayed
   * with the method's validator (k-of-N institutes); if its latest version carries another policy, that policy
   * governs every checkpoint larger than this one. Only a history longer than any replayed before counts: a ledger
   * that omits the registry's latest entries must not roll the policy back. A history that does not replay changes
   * nothing (the resolution that asked for it fails on its own).
   *
   * Defence in depth (R-GOV-2, as a node checks it at submission): a governed policy must keep a witness quorum,
   * list the same log key(s) and keep the index witnesses of the policy in force. One that does not is not
   * adopted; it is kept as evidence.
   */
  follow(entries: readonly LogEntry[], checkpoint: Checkpoint, note: string): void {
    const current = this.#eras.at(-1)!;
    if (entries.length === 0 || checkpoint.size <= current.after) return;
    let text: string | undefined;
    try {
      const genesis = this.#governance?.genesis;
      const history = replayHistory(entries[0]!.operation.did, entries, genesis === undefined ? {} : { genesis });
      if (history.head.seq <= this.#governanceSeq) return;
      this.#governanceSeq = history.head.seq;
      text = ledgerPolicyOf(history.versions.at(-1)?.document) ?? this.#eras[0]!.text;
    } catch {
      return;
    }
    if (text === current.text) return;
    const policy = parseGoverned(text);
    const reason = policy === undefined ? 'not a C2SP tlog-policy' : unsafeChange(current.policy, policy);
    if (reason !== undefined) {
      const entry = entries.at(-1)!;
      this.#refused.push({
        did: entry.operation.did,
        operation: entry.operation,
        index: entry.index,
        policy: text,
        kept: current.text,
        checkpoint: note,
        reason,
        detectedAt: new Date().toISOString(),
      });
      return;
    }
    this.#eras.push({ after: checkpoint.size, text, policy: policy! });
  }
}

function parseGoverned(text: string): TlogPolicy | undefined {
  try {
    return parsePolicy(text);
  } catch {
    return undefined;
  }
}

/**
 * Why a governed policy may not replace `current` (spec §7.8, R-GOV-2), or undefined: it must need at least one
 * witness cosignature (quorum not `none`), list the same set of log keys as `current`, and keep an `index` line
 * when `current` has one (dropping it would stop the index roots being checked: a downgrade). Several keys under one
 * origin (one per institute, for failover) are compared as a set: order does not matter, but none may be added,
 * dropped or re-keyed by governance.
 */
function unsafeChange(current: TlogPolicy, next: TlogPolicy): string | undefined {
  if (quorumSatisfied(next, new Set()))
    return 'the policy needs no witness cosignature (quorum none): checkpoints must stay witnessed';
  const keys = (policy: TlogPolicy) => [...new Set(policy.logs.map((log) => log.verifierKey))].sort();
  const [was, is] = [keys(current), keys(next)];
  if (was.length !== is.length || was.some((key, i) => key !== is[i])) {
    return `the policy lists log key(s) ${is.join(', ')} instead of the ones in force (${was.join(', ')}): governance does not change the log key`;
  }
  if (current.index !== undefined && next.index === undefined) {
    return 'the policy has no "index" line where the one in force names index witnesses: the DID index roots would go unchecked (a downgrade)';
  }
  return undefined;
}
