/**
 * A LedgerReader over a ledger node's HTTP API that verifies before it believes (spec §7.6): the checkpoint
 * against the trust policy (log signature + witness quorum), each entry's leaf recomputed from
 * `{integratedTime, operation}` and its inclusion proof against that checkpoint, and the checkpoint's consistency
 * with the last one this reader accepted. Any failure fails closed with a ledger-level code; a ledger that cannot
 * be reached is LEDGER_UNAVAILABLE, never "not found".
 *
 * Completeness is proven too (spec §7.9): the checkpoint commits the DID index root, the answer carries the DID's
 * head with its index proof, and the history must end exactly at that head (or be empty for a DID proven absent).
 * The reader never accepts a checkpoint smaller than the one it trusts, nor an older one for a DID than it last
 * used. It remembers each DID's verified entries (least recently used first out), so a refresh asks only for the
 * operations after the last one it holds: the head proof plus what is new.
 *
 * @example
 * const reader = new HttpLedgerReader({ url: 'https://ledger.example/', policy: policyText });
 * const resolver = createCityResolver({ reader });
 */
import {
  type Checkpoint,
  parseCheckpoint,
  parseNote,
  parsePolicy,
  quorumSatisfied,
  quorumTime,
  type TlogPolicy,
} from '@did-city/tlog';
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
import { type IndexHead, indexRootOf, verifyIndexHead } from './did-index.ts';
import { decodeProof, invalidProof, trustedVerdict } from './ledger-proofs.ts';
import { LruCache } from './lru-cache.ts';
import { checkEndsAtHead, nextPage, type PageStart, readServedPage, type ServedPage, verifyEntries } from './proven-history.ts';
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
  /**
   * Refuse a checkpoint whose quorum (the index quorum when the policy names one) last co-signed it longer ago than
   * this, in milliseconds: the head is then proven latest as of a recent time (spec §7.9). Default: no limit.
   */
  maxCheckpointAgeMs?: number;
  /** DIDs whose verified history is kept for warm refreshes. Default 1024. */
  maxCachedDids?: number;
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

/** A checkpoint that passed the policy, with what its cosignatures vouch for. */
interface VerifiedCheckpoint {
  note: string;
  checkpoint: Checkpoint;
  /** POSIX seconds since which the (index) quorum's cosignatures hold; undefined with quorum `none`. */
  provenAt: number | undefined;
  /** Whether the policy's index witnesses met their quorum (true when the policy names none). */
  indexVouched: boolean;
}

/** What the reader verified of one DID, for a warm refresh. */
interface VerifiedDid {
  entries: LogEntry[];
  head: IndexHead | null;
  /** Size of the checkpoint it was proven under. */
  size: number;
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
  #verified: VerifiedCheckpoint | undefined;
  readonly #dids: LruCache<string, VerifiedDid>;
  readonly #maxAgeMs: number | undefined;
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
    this.#dids = new LruCache(options.maxCachedDids ?? 1024);
    const maxAge = options.maxCheckpointAgeMs;
    if (maxAge !== undefined && !(Number.isFinite(maxAge) && maxAge > 0)) throw new RangeError('maxCheckpointAgeMs must be positive');
    this.#maxAgeMs = maxAge;
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

