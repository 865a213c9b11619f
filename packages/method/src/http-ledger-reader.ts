/**
 * A LedgerReader over a ledger node's HTTP API that verifies before it believes (spec §7.6): the checkpoint
 * against the trust policy (log signature + witness quorum), each entry's leaf recomputed from
 * `{integratedTime, operation}` and its inclusion proof against that checkpoint, and the checkpoint's consistency
 * with the last one this reader accepted. Any failure fails closed with a ledger-level code; a ledger that cannot
 * be reached is LEDGER_UNAVAILABLE, never "not found".
 *
 * Completeness is not proven: the reader can show the entries it got are in the log, not that they are all of
 * the DID's entries (a per-DID index committed in the log is later work, spec §7.7). It does check that they are
 * the DID's own, in log order, and the contiguous chain seq 0..n.
 *
 * @example
 * const reader = new HttpLedgerReader({ url: 'https://ledger.example/', policy: policyText });
 * const resolver = createCityResolver({ reader });
 */
import { type Checkpoint, parseCheckpoint, parseNote, parsePolicy, quorumSatisfied, type TlogPolicy } from '@did-city/tlog';
import {
  type CheckpointStore,
  CheckpointTrust,
  MemoryCheckpointStore,
  type SplitViewEvidence,
} from './checkpoint-trust.ts';
import { ledgerPolicyOf } from './document-content.ts';
import { DidCityError } from './errors.ts';
import {
  answerError,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIMEOUT_MS,
  endpoint,
  exchange,
  type HttpAnswer,
  type HttpSettings,
  parseJson,
} from './ledger-http.ts';
import { checkInclusion, decodeProof, entryLeafHash, invalidProof, trustedCheckpoint } from './ledger-proofs.ts';
import { replayHistory } from './state.ts';
import type { LedgerHistory, LedgerReader, LogEntry, Operation } from './types.ts';
import type { GenesisPolicy } from './validate.ts';

export interface HttpLedgerReaderOptions {
  /** Base URL of the ledger node's API, or several serving the same log (tried in turn when one is down). */
  url: string | string[];
  /** C2SP tlog-policy text: the log key, witness keys and quorum (spec §7.4). */
  policy: string;
  fetch?: typeof fetch;
  /** Per request. Default 10 s. */
  timeoutMs?: number;
  /** Largest answer read, in bytes. Default 16 MiB. */
  maxResponseBytes?: number;
  /**
   * Where the last trusted checkpoint (per origin) and split-view evidence are remembered. Default: in memory, for
   * the life of the reader; a FileCheckpointStore keeps them across restarts.
   */
  checkpointStore?: CheckpointStore;
  /**
   * Follow witness-set governance (spec §7.8, R-GOV-4): when the governance registry's verified history carries a
   * `CityLedgerPolicy` other than the policy in force, adopt it for checkpoints larger than the one that proved
   * it (that one stays verified under the old policy). Not remembered across readers. Default false.
   */
  followGovernance?: boolean;
  /** The registry DID whose document governs the policy. Default `did:city:cn`. */
  governanceDid?: string;
  /** Genesis pins applied when replaying the governance registry (spec §3.5), as the resolver's. */
  genesis?: GenesisPolicy;
}

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

interface ServedEntry {
  index: unknown;
  integratedTime: unknown;
  operation: unknown;
  inclusionProof: unknown;
}

interface ServedHistory {
  checkpoint?: unknown;
  treeSize: unknown;
  entries: ServedEntry[];
}

/** Bound on the leaves remembered as proven under one checkpoint (about 100 bytes each). */
const MAX_REMEMBERED_LEAVES = 65_536;

/** Problems the node answers to a history request that mean the same to a resolver. */
const PASSED_THROUGH = new Set(['INVALID_DID'] as const);

export class HttpLedgerReader implements LedgerReader {
  readonly #urls: string[];
  /** Policies in force, by increasing `after`; the first is the configured one. */
  readonly #eras: PolicyEra[];
  readonly #governance: { did: string; genesis: GenesisPolicy | undefined } | undefined;
  readonly #http: HttpSettings;
  readonly #trust: CheckpointTrust;
  /** The last note that passed the policy: the same bytes again need no signature checks. */
  #verified: { note: string; checkpoint: Checkpoint } | undefined;
  /** The last note accepted as consistent with the trusted checkpoint: the same bytes again need no new check. */
  #accepted: string | undefined;
  /**
   * The highest head seq of the governance registry replayed so far: a history not longer than that one is an
   * omission (spec §7.7), never a newer policy, so it cannot bring back a superseded one.
   */
  #governanceSeq = -1;
  readonly #refused: RefusedPolicyEvidence[] = [];
  /** Leaves (index and recomputed leaf hash) already proven included in one checkpoint (origin, size, root). */
  #included: { checkpoint: string; leaves: Set<string> } = { checkpoint: '', leaves: new Set() };

