/**
 * SHA-256 and the multihash identifiers of spec §3.3/§3.4. node:crypto does the hashing: it is on the hot path of
 * every resolution and several times faster than a JavaScript SHA-256.
 */
import { hash } from 'node:crypto';
import { encodeBase58btc } from './base58.ts';

/** Multicodec code of sha2-256 in a multihash, and its digest length. */
const SHA2_256 = 0x12;
const SHA2_256_LENGTH = 32;

const encoder = new TextEncoder();

/** SHA-256 of bytes, or of a string's UTF-8 encoding (encoded natively, without a byte array in between). */
export function sha256(data: Uint8Array | string): Uint8Array {
  // The one-shot hash skips creating a Hash object per call (the DID index hashes two values per appended entry).
  const digest = hash('sha256', data, 'buffer');
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}

/**
 * Writes SHA-256 of `data` (bytes, or a string's UTF-8) into `target` at `offset`. The digest comes back as a
 * one-character-per-byte string, so no buffer is allocated for it: the verification of every operation hashes
 * three times (the operation hash, the unsigned operation, each proof's configuration).
 */
export function sha256Into(data: Uint8Array | string, target: Uint8Array, offset: number): void {
  const digest = hash('sha256', data, 'binary');
  for (let i = 0; i < SHA2_256_LENGTH; i++) target[offset + i] = digest.charCodeAt(i);
}

/** base58btc multibase of the sha2-256 multihash of `data` (bytes, or a string's UTF-8): 46 characters, `zQm…`. */
export function multihashSha256(data: Uint8Array | string): string {
  const multihash = new Uint8Array(2 + SHA2_256_LENGTH);
  multihash[0] = SHA2_256;
  multihash[1] = SHA2_256_LENGTH;
  sha256Into(data, multihash, 2);
  return encodeBase58btc(multihash);
}

/** The pre-rotation hash of an update key (spec §3.4): multihashSha256(utf8(multikey)). */
export function keyHash(multikey: string): string {
  return multihashSha256(encoder.encode(multikey));
}
