/**
 * VC 2.0 §5.3 integrity of related resources: each `relatedResource` names a URL and a digest (`digestSRI`, as in
 * Subresource Integrity, or `digestMultibase`, a multibase multihash). The verifier fetches the resource and
 * compares; a resource it cannot fetch is an error, not a pass.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { issue, type VerificationIssue } from './errors.ts';
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

function checkMultibase(digest: string, bytes: Uint8Array): boolean {
  const multihash = multibaseBytes(digest);
  const node = MULTIHASH_ALGORITHMS[multihash[0] ?? -1];
  if (node === undefined || multihash[1] !== multihash.length - 2) return false;
  return same(createHash(node).update(bytes).digest(), multihash.subarray(2));
}

/** SRI digest of bytes, for issuers filling `relatedResource`. */
export function digestSri(bytes: Uint8Array, algorithm: 'sha256' | 'sha384' | 'sha512' = 'sha384'): string {
  return `${algorithm}-${createHash(algorithm).update(bytes).digest('base64')}`;
}

async function checkOne(resource: unknown, fetchResource: ResourceFetcher): Promise<VerificationIssue | undefined> {
  if (!isRecord(resource) || typeof resource.id !== 'string') return issue('MALFORMED_CREDENTIAL', 'relatedResource entries need an id');
  const { id, digestSRI, digestMultibase } = resource;
  if (typeof digestSRI !== 'string' && typeof digestMultibase !== 'string') {
    return issue('MALFORMED_CREDENTIAL', `relatedResource ${id} has neither digestSRI nor digestMultibase`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await fetchResource(id);
  } catch (cause) {
    return issue('RELATED_RESOURCE_UNAVAILABLE', `${id}: ${(cause as Error).message}`);
  }
  try {
    const sriOk = typeof digestSRI !== 'string' || checkSri(digestSRI, bytes);
    const multibaseOk = typeof digestMultibase !== 'string' || checkMultibase(digestMultibase, bytes);
    if (sriOk && multibaseOk) return undefined;
  } catch (cause) {
    return issue('MALFORMED_CREDENTIAL', `relatedResource ${id}: ${(cause as Error).message}`);
  }
  return issue('RELATED_RESOURCE_MISMATCH', `${id} does not match its digest`);
}

export async function checkRelatedResources(resources: unknown, fetchResource: ResourceFetcher): Promise<VerificationIssue[]> {
  if (resources === undefined) return [];
  if (!Array.isArray(resources)) return [issue('MALFORMED_CREDENTIAL', 'relatedResource must be an array')];
  const found = await Promise.all(resources.map((resource) => checkOne(resource, fetchResource)));
  return found.filter((entry): entry is VerificationIssue => entry !== undefined);
}
