/**
 * SM2 signatures (GB/T 32918.2-2016) with SM3 (GB/T 32905-2016) on the recommended curve (GB/T 32918.5-2017),
 * China's commercial cryptography standards, as the sm2-jcs-2026 suite and the SM2 Multikey use them.
 *
 * The arithmetic is sm-crypto-v2's (built on @noble/curves and @noble/hashes): node:crypto cannot set the
 * distinguishing identifier on Node 20 (keys imported from SPKI/PKCS#8 sign with an empty one), and every SM2
 * signature covers Z_A = SM3(ENTL || ID || a || b || G || P). This file adds what the library leaves to its caller:
 * r and s checked to lie in [1, n-1] (GB/T 32918.2 §7.1 B1-B2; without it s and s + n both verify), secrets
 * checked to lie in [1, n-2], deterministic nonces, byte-array rather than hex interfaces, and cached verification
 * keys (the library's verify is slow on a point it has not precomputed). Points are decoded, validated and
 * (de)compressed by @noble/curves' generic Weierstrass code given the curve's published parameters: sm-crypto-v2
 * takes 8 ms for what that does in a fraction of one.
 *
 * Signatures are r || s, 32 bytes each, big-endian (as IEEE P1363 for ECDSA), not the DER SEQUENCE of GM/T 0009.
 * The nonce k is derived as RFC 6979 §3.2 derives it, with HMAC-SM3 over the secret and e: GB/T 32918.2 asks only
 * that k be secret and uniform in [1, n-1], which verifiers cannot tell apart, and deterministic signing makes
 * test vectors reproducible and removes the failure mode of a weak random source.
 */
import { randomBytes } from 'node:crypto';
import { weierstrass } from '@noble/curves/abstract/weierstrass.js';
import { createHmacDrbg } from '@noble/curves/utils.js';
import { sm2, sm3 as sm3Hex } from 'sm-crypto-v2';
import { LruCache } from './lru-cache.ts';

/** The default distinguishing identifier of GB/T 32918.2 (and GM/T 0009-2012 §10): the ASCII digits 1-8 twice. */
export const SM2_DEFAULT_ID = '1234567812345678';

/** The recommended curve's parameters (GB/T 32918.5-2017 §3; OpenSSL's "SM2", OID 1.2.156.10197.1.301). */
const Sm2Point = weierstrass({
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  h: 1n,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
});
const N = Sm2Point.CURVE().n;
const SCALAR_LENGTH = 32;
/** The ID's length is written in bits as two bytes (ENTL), so an ID holds at most 8191 bytes. */
const MAX_ID_BYTES = 8191;
/** Window of the per-key precomputation: 4.5 ms once per key, then about 5× faster verification than none. */
const PRECOMPUTE_WINDOW = 4;

type PrecomputedPoint = ReturnType<typeof sm2.precomputePublicKey>;

