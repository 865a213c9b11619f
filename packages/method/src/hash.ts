/**
 * SHA-256 and the multihash identifiers of spec §3.3/§3.4. node:crypto does the hashing: it is on the hot path of
 * every resolution and several times faster than a JavaScript SHA-256.
 */
import { createHash } from 'node:crypto';
import { base58btc } from 'multiformats/bases/base58';
import { create as createDigest } from 'multiformats/hashes/digest';

/** Multicodec code of sha2-256 in a multihash. */
const SHA2_256 = 0x12;

export function sha256(data: Uint8Array): Uint8Array {
  const digest = createHash('sha256').update(data).digest();
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}

/** base58btc multibase of the sha2-256 multihash of `data`: a 46-character string starting `zQm`. */
export function multihashSha256(data: Uint8Array): string {
  return base58btc.encode(createDigest(SHA2_256, sha256(data)).bytes);
}

/** The pre-rotation hash of an update key (spec §3.4): multihashSha256(utf8(multikey)). */
export function keyHash(multikey: string): string {
  return multihashSha256(new TextEncoder().encode(multikey));
}
