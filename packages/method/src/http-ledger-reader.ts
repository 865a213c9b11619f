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
import { type Checkpoint, parseCheckpoint, parseNote, quorumTime } from '@did-city/tlog';
import {
  type CheckpointStore,
  CheckpointTrust,
  MemoryCheckpointStore,
  type SplitViewEvidence,
} from './checkpoint-trust.ts';
import { DidCityError } from './errors.ts';
import {
  answerError,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIMEOUT_MS,
  endpoint,
  exchange,
  exchangeBytes,
  type HttpAnswer,
  type HttpSettings,
  parseJson,
} from './ledger-http.ts';
import { type IndexHead, indexRootOf, verifyIndexHead } from './did-index.ts';
import { GovernedPolicies, type RefusedPolicyEvidence } from './governed-policies.ts';
import { decodeProof, invalidProof, trustedVerdict } from './ledger-proofs.ts';
import { LruCache } from './lru-cache.ts';
import { MAX_RESOURCE_BYTES } from './resource.ts';
import {
  checkEndsAtHead,
  nextPage,
  type PageStart,
  readServedPage,
  type ServedPage,
  verifyEntries,
} from './proven-history.ts';
import type { LedgerHistory, LedgerReader, LogEntry } from './types.ts';
import type { GenesisPolicy } from './validate.ts';

export interface HttpLedgerReaderOptions {
  /** Base URL of the ledger node's API, or several serving the same log (tried in turn when one is down). */
  url: string | string[];
  /** C2SP tlog-policy text: the log key, witness keys and quorum (spec §7.4). */
  policy: string;
  /**
   * An own fetch (a caller's transport, a test's stub). Default: node:http(s) with a keep-alive agent, and a GET
   * whose kept-alive connection the server had closed is sent once more on a new one.
   */
  fetch?: typeof fetch;
  /**
   * Headers sent with every request besides the reader's own (e.g. the secret by which a server recognises its own
   * loopback reads, spec §9.7 R-RATE-4). Default none.
   */
  headers?: Readonly<Record<string, string>>;
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
  /** The checkpoint note it was proven under. */
  note: string;
  /**
   * The ETag the ledger sent with the answer that proved it (naming that checkpoint and head, spec §7.9): sent
   * back as If-None-Match while `note` is still the latest checkpoint this reader accepted.
   */
  etag: string | undefined;
}

/** Bound on the leaves remembered as proven under one checkpoint (about 100 bytes each). */
const MAX_REMEMBERED_LEAVES = 65_536;

/** Problems the node answers to a history request that mean the same to a resolver. */
const PASSED_THROUGH = new Set(['INVALID_DID'] as const);

export class HttpLedgerReader implements LedgerReader {
  readonly #urls: string[];
  readonly #policies: GovernedPolicies;
  readonly #http: HttpSettings;
  /** The caller's extra headers (every request), and those with Accept: JSON (every request for JSON). */
  readonly #extraHeaders: Readonly<Record<string, string>>;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #trust: CheckpointTrust;
  /** The last note that passed the policy: the same bytes again need no signature checks. */
  #verified: VerifiedCheckpoint | undefined;
  readonly #dids: LruCache<string, VerifiedDid>;
  readonly #maxAgeMs: number | undefined;
  /** The last note accepted as consistent with the trusted checkpoint: the same bytes again need no new check. */
  #accepted: string | undefined;
  /** Leaves (index and recomputed leaf hash) already proven included in one checkpoint (origin, size, root). */
  #included: { checkpoint: string; leaves: Set<string> } = { checkpoint: '', leaves: new Set() };

  constructor(options: HttpLedgerReaderOptions) {
    this.#urls = (Array.isArray(options.url) ? options.url : [options.url]).map(checkUrl);
    if (this.#urls.length === 0) throw new TypeError('HttpLedgerReader needs at least one ledger URL');
    const governance =
      options.followGovernance === true
        ? { did: options.governanceDid ?? 'did:city:cn', genesis: options.genesis }
        : undefined;
    this.#policies = new GovernedPolicies(options.policy, governance);
    this.#http = {
      fetch: options.fetch,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    };
    this.#extraHeaders = { ...options.headers };
    this.#headers = { ...options.headers, Accept: 'application/json' };
    this.#trust = new CheckpointTrust(options.checkpointStore ?? new MemoryCheckpointStore());
    this.#dids = new LruCache(options.maxCachedDids ?? 1024);
    const maxAge = options.maxCheckpointAgeMs;
    if (maxAge !== undefined && !(Number.isFinite(maxAge) && maxAge > 0))
      throw new RangeError('maxCheckpointAgeMs must be positive');
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
    return this.#policies.refused;
  }

  /**
   * The DID's verified history, ending at the head the DID index proves (spec §7.6, §7.9). With a verified history
   * of the DID at hand (and no `noCache`), only the entries after its last one are asked for.
   */
  history(did: string, options: { noCache?: boolean } = {}): Promise<LedgerHistory> {
    return this.#read(did, options.noCache === true, true);
  }