  constructor(options: HttpLedgerReaderOptions) {
    this.#urls = (Array.isArray(options.url) ? options.url : [options.url]).map(checkUrl);
    if (this.#urls.length === 0) throw new TypeError('HttpLedgerReader needs at least one ledger URL');
    this.#eras = [{ after: -1, text: options.policy, policy: parsePolicy(options.policy) }];
    if (options.followGovernance === true) {
      this.#governance = { did: options.governanceDid ?? 'did:city:cn', genesis: options.genesis };
    }
    this.#http = {
      fetch: options.fetch ?? fetch,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    };
    this.#trust = new CheckpointTrust(options.checkpointStore ?? new MemoryCheckpointStore());
  }

  /** Split views detected so far: pairs of signed checkpoints of one origin that contradict each other. */
  get evidence(): readonly SplitViewEvidence[] {
    return this.#trust.evidence;
  }

  /**
   * Governed policies refused so far (followGovernance only): each would have dropped the witness quorum or changed
   * the log key(s), so the reader kept the policy in force (spec §7.8).
   */
  get refusedPolicies(): readonly RefusedPolicyEvidence[] {
    return this.#refused;
  }

  async history(did: string, options: { noCache?: boolean } = {}): Promise<LedgerHistory> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (options.noCache === true) headers['Cache-Control'] = 'no-cache';
    const { base, answer } = await this.#get(`dids/${encodeURIComponent(did)}/history`, headers);
    const served = readServedHistory(answer);
    if (served.checkpoint === undefined) return this.#withoutCheckpoint(served);
    const checkpoint = this.#checkpointOf(served.checkpoint);
    if (served.treeSize !== checkpoint.size) throw invalidProof('the history names a tree size other than its checkpoint');
    const note = served.checkpoint as string;
    if (note !== this.#accepted) {
      await this.#trust.accept(note, checkpoint, (from, to) => this.#consistencyProof(base, from, to));
      this.#accepted = note;
    }
    const entries = verifyEntries(did, served.entries, checkpoint, this.#includedIn(checkpoint));
    if (did === this.#governance?.did) this.#followGovernance(entries, checkpoint, note);
    return { entries, ledger: { origin: checkpoint.origin, treeSize: String(checkpoint.size), checkpoint: note } };
  }

  /**
   * The leaves proven included in `checkpoint` so far. An inclusion proof ties a leaf hash at an index to a tree
   * size and root, so a leaf proven once needs no proof again under the same checkpoint; a new checkpoint starts
   * afresh (its proofs are different).
   */
  #includedIn(checkpoint: Checkpoint): Set<string> {
    const id = `${checkpoint.origin}\n${checkpoint.size}\n${Buffer.from(checkpoint.rootHash).toString('base64')}`;
    if (this.#included.checkpoint !== id || this.#included.leaves.size >= MAX_REMEMBERED_LEAVES) {
      this.#included = { checkpoint: id, leaves: new Set() };
    }
    return this.#included.leaves;
  }

  /** The policy C2SP tlog-policy text currently in force for new checkpoints. */
  get policyText(): string {
    return this.#eras.at(-1)!.text;
  }

  /**
   * spec §7.8: the registry's history, proven under `checkpoint` (verified under the policy in force), is replayed
   * with the method's validator (k-of-N institutes); if its latest version carries another policy, that policy
   * governs every checkpoint larger than this one. Only a history longer than any replayed before counts: a ledger
   * that omits the registry's latest entries must not roll the policy back. A history that does not replay changes
   * nothing (the resolution that asked for it fails on its own).
   *
   * Defence in depth (R-GOV-2, as a node checks it at submission): a governed policy must keep a witness quorum and
   * list the same log key(s) as the policy in force. One that does not is not adopted; it is kept as evidence.
   */
  #followGovernance(entries: readonly LogEntry[], checkpoint: Checkpoint, note: string): void {
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

  /** The policy for a checkpoint of `size`: the last era that governs it. */
  #policyFor(size: number): TlogPolicy {
    let era = this.#eras[0]!;
    for (const next of this.#eras) if (size > next.after) era = next;
    return era.policy;
  }

  #checkpointOf(note: unknown): Checkpoint {
    if (this.#verified !== undefined && note === this.#verified.note) return this.#verified.checkpoint;
    const checkpoint = trustedCheckpoint(note, this.#policyFor(sizeOf(note)));
    this.#verified = { note: note as string, checkpoint };
    return checkpoint;
  }

  /** Before its first checkpoint a log has nothing to show; after one, a missing checkpoint is a rollback. */
  async #withoutCheckpoint(served: ServedHistory): Promise<LedgerHistory> {
    if (served.entries.length > 0) throw invalidProof('the ledger served entries without a checkpoint');
    for (const log of this.#eras.at(-1)!.policy.logs) {
      if (await this.#trust.has(log.origin)) {
        throw new DidCityError('UNTRUSTED_CHECKPOINT', `the ledger served no checkpoint of ${log.origin}, though one was accepted before`);
      }
    }
    return { entries: [] };
  }

