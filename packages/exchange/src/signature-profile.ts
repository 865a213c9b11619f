/**
 * The did:city profile of RFC 9421 for data requests (spec §12.3):
 * - exactly one signature; `keyid` a DID URL of a method in the signer's `authentication` (R-XCH-3);
 * - `created`, `expires` and `nonce` present, `expires` after `created` by at most the window (default 300 s), and
 *   now within [created − skew, expires + skew] (R-XCH-4);
 * - a nonce never accepted twice for the same key while its signature could be fresh (R-XCH-5);
 * - covered: `@method`, `@target-uri`, the grant field when sent, and `content-digest` (RFC 9530) for a request
 *   with a body, whose digest must match (R-XCH-2);
 * - `alg`, when given, must be the one of the key's type (`ed25519`, `ecdsa-p256-sha256`); SM2 and secp256k1 keys
 *   have no registered RFC 9421 algorithm, so their signatures leave `alg` out and the key's type decides (§3.3.7).
 */
import { randomBytes } from 'node:crypto';
import type { DidResolver } from '@did-city/issuer';
import {
  type Clock,
  decodeMultikey,
  type KeyType,
  type Signer,
  verifySignature as verifyWithMultikey,
} from '@did-city/method';
import { contentDigest, contentDigestMatches } from './digest.ts';
import { ExchangeError } from './errors.ts';
import {
  createSignature,
  type HttpRequestParts,
  type ParsedSignatureInput,
  parseSignatureInput,
  verifySignature,
} from './http-signature.ts';
import type { NonceStore } from './nonces.ts';
import { resolveSignerKey, type SignerKey } from './signer-key.ts';

/** The request field that carries the grant credential (spec §12.4). */
export const GRANT_FIELD = 'city-data-grant';
/** The request field that carries the grant in a Verifiable Presentation of the consumer (spec §12.4). */
export const PRESENTATION_FIELD = 'city-data-presentation';
export const DEFAULT_WINDOW_SECONDS = 300;
export const DEFAULT_SKEW_SECONDS = 30;
const MAX_NONCE_LENGTH = 128;

const ALGORITHMS: Partial<Record<KeyType, string>> = { Ed25519: 'ed25519', 'P-256': 'ecdsa-p256-sha256' };

export interface CityRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
}

export interface RequestKey {
  /** Absolute DID URL of the method in the signer's `authentication`. */
  keyid: string;
  signer: Signer;
}

export interface SignOptions {
  now?: Clock;
  /** `expires` − `created`; default 60 s, at most the provider's window. */
  lifetimeSeconds?: number;
  /** Default 16 random bytes, base64url. */
  nonce?: string;
}

