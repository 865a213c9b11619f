/**
 * The registrar's job lifecycle (DID Registration §8): a request without `jobId` is planned into an unsigned
 * operation and a job in phase `sign` (`action: signPayload`); the client's signatures move it to `submit` (checked
 * one by one first; a job's signatures are accepted once), then to `wait` while the institutes review a division's
 * application, and to `done`, whose answer is repeated to whoever asks again until the job expires.
 *
 * The ledger being unavailable or rate-limiting (HTTP 503, 429) never fails a signed job: it answers `wait` with
 * the time to retry, and the next request resubmits (operations are idempotent by hash on the ledger).
 */
import {
  canonicalBytes,
  type Clock,
  type DataIntegrityProof,
  DidCityError,
  multihashSha256,
  parseOperation,
} from '@did-city/method';
import { classify, RegistrarError } from './errors.ts';
import type { HeldKeys } from './held-keys.ts';
import type { Job, JobData, JobStore, Phase } from './jobs.ts';
import { isBusy, type LedgerGateway, type RegistrationView } from './ledger.ts';
import { anchored, fromRegistration } from './outcomes.ts';
import { plan } from './plans.ts';
import { type Continuation, readBody, readContinuation, readNewRequest } from './requests.ts';
import { heldProof, proofsFromResponse, type RequestKeys, signingRequests } from './signing.ts';
import { type Answer, failed, type Operation, signPayload, wait } from './states.ts';

export interface RegistrarSettings {
  store: JobStore;
  ledger: LedgerGateway;
  /** How long a job waits for its signatures. Default 15 minutes. */
  signTtlMs?: number;
  /** How long a signed job may wait for review or the ledger. Default 30 days. */
  jobTtlMs?: number;
  /** How long a finished or failed answer is kept for repeated requests. Default 1 day. */
  resultTtlMs?: number;
  /** The `waittime` suggested while institutes review. Default 30 s. */
  pollMs?: number;
  now?: Clock;
  /** Keys the driver signs with itself for requests carrying the operator's token. Default: none. */
  heldKeys?: HeldKeys;
  /** Unexpected failures (never given request bodies or keys). */
  onError?: (error: unknown) => void;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

function wholeSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class Registrar {
  readonly #s: Required<Omit<RegistrarSettings, 'onError' | 'heldKeys'>> &
    Pick<RegistrarSettings, 'onError' | 'heldKeys'>;

  constructor(settings: RegistrarSettings) {
    this.#s = {
      signTtlMs: 15 * MINUTE,
      jobTtlMs: 30 * DAY,
      resultTtlMs: DAY,
      pollMs: 30_000,
      now: Date.now,
      ...settings,
    };
  }

  /** One registrar request; never throws: every failure is a `failed` state. */
  async handle(operation: Operation, body: unknown): Promise<Answer> {
    let did: string | undefined;
    try {
      const request = readBody(body);
      const continuation = readContinuation(request);
      if (continuation !== undefined) return await this.#continue(operation, continuation);
      const fresh = readNewRequest(request, operation);
      did = fresh.did;
      if (fresh.heldKeysToken !== undefined) this.#authoriseHeldKeys(fresh.heldKeysToken);
      return await this.#start(
        operation,
        fresh.did,
        await plan(this.#s.ledger, operation, fresh),
        fresh.heldKeysToken !== undefined,
      );
    } catch (error) {
      return this.#failure(error, did);
    }
  }

