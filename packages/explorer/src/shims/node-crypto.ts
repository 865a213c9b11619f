/**
 * The subset of `node:crypto` that @did-city/tlog and @did-city/method use, for the browser build only (the
 * explorer's Vite config aliases `node:crypto` to this module; Node keeps the real one, so the server's hot path is
 * unchanged). Everything is @noble (audited, pure JavaScript, already a dependency of the method library):
 * SHA-256, Ed25519 (RFC 8032 strict verification, as OpenSSL: `zip215: false`) and P-256 (SHA-256, IEEE P1363
 * signatures, high S accepted, as OpenSSL). Keys are small objects holding the raw bytes; anything the libraries do
 * not use throws, so a new use shows up in the browser test instead of misbehaving.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';

type Bytes = Uint8Array;

const SPKI_PREFIX = '302a300506032b6570032100';
const PKCS8_PREFIX = '302e020100300506032b657004220420';

function hex(bytes: Bytes): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function fromHex(text: string): Bytes {
  return Uint8Array.from(text.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

function fromBase64Url(text: string): Bytes {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}

function concat(a: Bytes, b: Bytes): Bytes {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** A Buffer when one is installed (the explorer installs the `buffer` package's), else a plain Uint8Array. */
function output(bytes: Bytes): Bytes {
  const B = (globalThis as { Buffer?: { from(b: Bytes): Bytes } }).Buffer;
  return B === undefined ? bytes : B.from(bytes);
}

export interface Hash {
  update(data: string | Bytes, encoding?: 'utf8'): Hash;
  digest(): Bytes;
  digest(encoding: 'hex'): string;
}

export function createHash(algorithm: string): Hash {
  if (algorithm !== 'sha256') throw new Error(`createHash: only sha256 in the browser build, not ${algorithm}`);
  const state = sha256.create();
  const hash = {
    update(data: string | Bytes) {
      state.update(typeof data === 'string' ? new TextEncoder().encode(data) : data);
      return hash;
    },
    digest(encoding?: 'hex') {
      const digest = state.digest();
      return encoding === 'hex' ? hex(digest) : output(digest);
    },
  };
  return hash as Hash;
}

/**
 * node:crypto's one-shot `hash(algorithm, data, output)` with the outputs the libraries use: 'buffer' (the method
 * hash) and 'binary', Node's name for latin1, one character per byte (the tlog prefix tree and the DID index keep
 * their hashes in that form).
 */
export function hash(algorithm: string, data: string | Bytes, outputEncoding: 'buffer'): Bytes;
export function hash(algorithm: string, data: string | Bytes, outputEncoding: 'binary'): string;
export function hash(algorithm: string, data: string | Bytes, outputEncoding: 'buffer' | 'binary'): Bytes | string {
  const digest = createHash(algorithm).update(data).digest();
  if (outputEncoding === 'buffer') return digest;
  if (outputEncoding === 'binary') return String.fromCharCode(...digest);
  throw new Error(`hash: only 'buffer' and 'binary' output in the browser build, not ${String(outputEncoding)}`);
}

export function randomBytes(size: number): Bytes {
  return output(globalThis.crypto.getRandomValues(new Uint8Array(size)));
}

type Curve = 'ed25519' | 'p256';

/** What the libraries hold of a key: its curve, its public bytes and, for a private key, its secret. */
export interface KeyObject {
  type: 'public' | 'private';
  asymmetricKeyType: 'ed25519' | 'ec';
  curve: Curve;
  publicKey: Bytes;
  secretKey?: Bytes;
  export(options: { format: 'der'; type: 'spki' }): Bytes;
}

function keyObject(curve: Curve, publicKey: Bytes, secretKey?: Bytes): KeyObject {
  const key: KeyObject = {
    type: secretKey === undefined ? 'public' : 'private',
    asymmetricKeyType: curve === 'ed25519' ? 'ed25519' : 'ec',
    curve,
    publicKey,
    export(options) {
      if (curve !== 'ed25519' || options.format !== 'der' || options.type !== 'spki')
        throw new Error('export: only Ed25519 SPKI DER');
      return output(concat(fromHex(SPKI_PREFIX), publicKey));
    },
  };
  if (secretKey !== undefined) key.secretKey = secretKey;
  return key;
}