  async #consistencyProof(base: string, from: number, to: number): Promise<Uint8Array[]> {
    const answer = await exchange(endpoint(base, `proofs/consistency?from=${from}&to=${to}`), {}, this.#http);
    if (answer.status !== 200) throw answerError(answer, 'a consistency proof request', new Set());
    const body = parseJson(answer, () => invalidProof('the consistency proof answer is not JSON')) as { proof?: unknown };
    const proof = decodeProof(body?.proof);
    if (proof === undefined) throw invalidProof('the consistency proof is not a list of base64 hashes');
    return proof;
  }

  /** GET from the first URL that answers; a verification failure is never retried elsewhere (fail closed). */
  async #get(path: string, headers: Record<string, string>): Promise<{ base: string; answer: HttpAnswer }> {
    let failure: unknown;
    for (const base of this.#urls) {
      try {
        const answer = await exchange(endpoint(base, path), { headers }, this.#http);
        if (answer.status === 200) return { base, answer };
        throw answerError(answer, 'a history request', PASSED_THROUGH);
      } catch (error) {
        if (!(error instanceof DidCityError) || error.code !== 'LEDGER_UNAVAILABLE') throw error;
        failure = error;
      }
    }
    throw failure;
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
 * witness cosignature (quorum not `none`), and list the same set of log keys as `current`. Several keys under one
 * origin (one per institute, for failover) are compared as a set: order does not matter, but none may be added,
 * dropped or re-keyed by governance.
 */
function unsafeChange(current: TlogPolicy, next: TlogPolicy): string | undefined {
  if (quorumSatisfied(next, new Set())) return 'the policy needs no witness cosignature (quorum none): checkpoints must stay witnessed';
  const keys = (policy: TlogPolicy) => [...new Set(policy.logs.map((log) => log.verifierKey))].sort();
  const [was, is] = [keys(current), keys(next)];
  if (was.length !== is.length || was.some((key, i) => key !== is[i])) {
    return `the policy lists log key(s) ${is.join(', ')} instead of the ones in force (${was.join(', ')}): governance does not change the log key`;
  }
  return undefined;
}

/** The size a note claims, to choose its policy; -1 when unreadable (trustedCheckpoint then refuses it). */
function sizeOf(note: unknown): number {
  try {
    return parseCheckpoint(parseNote(note as string).text).size;
  } catch {
    return -1;
  }
}

function checkUrl(url: string): string {
  if (typeof url !== 'string' || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new TypeError(`ledger URL ${JSON.stringify(url)} must be an http(s) URL`);
  }
  return url;
}

function readServedHistory(answer: HttpAnswer): ServedHistory {
  const malformed = () => invalidProof('the ledger answer is not a proven history');
  const body = parseJson(answer, malformed);
  if (typeof body !== 'object' || body === null) throw malformed();
  const { checkpoint, treeSize, entries } = body as Record<string, unknown>;
  if (!Array.isArray(entries) || !entries.every((e) => typeof e === 'object' && e !== null)) throw malformed();
  return { checkpoint, treeSize, entries: entries as ServedEntry[] };
}

/**
 * Each entry: the DID's own, in log order, seq 0..n, its leaf recomputed and included in the checkpoint (the
 * inclusion proof is checked unless `included` holds that leaf hash at that index, proven under this checkpoint).
 */
function verifyEntries(did: string, served: readonly ServedEntry[], checkpoint: Checkpoint, included: Set<string>): LogEntry[] {
  let previous = -1;
  return served.map((entry, position) => {
    const { index, integratedTime, operation } = entry;
    if (!Number.isSafeInteger(index) || (index as number) <= previous || (index as number) >= checkpoint.size) {
      throw invalidProof(`entry ${position} has leaf index ${String(index)}, not in log order below ${checkpoint.size}`);
    }
    previous = index as number;
    if (typeof integratedTime !== 'string' || typeof operation !== 'object' || operation === null) {
      throw invalidProof(`leaf ${previous} is not {integratedTime, operation}`);
    }
    const op = operation as Operation;
    if (op.did !== did) throw invalidProof(`leaf ${previous} is an operation of another DID`);
    if (op.seq !== position) throw invalidProof(`leaf ${previous} has seq ${String(op.seq)}: the chain is not contiguous from 0`);
    const hash = entryLeafHash(integratedTime, operation);
    const leaf = `${previous} ${Buffer.from(hash).toString('base64')}`;
    if (!included.has(leaf)) {
      checkInclusion({ index: previous, hash, proof: entry.inclusionProof, checkpoint });
      included.add(leaf);
    }
    return { index: previous, integratedTime, operation: op };
  });
}
