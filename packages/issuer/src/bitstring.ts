/**
 * The bitstring of Bitstring Status List 1.0 §3.1: index 0 is the most significant bit of the first byte; the
 * encoded list is multibase base64url (no padding, prefix `u`) of its GZIP compression.
 */
import { gunzipSync, gzipSync } from 'node:zlib';

/** §3.1: at least 16 KiB (131,072 entries), for herd privacy. */
export const MIN_STATUS_LIST_LENGTH = 131072;
/** Refuse to inflate past this: a small list credential could otherwise decompress into gigabytes. */
const MAX_LIST_BYTES = 16 * 1024 * 1024;

export function createBitstring(length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < MIN_STATUS_LIST_LENGTH || length % 8 !== 0) {
    throw new RangeError(`a status list holds a multiple of 8 entries, at least ${MIN_STATUS_LIST_LENGTH}`);
  }
  return new Uint8Array(length / 8);
}

export function getBit(bits: Uint8Array, index: number): boolean {
  const byte = bits[index >> 3];
  if (byte === undefined) throw new RangeError(`index ${index} is outside the status list`);
  return ((byte >> (7 - (index & 7))) & 1) === 1;
}

export function setBit(bits: Uint8Array, index: number, value: boolean): void {
  const at = index >> 3;
  const byte = bits[at];
  if (byte === undefined) throw new RangeError(`index ${index} is outside the status list`);
  const mask = 1 << (7 - (index & 7));
  bits[at] = value ? byte | mask : byte & ~mask;
}

export function encodeBitstring(bits: Uint8Array): string {
  return `u${gzipSync(bits).toString('base64url')}`;
}

/** Throws for anything that is not a base64url multibase GZIP stream of a list of at least the minimum length. */
export function decodeBitstring(encoded: unknown): Uint8Array {
  if (typeof encoded !== 'string' || !encoded.startsWith('u') || !/^u[A-Za-z0-9_-]+$/.test(encoded)) {
    throw new RangeError('encodedList must be multibase base64url (u…)');
  }
  const inflated = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'), { maxOutputLength: MAX_LIST_BYTES });
  if (inflated.length * 8 < MIN_STATUS_LIST_LENGTH) {
    throw new RangeError(`status list holds ${inflated.length * 8} entries, fewer than ${MIN_STATUS_LIST_LENGTH}`);
  }
  return new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
}
