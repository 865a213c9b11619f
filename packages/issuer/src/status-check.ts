/**
 * The verifier's side of Bitstring Status List 1.0 §3.2: fetch the status list credential, verify it (signature by
 * the credential's own issuer, validity, type, purpose), decode the bitstring and read the entry. Verified lists are
 * cached for their `ttl` (capped), so a warm check is a map lookup and a bit test. A list that cannot be fetched or
 * verified makes the credential fail with STATUS_UNAVAILABLE / STATUS_INVALID: never a false "valid".
 */
import type { Clock } from '@did-city/method';
import { decodeBitstring, getBit } from './bitstring.ts';
import { issue, type VerificationIssue } from './errors.ts';
import { asArray, type Credential, isRecord, issuerId, type VerificationResult } from './types.ts';

/** Fetches a status list credential: a JSON credential (Data Integrity), or a JWT / enveloped credential. */
export type StatusListFetcher = (url: string) => Promise<unknown>;

export interface StatusCheckerOptions {
  fetchStatusList: StatusListFetcher;
  /** Verifies the list credential itself (signature, validity), without checking any status of its own. */
  verifyListCredential: (credential: unknown) => Promise<VerificationResult>;
  now: Clock;
  /** Used when the list has no `ttl`; default 5 minutes. */
  defaultTtlMs?: number;
  /** Upper bound on any list's ttl; default 1 hour. */
  maxTtlMs?: number;
}

interface VerifiedList {
  url: string;
  issuer: string;
  purpose: string;
  bits: Uint8Array;
  expiresAt: number;
}

const DEFAULT_TTL_MS = 5 * 60_000;
const MAX_TTL_MS = 60 * 60_000;
const INDEX = /^(0|[1-9]\d{0,9})$/;
const PURPOSE_ISSUES = { revocation: 'REVOKED', suspension: 'SUSPENDED' } as const;

export class StatusChecker {
  readonly #options: StatusCheckerOptions;
  readonly #lists = new Map<string, Promise<VerifiedList | VerificationIssue>>();

  constructor(options: StatusCheckerOptions) {
    this.#options = options;
  }

  /** Status issues of a credential whose signature has been verified. */
  async check(credential: Credential): Promise<VerificationIssue[]> {
    const issues: VerificationIssue[] = [];
    for (const entry of asArray(credential.credentialStatus as unknown)) {
      const found = await this.#checkEntry(entry, issuerId(credential.issuer) ?? '');
      if (found !== undefined) issues.push(found);
    }
    return issues;
  }

  async #checkEntry(entry: unknown, issuer: string): Promise<VerificationIssue | undefined> {
    if (!isRecord(entry) || entry.type !== 'BitstringStatusListEntry') {
      return issue('STATUS_INVALID', 'credentialStatus entries must be BitstringStatusListEntry');
    }
    const { statusListCredential: url, statusListIndex, statusPurpose } = entry;
    if (
      typeof url !== 'string' ||
      typeof statusListIndex !== 'string' ||
      !INDEX.test(statusListIndex) ||
      typeof statusPurpose !== 'string'
    ) {
      return issue(
        'STATUS_INVALID',
        'status entry needs statusListCredential, a decimal statusListIndex and statusPurpose',
      );
    }
    const list = await this.#list(url);
    if ('code' in list) return list;
    if (list.issuer !== issuer)
      return issue('STATUS_INVALID', `status list ${url} is issued by ${list.issuer}, not ${issuer}`);
    if (list.purpose !== statusPurpose)
      return issue('STATUS_INVALID', `status list ${url} has purpose ${list.purpose}, not ${statusPurpose}`);
    const index = Number(statusListIndex);
    if (index >= list.bits.length * 8) return issue('STATUS_INVALID', `statusListIndex ${index} is outside ${url}`);
    if (!getBit(list.bits, index)) return undefined;
    const code = PURPOSE_ISSUES[statusPurpose as keyof typeof PURPOSE_ISSUES];
    return code === undefined ? undefined : issue(code, `${statusPurpose} bit ${index} is set in ${url}`);
  }

  #list(url: string): Promise<VerifiedList | VerificationIssue> {
    const now = this.#options.now();
    const cached = this.#lists.get(url);
    if (cached !== undefined) {
      return cached.then((list) => {
        if ('code' in list || list.expiresAt <= now) return this.#refresh(url);
        return list;
      });
    }
    return this.#refresh(url);
  }

  #refresh(url: string): Promise<VerifiedList | VerificationIssue> {
    const pending = this.#load(url);
    this.#lists.set(url, pending);
    return pending;
  }

  async #load(url: string): Promise<VerifiedList | VerificationIssue> {
    let fetched: unknown;
    try {
      fetched = await this.#options.fetchStatusList(url);
    } catch (cause) {
      return issue('STATUS_UNAVAILABLE', `status list ${url} could not be retrieved: ${(cause as Error).message}`);
    }
    const result = await this.#options.verifyListCredential(fetched);
    if (!result.verified || result.credential === undefined) {
      const reasons = result.errors.map((error) => `${error.code}: ${error.message}`).join('; ');
      return issue('STATUS_INVALID', `status list ${url} did not verify (${reasons})`);
    }
    return this.#read(url, result.credential);
  }

  #read(url: string, credential: Credential): VerifiedList | VerificationIssue {
    const subject = credential.credentialSubject;
    if (
      !credential.type.includes('BitstringStatusListCredential') ||
      !isRecord(subject) ||
      subject.type !== 'BitstringStatusList'
    ) {
      return issue('STATUS_INVALID', `${url} is not a BitstringStatusListCredential`);
    }
    if (credential.id !== undefined && credential.id !== url)
      return issue('STATUS_INVALID', `${url} names itself ${credential.id}`);
    let bits: Uint8Array;
    try {
      bits = decodeBitstring(subject.encodedList);
    } catch (cause) {
      return issue('STATUS_INVALID', `${url}: ${(cause as Error).message}`);
    }
    const ttl =
      typeof subject.ttl === 'number' && subject.ttl > 0 ? subject.ttl : (this.#options.defaultTtlMs ?? DEFAULT_TTL_MS);
    const expiresAt = this.#options.now() + Math.min(ttl, this.#options.maxTtlMs ?? MAX_TTL_MS);
    return { url, issuer: issuerId(credential.issuer) ?? '', purpose: String(subject.statusPurpose), bits, expiresAt };
  }
}
