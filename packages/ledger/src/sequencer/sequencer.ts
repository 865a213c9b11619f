/**
 * The sequencer: batches submitted operations, validates them with the method library against the derived
 * state, appends each batch in one transaction, then anchors the new head (log signature + witness quorum) and
 * only then acknowledges. A receipt therefore always proves inclusion in a quorum-cosigned checkpoint.
 *
 * If the quorum cannot be reached, appended entries stay in the log unacknowledged; anchoring is retried with
 * backoff and the next checkpoint that reaches the quorum covers them. Until then readers (history(), proofs)
 * do not see them, because the read side only serves what a co-signed checkpoint covers.
 */
import { DidCityError, type GenesisPolicy, parseOperationWithHash } from '@did-city/method';
import { type Clock, type NoteSigner, parseCheckpoint, parseNote, type TlogPolicy } from '@did-city/tlog';
import { TamperedStateError } from './admission.ts';
import { checkNetwork, checkPath, checkPinned } from './admission-checks.ts';
import { anchorHead, type WitnessFailure } from './anchor.ts';
import { type BatchItem, buildBatch } from './batch.ts';
import {
  type ActivePolicy,
  bindPolicy,
  checkGovernedOperation,
  dropsIndexLine,
  governedPolicyOf,
  registryPolicyAt,
} from './governance.ts';
import { nextIntegratedTime } from '../leaf.ts';
import { buildReceipt, type Receipt } from '../receipt.ts';
import { AppendConflictError, type LogStore, type StoredCheckpoint, type TreeHead } from '../store/interface.ts';
import { Waiters } from './waiters.ts';
import type { WitnessClient } from '../witness/witness.ts';

export interface SequencerOptions {
  store: LogStore;
  /** Checkpoint origin, e.g. `city.ledger/prod`; the log key's name must be the same. */
  origin: string;
  logSigner: NoteSigner;
  witnesses: readonly WitnessClient[];
  /** The trust policy a checkpoint must satisfy before anything is acknowledged. */
  policy: TlogPolicy;
  /** Genesis pins for country registries (spec §3.5). */
  genesis?: GenesisPolicy;
  /** Take a registry genesis that `genesis` does not pin (R-GEN-4). Default false. */
  allowUnpinnedGenesis?: boolean;
  /**
   * The network whose DIDs this log holds (`test` for did:city:test:…); undefined or `prod`: production. An
   * operation for a DID of another network is refused with INVALID_OPERATION (spec §1.4, R-NET-2).
   */
  network?: string;
  /**
   * Witness-set governance (spec §7.8): the registry DID whose `CityLedgerPolicy` service, once anchored,
   * replaces `policy` for the following checkpoints, and this node's log verifier key (a governed policy must
   * name it). Without it the policy is static.
   */
  governance?: { did: string; logVerifierKey: string };
  /**
   * Flush a batch this long after its first submission. Default 100 ms. A submission to an idle sequencer (no
   * cycle running or finished within this interval) is flushed at once instead: waiting would only add latency.
   */
  batchIntervalMs?: number;
  /** Flush as soon as this many submissions are queued. Default 256. */
  maxBatch?: number;
  /** A submission not acknowledged within this time is rejected with LEDGER_UNAVAILABLE. Default 30 s. */
  ackTimeoutMs?: number;
  /** Time allowed to each witness per request. Default 5 s. */
  witnessTimeoutMs?: number;
  /** First retry delay after a failed quorum, doubled up to 5 s. Default 100 ms. */
  retryMs?: number;
  /** The clock that dates each batch (its integration time, whole seconds). Default `Date.now`. */
  now?: Clock;
  /**
   * Ask the witnesses to co-sign the latest checkpoint again at this interval when nothing new was anchored, so
   * that its cosignature timestamps stay recent and resolvers with a maximum checkpoint age keep accepting it
   * (spec §7.9). Default: never.
   */
  recosignIntervalMs?: number;
  /** Told about every anchoring attempt that missed the quorum (never given key material). */
  onAnchorFailure?: (failures: WitnessFailure[]) => void;
  /** Told about every checkpoint that reached the quorum (clears a failure reported before). */
  onAnchored?: (checkpoint: StoredCheckpoint) => void;
  /** Start refusing to sequence, for this reason (an integrity check failed before the start); see refuse(). */
  refusal?: DidCityError;
  /** Told when the sequencer starts refusing on its own (a derived state found edited at admission). */
  onRefusal?: (error: DidCityError) => void;
}

