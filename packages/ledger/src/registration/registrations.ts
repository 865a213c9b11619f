/**
 * The registration desk of a ledger node: applications in, institute approvals and objections, and, once the
 * registry's threshold is reached, the assembled create through the node's sequencer. The rules (spec §2.4):
 * several applications for one DID may be pending; the first to reach the registry's k of N approvals is anchored
 * and closes the others (`superseded`); a rejection needs k of N objections, and one objection is shown without
 * ending anything; a pending application expires after `pendingTtlMs`; R-ALLOC-2 is checked on applying and again
 * before an approval is recorded.
 *
 * Crash safety: the assembled create is committed (status `approved`) before it is submitted, and `resume()`
 * resubmits every approved application; submission is idempotent by operation hash, so an acknowledgement lost to
 * a crash is recovered without a second entry.
 */
import { checkAllocation, type Clock, countryRegistryDid, DidCityError, type DidHistory } from '@did-city/method';
import type { LedgerNode } from '../node.ts';
import { checkNetwork } from '../sequencer/admission-checks.ts';
import { type BulkOutcome, rejectMatching } from './bulk-desk.ts';
import { assemble, checkApproval, checkRejection, readApplication } from './review.ts';
import { RegistrationStore } from './store.ts';
import {
  type Application,
  DEFAULT_REGISTRATION_PAGE,
  MAX_REGISTRATION_PAGE,
  type Objection,
  type RegistrationFilter,
  type RegistrationListing,
  type RegistrationPage,
  type RegistrationStatus,
  type RegistrationView,
} from './types.ts';
import { isUniqueViolation, publicView, stale, wholeSeconds } from './views.ts';

export interface RegistrationsOptions {
  node: LedgerNode;
  /** The SQLite file, conventionally `<dataDir>/registrations.db`. */
  file: string;
  /** Delay before resubmitting after the ledger was unavailable. Default 5 s. */
  retryMs?: number;
  /** The clock of submissions, decisions and expiry. Default `Date.now`. */
  now?: Clock;
  /** Told about failed background resubmissions (never given key material). */
  onError?: (error: unknown) => void;
  /** How long an application may stay pending before it is closed as `expired`. Default 30 days. */
  pendingTtlMs?: number;
  /** Most applications pending at once, all DIDs together (a bound on storage). Default 10,000. */
  maxPending?: number;
}

export const DEFAULT_PENDING_TTL_MS = 30 * 24 * 3600_000;
export const DEFAULT_MAX_PENDING = 10_000;

/** Thrown for an id no application has; the HTTP layer answers 404. */
export class UnknownRegistrationError extends Error {
  override readonly name = 'UnknownRegistrationError';
}

export class Registrations {
  readonly node: LedgerNode;
  readonly #store: RegistrationStore;
  readonly #options: RegistrationsOptions;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;
  #lastCutoff: string | undefined;

  private constructor(options: RegistrationsOptions) {
    this.node = options.node;
    this.#options = options;
    this.#store = new RegistrationStore(options.file);
  }

  /** Opens the store; call `resume()` to resubmit applications a crash left approved but unacknowledged. */
  static open(options: RegistrationsOptions): Registrations {
    return new Registrations(options);
  }

  #clock(): Date {
    return new Date((this.#options.now ?? Date.now)());
  }

  #now(): string {
    return wholeSeconds(this.#clock());
  }

  get #ttl(): number {
    return this.#options.pendingTtlMs ?? DEFAULT_PENDING_TTL_MS;
  }

  /**
   * Closes the applications pending for `pendingTtlMs` or longer: one indexed UPDATE before every request, skipped
   * when the cutoff (whole seconds) has not moved since the last one (nothing new can have come due).
   */
  #expire(): void {
    const now = this.#clock();
    const cutoff = wholeSeconds(new Date(now.getTime() - this.#ttl));
    if (cutoff === this.#lastCutoff) return;
    this.#lastCutoff = cutoff;
    const reason = `expired: no decision within ${Math.round(this.#ttl / 1000)} s of the application`;
    this.#store.expire(cutoff, { reason, cause: 'expired', created: wholeSeconds(now) });
  }

  /** The registry that allocates `did`, as the sequencer sees it now. */
  async #registry(did: string): Promise<DidHistory> {
    const registry = countryRegistryDid(did);
    const state = await this.node.store.didState(registry);
    if (state === undefined || state.deactivation !== undefined) {
      throw new DidCityError(
        'UNAUTHORIZED_OPERATION',
        `${registry} does not exist on this ledger: it cannot allocate ${did}`,
      );
    }
    return state;
  }

  #require(id: string): Application {
    const application = this.#store.get(id);
    if (application === undefined) throw new UnknownRegistrationError(`no registration ${id.slice(0, 100)}`);
    return application;
  }

