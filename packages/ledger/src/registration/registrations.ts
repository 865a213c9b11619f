/**
 * The registration desk of a ledger node: applications in, institute approvals and rejections, and, once the
 * registry's threshold is reached, the assembled create through the node's sequencer.
 *
 * Crash safety: the assembled create is committed (status `approved`) before it is submitted, and `resume()`
 * resubmits every approved application; submission is idempotent by operation hash, so an acknowledgement lost to
 * a crash is recovered without a second entry.
 */
import { countryRegistryDid, DidCityError, type DidHistory } from '@did-city/method';
import type { LedgerNode } from '../node.ts';
import { checkNetwork } from '../sequencer.ts';
import { assemble, checkApproval, checkRejection, readApplication } from './review.ts';
import { RegistrationStore } from './store.ts';
import {
  type Application,
  DEFAULT_REGISTRATION_PAGE,
  MAX_REGISTRATION_PAGE,
  type RegistrationListing,
  type RegistrationPage,
  type RegistrationStatus,
  type RegistrationView,
} from './types.ts';

export interface RegistrationsOptions {
  node: LedgerNode;
  /** The SQLite file, conventionally `<dataDir>/registrations.db`. */
  file: string;
  /** Delay before resubmitting after the ledger was unavailable. Default 5 s. */
  retryMs?: number;
  now?: () => Date;
  /** Told about failed background resubmissions (never given key material). */
  onError?: (error: unknown) => void;
}

/** Thrown for an id no application has; the HTTP layer answers 404. */
export class UnknownRegistrationError extends Error {
  override readonly name = 'UnknownRegistrationError';
}

function stale(detail: string): DidCityError {
  return new DidCityError('STALE_OPERATION', detail);
}

function wholeSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** SQLite reports a broken UNIQUE or PRIMARY KEY constraint by this code (better-sqlite3's SqliteError). */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export class Registrations {
  readonly node: LedgerNode;
  readonly #store: RegistrationStore;
  readonly #options: RegistrationsOptions;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(options: RegistrationsOptions) {
    this.node = options.node;
    this.#options = options;
    this.#store = new RegistrationStore(options.file);
  }

  /** Opens the store; call `resume()` to resubmit applications a crash left approved but unacknowledged. */
  static open(options: RegistrationsOptions): Registrations {
    return new Registrations(options);
  }

  #now(): string {
    return wholeSeconds(this.#options.now?.() ?? new Date());
  }

  /** The registry that allocates `did`, as the sequencer sees it now. */
  async #registry(did: string): Promise<DidHistory> {
    const registry = countryRegistryDid(did);
    const state = await this.node.store.didState(registry);
    if (state === undefined || state.deactivation !== undefined) {
      throw new DidCityError('UNAUTHORIZED_OPERATION', `${registry} does not exist on this ledger: it cannot allocate ${did}`);
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
    await this.#registry(did);
    if ((await this.node.store.entriesOfDid(did)).length > 0) throw stale(`${did} is already allocated`);
    this.#refuseOpen(id, did);
    try {
      this.#store.insert({ id, did, operation, contact, submittedAt: this.#now() });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      this.#refuseOpen(id, did); // a concurrent application for the same DID won the race
      throw error;
    }
    return this.view(id);
  }

  #refuseOpen(id: string, did: string): void {
    const open = this.#store.openFor(did);
    if (open !== undefined) throw stale(`an application for ${did} is already ${open.status}: ${open.id}`);
    const same = this.#store.get(id);
    if (same !== undefined) {
      throw stale(`this create was already ${same.status} as application ${id}; apply with a new key to try again`);
    }
  }

  /** `POST /registrations/{id}/approve`: records the approval; at the threshold, assembles and submits. */
  async approve(id: string, body: unknown): Promise<RegistrationView> {
    const application = this.#require(id);
    this.#refuseClosed(application, 'approved');
    if (application.status === 'approved') return this.#submit(application);
    const registry = await this.#registry(application.did);
    const approval = checkApproval(body, application.operation, registry.keyState);
    const current = this.#store.transaction(() => this.#recordApproval(id, approval, registry));
    this.#refuseClosed(current, 'approved');
    if (current.status === 'approved') return this.#submit(current);
    return this.view(id);
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
    this.#store.markApproved(id, assemble(before.operation, counted, registry));
    return this.#require(id);
  }

  /** Submits the recorded create; the ledger's refusal ends the application, unavailability leaves it for retry. */
  async #submit(application: Application): Promise<RegistrationView> {
    try {
      const receipt = await this.node.submit(application.assembled);
      this.#store.markAnchored(application.id, receipt);
    } catch (error) {
      if (error instanceof DidCityError && error.code !== 'LEDGER_UNAVAILABLE') {
        const reason = `the ledger refused the assembled create: ${error.code}: ${error.detail}`.slice(0, 500);
        this.#store.markRejected(application.id, { reason, created: this.#now() });
      } else {
        this.#scheduleRetry();
      }
      throw error;
    }
    return this.view(application.id);
  }

  /** `POST /registrations/{id}/reject`. */
  async reject(id: string, body: unknown): Promise<RegistrationView> {
    const application = this.#require(id);
    this.#refuseClosed(application, 'rejected');
    if (application.status === 'approved') throw stale(`registration ${id} reached its approvals and is being anchored`);
    const registry = await this.#registry(application.did);
    const { reason, key } = checkRejection(body, id, registry.keyState);
    if (!this.#store.markRejected(id, { reason, key, created: this.#now() })) {
      this.#refuseClosed(this.#require(id), 'rejected');
      throw stale(`registration ${id} reached its approvals and is being anchored`);
    }
    return this.view(id);
  }

  /** The public view (no contact). */
  async view(id: string): Promise<RegistrationView> {
    const application = this.#require(id);
    const registry = await this.node.store.didState(countryRegistryDid(application.did));
    return publicView(application, registry?.keyState.threshold ?? 0);
  }

  /** All applications with their contact, oldest first (institutes only). */
  list(status?: RegistrationStatus): Promise<RegistrationListing[]> {
    return this.#listings(this.#store.list(status));
  }

  /**
   * `GET /registrations`: up to `limit` (default 100, at most 1000) applications after the one with id `after`,
   * oldest first, with `next` when more remain. An `after` that is no application's id is MALFORMED_REQUEST.
   */
  async page(options: { status?: RegistrationStatus; after?: string; limit?: number } = {}): Promise<RegistrationPage> {
    const limit = options.limit ?? DEFAULT_REGISTRATION_PAGE;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_REGISTRATION_PAGE) {
      throw new DidCityError('MALFORMED_REQUEST', `limit must be an integer from 1 to ${MAX_REGISTRATION_PAGE}`);
    }
    const { status, after } = options;
    const rows = this.#store.page({ ...(status ? { status } : {}), ...(after !== undefined ? { after } : {}), limit: limit + 1 });
    if (rows === undefined) throw new DidCityError('MALFORMED_REQUEST', `after: no registration ${after!.slice(0, 100)}`);
    const more = rows.length > limit;
    const registrations = await this.#listings(more ? rows.slice(0, limit) : rows);
    return more ? { registrations, next: registrations.at(-1)!.id } : { registrations };
  }

  async #listings(applications: Application[]): Promise<RegistrationListing[]> {
    const thresholds = new Map<string, number>();
    const listings: RegistrationListing[] = [];
    for (const application of applications) {
      const registry = countryRegistryDid(application.did);
      if (!thresholds.has(registry)) thresholds.set(registry, (await this.node.store.didState(registry))?.keyState.threshold ?? 0);
      listings.push({ ...publicView(application, thresholds.get(registry)!), contact: application.contact });
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

function publicView(application: Application, threshold: number): RegistrationView {
  const view: RegistrationView = {
    id: application.id,
    did: application.did,
    status: application.status,
    submittedAt: application.submittedAt,
    approvals: application.approvals.map(({ key, created }) => ({ key, created })),
    threshold,
    operation: application.operation,
  };
  if (application.rejection !== undefined) view.rejection = application.rejection;
  if (application.receipt !== undefined) view.receipt = application.receipt;
  return view;
}
