/**
 * Key strings in the format of Go's golang.org/x/mod/sumdb/note (c2sp.org/signed-note "vkeys"):
 *
 *     verifier key  <name>+<hex key ID>+<base64(type || public key)>
 *     signer key    PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || Ed25519 seed)>
 *
 * and their conversion to NoteVerifier / NoteSigner objects.
 */
import type { Clock } from './clock.ts';
import { cosignatureVerifier, createCosigner } from './cosignature.ts';
import { assertBytes, assertString, concatBytes, decodeBase64, encodeBase64, isKeyName } from './encoding.ts';
import {
  ED25519_KEY_SIZE,
  ed25519Sign,
  ed25519Verify,
  importPublicKey,
  importSeed,
  randomSeed,
  rawPublicKey,
} from './ed25519.ts';
import { TlogError } from './errors.ts';
import { hex8, type NoteSigner, type NoteVerifier, noteKeyId, SIGNATURE_TYPE } from './note.ts';

export interface VerifierKey {
  name: string;
  keyId: number;
  /** signed-note signature type byte (0x01 Ed25519, 0x04 Ed25519 cosignature/v1, …). */
  type: number;
  publicKey: Uint8Array;
}

function badKey(why: string): TlogError {
  return new TlogError('MALFORMED_KEY', `malformed key: ${why}`);
}

// <name>+<8 hex digits>+<base64>: name has no '+', base64 may.
function splitKey(text: string): { name: string; keyId: number; type: number; material: Uint8Array } {
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (second < 0) throw badKey('expected <name>+<key ID>+<key>');
  const name = text.slice(0, first);
  const hex = text.slice(first + 1, second);
  const raw = decodeBase64(text.slice(second + 1));
  if (!isKeyName(name)) throw badKey(`invalid name ${JSON.stringify(name)}`);
  if (!/^[0-9a-fA-F]{8}$/.test(hex)) throw badKey('key ID must be 8 hex digits');
  if (!raw || raw.length < 2) throw badKey('invalid key encoding');
  return { name, keyId: Number.parseInt(hex, 16), type: raw[0]!, material: raw.subarray(1) };
}

/** Parses a verifier key and checks its key ID. Does not check that the type is supported. */
export function parseVerifierKey(vkey: string): VerifierKey {
  assertString(vkey, 'vkey');
  const { name, keyId, type, material } = splitKey(vkey);
  if (noteKeyId(name, type, material) !== keyId) throw badKey('key ID does not match the key');
  return { name, keyId, type, publicKey: material };
}

export function formatVerifierKey(key: { name: string; type: number; publicKey: Uint8Array }): string {
  assertBytes(key.publicKey, 'publicKey');
  if (!isKeyName(key.name)) throw badKey(`invalid name ${JSON.stringify(key.name)}`);
  const id = noteKeyId(key.name, key.type, key.publicKey);
  return `${key.name}+${hex8(id)}+${encodeBase64(concatBytes(Uint8Array.of(key.type), key.publicKey))}`;
}

/** A plain Ed25519 (type 0x01) note verifier, e.g. for a log's checkpoint signatures. */
export function ed25519Verifier(name: string, publicKey: Uint8Array): NoteVerifier {
  assertBytes(publicKey, 'publicKey');
  const key = importPublicKey(publicKey);
  if (!key) throw badKey('invalid Ed25519 public key');
  if (!isKeyName(name)) throw badKey(`invalid name ${JSON.stringify(name)}`);
  return {
    name,
    keyId: noteKeyId(name, SIGNATURE_TYPE.ed25519, publicKey),
    verify: (text, signature) => ed25519Verify(key, text, signature),
  };
}

/** A verifier for a vkey of type 0x01 (Ed25519) or 0x04 (Ed25519 cosignature/v1). */
export function verifierFromKey(vkey: string | VerifierKey): NoteVerifier {
  const key = typeof vkey === 'string' ? parseVerifierKey(vkey) : vkey;
  if (key.publicKey.length !== ED25519_KEY_SIZE && (key.type === 0x01 || key.type === 0x04)) {
    throw badKey('Ed25519 public keys are 32 bytes');
  }
  if (key.type === SIGNATURE_TYPE.ed25519) return ed25519Verifier(key.name, key.publicKey);
  if (key.type === SIGNATURE_TYPE.cosignatureV1) return cosignatureVerifier(key.name, key.publicKey);
  throw new TlogError(
    'UNSUPPORTED_ALGORITHM',
    `unsupported signature type 0x${key.type.toString(16).padStart(2, '0')}`,
  );
}

interface SignerKey {
  name: string;
  seed: Uint8Array;
  publicKey: Uint8Array;
}

function parseSignerKey(skey: string): SignerKey {
  assertString(skey, 'skey');
  if (!skey.startsWith('PRIVATE+KEY+')) throw badKey('signer keys start with PRIVATE+KEY+');
  const { name, keyId, type, material } = splitKey(skey.slice('PRIVATE+KEY+'.length));
  if (type !== SIGNATURE_TYPE.ed25519) {
    throw new TlogError('UNSUPPORTED_ALGORITHM', `unsupported signer type 0x${type.toString(16).padStart(2, '0')}`);
  }
  if (material.length !== ED25519_KEY_SIZE) throw badKey('Ed25519 seeds are 32 bytes');
  const publicKey = rawPublicKey(importSeed(material));
  // The key ID commits to the public key, so it can only be checked after deriving it.
  if (noteKeyId(name, type, publicKey) !== keyId) throw badKey('key ID does not match the key');
  return { name, seed: material, publicKey };
}

/** An Ed25519 (type 0x01) note signer from a signer key string. */
export function signerFromKey(skey: string): NoteSigner {
  const { name, seed, publicKey } = parseSignerKey(skey);
  const key = importSeed(seed);
  return { name, keyId: noteKeyId(name, SIGNATURE_TYPE.ed25519, publicKey), sign: (text) => ed25519Sign(key, text) };
}

/**
 * A cosignature/v1 (type 0x04) signer from an Ed25519 signer key string, the way transparency-dev's
 * NewSignerForCosignatureV1 reuses a note key for a witness.
 */
export function cosignerFromKey(skey: string, options: { now?: Clock } = {}): NoteSigner {
  const { name, seed, publicKey } = parseSignerKey(skey);
  const key = importSeed(seed);
  return createCosigner({ name, publicKey, sign: (message) => ed25519Sign(key, message), ...options });
}

/** The verifier key of a signer key, as type 0x01 (note signatures) or 0x04 (cosignatures). */
export function verifierKeyOf(skey: string, type: 0x01 | 0x04 = SIGNATURE_TYPE.ed25519): string {
  const { name, publicKey } = parseSignerKey(skey);
  return formatVerifierKey({ name, type, publicKey });
}

/** A fresh Ed25519 key pair for `name`, as signer and verifier key strings. */
export function generateKeyPair(name: string): { signerKey: string; verifierKey: string } {
  if (!isKeyName(name)) throw badKey(`invalid name ${JSON.stringify(name)}`);
  const seed = randomSeed();
  const publicKey = rawPublicKey(importSeed(seed));
  const verifierKey = formatVerifierKey({ name, type: SIGNATURE_TYPE.ed25519, publicKey });
  const keyId = verifierKey.split('+')[1]!;
  const secret = encodeBase64(concatBytes(Uint8Array.of(SIGNATURE_TYPE.ed25519), seed));
  return { signerKey: `PRIVATE+KEY+${name}+${keyId}+${secret}`, verifierKey };
}