  /** `POST /registrations`: records a pending application. */
  async apply(body: unknown): Promise<RegistrationView> {
    const { id, operation, contact } = readApplication(body);
    const { did } = operation;
    checkNetwork(did, this.node.network); // before the registry lookup: another network's registry is not here
    checkAllocation(operation, await this.#registry(did)); // R-ALLOC-2 before any institute spends effort on it
    if ((await this.node.store.entriesOfDid(did)).length > 0) throw stale(`${did} is already allocated`);
    this.#expire();
    // Other applications for the same DID may be pending: applying first reserves nothing (R-REG-1).
    this.#refuseSame(id);
    const max = this.#options.maxPending ?? DEFAULT_MAX_PENDING;
    if (this.#store.pendingCount() >= max) {
      throw new DidCityError(
        'LEDGER_UNAVAILABLE',
        `the registration desk holds its maximum of ${max} pending applications; try again later`,
      );
    }
    try {
      this.#store.insert({ id, did, operation, contact, submittedAt: this.#now() });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      this.#refuseSame(id); // the same create applied concurrently
      throw error;
    }
    return this.view(id);
  }

  #refuseSame(id: string): void {
    const same = this.#store.get(id);
    if (same !== undefined) {
      throw stale(`this create was already ${same.status} as application ${id}; apply with a new key to try again`);
    }
  }

  /** `POST /registrations/{id}/approve`: records the approval; at the threshold, assembles and submits. */
  async approve(id: string, body: unknown): Promise<RegistrationView> {
    this.#expire();
    const application = this.#require(id);
    this.#refuseClosed(application, 'approved');
    if (application.status === 'approved') return this.#submit(application);
    this.#refuseAnother(application);
    const registry = await this.#registry(application.did);
    const approval = checkApproval(body, application.operation, registry.keyState);
    this.#checkAllocation(application, registry);
    const current = this.#store.transaction(() => this.#recordApproval(id, approval, registry));
    this.#refuseClosed(current, 'approved');
    if (current.status === 'approved') return this.#submit(current);
    return this.view(id);
  }

