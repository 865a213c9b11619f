/**
 * Key pairs, signers and signature verification for the four Multikey types.
 * Verification runs on node:crypto for Ed25519 and P-256 (the hot path of every resolver, 13–20× faster than
 * JavaScript), on @noble/curves for secp256k1, which Node's OpenSSL build does not promise, and on sm2.ts for SM2
 * (node:crypto cannot set SM2's distinguishing identifier).
 * ECDSA signatures are IEEE P1363 r||s over SHA-256 of the data, as ecdsa-jcs-2019, ES256 and ES256K use them;
 * SM2 signatures are r||s with SM3 and the default identifier (sm2.ts). Signing is deterministic (RFC 6979, for
 * SM2 with HMAC-SM3) so test vectors from fixed seeds are reproducible.
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { LruCache } from './lru-cache.ts';
import { decodeMultikey, encodeMultikey } from './multikey.ts';
import { sm2PublicKey, sm2RandomSecretKey, sm2Sign, sm2UncompressedKey, sm2Verify } from './sm2.ts';
import type { KeyType, Signer } from './types.ts';

export interface KeyPair {
  keyType: KeyType;
  publicKeyMultibase: string;
  /** Ed25519: the 32-byte seed (RFC 8032 private key); P-256, secp256k1 and SM2: the 32-byte scalar. */
  secretKey: Uint8Array;
}

/**
 * A public key as JWK (RFC 7517; OKP per RFC 8037, EC per RFC 7518, secp256k1 per RFC 8812). `crv: "SM2"` is not
 * in the IANA JOSE registry: it is the name implementations commonly use, given here as unregistered.
 */
export interface PublicJwk {
  kty: 'OKP' | 'EC';
  crv: 'Ed25519' | 'P-256' | 'secp256k1' | 'SM2';
  x: string;
  y?: string;
}

const SIGNATURE_LENGTH = 64;
const SECRET_LENGTH = 32;
const ECDSA = { 'P-256': p256, secp256k1 } as const;

function assertKeyType(keyType: KeyType): void {
  if (keyType !== 'Ed25519' && keyType !== 'P-256' && keyType !== 'secp256k1' && keyType !== 'SM2') {
    throw new TypeError(`Unsupported key type: ${String(keyType)}`);
  }
}

export function generateKeyPair(keyType: KeyType = 'Ed25519'): KeyPair {
  assertKeyType(keyType);
  if (keyType === 'SM2') return keyPairFromSecret(keyType, sm2RandomSecretKey());
  const secretKey = keyType === 'Ed25519' ? ed25519.utils.randomSecretKey() : ECDSA[keyType].utils.randomSecretKey();
  return keyPairFromSecret(keyType, secretKey);
}

/** Derives the key pair of a fixed secret (deterministic: test vectors are generated from fixed seeds). */
export function keyPairFromSecret(keyType: KeyType, secretKey: Uint8Array): KeyPair {
  assertKeyType(keyType);
  if (!(secretKey instanceof Uint8Array)) throw new TypeError('Secret key must be a Uint8Array');
  if (secretKey.length !== SECRET_LENGTH) {
    throw new RangeError(`${keyType} secret key must be ${SECRET_LENGTH} bytes, got ${secretKey.length}`);
  }
  const secret = Uint8Array.from(secretKey);
  if (keyType === 'Ed25519') {
    return { keyType, publicKeyMultibase: encodeMultikey(keyType, ed25519.getPublicKey(secret)), secretKey: secret };
  }
  if (keyType === 'SM2')
    return { keyType, publicKeyMultibase: encodeMultikey(keyType, sm2PublicKey(secret)), secretKey: secret };
  const curve = ECDSA[keyType];
  if (!curve.utils.isValidSecretKey(secret)) throw new RangeError(`${keyType} secret key is not in [1, n-1]`);
  return { keyType, publicKeyMultibase: encodeMultikey(keyType, curve.getPublicKey(secret, true)), secretKey: secret };
}

function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** The public JWK of a Multikey; throws RangeError/TypeError for a malformed Multikey. */
export function multikeyToJwk(publicKeyMultibase: string): PublicJwk {
  const { keyType, publicKey } = decodeMultikey(publicKeyMultibase);
  if (keyType === 'Ed25519') return { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(publicKey) };
  const uncompressed =
    keyType === 'SM2' ? sm2UncompressedKey(publicKey) : ECDSA[keyType].Point.fromBytes(publicKey).toBytes(false);
  return {
    kty: 'EC',
    crv: keyType,
    x: toBase64Url(uncompressed.subarray(1, 33)),
    y: toBase64Url(uncompressed.subarray(33)),
  };
}

