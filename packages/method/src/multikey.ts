/**
 * Multikey codec (W3C Controlled Identifiers 1.0 §2.2.2): base58btc multibase of a multicodec-prefixed public key.
 * SM2 keys (multicodec sm2-pub, 0x1206) are compressed SEC1 points of the GB/T 32918.5 recommended curve.
 * A codec, so it throws TypeError/RangeError; callers wrap failures in the DidCityError code of their context.
 *
 * Decoding validates the point in JavaScript (about 100 µs for Ed25519), and one operation names the same keys
 * several times (update keys, document keys, each proof's signer), so keys that decoded are kept in a bounded LRU
 * cache. Only valid keys are cached, and callers get copies: a failure is recomputed every time, and nothing a
 * caller does to its result reaches the cache.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { varint } from 'multiformats';
import { decodeBase58btc, encodeBase58btc } from './base58.ts';
import { LruCache } from './lru-cache.ts';
import { sm2CompressedKey } from './sm2.ts';
import type { KeyType } from './types.ts';

/** A Multikey that decoded: frozen, with a key nobody else holds, so the cache can hand it out safely. */
export interface ValidatedKey {
  readonly keyType: KeyType;
  readonly publicKey: Uint8Array;
}

/** How many validated Multikeys are kept (about 150 bytes each). The cache is exported for tests only: the package index does not list it. */
export const MULTIKEY_CACHE_ENTRIES = 1024;

export const validatedMultikeys: LruCache<string, ValidatedKey> = new LruCache(MULTIKEY_CACHE_ENTRIES);

interface KeyCodec {
  code: number;
  /** Length of the encoded public key: raw Ed25519, compressed SEC1 for the Weierstrass curves. */
  length: number;
  /** Returns the canonical encoding of a valid key, throws for anything else. */
  canonical(publicKey: Uint8Array): Uint8Array;
}

function canonicalEd25519(publicKey: Uint8Array): Uint8Array {
  // Strict RFC 8032 decoding (no ZIP-215 leniency) and no small-order points: a small-order "key" verifies
  // signatures nobody made.
  const point = ed25519.Point.fromBytes(publicKey, false);
  if (point.isSmallOrder()) throw new RangeError('Ed25519 public key is a small-order point');
  return publicKey;
}

function weierstrass(curve: typeof p256): (publicKey: Uint8Array) => Uint8Array {
  return (publicKey) => curve.Point.fromBytes(publicKey).toBytes(true);
}

export const KEY_CODECS: Readonly<Record<KeyType, Readonly<KeyCodec>>> = Object.freeze({
  Ed25519: { code: 0xed, length: 32, canonical: canonicalEd25519 },
  'P-256': { code: 0x1200, length: 33, canonical: weierstrass(p256) },
  secp256k1: { code: 0xe7, length: 33, canonical: weierstrass(secp256k1) },
  // sm2-pub, a draft entry of the multicodec table like ed25519-pub and p256-pub: "SM2 public key (compressed)".
  SM2: { code: 0x1206, length: 33, canonical: sm2CompressedKey },
});

const KEY_TYPES = Object.keys(KEY_CODECS) as KeyType[];

function keyTypeOfCode(code: number): KeyType | undefined {
  return KEY_TYPES.find((keyType) => KEY_CODECS[keyType].code === code);
}

function acceptedLengths(keyType: KeyType): number[] {
  return keyType === 'Ed25519' ? [32] : [33, 65];
}

function canonicalKey(keyType: KeyType, publicKey: Uint8Array): Uint8Array {
  try {
    return KEY_CODECS[keyType].canonical(publicKey);
  } catch (cause) {
    if (cause instanceof RangeError) throw cause;
    throw new RangeError(`${keyType} public key is not a valid point on the curve`, { cause });
  }
}

/** Encodes a public key as Multikey; P-256 and secp256k1 keys given uncompressed (65 bytes) are compressed. */
export function encodeMultikey(keyType: KeyType, publicKey: Uint8Array): string {
  const codec = KEY_CODECS[keyType];
  if (codec === undefined) throw new TypeError(`Unsupported key type: ${String(keyType)}`);
  if (!(publicKey instanceof Uint8Array)) throw new TypeError('Public key must be a Uint8Array');
  if (!acceptedLengths(keyType).includes(publicKey.length)) {
    throw new RangeError(
      `${keyType} public key must be ${acceptedLengths(keyType).join(' or ')} bytes, got ${publicKey.length}`,
    );
  }
  const key = canonicalKey(keyType, publicKey);
  const prefixLength = varint.encodingLength(codec.code);
  const bytes = new Uint8Array(prefixLength + key.length);
  varint.encodeTo(codec.code, bytes, 0);
  bytes.set(key, prefixLength);
  return encodeBase58btc(bytes);
}

function multibaseBytes(multikey: string): Uint8Array {
  if (typeof multikey !== 'string') throw new TypeError('Multikey must be a string');
  if (!multikey.startsWith('z')) throw new RangeError('Multikey must be base58btc multibase (start with "z")');
  try {
    return decodeBase58btc(multikey);
  } catch (cause) {
    throw new RangeError('Multikey is not valid base58btc', { cause });
  }
}

function decodeUncached(multikey: string): ValidatedKey {
  const bytes = multibaseBytes(multikey);
  let code: number;
  let prefixLength: number;
  try {
    [code, prefixLength] = varint.decode(bytes);
  } catch (cause) {
    throw new RangeError('Multikey has no valid multicodec prefix', { cause });
  }
  const keyType = keyTypeOfCode(code);
  if (keyType === undefined) throw new RangeError(`Unsupported multicodec 0x${code.toString(16)} in Multikey`);
  const publicKey = bytes.subarray(prefixLength);
  const { length } = KEY_CODECS[keyType];
  if (publicKey.length !== length) {
    throw new RangeError(`${keyType} Multikey must hold ${length} key bytes, got ${publicKey.length}`);
  }
  canonicalKey(keyType, publicKey);
  // Varint prefixes have a unique minimal form; insist on it so one key has one Multikey string.
  if (prefixLength !== varint.encodingLength(code)) throw new RangeError('Multikey prefix is not minimally encoded');
  return Object.freeze({ keyType, publicKey: Uint8Array.from(publicKey) });
}

/** The validated key of a Multikey, from the cache or decoded (and then cached); throws for an invalid one. */
function validatedKey(multikey: string): ValidatedKey {
  // Only strings are ever stored, so a non-string misses and is rejected by decodeUncached.
  const cached = validatedMultikeys.get(multikey);
  if (cached !== undefined) return cached;
  const decoded = decodeUncached(multikey);
  validatedMultikeys.set(multikey, decoded);
  return decoded;
}

/** Decodes a Multikey, checking the multicodec, the exact length and that the point is on the curve. */
export function decodeMultikey(multikey: string): { keyType: KeyType; publicKey: Uint8Array } {
  const { keyType, publicKey } = validatedKey(multikey);
  return { keyType, publicKey: publicKey.slice() };
}

/** The key type of a Multikey, validated as decodeMultikey validates it (and throwing as it does), without a copy. */
export function multikeyType(multikey: string): KeyType {
  return validatedKey(multikey).keyType;
}
