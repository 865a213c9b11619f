/**
 * C2SP tlog-cosignature, Ed25519 `cosignature/v1` (signature type 0x04): a witness's timestamped statement
 * that a checkpoint is the largest consistent tree head it has seen for that log. The note signature is
 *
 *     uint64 big-endian timestamp || 64-byte Ed25519 signature
 *
 * over "cosignature/v1\ntime <timestamp>\n" followed by the whole checkpoint text, extension lines included.
 * Keys of the ML-DSA-44 subtree variant (type 0x06) are refused with UNSUPPORTED_ALGORITHM: did:city witnesses
 * cosign with Ed25519.
 */
import type { Clock } from './clock.ts';
import { assertBytes, assertIndex, assertString, concatBytes, isKeyName, utf8 } from './encoding.ts';
import { ED25519_SIGNATURE_SIZE, ed25519Verify, importPublicKey } from './ed25519.ts';
import { TlogError } from './errors.ts';
import { type NoteSigner, type NoteVerifier, noteKeyId, SIGNATURE_TYPE } from './note.ts';

/** A parsed `timestamped_signature`. */
export interface Cosignature {
  /** POSIX seconds at which the witness cosigned. */
  timestamp: number;
  signature: Uint8Array;
}

const COSIGNATURE_SIZE = 8 + ED25519_SIGNATURE_SIZE;

/** The message an Ed25519 cosignature/v1 signs. */
export function cosignatureMessage(checkpointText: string | Uint8Array, timestamp: number): Uint8Array {
  assertIndex(timestamp, 'timestamp');
  const body = typeof checkpointText === 'string' ? utf8(checkpointText) : checkpointText;
  assertBytes(body, 'checkpointText');
  return concatBytes(utf8(`cosignature/v1\ntime ${timestamp}\n`), body);
}

/**
 * Splits a note signature (after its key ID) into timestamp and Ed25519 signature; undefined when it is not
 * 72 bytes. Timestamps beyond 2^53 − 1 (the spec allows up to 2^63 − 1) are refused as implausible.
 */
export function parseCosignature(signature: Uint8Array): Cosignature | undefined {
  assertBytes(signature, 'signature');
  if (signature.length !== COSIGNATURE_SIZE) return undefined;
  const view = new DataView(signature.buffer, signature.byteOffset, signature.byteLength);
  const timestamp = view.getBigUint64(0);
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return { timestamp: Number(timestamp), signature: signature.subarray(8) };
}

export function encodeCosignature(cosignature: Cosignature): Uint8Array {
  assertIndex(cosignature.timestamp, 'timestamp');
  assertBytes(cosignature.signature, 'signature');
  if (cosignature.signature.length !== ED25519_SIGNATURE_SIZE) throw new RangeError('signature must be 64 bytes');
  const out = new Uint8Array(COSIGNATURE_SIZE);
  new DataView(out.buffer).setBigUint64(0, BigInt(cosignature.timestamp));
  out.set(cosignature.signature, 8);
  return out;
}

function checkName(name: string): void {
  assertString(name, 'name');
  if (!isKeyName(name)) throw new TlogError('MALFORMED_KEY', `invalid key name ${JSON.stringify(name)}`);
}

/** A note verifier for a witness's Ed25519 cosignature/v1 key. */
export function cosignatureVerifier(name: string, publicKey: Uint8Array): NoteVerifier {
  checkName(name);
  assertBytes(publicKey, 'publicKey');
  const key = importPublicKey(publicKey);
  if (!key) throw new TlogError('MALFORMED_KEY', 'invalid Ed25519 public key');
  return {
    name,
    keyId: noteKeyId(name, SIGNATURE_TYPE.cosignatureV1, publicKey),
    verify(text, signature) {
      const parsed = parseCosignature(signature);
      return parsed !== undefined && ed25519Verify(key, cosignatureMessage(text, parsed.timestamp), parsed.signature);
    },
  };
}

export interface CosignerOptions {
  name: string;
  /** The witness's raw 32-byte Ed25519 public key (it determines the key ID). */
  publicKey: Uint8Array;
  /** Raw Ed25519 signature over a message; the private key can live anywhere. */
  sign: (message: Uint8Array) => Uint8Array | Promise<Uint8Array>;
  /** The clock (milliseconds); the cosignature carries its whole POSIX seconds. Default `Date.now`. */
  now?: Clock;
}

/** A note signer that produces cosignature/v1 signatures, usable with signNote. */
export function createCosigner(options: CosignerOptions): NoteSigner {
  const { name, publicKey, sign } = options;
  checkName(name);
  assertBytes(publicKey, 'publicKey');
  const now = options.now ?? Date.now;
  return {
    name,
    keyId: noteKeyId(name, SIGNATURE_TYPE.cosignatureV1, publicKey),
    async sign(text) {
      const timestamp = Math.floor(now() / 1000);
      const signature = await sign(cosignatureMessage(text, timestamp));
      return encodeCosignature({ timestamp, signature });
    },
  };
}
