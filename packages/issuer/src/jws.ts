/**
 * Compact JWS (RFC 7515) for the two JWT formats. Signing goes through the method library's Signer; verification
 * through its `verifySignature` (node:crypto with cached key objects), not did-jwt's JavaScript curves: that is the
 * verifier's hot path. ES256/ES256K signatures are r||s, exactly what the Signer and verifySignature use.
 */
import { type KeyType, type Signer, verifySignature } from '@did-city/method';
import { isRecord } from './types.ts';

/**
 * `SM2SM3` is not registered with IANA (no JOSE algorithm for SM2 is): a provisional name, did:city's spec §3.9.
 * SM2 with SM3 and the default identifier 1234567812345678, signature r || s (64 bytes), as FIDO's
 * ALG_SIGN_SM2_SM3_RAW encodes it.
 */
export const JWS_ALGORITHMS: Readonly<Record<KeyType, string>> = Object.freeze({
  Ed25519: 'EdDSA',
  'P-256': 'ES256',
  secp256k1: 'ES256K',
  SM2: 'SM2SM3',
});

/** did-jwt also writes `Ed25519` for EdDSA. */
const KEY_TYPES: Readonly<Record<string, KeyType>> = Object.freeze({
  EdDSA: 'Ed25519',
  Ed25519: 'Ed25519',
  ES256: 'P-256',
  ES256K: 'secp256k1',
  SM2SM3: 'SM2',
});

export function keyTypeOfAlg(alg: unknown): KeyType | undefined {
  return typeof alg === 'string' && Object.hasOwn(KEY_TYPES, alg) ? KEY_TYPES[alg] : undefined;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export async function signJws(header: Record<string, unknown>, payload: unknown, signer: Signer): Promise<string> {
  const signingInput = `${base64url({ ...header, alg: JWS_ALGORITHMS[signer.keyType] })}.${base64url(payload)}`;
  const signature = await signer(Buffer.from(signingInput, 'ascii'));
  return `${signingInput}.${Buffer.from(signature).toString('base64url')}`;
}

export interface DecodedJws {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: Uint8Array;
  signature: Uint8Array;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function decodeJson(part: string): unknown {
  if (!BASE64URL.test(part)) return undefined;
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Splits and parses a compact JWS; undefined when it is not one with JSON object header and payload. */
export function decodeJws(token: string): DecodedJws | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJson(headerPart);
  const payload = decodeJson(payloadPart);
  if (!isRecord(header) || !isRecord(payload) || !BASE64URL.test(signaturePart)) return undefined;
  const signingInput = Buffer.from(`${headerPart}.${payloadPart}`, 'ascii');
  return { header, payload, signingInput, signature: Buffer.from(signaturePart, 'base64url') };
}

export function verifyJws(jws: DecodedJws, publicKeyMultibase: string): boolean {
  return verifySignature(publicKeyMultibase, jws.signingInput, jws.signature);
}