function ed25519PrivateKey(keyPair: KeyPair): KeyObject {
  const jwk = multikeyToJwk(keyPair.publicKeyMultibase);
  return createPrivateKey({ key: { ...jwk, d: toBase64Url(keyPair.secretKey) }, format: 'jwk' });
}

/** A Signer for a key pair. The secret is copied, so later changes to `keyPair.secretKey` do not affect it. */
export function createSigner(keyPair: KeyPair): Signer {
  const { keyType, publicKeyMultibase } = keyPairFromSecret(keyPair.keyType, keyPair.secretKey);
  if (publicKeyMultibase !== keyPair.publicKeyMultibase) {
    throw new RangeError('Key pair is inconsistent: publicKeyMultibase does not match the secret key');
  }
  let signBytes: (data: Uint8Array) => Uint8Array;
  if (keyType === 'Ed25519') {
    const privateKey = ed25519PrivateKey(keyPair);
    signBytes = (data) => new Uint8Array(nodeSign(null, data, privateKey));
  } else if (keyType === 'SM2') {
    const secret = Uint8Array.from(keyPair.secretKey);
    signBytes = (data) => sm2Sign(secret, data);
  } else {
    const secret = Uint8Array.from(keyPair.secretKey);
    // prehash: ECDSA signs SHA-256(data); lowS: one canonical signature (required for secp256k1, harmless for P-256).
    signBytes = (data) => ECDSA[keyType].sign(data, secret, { prehash: true, lowS: true });
  }
  const signer = async (data: Uint8Array): Promise<Uint8Array> => signBytes(data);
  return Object.freeze(Object.assign(signer, { publicKeyMultibase, keyType }));
}

interface VerifyKey {
  keyType: KeyType;
  publicKey: Uint8Array;
  /** node:crypto key for Ed25519 and P-256. */
  keyObject?: KeyObject;
}

const verifyKeys = new LruCache<string, VerifyKey>(1024);

function loadVerifyKey(publicKeyMultibase: string): VerifyKey {
  const { keyType, publicKey } = decodeMultikey(publicKeyMultibase);
  if (keyType === 'secp256k1' || keyType === 'SM2') return { keyType, publicKey };
  const jwk = multikeyToJwk(publicKeyMultibase);
  return { keyType, publicKey, keyObject: createPublicKey({ key: { ...jwk }, format: 'jwk' }) };
}

function verifyKeyFor(publicKeyMultibase: string): VerifyKey {
  let entry = verifyKeys.get(publicKeyMultibase);
  if (entry === undefined) {
    entry = loadVerifyKey(publicKeyMultibase);
    verifyKeys.set(publicKeyMultibase, entry);
  }
  return entry;
}

function verifyWith(key: VerifyKey, data: Uint8Array, signature: Uint8Array): boolean {
  if (key.keyType === 'SM2') return sm2Verify(key.publicKey, data, signature);
  if (key.keyType === 'secp256k1') {
    // lowS: a high-S secp256k1 signature is the malleated twin of a valid one; reject it as ES256K does.
    return secp256k1.verify(signature, data, key.publicKey, { prehash: true, lowS: true });
  }
  // Ed25519 takes the KeyObject as is (no options object to read: this is the hot path of every resolution).
  if (key.keyType === 'Ed25519') return nodeVerify(null, data, key.keyObject!, signature);
  return nodeVerify('sha256', data, { key: key.keyObject!, dsaEncoding: 'ieee-p1363' }, signature);
}

/**
 * Verifies a signature made by the key a Multikey names. Returns false, never throws, for a bad signature,
 * a malformed key or malformed input.
 */
export function verifySignature(publicKeyMultibase: string, data: Uint8Array, signature: Uint8Array): boolean {
  if (!(data instanceof Uint8Array) || !(signature instanceof Uint8Array)) return false;
  if (signature.length !== SIGNATURE_LENGTH) return false;
  try {
    return verifyWith(verifyKeyFor(publicKeyMultibase), data, signature);
  } catch {
    return false;
  }
}
