/**
 * The issuer's side of Bitstring Status List 1.0: separate revocation and suspension lists of at least 131,072
 * entries, entries allocated at random indexes (so an index says nothing about issuance order), status changes
 * persisted in the store, and each list served as a credential signed by the issuer, with a `ttl`.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { Clock } from '@did-city/method';
import { createBitstring, encodeBitstring, getBit, MIN_STATUS_LIST_LENGTH, setBit } from './bitstring.ts';
import { controllerOf, wholeSeconds } from './credential.ts';
import { issueDataIntegrityVc } from './data-integrity.ts';
import { IssuerError } from './errors.ts';
import { issueJoseVc } from './jose.ts';
import type { StatusPurpose, StatusStore } from './status-store.ts';
import { type BitstringStatusListEntry, type Credential, type IssuerKey, VC_V2_CONTEXT } from './types.ts';

export const STATUS_PURPOSES: readonly StatusPurpose[] = ['revocation', 'suspension'];

export interface StatusListsOptions {
  store: StatusStore;
  /** Signs the list credentials; its DID is the issuer of the lists (the same as of the credentials). */
  key: IssuerKey;
  /** Public base URL of the service: lists are at `${baseUrl}/status-lists/{id}`. */
  baseUrl: string;
  /** Entries per list; default and minimum 131,072. */
  length?: number;
  /** `ttl` of the list credentials in ms; default 5 minutes. */
  ttlMs?: number;
  /** A list stops taking entries past this share of its length, so random allocation keeps finding free slots. */
  fillLimit?: number;
  /** The clock of the list credentials' validFrom and proof `created`. Default `Date.now`. */
  now?: Clock;
}

const DEFAULT_TTL_MS = 5 * 60_000;
const DEFAULT_FILL_LIMIT = 0.5;
const ALLOCATION_ATTEMPTS = 64;

export interface CredentialStatusView {
  credentialId: string;
  revoked: boolean;
  suspended: boolean;
}

/**
 * Which of a credential id's entries an operation sees: with `client`, only those recorded for that issuing client
 * (another client issuing a credential with the same id gets entries of its own); without, all of them (the library
 * caller, or an admin client of the service).
 */
export interface StatusScope {
  client?: string;
}

export class StatusLists {
  readonly #options: StatusListsOptions;
  readonly #signed = new Map<string, { version: number; credential: Credential | string }>();

  constructor(options: StatusListsOptions) {
    if (options.length !== undefined && options.length < MIN_STATUS_LIST_LENGTH) {
      throw new RangeError(`status lists hold a multiple of 8 entries, at least ${MIN_STATUS_LIST_LENGTH}`);
    }
    this.#options = options;
  }

  get ttlMs(): number {
    return this.#options.ttlMs ?? DEFAULT_TTL_MS;
  }

  urlOf(id: string): string {
    return `${this.#options.baseUrl.replace(/\/$/, '')}/status-lists/${id}`;
  }