interface Queued {
  item: BatchItem;
}

const MAX_RETRY_MS = 5000;

export class Sequencer {
  readonly #options: Required<
    Omit<
      SequencerOptions,
      | 'genesis'
      | 'allowUnpinnedGenesis'
      | 'onAnchorFailure'
      | 'onAnchored'
      | 'onRefusal'
      | 'refusal'
      | 'governance'
      | 'network'
      | 'recosignIntervalMs'
    >
  > &
    SequencerOptions;
  readonly #queue: Queued[] = [];
  readonly #waiters = new Waiters();
  readonly #knownSizes = new Map<string, number>();
  #latest: StoredCheckpoint | undefined;
  #lastTime: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = 0;
  /** Log size after the last append (anchored or not). */
  #size = 0;
  #cycle: Promise<void> | undefined;
  /** When the last cycle ended (Date.now()); 0 before the first. */
  #cycleEndedAt = 0;
  #retryDelay: number;
  #closed = false;
  /** A fresh cosignature of the latest checkpoint is due (recosignIntervalMs). */
  #recosignDue = false;
  #recosignTimer: NodeJS.Timeout | undefined;
  /** The policy the next checkpoint is held to, and the witnesses asked to cosign it. */
  #active: ActivePolicy;
  /** Why the sequencer refuses to sequence (its store failed a check); undefined while it sequences. */
  #refusal: DidCityError | undefined;