  /** R-ALLOC-2 again (the registry may have moved to a newer edition): a refused code closes the application. */
  #checkAllocation(application: Application, registry: DidHistory): void {
    try {
      checkAllocation(application.operation, registry);
    } catch (error) {
      if (!(error instanceof DidCityError)) throw error;
      this.#store.markRejected(application.id, {
        reason: error.detail.slice(0, 500),
        cause: 'refused',
        created: this.#now(),
      });
      throw error;
    }
  }

  /** One application per DID is anchored: none is approved while another for the same DID is being anchored. */
  #refuseAnother(application: Application): void {
    const other = this.#store.approvedFor(application.did);
    if (other !== undefined && other.id !== application.id) {
      throw stale(
        `another application for ${application.did} (${other.id}) reached its approvals and is being anchored`,
      );
    }
  }

  #refuseClosed(application: Application, what: string): void {
    if (application.status === 'rejected' || application.status === 'anchored') {
      throw stale(`registration ${application.id} is ${application.status}; it cannot be ${what} any more`);
    }
  }

  /** Inside one transaction: the approval, the count of current registry keys, the assembled create. */
  #recordApproval(id: string, approval: ReturnType<typeof checkApproval>, registry: DidHistory): Application {
    const before = this.#require(id);
    if (before.status !== 'pending') return before;
    this.#store.addApproval(id, approval);
    const { updateKeys, threshold } = registry.keyState;
    const counted = this.#require(id).approvals.filter((a) => updateKeys.includes(a.key));
    if (counted.length < threshold) return this.#require(id);
    this.#refuseAnother(before);
    this.#store.markApproved(id, assemble(before.operation, counted, registry));
    return this.#require(id);
  }

  /** Submits the recorded create; the ledger's refusal ends the application, unavailability leaves it for retry. */
  async #submit(application: Application): Promise<RegistrationView> {
    try {
      const receipt = await this.node.submit(application.assembled);
      // Anchoring one application closes every other pending for the same DID, in the same transaction (R-REG-6).
      this.#store.transaction(() => {
        this.#store.markAnchored(application.id, receipt);
        const reason = `superseded: ${application.did} was allocated by application ${application.id}`;
        this.#store.closeOthers(application.did, application.id, { reason, cause: 'superseded', created: this.#now() });
      });
    } catch (error) {
      if (error instanceof DidCityError && error.code !== 'LEDGER_UNAVAILABLE') {
        const reason = `the ledger refused the assembled create: ${error.code}: ${error.detail}`.slice(0, 500);
        this.#store.markRejected(application.id, { reason, cause: 'refused', created: this.#now() });
      } else {
        this.#scheduleRetry();
      }
      throw error;
    }
    return this.view(application.id);
  }

  /**
   * `POST /registrations/{id}/reject`: records one institute's objection (shown in the view). The application is
   * rejected once the registry's threshold of its current keys objected: the same k of N as an approval (R-REG-4).
   */
  async reject(id: string, body: unknown): Promise<RegistrationView> {
    this.#expire();
    const application = this.#require(id);
    this.#refuseClosed(application, 'rejected');
    if (application.status === 'approved')
      throw stale(`registration ${id} reached its approvals and is being anchored`);
    const registry = await this.#registry(application.did);
    const { reason, key } = checkRejection(body, id, registry.keyState);
    const objected = this.#store.transaction(() => this.object(id, { key, reason, created: this.#now() }, registry));
    if (objected === 'closed') {
      this.#refuseClosed(this.#require(id), 'rejected');
      throw stale(`registration ${id} reached its approvals and is being anchored`);
    }
    return this.view(id);
  }

  /**
   * Call inside a transaction: one objection, and the rejection when the objecting current keys reach the
   * registry's threshold. `closed` when the application is no longer pending; `unchanged` when this key had
   * objected already (it counts once).
   */
  object(id: string, objection: Objection, registry: DidHistory): 'closed' | 'unchanged' | 'objected' | 'rejected' {
    const before = this.#require(id);
    if (before.status !== 'pending') return 'closed';
    if (!this.#store.addObjection(id, objection)) return 'unchanged';
    const { updateKeys, threshold } = registry.keyState;
    const counted = this.#require(id).objections.filter((o) => updateKeys.includes(o.key));
    if (counted.length < threshold) return 'objected';
    const reason = counted
      .map((o) => o.reason)
      .join(' / ')
      .slice(0, 500);
    const keys = counted.map((o) => o.key);
    this.#store.markRejected(id, { reason, cause: 'objections', key: objection.key, keys, created: this.#now() });
    return 'rejected';
  }

  /**
   * `POST /registrations/reject-matching` (institutes): one objection to each pending application matching a filter.
   * `keys`: when the caller's institute is known with its keys, the request must be signed by one of them.
   */
  rejectMatching(body: unknown, keys?: readonly string[]): Promise<BulkOutcome> {
    this.#expire();
    return rejectMatching(this, this.#store, body, this.#clock(), keys);
  }

  /** The registry that allocates `did`, for the bulk rejection. */
  registryOf(did: string): Promise<DidHistory> {
    return this.#registry(did);
  }

  /** The public view (no contact). */
  async view(id: string): Promise<RegistrationView> {
    this.#expire();
    const application = this.#require(id);
    const registry = await this.node.store.didState(countryRegistryDid(application.did));
    return publicView(application, registry?.keyState.threshold ?? 0, this.#ttl);
  }

  /** All applications with their contact, oldest first (institutes only). */
  list(status?: RegistrationStatus): Promise<RegistrationListing[]> {
    return this.#listings(this.#store.list(status));
  }

  /**
   * `GET /registrations`: up to `limit` (default 100, at most 1000) applications after the one with id `after`,
   * oldest first, with `next` when more remain. An `after` that is no application's id is MALFORMED_REQUEST.
   */
  async page(options: RegistrationFilter & { after?: string; limit?: number } = {}): Promise<RegistrationPage> {
    this.#expire();
    const limit = options.limit ?? DEFAULT_REGISTRATION_PAGE;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_REGISTRATION_PAGE) {
      throw new DidCityError('MALFORMED_REQUEST', `limit must be an integer from 1 to ${MAX_REGISTRATION_PAGE}`);
    }
    const { after } = options;
    const rows = this.#store.page({ ...options, limit: limit + 1 });
    if (rows === undefined)
      throw new DidCityError('MALFORMED_REQUEST', `after: no registration ${after!.slice(0, 100)}`);
    const more = rows.length > limit;
    const registrations = await this.#listings(more ? rows.slice(0, limit) : rows);
    return more ? { registrations, next: registrations.at(-1)!.id } : { registrations };
  }

  async #listings(applications: Application[]): Promise<RegistrationListing[]> {
    const thresholds = new Map<string, number>();
    const listings: RegistrationListing[] = [];
    for (const application of applications) {
      const registry = countryRegistryDid(application.did);
      if (!thresholds.has(registry))
        thresholds.set(registry, (await this.node.store.didState(registry))?.keyState.threshold ?? 0);
      listings.push({ ...publicView(application, thresholds.get(registry)!, this.#ttl), contact: application.contact });
    }
    return listings;
  }

  /** The stored application (with contact), or undefined. */
  get(id: string): Application | undefined {
    return this.#store.get(id);
  }

  /** Resubmits every approved application; failures are reported and retried later, never thrown. */
  async resume(): Promise<void> {
    for (const application of this.#store.list('approved')) {
      if (this.#closed) return;
      await this.#submit(application).catch((error: unknown) => this.#options.onError?.(error));
    }
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#retry !== undefined) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.resume();
    }, this.#options.retryMs ?? 5000);
    this.#retry.unref();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#store.close();
  }
}