  /** The id of one of this service's lists from its URL, or undefined when the URL is not one of ours. */
  idOf(url: string): string | undefined {
    const prefix = this.urlOf('');
    if (!url.startsWith(prefix)) return undefined;
    const rest = url.slice(prefix.length);
    if (rest === '' || /[/?#]/.test(rest)) return undefined;
    try {
      return decodeURIComponent(rest);
    } catch {
      return undefined;
    }
  }

  /**
   * A status-list fetcher that reads this service's own lists in process and hands every other URL to `remote`
   * (spec §9.15: a server verifying its own credentials makes no network request to itself).
   */
  ownListsFirst(remote: (url: string) => Promise<unknown>): (url: string) => Promise<unknown> {
    return async (url) => {
      const id = this.idOf(url);
      const own = id === undefined ? undefined : await this.listCredential(id);
      return own ?? remote(url);
    };
  }

  /** Creates an empty list and returns its id. */
  createList(purpose: StatusPurpose, length = this.#options.length ?? MIN_STATUS_LIST_LENGTH): string {
    if (!Number.isSafeInteger(length) || length < MIN_STATUS_LIST_LENGTH || length % 8 !== 0) {
      throw new IssuerError(
        'MALFORMED_REQUEST',
        `status lists hold a multiple of 8 entries, at least ${MIN_STATUS_LIST_LENGTH}`,
      );
    }
    const id = randomUUID();
    this.#options.store.createList({ id, purpose, bits: createBitstring(length) });
    return id;
  }

  #allocateIn(purpose: StatusPurpose, credentialId: string, client: string | undefined): BitstringStatusListEntry {
    const { store } = this.#options;
    for (let list = 0; list < 2; list++) {
      const open = store.openList(purpose) ?? store.getList(this.createList(purpose))!;
      if (open.allocated < open.length * (this.#options.fillLimit ?? DEFAULT_FILL_LIMIT)) {
        for (let attempt = 0; attempt < ALLOCATION_ATTEMPTS; attempt++) {
          const index = randomInt(open.length);
          if (store.allocate(open.id, index, credentialId, client)) return this.#entry(open.id, index, purpose);
        }
      }
      store.markFull(open.id);
    }
    throw new IssuerError('STATUS_LIST_FULL', `no free ${purpose} entry could be allocated`);
  }

  #entry(listId: string, index: number, purpose: StatusPurpose): BitstringStatusListEntry {
    const url = this.urlOf(listId);
    return {
      id: `${url}#${index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: purpose,
      statusListIndex: String(index),
      statusListCredential: url,
    };
  }

  /** One revocation and one suspension entry for a credential about to be issued (by `client`, recorded with them). */
  allocate(credentialId: string, options: { client?: string } = {}): BitstringStatusListEntry[] {
    return STATUS_PURPOSES.map((purpose) => this.#allocateIn(purpose, credentialId, options.client));
  }

  /** The credential's entries within `scope`. */
  #entries(credentialId: string, scope: StatusScope) {
    const entries = this.#options.store.entriesOf(credentialId);
    return scope.client === undefined ? entries : entries.filter((entry) => entry.client === scope.client);
  }

  /**
   * Sets (true) or clears (false) a credential's bit for a purpose, within `scope`. Revocation is final: clearing
   * it is refused.
   */
  update(credentialId: string, purpose: StatusPurpose, value: boolean, scope: StatusScope = {}): CredentialStatusView {
    const entries = this.#entries(credentialId, scope).filter((entry) => entry.purpose === purpose);
    if (entries.length === 0)
      throw new IssuerError('CREDENTIAL_NOT_FOUND', `${credentialId} has no ${purpose} entry here`);
    for (const entry of entries) {
      const list = this.#options.store.getList(entry.listId)!;
      if (purpose === 'revocation' && !value && getBit(list.bits, entry.index)) {
        throw new IssuerError('INVALID_CREDENTIAL', 'a revoked credential cannot be reinstated; suspend instead');
      }
      const bits = Uint8Array.from(list.bits);
      setBit(bits, entry.index, value);
      this.#options.store.writeBits(entry.listId, bits);
    }
    return this.statusOf(credentialId, scope);
  }

  statusOf(credentialId: string, scope: StatusScope = {}): CredentialStatusView {
    const entries = this.#entries(credentialId, scope);
    if (entries.length === 0)
      throw new IssuerError('CREDENTIAL_NOT_FOUND', `${credentialId} has no status entries here`);
    const set = (purpose: StatusPurpose) =>
      entries.some(
        (entry) => entry.purpose === purpose && getBit(this.#options.store.getList(entry.listId)!.bits, entry.index),
      );
    return { credentialId, revoked: set('revocation'), suspended: set('suspension') };
  }

  /**
   * The signed list credential, re-signed only when the list changed; undefined for an unknown id. `data-integrity`
   * (default) is the credential with a proof; `vc+jwt` the same credential as a VC-JOSE-COSE JWT, for JWT-only
   * verifiers.
   */
  async listCredential(id: string, format: 'data-integrity'): Promise<Credential | undefined>;
  async listCredential(id: string, format: 'vc+jwt'): Promise<string | undefined>;
  async listCredential(id: string): Promise<Credential | undefined>;
  async listCredential(
    id: string,
    format: 'data-integrity' | 'vc+jwt' = 'data-integrity',
  ): Promise<Credential | string | undefined> {
    const list = this.#options.store.getList(id);
    if (list === undefined) return undefined;
    const key = `${format} ${id}`;
    const cached = this.#signed.get(key);
    if (cached !== undefined && cached.version === list.version) return cached.credential;
    const url = this.urlOf(id);
    const now = new Date((this.#options.now ?? Date.now)());
    const unsigned: Credential = {
      '@context': [VC_V2_CONTEXT],
      id: url,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: controllerOf(this.#options.key.verificationMethod),
      validFrom: wholeSeconds(now),
      credentialSubject: {
        id: `${url}#list`,
        type: 'BitstringStatusList',
        statusPurpose: list.purpose,
        encodedList: encodeBitstring(list.bits),
        ttl: this.ttlMs,
      },
    };
    const credential =
      format === 'vc+jwt'
        ? await issueJoseVc(unsigned, { key: this.#options.key })
        : await issueDataIntegrityVc(unsigned, { key: this.#options.key, created: wholeSeconds(now) });
    this.#signed.set(key, { version: list.version, credential });
    return credential;
  }
}