export interface Sm2Options {
  /** Distinguishing identifier, UTF-8; default SM2_DEFAULT_ID. */
  id?: string;
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${toHex(bytes)}`);
}

function scalarBytes(value: bigint): Uint8Array {
  return fromHex(value.toString(16).padStart(SCALAR_LENGTH * 2, '0'));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** SM3 (GB/T 32905-2016) of `data`: 32 bytes. */
export function sm3(data: Uint8Array): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError('SM3 input must be a Uint8Array');
  return fromHex(sm3Hex(data));
}

function hmacSm3(key: Uint8Array, message: Uint8Array): Uint8Array {
  return fromHex(sm3Hex(message, { key, mode: 'hmac' }));
}

function checkId(id: string): string {
  if (typeof id !== 'string') throw new TypeError('SM2 distinguishing identifier must be a string');
  if (Buffer.byteLength(id, 'utf8') > MAX_ID_BYTES)
    throw new RangeError(`SM2 identifier is longer than ${MAX_ID_BYTES} bytes`);
  return id;
}

/** The secret as a scalar, checked to be in [1, n-2] (GB/T 32918.1 §6.1: d = n-1 has no (1 + d)^-1). */
function secretScalar(secretKey: Uint8Array): bigint {
  if (!(secretKey instanceof Uint8Array)) throw new TypeError('Secret key must be a Uint8Array');
  if (secretKey.length !== SCALAR_LENGTH)
    throw new RangeError(`SM2 secret key must be ${SCALAR_LENGTH} bytes, got ${secretKey.length}`);
  const d = toBigInt(secretKey);
  if (d < 1n || d > N - 2n) throw new RangeError('SM2 secret key is not in [1, n-2]');
  return d;
}

/** A point given as compressed (33 bytes) or uncompressed (65 bytes) SEC1, validated on the curve. */
function decodePoint(publicKey: Uint8Array): InstanceType<typeof Sm2Point> {
  if (!(publicKey instanceof Uint8Array)) throw new TypeError('Public key must be a Uint8Array');
  if (publicKey.length !== 33 && publicKey.length !== 65)
    throw new RangeError(`SM2 public key must be 33 or 65 bytes, got ${publicKey.length}`);
  try {
    return Sm2Point.fromBytes(publicKey);
  } catch (cause) {
    throw new RangeError('SM2 public key is not a valid point on the curve', { cause });
  }
}

/** The compressed SEC1 form (33 bytes) of a valid public key; throws RangeError for anything else. */
export function sm2CompressedKey(publicKey: Uint8Array): Uint8Array {
  return decodePoint(publicKey).toBytes(true);
}

/** The uncompressed SEC1 form (65 bytes, 0x04 || x || y) of a valid public key. */
export function sm2UncompressedKey(publicKey: Uint8Array): Uint8Array {
  return decodePoint(publicKey).toBytes(false);
}

/** A random secret in [1, n-2]. */
export function sm2RandomSecretKey(): Uint8Array {
  for (;;) {
    const candidate = new Uint8Array(randomBytes(SCALAR_LENGTH));
    const d = toBigInt(candidate);
    if (d >= 1n && d <= N - 2n) return candidate;
  }
}

/** The compressed public key of a secret (32 bytes, in [1, n-2]). */
export function sm2PublicKey(secretKey: Uint8Array): Uint8Array {
  return Sm2Point.BASE.multiply(secretScalar(secretKey)).toBytes(true);
}

/** Z_A of GB/T 32918.2 §5.5 for an uncompressed key: SM3(ENTL || ID || a || b || xG || yG || xA || yA). */
export function sm2Z(publicKey: Uint8Array, options: Sm2Options = {}): Uint8Array {
  const xy = toHex(sm2UncompressedKey(publicKey)).slice(2);
  return Uint8Array.from(sm2.getZ(xy, checkId(options.id ?? SM2_DEFAULT_ID)));
}

/** e = SM3(Z_A || M), the digest an SM2 signature signs (GB/T 32918.2 §6.1 A1-A2). */
function digest(z: Uint8Array, data: Uint8Array): Uint8Array {
  return sm3(concat(z, data));
}

/** RFC 6979 §3.2 with HMAC-SM3: k in [1, n-1] with r = (e + x1) mod n neither 0 nor n - k. */
function deterministicNonce(d: bigint, e: Uint8Array): { k: bigint; x1: bigint } {
  const drbg = createHmacDrbg<{ k: bigint; x1: bigint }>(32, SCALAR_LENGTH, hmacSm3);
  const eInt = toBigInt(e);
  return drbg(concat(scalarBytes(d), scalarBytes(eInt % N)), (bytes) => {
    const k = toBigInt(bytes);
    if (k < 1n || k >= N) return undefined;
    const x1 = Sm2Point.BASE.multiply(k).toAffine().x;
    const r = (eInt + x1) % N;
    return r === 0n || r + k === N ? undefined : { k, x1 };
  });
}

/** Signs `data` (the message M, not a digest): r || s, 64 bytes. Deterministic for a given key, ID and data. */
export function sm2Sign(secretKey: Uint8Array, data: Uint8Array, options: Sm2Options = {}): Uint8Array {
  const d = secretScalar(secretKey);
  if (!(data instanceof Uint8Array)) throw new TypeError('Data to sign must be a Uint8Array');
  const e = digest(sm2Z(sm2PublicKey(secretKey), options), data);
  const pointPool = [deterministicNonce(d, e)];
  return fromHex(sm2.doSignature(e, toHex(secretKey), { hash: false, der: false, pointPool }));
}

interface VerifyKey {
  point: PrecomputedPoint;
  /** Z_A with the default identifier. */
  z: Uint8Array;
}

/** Verification keys by compressed-key hex; about 100 KB each with their precomputed points. */
const verifyKeys = new LruCache<string, VerifyKey>(256);

function verifyKeyFor(publicKey: Uint8Array): VerifyKey {
  const cacheKey = toHex(publicKey);
  let key = verifyKeys.get(cacheKey);
  if (key === undefined) {
    const uncompressed = toHex(sm2UncompressedKey(publicKey));
    key = { point: sm2.precomputePublicKey(uncompressed, PRECOMPUTE_WINDOW), z: sm2Z(publicKey) };
    verifyKeys.set(cacheKey, key);
  }
  return key;
}

/**
 * Verifies an r || s signature over `data` (GB/T 32918.2 §7.1). Returns false, never throws, for a bad signature,
 * an invalid key or malformed input.
 */
export function sm2Verify(
  publicKey: Uint8Array,
  data: Uint8Array,
  signature: Uint8Array,
  options: Sm2Options = {},
): boolean {
  try {
    if (!(data instanceof Uint8Array) || !(signature instanceof Uint8Array) || signature.length !== 2 * SCALAR_LENGTH)
      return false;
    const r = toBigInt(signature.subarray(0, SCALAR_LENGTH));
    const s = toBigInt(signature.subarray(SCALAR_LENGTH));
    if (r < 1n || r >= N || s < 1n || s >= N) return false;
    const key = verifyKeyFor(publicKey);
    const z = options.id === undefined || options.id === SM2_DEFAULT_ID ? key.z : sm2Z(publicKey, options);
    return sm2.doVerifySignature(digest(z, data), toHex(signature), key.point, { hash: false, der: false });
  } catch {
    return false;
  }
}