  #failure(error: unknown, did?: string): Answer {
    const { code, detail, unexpected } = classify(error);
    if (unexpected) this.#s.onError?.(error);
    return failed({ ...(did === undefined ? {} : { did }), code, detail });
  }

  #authoriseHeldKeys(token: string): void {
    if (this.#s.heldKeys === undefined)
      throw new RegistrarError('FEATURE_NOT_SUPPORTED', 'secret.heldKeysToken: this driver holds no keys');
    this.#s.heldKeys.authorise(token);
  }

  async #start(
    operation: Operation,
    did: string,
    planned: Awaited<ReturnType<typeof plan>>,
    useHeldKeys: boolean,
  ): Promise<Answer> {
    const now = this.#s.now();
    const created = wholeSeconds(now);
    const { requestKeys } = await signingRequests(planned.unsigned, planned.signers, created);
    const data: JobData = {
      unsigned: planned.unsigned,
      created,
      requestKeys,
      route: planned.route,
      description: planned.description,
    };
    if (planned.contact !== undefined) data.contact = planned.contact;
    if (useHeldKeys) data.heldProofs = await this.#heldProofs(data);
    const id = this.#s.store.insert({ operation, did, phase: 'sign', expiresAt: now + this.#s.signTtlMs, data });
    const job = this.#s.store.get(id)!;
    // Every key asked for is held: nothing for the client to sign.
    if (Object.keys(openRequests(job)).length === 0) return this.#toSubmit(job, Object.values(data.heldProofs ?? {}));
    return this.#askToSign(job);
  }

  async #heldProofs(data: JobData): Promise<Record<string, DataIntegrityProof>> {
    const proofs: Record<string, DataIntegrityProof> = {};
    for (const [id, key] of Object.entries(data.requestKeys)) {
      const signer = this.#s.heldKeys!.signerFor(key);
      if (signer !== undefined) proofs[id] = await heldProof(data.unsigned, signer, data.created);
    }
    return proofs;
  }

  async #askToSign(job: Job): Promise<Answer> {
    const open = openRequests(job);
    const { set } = await signingRequests(job.data.unsigned, Object.values(job.data.requestKeys), job.data.created);
    const signingRequest = Object.fromEntries(Object.entries(set).filter(([id]) => Object.hasOwn(open, id)));
    const held = Object.keys(job.data.heldProofs ?? {}).length;
    const expires = wholeSeconds(job.expiresAt);
    const heldNote = held === 0 ? '' : ` The driver signed ${held} request${held > 1 ? 's' : ''} with keys it holds.`;
    return signPayload({
      jobId: job.id,
      did: job.did,
      signingRequest,
      description: `${job.data.description}${heldNote} Answer in secret.signingResponse with this jobId before ${expires}.`,
      metadata: { unsignedOperation: job.data.unsigned, jobExpires: expires },
    });
  }

  async #continue(operation: Operation, continuation: Continuation): Promise<Answer> {
    const job = this.#s.store.get(continuation.jobId);
    if (job === undefined) {
      throw new RegistrarError(
        'UNKNOWN_JOB',
        `no job ${continuation.jobId}: unknown, or expired (unsigned jobs last ${this.#s.signTtlMs / 1000} s)`,
      );
    }
    if (job.operation !== operation)
      throw new RegistrarError(
        'JOB_MISMATCH',
        `job ${job.id} is a ${job.operation} job: continue it at /1.0/${job.operation}`,
      );
    if (job.phase === 'done') return job.data.answer!;
    if (job.phase === 'sign') return this.#signed(job, continuation.signingResponse);
    if (job.phase === 'submit') return this.#submit(job);
    return this.#poll(job);
  }

  /** Verifies the client's signatures (a held key's request is not the client's to answer), then submits. */
  async #signed(job: Job, response: unknown): Promise<Answer> {
    if (response === undefined) return this.#askToSign(job);
    let proofs: DataIntegrityProof[];
    try {
      proofs = await proofsFromResponse({
        unsigned: job.data.unsigned,
        requestKeys: openRequests(job),
        created: job.data.created,
        response,
      });
    } catch (error) {
      return this.#close(job, 'sign', this.#failure(error, job.did));
    }
    return this.#toSubmit(job, [...Object.values(job.data.heldProofs ?? {}), ...proofs]);
  }

  /** Moves the job to `submit` once: a second request with the same signatures finds it moved. */
  async #toSubmit(job: Job, proof: DataIntegrityProof[]): Promise<Answer> {
    let data: JobData;
    try {
      data = { ...job.data, signed: parseOperation({ ...job.data.unsigned, proof }) };
    } catch (error) {
      return this.#close(job, 'sign', this.#failure(error, job.did));
    }
    const submitting = { ...job, phase: 'submit' as const, expiresAt: this.#s.now() + this.#s.jobTtlMs, data };
    if (!this.#s.store.advance(job, 'sign', submitting)) return this.#again(job.id, job.operation);
    return this.#submit(submitting);
  }

  /** Another request moved the job first: answer from where it is now. */
  #again(id: string, operation: Operation): Promise<Answer> {
    return this.#continue(operation, { jobId: id });
  }

  async #submit(job: Job): Promise<Answer> {
    try {
      if (job.data.route === 'ledger') {
        const receipt = await this.#s.ledger.submit(job.data.signed!);
        return this.#close(job, 'submit', await anchored(this.#s.ledger, job, receipt));
      }
      const view = await this.#apply(job);
      if (isBusy(view)) return this.#retryLater(job, view.retryAfterMs, view.detail);
      const waiting = { ...job, phase: 'wait' as const, data: { ...job.data, registrationId: view.id } };
      if (!this.#s.store.advance(job, 'submit', waiting)) return this.#again(job.id, job.operation);
      return this.#review(waiting, view);
    } catch (error) {
      if (error instanceof DidCityError && error.code === 'LEDGER_UNAVAILABLE')
        return this.#retryLater(job, 5000, error.detail);
      return this.#close(job, 'submit', this.#failure(error, job.did));
    }
  }

  /**
   * Applies; when the node says an application with this create is already open (a lost answer to an earlier
   * attempt of this job), takes that one: the application id is the hash of the unsigned create.
   */
  async #apply(job: Job) {
    try {
      return await this.#s.ledger.apply(job.data.signed!, job.data.contact!);
    } catch (error) {
      if (!(error instanceof DidCityError) || error.code !== 'STALE_OPERATION') throw error;
      const id = multihashSha256(canonicalBytes(job.data.unsigned));
      const existing = await this.#s.ledger.registration(id).catch(() => undefined);
      if (existing === undefined || isBusy(existing) || existing.did !== job.did) throw error;
      return existing;
    }
  }

  async #poll(job: Job): Promise<Answer> {
    try {
      const view = await this.#s.ledger.registration(job.data.registrationId!);
      if (isBusy(view)) return this.#waitAnswer(job, view.retryAfterMs, view.detail);
      return await this.#review(job, view);
    } catch (error) {
      if (error instanceof DidCityError && error.code === 'LEDGER_UNAVAILABLE')
        return this.#waitAnswer(job, 5000, error.detail);
      return this.#close(job, 'wait', this.#failure(error, job.did));
    }
  }

  async #review(job: Job, view: RegistrationView): Promise<Answer> {
    const answer = await fromRegistration(this.#s.ledger, job, view, this.#s.pollMs);
    return answer.body.didState.state === 'wait' ? answer : this.#close(job, 'wait', answer);
  }

  #retryLater(job: Job, retryMs: number, detail: string): Answer {
    return this.#waitAnswer(
      job,
      retryMs,
      `signed; the ledger did not take it yet (${detail}): ask again with this jobId after the wait time`,
    );
  }

  #waitAnswer(job: Job, waitMs: number, text: string): Answer {
    return wait({ jobId: job.id, did: job.did, wait: text, waitMs });
  }

  /** Keeps the final answer for repeated requests; the answer stands even if the job had moved on meanwhile. */
  #close(job: Job, from: Phase, answer: Answer): Answer {
    const data = { ...job.data, answer: { status: answer.status, body: answer.body } };
    this.#s.store.advance(job, from, { phase: 'done', expiresAt: this.#s.now() + this.#s.resultTtlMs, data });
    return answer;
  }
}

/** The signing requests the client still has to answer: those no held key answered. */
function openRequests(job: Job): RequestKeys {
  const held = job.data.heldProofs ?? {};
  return Object.fromEntries(Object.entries(job.data.requestKeys).filter(([id]) => !Object.hasOwn(held, id)));
}