  /**
   * The DID's verified history, ending at the head the DID index proves (spec §7.6, §7.9). With a verified history
   * of the DID at hand (and no `noCache`), only the entries after its last one are asked for.
   */
  async history(did: string, options: { noCache?: boolean } = {}): Promise<LedgerHistory> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (options.noCache === true) headers['Cache-Control'] = 'no-cache';
    const cached = options.noCache === true ? undefined : this.#dids.get(did);
    const last = cached?.entries.at(-1);
    const query = last === undefined ? '' : `?after=${last.operation.seq}`;
    const { base, answer } = await this.#get(`dids/${encodeURIComponent(did)}/history${query}`, headers);
    const served = readServedPage(answer);
    if (served.checkpoint === undefined) return this.#withoutCheckpoint(served);
    const verified = this.#checkpointOf(served.checkpoint);
    const { checkpoint, note } = verified;
    if (served.treeSize !== checkpoint.size) throw invalidProof('the history names a tree size other than its checkpoint');
    this.#checkAge(verified);
    if (note !== this.#accepted) {
      await this.#trust.accept(note, checkpoint, (from, to) => this.#consistencyProof(base, from, to));
      this.#accepted = note;
    }
    if (cached !== undefined && checkpoint.size < cached.size) {
      throw new DidCityError('UNTRUSTED_CHECKPOINT', `the ledger proved ${did} under checkpoint ${checkpoint.size}, older than ${cached.size} used before`);
    }
    const head = this.#provenHead(did, served, verified);
    const start = last === undefined ? { seq: 0, afterIndex: -1 } : { seq: last.operation.seq + 1, afterIndex: last.index };
    const fresh = await this.#pages(did, base, served, checkpoint, start);
    const entries = fresh.length === 0 && cached !== undefined ? cached.entries : [...(cached?.entries ?? []), ...fresh];
    const unchanged = fresh.length === 0 && cached?.head?.index === head?.index;
    checkEndsAtHead(did, entries, head, unchanged ? cached?.head?.operationHash : undefined);
    this.#dids.set(did, { entries, head, size: checkpoint.size });
    if (did === this.#governance?.did) this.#followGovernance(entries, checkpoint, note);
    const ledger: NonNullable<LedgerHistory['ledger']> = { origin: checkpoint.origin, treeSize: String(checkpoint.size), checkpoint: note };
    if (verified.provenAt !== undefined) ledger.provenAt = new Date(verified.provenAt * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return { entries: [...entries], ledger };
  }

  /** The DID's head (or absence) proven against the checkpoint's index root, vouched for by the index witnesses. */
  #provenHead(did: string, served: ServedPage, verified: VerifiedCheckpoint): IndexHead | null {
    const root = indexRootOf(verified.checkpoint);
    if (root === undefined) throw invalidProof(`the checkpoint of size ${verified.checkpoint.size} commits no DID index root`);
    if (!verified.indexVouched) {
      throw new DidCityError('UNTRUSTED_CHECKPOINT', 'the witnesses that check the DID index root did not meet their quorum');
    }
    return verifyIndexHead({ did, head: served.head, indexProof: served.indexProof, root });
  }

  /** The page's entries and those of the pages it names, all against the same checkpoint. */
  async #pages(did: string, base: string, first: ServedPage, checkpoint: Checkpoint, start: PageStart): Promise<LogEntry[]> {
    const all: LogEntry[] = [];
    const included = this.#includedIn(checkpoint);
    for (let page = first; ; ) {
      const entries = verifyEntries(did, page.entries, checkpoint, included, start);
      all.push(...entries);
      const next = nextPage(page.next, checkpoint.size);
      const last = all.at(-1);
      if (next === undefined) return all;
      if (entries.length === 0 || next.after !== last!.operation.seq) throw invalidProof('the history pages do not follow each other');
      start = { seq: last!.operation.seq + 1, afterIndex: last!.index };
      const path = `dids/${encodeURIComponent(did)}/history?after=${next.after}&size=${checkpoint.size}`;
      const answer = await exchange(endpoint(base, path), { headers: { Accept: 'application/json' } }, this.#http);
      if (answer.status !== 200) throw answerError(answer, 'a history page request', PASSED_THROUGH);
      page = readServedPage(answer);
      const same = this.#checkpointOf(page.checkpoint).checkpoint;
      if (same.size !== checkpoint.size || Buffer.compare(same.rootHash, checkpoint.rootHash) !== 0) {
        throw invalidProof('a history page is proven against another checkpoint');
      }
    }
  }

  /** maxCheckpointAgeMs: the quorum must have co-signed the checkpoint recently enough. */
  #checkAge(verified: VerifiedCheckpoint): void {
    if (this.#maxAgeMs === undefined) return;
    const age = verified.provenAt === undefined ? Number.POSITIVE_INFINITY : Date.now() - verified.provenAt * 1000;
    if (age > this.#maxAgeMs) {
      const detail = `the checkpoint of size ${verified.checkpoint.size} was last co-signed by its quorum ${Math.round(age / 1000)} s ago, more than the ${Math.round(this.#maxAgeMs / 1000)} s allowed`;
      throw new DidCityError('UNTRUSTED_CHECKPOINT', detail);
    }
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

  #checkpointOf(note: unknown): VerifiedCheckpoint {
    if (this.#verified !== undefined && note === this.#verified.note) return this.#verified;
    const policy = this.#policyFor(sizeOf(note));
    const verdict = trustedVerdict(note, policy);
    const name = policy.index ?? policy.quorum;
    const indexVouched = policy.index === undefined || verdict.indexQuorum;
    this.#verified = { note: note as string, checkpoint: verdict.checkpoint, provenAt: quorumTime(policy, verdict.cosigners, name), indexVouched };
    return this.#verified;
  }

  /** Before its first checkpoint a log has nothing to show; after one, a missing checkpoint is a rollback. */
  async #withoutCheckpoint(served: ServedPage): Promise<LedgerHistory> {
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