  private constructor(options: SequencerOptions) {
    this.#options = {
      batchIntervalMs: 100,
      maxBatch: 256,
      ackTimeoutMs: 30_000,
      witnessTimeoutMs: 5000,
      retryMs: 100,
      now: Date.now,
      ...options,
    };
    this.#retryDelay = this.#options.retryMs;
    this.#active = { text: '', policy: options.policy, witnesses: options.witnesses };
    this.#refusal = options.refusal;
  }

  /**
   * Loads the head from the store and, if entries were appended after the last co-signed checkpoint (a crash
   * between append and acknowledgement), anchors them before returning.
   */
  static async start(options: SequencerOptions): Promise<Sequencer> {
    const sequencer = new Sequencer(options);
    await sequencer.#load();
    sequencer.#startRecosigning();
    return sequencer;
  }

  async #load(): Promise<void> {
    const { store } = this.#options;
    this.#latest = await store.latestCheckpoint();
    await this.#adoptGovernedPolicy();
    for (const w of this.#options.witnesses) this.#knownSizes.set(w.name, this.#latest?.size ?? 0);
    const { size } = await store.head();
    this.#size = size;
    this.#lastTime = size > 0 ? (await store.entry(size - 1))?.integratedTime : undefined;
    if (size > (this.#latest?.size ?? 0) && this.#refusal === undefined) await this.#run();
  }

  /** Why the sequencer refuses to sequence, or undefined while it sequences. */
  get refusal(): DidCityError | undefined {
    return this.#refusal;
  }

  /**
   * Stops sequencing (spec §7.5, R-NODE-1): nothing more is appended or anchored, queued and new submissions are
   * refused with `error`, until resume(). Reads go on: they serve only what co-signed checkpoints cover.
   */
  refuse(error: DidCityError): void {
    this.#refusal = error;
    for (const { item } of this.#queue.splice(0)) this.#waiters.fail(item.operationHash, error);
  }

  /** Sequences again (the store checked out), anchoring anything appended but not yet co-signed. */
  resume(): void {
    this.#refusal = undefined;
    if (this.#size > (this.#latest?.size ?? 0)) this.#schedule(0);
  }

  /**
   * The tree whose root the sequencer vouches for at leaf `index` (admission.ts): the latest co-signed checkpoint,
   * its root read from the signed note held in memory, or the appended head for leaves it does not cover yet.
   */
  async #anchorFor(index: number): Promise<TreeHead> {
    const latest = this.#latest;
    if (latest !== undefined && index < latest.size) {
      return { size: latest.size, root: parseCheckpoint(parseNote(latest.note).text).rootHash };
    }
    return this.#options.store.head();
  }

  /**
   * spec §7.8: the policy for the checkpoints after the latest one is the one the registry carries in its last
   * version anchored by it (so a change is co-signed under the old policy), else the configured one.
   */
  async #adoptGovernedPolicy(): Promise<void> {
    const governance = this.#options.governance;
    if (governance === undefined) return;
    const history = await this.#options.store.didState(governance.did);
    const text = registryPolicyAt(history, this.#latest?.size ?? 0);
    if (text === undefined) {
      this.#active = { text: '', policy: this.#options.policy, witnesses: this.#options.witnesses };
    } else if (text !== this.#active.text) {
      // Checked at submission; a failure here means the node's witness configuration changed since.
      this.#active = bindPolicy(text, governance.logVerifierKey, this.#options.witnesses);
    }
  }

  /** The parsed policy the next checkpoint must satisfy, and its text (undefined: the configured policy). */
  get activePolicy(): { policy: TlogPolicy; text: string | undefined } {
    return { policy: this.#active.policy, text: this.#active.text === '' ? undefined : this.#active.text };
  }

  /** The latest quorum-cosigned checkpoint: everything below its size is acknowledged. */
  get checkpoint(): StoredCheckpoint | undefined {
    return this.#latest;
  }

  /** Submits an operation; resolves once it is in a quorum-cosigned checkpoint. */
  submit(operation: unknown): Promise<Receipt> {
    return this.#submit(operation, false);
  }

  /** The operator's governance path: only a country registry genesis (spec §3.5) is accepted here. */
  submitGovernance(operation: unknown): Promise<Receipt> {
    return this.#submit(operation, true);
  }

  async #submit(value: unknown, governance: boolean): Promise<Receipt> {
    if (this.#closed) throw new DidCityError('LEDGER_UNAVAILABLE', 'the sequencer is closed');
    if (this.#refusal !== undefined) throw this.#refusal;
    const item = parseOperationWithHash(value);
    checkNetwork(item.operation.did, this.#options.network);
    checkPath(item.operation, governance);
    if (governance) checkPinned(item.operation.did, this.#options.genesis, this.#options.allowUnpinnedGenesis === true);
    const gov = this.#options.governance;
    if (gov) {
      const replaced = [this.#active.policy];
      // Only a policy without an index line needs the registry's latest one (an unanchored change may have added
      // it); every other submission stays free of an await, so concurrent submissions keep their order.
      if (dropsIndexLine(item.operation, gov.did)) {
        const latest = governedPolicyOf(await this.#options.store.didHead(gov.did));
        if (latest !== undefined) replaced.push(latest);
      }
      checkGovernedOperation(item.operation, { ...gov, clients: this.#options.witnesses }, replaced);
    }
    const hash = item.operationHash;
    // Someone already waits for this operation: it is queued, being appended or awaiting its checkpoint.
    const inFlight = this.#waiters.has(hash);
    const promise = this.#waiters.add(hash, this.#options.ackTimeoutMs);
    if (inFlight) return promise;
    const existing = await this.#options.store.entryByOperationHash(hash);
    if (existing) {
      this.#waiters.appended(hash, existing.index);
      if (existing.index < (this.#latest?.size ?? 0)) await this.#acknowledge();
    } else if (!this.#queue.some((q) => q.item.operationHash === hash)) {
      this.#enqueue(item);
    }
    return promise;
  }

  // Group commit: under load, submissions gather while a cycle (append, anchor) runs or for the interval after
  // it. After a quiet period there is nothing to gather, so the batch goes at the next turn of the event loop;
  // submissions made in the same turn (Promise.all of several) still share it.
  #enqueue(item: BatchItem): void {
    this.#queue.push({ item });
    const { batchIntervalMs, maxBatch } = this.#options;
    const idle = !this.#cycle && Date.now() - this.#cycleEndedAt >= batchIntervalMs;
    if (this.#queue.length >= maxBatch || idle) this.#schedule(0);
    else this.#schedule(batchIntervalMs);
  }

  #schedule(delay: number): void {
    if (this.#closed || this.#cycle) return;
    const at = Date.now() + delay;
    if (this.#timer && this.#timerAt <= at) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => void this.#run(), delay);
  }

  /** One cycle at a time: flush the queue, anchor the head, acknowledge; reschedules itself if needed. */
  #run(): Promise<void> {
    if (this.#cycle) return this.#cycle;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = 0;
    this.#cycle = this.#cycleOnce().finally(() => {
      this.#cycle = undefined;
      this.#cycleEndedAt = Date.now();
      this.#afterCycle();
    });
    return this.#cycle;
  }

  async #cycleOnce(): Promise<void> {
    const sequencing = () => !this.#closed && this.#refusal === undefined;
    while (this.#queue.length > 0 && sequencing()) await this.#flush(this.#queue.splice(0, this.#options.maxBatch));
    const recosign = this.#recosignDue && this.#latest !== undefined;
    this.#recosignDue = false;
    if ((this.#size > (this.#latest?.size ?? 0) || recosign) && sequencing()) await this.#anchor();
  }

  #startRecosigning(): void {
    const interval = this.#options.recosignIntervalMs;
    if (interval === undefined) return;
    if (!Number.isFinite(interval) || interval <= 0)
      throw new RangeError('recosignIntervalMs must be a positive number of milliseconds');
    this.#recosignTimer = setInterval(() => {
      if (this.#closed) return;
      this.#recosignDue = true;
      this.#schedule(0);
    }, interval);
    this.#recosignTimer.unref();
  }

  #afterCycle(): void {
    if (this.#closed || this.#refusal !== undefined) return;
    if (this.#queue.length > 0) this.#schedule(0);
    else if (this.#size > (this.#latest?.size ?? 0)) this.#schedule(this.#retryDelay);
  }

  async #flush(batch: Queued[]): Promise<void> {
    const items = batch.map((q) => q.item);
    try {
      await this.#append(items);
    } catch (error) {
      if (error instanceof TamperedStateError) {
        // A derived state that disagrees with the log: nothing is sequenced until the store checks out.
        for (const item of items) this.#waiters.fail(item.operationHash, error);
        this.refuse(error);
        this.#options.onRefusal?.(error);
        return;
      }
      // The store failed underneath (disk, closed handle): nothing of this batch is acknowledged.
      const failure = new DidCityError('LEDGER_UNAVAILABLE', 'the log store failed while appending', { cause: error });
      for (const item of items) this.#waiters.fail(item.operationHash, failure);
    }
  }

  async #append(items: BatchItem[]): Promise<void> {
    const { store } = this.#options;
    const fresh: BatchItem[] = [];
    for (const item of items) {
      // A resubmission can reach the queue while its first copy is being appended: the store decides.
      const existing = await store.entryByOperationHash(item.operationHash);
      if (existing) this.#waiters.appended(item.operationHash, existing.index);
      else if (!fresh.some((f) => f.operationHash === item.operationHash)) fresh.push(item);
    }
    if (fresh.length === 0) return;
    const { size } = await store.head();
    const integratedTime = nextIntegratedTime(new Date(this.#options.now()), this.#lastTime);
    const anchor = (index: number) => this.#anchorFor(index);
    const options = { store, items: fresh, size, integratedTime, anchor, genesis: this.#options.genesis };
    const { batch: append, outcomes } = await buildBatch(options);
    try {
      if (append.entries.length > 0) await store.append(append);
    } catch (error) {
      await this.#afterFailedAppend(fresh, error);
      return;
    }
    if (append.entries.length > 0) {
      this.#lastTime = integratedTime;
      this.#size = size + append.entries.length;
    }
    outcomes.forEach((outcome, i) => {
      const hash = fresh[i]!.operationHash;
      if (outcome.ok) this.#waiters.appended(hash, outcome.index);
      else this.#waiters.fail(hash, outcome.error);
    });
  }

  // The UNIQUE constraints caught what validation did not (or the log moved under us): nothing was written.
  // Operations whose (did, seq) is taken are stale; the others are validated again in the next batch.
  async #afterFailedAppend(items: BatchItem[], error: unknown): Promise<void> {
    this.#size = (await this.#options.store.head()).size;
    if (!(error instanceof AppendConflictError)) {
      const failure = new DidCityError('LEDGER_UNAVAILABLE', 'the log store refused the batch', { cause: error });
      for (const item of items) this.#waiters.fail(item.operationHash, failure);
      return;
    }
    for (const item of items) {
      const { did, seq } = item.operation;
      if (await this.#options.store.hasSeq(did, seq)) {
        const stale = new DidCityError('STALE_OPERATION', `seq: ${did} already has an operation with seq ${seq}`);
        this.#waiters.fail(item.operationHash, stale);
      } else {
        this.#queue.unshift({ item });
      }
    }
  }

  async #anchor(): Promise<void> {
    const o = this.#options;
    const { policy, witnesses } = this.#active;
    const anchorOptions = { store: o.store, origin: o.origin, logSigner: o.logSigner, witnesses };
    let result: Awaited<ReturnType<typeof anchorHead>>;
    try {
      result = await anchorHead({
        ...anchorOptions,
        policy,
        knownSizes: this.#knownSizes,
        witnessTimeoutMs: o.witnessTimeoutMs,
      });
    } catch (error) {
      result = { failures: [{ witness: '-', reason: error instanceof Error ? error.message : 'anchoring failed' }] };
    }
    if (!result.checkpoint) {
      o.onAnchorFailure?.(result.failures);
      this.#retryDelay = Math.min(this.#retryDelay * 2, MAX_RETRY_MS);
      return;
    }
    this.#retryDelay = o.retryMs;
    this.#latest = result.checkpoint;
    o.onAnchored?.(result.checkpoint);
    try {
      await this.#adoptGovernedPolicy();
    } catch (error) {
      o.onAnchorFailure?.([{ witness: '-', reason: `cannot adopt the governed policy: ${(error as Error).message}` }]);
    }
    await this.#acknowledge();
  }

  /** Resolves every waiter whose entry the latest checkpoint covers. */
  async #acknowledge(): Promise<void> {
    const checkpoint = this.#latest;
    if (!checkpoint) return;
    for (const { operationHash, index } of this.#waiters.coveredBy(checkpoint.size)) {
      try {
        const receipt = await buildReceipt(this.#options.store, index, checkpoint);
        this.#waiters.succeed(operationHash, receipt);
      } catch (error) {
        this.#waiters.fail(operationHash, error);
      }
    }
  }

  /** Stops batching; pending submissions are rejected with LEDGER_UNAVAILABLE. Does not close the store. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    clearInterval(this.#recosignTimer);
    await this.#cycle;
    this.#queue.length = 0;
    this.#waiters.failAll(new DidCityError('LEDGER_UNAVAILABLE', 'the sequencer was closed before acknowledging'));
  }
}