  /**
   * One read of the DID's history. With `conditional`, a verified history proven under the latest checkpoint this
   * reader accepted is revalidated: If-None-Match with the ETag of the answer that proved it, and a 304 reuses it
   * (spec §7.9: the 304 says that nothing newer than that proof is served, no more).
   */
  async #read(did: string, noCache: boolean, conditional: boolean): Promise<LedgerHistory> {
    const headers: Record<string, string> = { ...this.#headers };
    if (noCache) headers['Cache-Control'] = 'no-cache';
    const cached = noCache ? undefined : this.#dids.get(did);
    const last = cached?.entries.at(-1);
    const query = last === undefined ? '' : `?after=${last.operation.seq}`;
    const condition =
      conditional && cached?.etag !== undefined && cached.note === this.#accepted ? cached.etag : undefined;
    if (condition !== undefined) headers['If-None-Match'] = condition;
    const { base, answer } = await this.#get(`dids/${encodeURIComponent(did)}/history${query}`, headers);
    if (answer.status === 304) {
      if (condition === undefined || cached === undefined)
        throw invalidProof('the ledger answered 304 Not Modified to a request without If-None-Match');
      if (answer.etag === undefined || answer.etag.replace(/^W\//, '') !== condition.replace(/^W\//, '')) {
        throw invalidProof('the ledger answered 304 Not Modified for another ETag than the one asked about');
      }
      // Another read may have accepted a larger checkpoint meanwhile: the DID is then proven under that one again.
      if (cached.note !== this.#accepted) return this.#read(did, noCache, false);
      const verified = this.#checkpointOf(cached.note);
      this.#checkAge(verified);
      this.#dids.set(did, cached);
      return this.#answer(cached.entries, verified);
    }
    const served = readServedPage(answer);
    if (served.checkpoint === undefined) return this.#withoutCheckpoint(served);
    const verified = this.#checkpointOf(served.checkpoint);
    const { checkpoint, note } = verified;
    if (served.treeSize !== checkpoint.size)
      throw invalidProof('the history names a tree size other than its checkpoint');
    this.#checkAge(verified);
    if (note !== this.#accepted) {
      await this.#trust.accept(note, checkpoint, (from, to) => this.#consistencyProof(base, from, to));
      this.#accepted = note;
    }
    if (cached !== undefined && checkpoint.size < cached.size) {
      throw new DidCityError(
        'UNTRUSTED_CHECKPOINT',
        `the ledger proved ${did} under checkpoint ${checkpoint.size}, older than ${cached.size} used before`,
      );
    }
    const head = this.#provenHead(did, served, verified);
    const start =
      last === undefined ? { seq: 0, afterIndex: -1 } : { seq: last.operation.seq + 1, afterIndex: last.index };
    const fresh = await this.#pages(did, base, served, checkpoint, start);
    const entries =
      fresh.length === 0 && cached !== undefined ? cached.entries : [...(cached?.entries ?? []), ...fresh];
    const unchanged = fresh.length === 0 && cached?.head?.index === head?.index;
    checkEndsAtHead(did, entries, head, unchanged ? cached?.head?.operationHash : undefined);
    this.#dids.set(did, { entries, head, size: checkpoint.size, note, etag: entityTag(answer.etag) });
    if (this.#policies.governs(did)) this.#policies.follow(entries, checkpoint, note);
    return this.#answer(entries, verified);
  }

  #answer(entries: readonly LogEntry[], verified: VerifiedCheckpoint): LedgerHistory {
    const { checkpoint, note } = verified;
    const ledger: NonNullable<LedgerHistory['ledger']> = {
      origin: checkpoint.origin,
      treeSize: String(checkpoint.size),
      checkpoint: note,
    };
    if (verified.provenAt !== undefined)
      ledger.provenAt = new Date(verified.provenAt * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return { entries: [...entries], ledger };
  }

  /** The DID's head (or absence) proven against the checkpoint's index root, vouched for by the index witnesses. */
  #provenHead(did: string, served: ServedPage, verified: VerifiedCheckpoint): IndexHead | null {
    const root = indexRootOf(verified.checkpoint);
    if (root === undefined)
      throw invalidProof(`the checkpoint of size ${verified.checkpoint.size} commits no DID index root`);
    if (!verified.indexVouched) {
      throw new DidCityError(
        'UNTRUSTED_CHECKPOINT',
        'the witnesses that check the DID index root did not meet their quorum',
      );
    }
    return verifyIndexHead({ did, head: served.head, indexProof: served.indexProof, root });
  }

  /** The page's entries and those of the pages it names, all against the same checkpoint. */
  async #pages(
    did: string,
    base: string,
    first: ServedPage,
    checkpoint: Checkpoint,
    start: PageStart,
  ): Promise<LogEntry[]> {
    const all: LogEntry[] = [];
    const included = this.#includedIn(checkpoint);
    for (let page = first; ; ) {
      const entries = verifyEntries(did, page.entries, checkpoint, included, start);
      all.push(...entries);
      const next = nextPage(page.next, checkpoint.size);
      const last = all.at(-1);
      if (next === undefined) return all;
      if (entries.length === 0 || next.after !== last!.operation.seq)
        throw invalidProof('the history pages do not follow each other');
      start = { seq: last!.operation.seq + 1, afterIndex: last!.index };
      const path = `dids/${encodeURIComponent(did)}/history?after=${next.after}&size=${checkpoint.size}`;
      const answer = await exchange(endpoint(base, path), { headers: this.#headers }, this.#http);
      if (answer.status === 304)
        throw invalidProof('the ledger answered 304 Not Modified to a request without If-None-Match');
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
    return this.#policies.text;
  }

  #checkpointOf(note: unknown): VerifiedCheckpoint {
    if (this.#verified !== undefined && note === this.#verified.note) return this.#verified;
    const policy = this.#policies.policyFor(sizeOf(note));
    const verdict = trustedVerdict(note, policy);
    const name = policy.index ?? policy.quorum;
    const indexVouched = policy.index === undefined || verdict.indexQuorum;
    this.#verified = {
      note: note as string,
      checkpoint: verdict.checkpoint,
      provenAt: quorumTime(policy, verdict.cosigners, name),
      indexVouched,
    };
    return this.#verified;
  }

  /** Before its first checkpoint a log has nothing to show; after one, a missing checkpoint is a rollback. */
  async #withoutCheckpoint(served: ServedPage): Promise<LedgerHistory> {
    if (served.entries.length > 0) throw invalidProof('the ledger served entries without a checkpoint');
    for (const log of this.#policies.current.logs) {
      if (await this.#trust.has(log.origin)) {
        throw new DidCityError(
          'UNTRUSTED_CHECKPOINT',
          `the ledger served no checkpoint of ${log.origin}, though one was accepted before`,
        );
      }
    }
    return { entries: [] };
  }

  async #consistencyProof(base: string, from: number, to: number): Promise<Uint8Array[]> {
    const answer = await exchange(
      endpoint(base, `proofs/consistency?from=${from}&to=${to}`),
      { headers: this.#headers },
      this.#http,
    );
    if (answer.status !== 200) throw answerError(answer, 'a consistency proof request', new Set());
    const body = parseJson(answer, () => invalidProof('the consistency proof answer is not JSON')) as {
      proof?: unknown;
    };
    const proof = decodeProof(body?.proof);
    if (proof === undefined) throw invalidProof('the consistency proof is not a list of base64 hashes');
    return proof;
  }

  /**
   * The stored content of a linked resource (spec §7.10), unverified: the dereferencer checks it against the
   * checksum of the verified history. Each URL is asked in turn (contents are kept by the node that took them), at
   * most MAX_RESOURCE_BYTES; undefined when none has it.
   */
  async resourceContent(did: string, resourceId: string): Promise<Uint8Array | undefined> {
    const path = `resources/${encodeURIComponent(did)}/${encodeURIComponent(resourceId)}`;
    const settings = { ...this.#http, maxResponseBytes: MAX_RESOURCE_BYTES };
    let failure: unknown;
    for (const base of this.#urls) {
      try {
        const answer = await exchangeBytes(endpoint(base, path), { headers: this.#extraHeaders }, settings);
        if (answer.status === 200) return answer.bytes;
        if (answer.status !== 404)
          failure = new DidCityError(
            'LEDGER_UNAVAILABLE',
            `the ledger answered HTTP ${answer.status} to a resource request`,
          );
      } catch (error) {
        if (!(error instanceof DidCityError) || error.code !== 'LEDGER_UNAVAILABLE') throw error;
        failure = error;
      }
    }
    if (failure !== undefined) throw failure;
    return undefined;
  }

  /** GET from the first URL that answers; a verification failure is never retried elsewhere (fail closed). */
  async #get(path: string, headers: Record<string, string>): Promise<{ base: string; answer: HttpAnswer }> {
    let failure: unknown;
    for (const base of this.#urls) {
      try {
        const answer = await exchange(endpoint(base, path), { headers }, this.#http);
        if (answer.status === 200 || answer.status === 304) return { base, answer };
        throw answerError(answer, 'a history request', PASSED_THROUGH);
      } catch (error) {
        if (!(error instanceof DidCityError) || error.code !== 'LEDGER_UNAVAILABLE') throw error;
        failure = error;
      }
    }
    throw failure;
  }
}

/** An entity-tag as RFC 9110 §8.8.3 writes it (strong or weak, at most 200 characters), else undefined. */
function entityTag(value: string | undefined): string | undefined {
  return value !== undefined && /^(W\/)?"[\x21\x23-\x7e]{0,200}"$/.test(value) ? value : undefined;
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