/** The headers to send: the request's own (lowercase), plus Content-Digest for a body and the signature fields. */
export async function signCityRequest(
  request: CityRequest,
  key: RequestKey,
  options: SignOptions = {},
): Promise<Record<string, string>> {
  const headers: Record<string, string> = Object.fromEntries(
    Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const components = ['@method', '@target-uri'];
  if (request.body !== undefined) {
    headers['content-digest'] = contentDigest(request.body);
    components.push('content-digest');
  }
  for (const field of [GRANT_FIELD, PRESENTATION_FIELD]) if (headers[field] !== undefined) components.push(field);
  const created = Math.floor((options.now?.() ?? Date.now()) / 1000);
  const alg = ALGORITHMS[key.signer.keyType];
  const params = {
    created,
    expires: created + (options.lifetimeSeconds ?? 60),
    nonce: options.nonce ?? randomBytes(16).toString('base64url'),
    keyid: key.keyid,
    ...(alg === undefined ? {} : { alg }),
  };
  const url = new URL(request.url).toString();
  const signature = await createSignature(
    { method: request.method, url, headers },
    { components, params, sign: key.signer },
  );
  return { ...headers, ...signature };
}

export interface VerifyRequestOptions {
  resolver: DidResolver;
  nonces: NonceStore;
  now?: Clock;
  windowSeconds?: number;
  clockSkewSeconds?: number;
}

export interface VerifiedRequest extends SignerKey {
  created: number;
  expires: number;
  nonce: string;
}

function invalid(message: string): never {
  throw new ExchangeError('SIGNATURE_INVALID', message);
}

function onlySignature(headers: Record<string, string>): ParsedSignatureInput {
  const field = headers['signature-input'];
  if (field === undefined || headers.signature === undefined)
    throw new ExchangeError('SIGNATURE_MISSING', 'the request carries no HTTP message signature (RFC 9421)');
  let parsed: ParsedSignatureInput[];
  try {
    parsed = parseSignatureInput(field);
  } catch {
    invalid('Signature-Input is not a valid structured field');
  }
  if (parsed.length !== 1) invalid('exactly one signature is accepted');
  return parsed[0]!;
}

interface Params {
  created: number;
  expires: number;
  nonce: string;
  keyid: string;
  alg?: string;
}

function profileParams(
  input: ParsedSignatureInput,
  request: CityRequest & { headers: Record<string, string> },
): Params {
  const { params, plainComponents } = input;
  const [created, expires, nonce, keyid, alg] = ['created', 'expires', 'nonce', 'keyid', 'alg'].map((name) =>
    params.get(name),
  );
  if (!Number.isSafeInteger(created) || !Number.isSafeInteger(expires))
    invalid('created and expires are required integers');
  if (typeof nonce !== 'string' || nonce.length === 0 || nonce.length > MAX_NONCE_LENGTH)
    invalid(`nonce is required, at most ${MAX_NONCE_LENGTH} characters`);
  if (typeof keyid !== 'string') invalid('keyid is required');
  if (alg !== undefined && typeof alg !== 'string') invalid('alg must be a string');
  const required = ['@method', '@target-uri'];
  for (const field of [GRANT_FIELD, PRESENTATION_FIELD]) if (request.headers[field] !== undefined) required.push(field);
  if (request.body !== undefined && request.body.length > 0) required.push('content-digest');
  const missing = required.filter((name) => !plainComponents.has(name));
  if (missing.length > 0) invalid(`the signature must cover ${missing.join(', ')}`);
  return {
    created: created as number,
    expires: expires as number,
    nonce,
    keyid,
    ...(alg === undefined ? {} : { alg: alg as string }),
  };
}

function checkWindow(params: Params, nowSeconds: number, windowSeconds: number, skew: number): void {
  const { created, expires } = params;
  if (expires <= created || expires - created > windowSeconds)
    throw new ExchangeError('SIGNATURE_STALE', `expires must follow created by at most ${windowSeconds} s`);
  if (created > nowSeconds + skew)
    throw new ExchangeError('SIGNATURE_STALE', 'the signature was created in the future');
  if (expires < nowSeconds - skew) throw new ExchangeError('SIGNATURE_STALE', 'the signature has expired');
}

/**
 * Verifies a request under the profile and returns who signed it. Throws ExchangeError: SIGNATURE_MISSING,
 * SIGNATURE_INVALID, SIGNATURE_STALE, SIGNATURE_REPLAYED, SIGNER_NOT_AUTHORISED or BUSY.
 */
export async function verifyCityRequest(
  request: CityRequest & { headers: Record<string, string> },
  options: VerifyRequestOptions,
): Promise<VerifiedRequest> {
  const input = onlySignature(request.headers);
  const params = profileParams(input, request);
  const now = options.now?.() ?? Date.now();
  const skew = options.clockSkewSeconds ?? DEFAULT_SKEW_SECONDS;
  checkWindow(params, Math.floor(now / 1000), options.windowSeconds ?? DEFAULT_WINDOW_SECONDS, skew);
  if (
    request.body !== undefined &&
    request.body.length > 0 &&
    !contentDigestMatches(request.headers['content-digest'], request.body)
  ) {
    invalid('Content-Digest does not match the body');
  }
  const signer = await resolveSignerKey(options.resolver, params.keyid);
  const expected = ALGORITHMS[decodeMultikey(signer.publicKeyMultibase).keyType];
  if (params.alg !== undefined && params.alg !== expected)
    invalid(`alg ${params.alg} is not the algorithm of ${params.keyid}`);
  if (!options.nonces.reserve(params.keyid, params.nonce, (params.expires + skew) * 1000)) {
    throw new ExchangeError('SIGNATURE_REPLAYED', "this signature's nonce was already used");
  }
  const parts: HttpRequestParts = { method: request.method, url: request.url, headers: request.headers };
  if (
    !verifySignature(parts, input, (base, signature) => verifyWithMultikey(signer.publicKeyMultibase, base, signature))
  ) {
    options.nonces.release(params.keyid, params.nonce);
    invalid('the signature does not verify');
  }
  return { ...signer, created: params.created, expires: params.expires, nonce: params.nonce };
}
