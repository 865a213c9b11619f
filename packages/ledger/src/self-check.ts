/**
 * A node that checks itself (spec §7.5, R-NODE-1): the store's integrity check (leaves, tree, checkpoints and the
 * derived state replayed from the log) plus the latest checkpoint's signatures against the trust policy, run at
 * start and on demand; and what `GET /health` reports from it. A failed check makes the node refuse to sequence
 * (the derived state is what it authorises against), with the reason in problem details; `/health` is then
 * `degraded`, as it is while the witnesses refuse checkpoints (no quorum).
 */
import { DidCityError } from '@did-city/method';
import { evaluateCheckpoint, parsePolicy, type TlogPolicy } from '@did-city/tlog';
import type { WitnessFailure } from './sequencer/anchor.ts';
import { policiesForCheckpoint } from './sequencer/governance.ts';
import type { IntegrityProblem, IntegrityReport, LogReader, StoredCheckpoint } from './store/interface.ts';

/** Problems shown in `/health` and in a refusal: the first few name where to look; the count says how many. */
const SHOWN_PROBLEMS = 10;

/** The store's integrity report, plus `checkpoint-signature` if the latest checkpoint fails the trust policy. */
export async function checkStore(
  store: LogReader,
  policy: TlogPolicy,
  governanceDid: string | undefined,
): Promise<IntegrityReport> {
  const report = await store.integrityCheck();
  const checkpoint = await store.latestCheckpoint();
  if (checkpoint && !(await checkpointPasses(store, policy, governanceDid, checkpoint))) {
    report.problems.push({
      kind: 'checkpoint-signature',
      detail: `checkpoint ${checkpoint.size} fails the trust policy`,
    });
    report.ok = false;
  }
  return report;
}

/** Under the policy in force for it, or the one before a change it anchors (spec §7.8). */
async function checkpointPasses(
  store: LogReader,
  policy: TlogPolicy,
  governanceDid: string | undefined,
  checkpoint: StoredCheckpoint,
): Promise<boolean> {
  const history = governanceDid === undefined ? undefined : await store.didState(governanceDid);
  const candidates = policiesForCheckpoint(history, checkpoint.size);
  return candidates.some(
    (text) => evaluateCheckpoint(checkpoint.note, text === undefined ? policy : parsePolicy(text)).ok,
  );
}

/** The refusal a failed check turns into: LEDGER_UNAVAILABLE (503) naming the first problem. */
export function refusalOf(report: IntegrityReport): DidCityError {
  const first = report.problems[0]?.detail ?? 'unknown problem';
  const count = report.problems.length;
  return new DidCityError(
    'LEDGER_UNAVAILABLE',
    `this node refuses to sequence: its store fails the integrity check (${count} problem${count === 1 ? '' : 's'}; ` +
      `first: ${first}); the operator must check the store (did-city ledger check)`,
  );
}

export interface IntegrityStatus {
  ok: boolean;
  /** RFC 3339 time the check ran (or the failure was found at admission). */
  checkedAt: string;
  /** Entries checked (absent for a failure found at admission). */
  size?: number;
  problemCount: number;
  problems: IntegrityProblem[];
}

export interface AnchoringStatus {
  ok: boolean;
  /** First failed attempt of the current run of failures. */
  since?: string;
  /**
   * Who refused in the last failed attempt, with the HTTP status they answered (none: no usable answer). Their
   * messages go to the node's log only: they can name internal addresses.
   */
  failures?: Array<{ witness: string; status?: number }>;
  /** Size of the last checkpoint that met the quorum. */
  lastAnchored?: number;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  /** Why it is degraded, one sentence each. */
  reasons: string[];
  integrity?: IntegrityStatus;
  anchoring: AnchoringStatus;
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** What the node knows of its own health, updated by checks and by the sequencer's anchoring. */
export class NodeHealth {
  #integrity: IntegrityStatus | undefined;
  #anchoring: AnchoringStatus = { ok: true };

  recordCheck(report: IntegrityReport): void {
    const { ok, size, problems } = report;
    this.#integrity = {
      ok,
      checkedAt: now(),
      size,
      problemCount: problems.length,
      problems: problems.slice(0, SHOWN_PROBLEMS),
    };
  }

  recordTamper(did: string, detail: string): void {
    const problem: IntegrityProblem = { kind: 'derived-state', did, detail };
    this.#integrity = { ok: false, checkedAt: now(), problemCount: 1, problems: [problem] };
  }

  /** Returns true when this starts a run of failures (worth a log line of its own). */
  recordAnchorFailure(failures: WitnessFailure[]): boolean {
    const starts = this.#anchoring.ok;
    const shown = failures.map(({ witness, status }) => (status === undefined ? { witness } : { witness, status }));
    this.#anchoring = { ...this.#anchoring, ok: false, since: this.#anchoring.since ?? now(), failures: shown };
    return starts;
  }

  /** Returns true when this ends a run of failures. */
  recordAnchored(checkpoint: StoredCheckpoint): boolean {
    const ends = !this.#anchoring.ok;
    this.#anchoring = { ok: true, lastAnchored: checkpoint.size };
    return ends;
  }

  report(): HealthReport {
    const reasons: string[] = [];
    const integrity = this.#integrity;
    if (integrity !== undefined && !integrity.ok) {
      reasons.push(
        `the store fails the integrity check (${integrity.problems[0]?.detail ?? 'unknown problem'}): the node refuses to sequence`,
      );
    }
    if (!this.#anchoring.ok) {
      const answers = (this.#anchoring.failures ?? []).map((f) => `${f.witness} ${f.status ?? 'no answer'}`).join(', ');
      reasons.push(`the witnesses do not co-sign checkpoints (no quorum since ${this.#anchoring.since}): ${answers}`);
    }
    const report: HealthReport = {
      status: reasons.length === 0 ? 'ok' : 'degraded',
      reasons,
      anchoring: this.#anchoring,
    };
    if (integrity !== undefined) report.integrity = integrity;
    return report;
  }
}

export function describeFailure(failure: WitnessFailure): string {
  return `${failure.witness}${failure.status === undefined ? '' : ` ${failure.status}`}: ${failure.reason.slice(0, 200)}`;
}
