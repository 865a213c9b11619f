/**
 * VC 2.0 §5.3 integrity of related resources: each `relatedResource` names a URL and a digest (`digestSRI`, as in
 * Subresource Integrity, or `digestMultibase`, a multibase multihash). The structure is always checked (rule
 * VC2-RR-1..3: one or more objects, a unique URL `id` each, at least one well-formed digest). The digest is compared
 * whenever the resource can be fetched (VC2-RR-4: a mismatch is an error); a resource that cannot be fetched under
 * the fetch policy is reported as not checked, with the reason, and is an error only when the caller requires it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { type IssuerErrorCode, issue, type VerificationIssue } from './errors.ts';
import { isRecord } from './types.ts';

export type ResourceFetcher = (url: string) => Promise<Uint8Array>;

const SRI_ALGORITHMS: Readonly<Record<string, string>> = { sha256: 'sha256', sha384: 'sha384', sha512: 'sha512' };
/** Multihash codes (0x12, 0x13, 0x20): sha2-256, sha2-512, sha2-384. */
const MULTIHASH_ALGORITHMS: Readonly<Record<number, string>> = { 18: 'sha256', 19: 'sha512', 32: 'sha384' };

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function checkSri(sri: string, bytes: Uint8Array): boolean {
  // SRI allows several space-separated hashes; one match is enough (the strongest-algorithm rule is for browsers).
  return sri.split(/\s+/).some((token) => {
    const [algorithm, value] = token.split('-', 2);
    const node = SRI_ALGORITHMS[algorithm ?? ''];
    if (node === undefined || value === undefined) return false;
    return same(createHash(node).update(bytes).digest(), Buffer.from(value, 'base64'));
  });
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Base58btc decoding (digests are short, so the quadratic textbook algorithm is fine). */
function base58Decode(text: string): Uint8Array {
  let value = 0n;
  for (const char of text) {
    const digit = BASE58.indexOf(char);
    if (digit < 0) throw new RangeError('digestMultibase is not valid base58btc');
    value = value * 58n + BigInt(digit);
  }
  const hex = value === 0n ? '' : value.toString(16);
  const body = Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
  const zeros = text.length - text.replace(/^1+/, '').length;
  return Buffer.concat([Buffer.alloc(zeros), body]);
}

function multibaseBytes(value: string): Uint8Array {
  if (value.startsWith('z')) return base58Decode(value.slice(1));
  if (value.startsWith('u')) return Buffer.from(value.slice(1), 'base64url');
  throw new RangeError('digestMultibase must be base58btc (z) or base64url (u)');
}

/**
 * digestMultibase is a multibase multihash (Data Integrity 1.0 §2.6). A bare 32-byte SHA-256 digest is also read,
 * since the W3C VC 2.0 test suite writes its vectors that way; it cannot be confused with a multihash (34+ bytes).
 */
function checkMultibase(digest: string, bytes: Uint8Array): boolean {
  const decoded = multibaseBytes(digest);
  if (decoded.length === 32) return same(createHash('sha256').update(bytes).digest(), decoded);
  const node = MULTIHASH_ALGORITHMS[decoded[0] ?? -1];
  if (node === undefined || decoded[1] !== decoded.length - 2) return false;
  return same(createHash(node).update(bytes).digest(), decoded.subarray(2));
}

/** SRI digest of bytes, for issuers filling `relatedResource`. */
export function digestSri(bytes: Uint8Array, algorithm: 'sha256' | 'sha384' | 'sha512' = 'sha384'): string {
  return `${algorithm}-${createHash(algorithm).update(bytes).digest('base64')}`;
}

const SRI = /^(sha256|sha384|sha512)-[A-Za-z0-9+/]+={0,2}(\s+(sha256|sha384|sha512)-[A-Za-z0-9+/]+={0,2})*$/;

function digestIssue(
  entry: Record<string, unknown>,
  where: string,
  code: IssuerErrorCode,
): VerificationIssue | undefined {
  const { digestSRI, digestMultibase } = entry;
  if (digestSRI === undefined && digestMultibase === undefined)
    return issue(code, `${where} needs digestSRI or digestMultibase`);
  if (digestSRI !== undefined && (typeof digestSRI !== 'string' || !SRI.test(digestSRI)))
    return issue(code, `${where}.digestSRI is not an SRI hash expression`);
  if (digestMultibase === undefined) return undefined;
  try {
    if (typeof digestMultibase !== 'string') throw new RangeError('digestMultibase must be a string');
    const length = multibaseBytes(digestMultibase).length;
    if (length < 32) throw new RangeError('digestMultibase is too short for a digest');
  } catch (cause) {
    return issue(code, `${where}: ${(cause as Error).message}`);
  }
  return undefined;
}

/** Structure problems of a `relatedResource` value (VC 2.0 §5.3); `code` is the caller's (issuance or verification). */
export function relatedResourceIssues(value: unknown, code: IssuerErrorCode): VerificationIssue[] {
  if (value === undefined) return [];
  const entries = Array.isArray(value) ? value : [value];
  if (entries.length === 0) return [issue(code, 'relatedResource must hold at least one object')];
  const seen = new Set<string>();
  const issues: VerificationIssue[] = [];
  for (const [index, entry] of entries.entries()) {
    const where = `relatedResource[${index}]`;
    if (!isRecord(entry)) {
      issues.push(issue(code, `${where} must be an object with id and a digest`));
      continue;
    }
    if (typeof entry.id !== 'string' || !URL.canParse(entry.id)) {
      issues.push(issue(code, `${where}.id must be a URL`));
      continue;
    }
    if (seen.has(entry.id)) issues.push(issue(code, `${where}.id ${entry.id} appears more than once`));
    seen.add(entry.id);
    if (entry.mediaType !== undefined && typeof entry.mediaType !== 'string')
      issues.push(issue(code, `${where}.mediaType must be a string`));
    const digest = digestIssue(entry, where, code);
    if (digest !== undefined) issues.push(digest);
  }
  return issues;
}

/** What became of one resource: its digest compared, or not fetched (and why). */
export interface RelatedResourceOutcome {
  id: string;
  digest: 'matched' | 'mismatched' | 'not-fetched';
  reason?: string;
}

export interface RelatedResourceReport {
  /** Structure problems and digest mismatches (and, when `requireFetch`, resources not fetched). */
  errors: VerificationIssue[];
  /** Resources whose digest could not be compared. */
  warnings: VerificationIssue[];
  outcomes: RelatedResourceOutcome[];
}

async function compare(
  entry: Record<string, unknown>,
  fetchResource: ResourceFetcher | undefined,
): Promise<RelatedResourceOutcome> {
  const id = entry.id as string;
  if (fetchResource === undefined)
    return { id, digest: 'not-fetched', reason: 'fetching related resources is turned off' };
  let bytes: Uint8Array;
  try {
    bytes = await fetchResource(id);
  } catch (cause) {
    return { id, digest: 'not-fetched', reason: (cause as Error).message };
  }
  const { digestSRI, digestMultibase } = entry;
  const sriOk = typeof digestSRI !== 'string' || checkSri(digestSRI, bytes);
  const multibaseOk = typeof digestMultibase !== 'string' || checkMultibase(digestMultibase, bytes);
  return { id, digest: sriOk && multibaseOk ? 'matched' : 'mismatched' };
}

/**
 * Checks `relatedResource`: structure always, then each digest against the fetched bytes. `code` names structure
 * problems (MALFORMED_CREDENTIAL for a verifier, INVALID_CREDENTIAL for the issuer).
 */
export async function checkRelatedResources(
  resources: unknown,
  fetchResource: ResourceFetcher | undefined,
  options: { requireFetch?: boolean; code?: IssuerErrorCode } = {},
): Promise<RelatedResourceReport> {
  const structure = relatedResourceIssues(resources, options.code ?? 'MALFORMED_CREDENTIAL');
  if (resources === undefined || structure.length > 0) return { errors: structure, warnings: [], outcomes: [] };
  const entries = (Array.isArray(resources) ? resources : [resources]) as Record<string, unknown>[];
  const outcomes = await Promise.all(entries.map((entry) => compare(entry, fetchResource)));
  const errors: VerificationIssue[] = [];
  const warnings: VerificationIssue[] = [];
  for (const outcome of outcomes) {
    if (outcome.digest === 'mismatched')
      errors.push(issue('RELATED_RESOURCE_MISMATCH', `${outcome.id} does not match its digest`));
    if (outcome.digest === 'not-fetched') {
      const unavailable = issue(
        'RELATED_RESOURCE_UNAVAILABLE',
        `${outcome.id} was not fetched, its digest is not checked: ${outcome.reason}`,
      );
      (options.requireFetch ? errors : warnings).push(unavailable);
    }
  }
  return { errors, warnings, outcomes };
}
