/**
 * Digests of payloads: the `Content-Digest` field of RFC 9530 (a Structured Fields dictionary of algorithm → byte
 * sequence; `sha-256` and `sha-512` are the registered ones a verifier accepts), and the SHA-256 checksum, as
 * lowercase hex, that a dataset release's linked resource anchors on the ledger (spec §12.2).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { parseDictionary } from 'structured-headers';

export type DigestAlgorithm = 'sha-256' | 'sha-512';
const NODE_NAMES: Readonly<Record<DigestAlgorithm, string>> = { 'sha-256': 'sha256', 'sha-512': 'sha512' };

function digestOf(algorithm: DigestAlgorithm, bytes: Uint8Array): Buffer {
  return createHash(NODE_NAMES[algorithm]).update(bytes).digest();
}

/** The `Content-Digest` field value for a body, e.g. `sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:`. */
export function contentDigest(body: Uint8Array, algorithm: DigestAlgorithm = 'sha-256'): string {
  return `${algorithm}=:${digestOf(algorithm, body).toString('base64')}:`;
}

/**
 * Whether a `Content-Digest` field value matches `body`: every digest it states in an algorithm we know must
 * match, and at least one must be stated. Unknown algorithms are ignored (RFC 9530 §2), a malformed field fails.
 */
export function contentDigestMatches(field: string | undefined, body: Uint8Array): boolean {
  if (field === undefined) return false;
  let dictionary: ReturnType<typeof parseDictionary>;
  try {
    dictionary = parseDictionary(field);
  } catch {
    return false;
  }
  let checked = 0;
  for (const [name, member] of dictionary) {
    if (!Object.hasOwn(NODE_NAMES, name)) continue;
    const value = member[0];
    if (!(value instanceof ArrayBuffer)) return false;
    const expected = digestOf(name as DigestAlgorithm, body);
    const given = Buffer.from(value);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
    checked++;
  }
  return checked > 0;
}

/** SHA-256 as lowercase hex: the checksum a release's linked resource carries. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Compares a payload with an anchored hex checksum in constant time; a malformed checksum never matches. */
export function checksumMatches(checksum: string, bytes: Uint8Array): boolean {
  if (!/^[0-9a-f]{64}$/.test(checksum)) return false;
  return timingSafeEqual(Buffer.from(checksum, 'hex'), createHash('sha256').update(bytes).digest());
}