interface Jwk {
  kty?: string;
  crv?: string;
  x?: string;
  y?: string;
  d?: string;
}

type KeyInput = KeyObject | { key: Bytes | Jwk; format: 'der' | 'jwk'; type?: 'spki' | 'pkcs8' };

function fromJwk(jwk: Jwk, wantPrivate: boolean): KeyObject {
  const secret = wantPrivate ? fromBase64Url(String(jwk.d)) : undefined;
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    const publicKey = fromBase64Url(String(jwk.x));
    if (publicKey.length !== 32 || (secret !== undefined && secret.length !== 32))
      throw new Error('invalid Ed25519 JWK');
    ed25519.Point.fromBytes(publicKey);
    return keyObject('ed25519', publicKey, secret);
  }
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') {
    const publicKey = concat(Uint8Array.of(4), concat(fromBase64Url(String(jwk.x)), fromBase64Url(String(jwk.y))));
    p256.Point.fromBytes(publicKey);
    return keyObject('p256', publicKey, secret);
  }
  throw new Error('only Ed25519 and P-256 JWKs in the browser build');
}

function fromDer(der: Bytes, type: 'spki' | 'pkcs8' | undefined): KeyObject {
  const prefix = type === 'pkcs8' ? PKCS8_PREFIX : SPKI_PREFIX;
  if (der.length !== prefix.length / 2 + 32 || hex(der.subarray(0, prefix.length / 2)) !== prefix) {
    throw new Error('only Ed25519 SPKI / PKCS#8 DER in the browser build');
  }
  const raw = der.slice(prefix.length / 2);
  if (type === 'pkcs8') return keyObject('ed25519', ed25519.getPublicKey(raw), raw);
  ed25519.Point.fromBytes(raw);
  return keyObject('ed25519', raw);
}

function importKey(input: KeyInput, wantPrivate: boolean): KeyObject {
  if ('curve' in input) return wantPrivate ? input : keyObject(input.curve, input.publicKey);
  if (input.format === 'jwk') return fromJwk(input.key as Jwk, wantPrivate);
  return fromDer(input.key as Bytes, input.type);
}

export function createPublicKey(input: KeyInput): KeyObject {
  return importKey(input, false);
}

export function createPrivateKey(input: KeyInput): KeyObject {
  const key = importKey(input, true);
  if (key.secretKey === undefined) throw new Error('createPrivateKey: not a private key');
  return key;
}

type SignKey = KeyObject | { key: KeyObject; dsaEncoding?: 'ieee-p1363' };

function keyOf(key: SignKey): KeyObject {
  return 'curve' in key ? key : key.key;
}

export function sign(algorithm: string | null, data: Bytes, key: SignKey): Bytes {
  const k = keyOf(key);
  if (k.secretKey === undefined) throw new Error('sign: not a private key');
  if (k.curve === 'ed25519' && algorithm === null) return output(ed25519.sign(data, k.secretKey));
  if (k.curve === 'p256' && algorithm === 'sha256')
    return output(p256.sign(data, k.secretKey, { prehash: true, lowS: false }));
  throw new Error(`sign: ${String(algorithm)} with ${k.curve} is not in the browser build`);
}

export function verify(algorithm: string | null, data: Bytes, key: SignKey, signature: Bytes): boolean {
  const k = keyOf(key);
  if (k.curve === 'ed25519' && algorithm === null)
    return ed25519.verify(signature, data, k.publicKey, { zip215: false });
  if (k.curve === 'p256' && algorithm === 'sha256') {
    return p256.verify(signature, data, k.publicKey, { prehash: true, lowS: false, format: 'compact' });
  }
  throw new Error(`verify: ${String(algorithm)} with ${k.curve} is not in the browser build`);
}
