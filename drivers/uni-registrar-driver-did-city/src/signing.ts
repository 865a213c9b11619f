/**
 * Client-managed secrets (DID Registration §4 "Client-managed Secret Mode", §10 "Signing Request Set"): the driver
 * never sees a private key. For each key that must sign, it sends the exact bytes the key's Data Integrity proof
 * signs, and turns the signature the client returns into that proof.
 *
 * A did:city operation proof (spec §3.6) uses eddsa-jcs-2022 / ecdsa-jcs-2019, whose signature input is
 * `SHA-256(JCS(proofConfig)) || SHA-256(JCS(unsigned operation))` (64 bytes). That is `serializedPayload`
 * (base64); `alg` is the JOSE name of the key's algorithm over those bytes (EdDSA for Ed25519, ES256 for P-256,
 * ES256K for secp256k1, each as RFC 7515/8037 define it: ECDSA over SHA-256 of the bytes, r || s, 64 bytes), so
 * any JOSE signer can answer. An SM2 key's proof (sm2-jcs-2026) hashes with SM3 instead, and its `alg` is the
 * provisional, unregistered `SM2SM3` (SM2 with SM3 and the identifier 1234567812345678 over the bytes, r || s;
 * spec/sm2-jcs-2026.md §4). The proof's `created` is fixed when the job is made, so the bytes cannot change
 * between the request and the response.
 */
import {
  createProof,
  type DataIntegrityProof,
  didKeyUrl,
  type KeyType,
  multikeyType,
  PROOF_PURPOSE,
  type Signer,
  type UnsignedOperation,
  verifyProof,
} from '@did-city/method';
import { malformed, RegistrarError } from './errors.ts';

export interface SigningRequest {
  /** The proof configuration the signature completes (the operation itself is in the answer's metadata). */
  payload: { proofConfig: Omit<DataIntegrityProof, 'proofValue'> };
  /** Base64 of the 64 bytes to sign. */
  serializedPayload: string;
  /** The verification method to sign with: the update key as a did:key URL, as the proof will name it. */
  kid: string;
  alg: 'EdDSA' | 'ES256' | 'ES256K' | 'SM2SM3';
  purpose: string;
}

export type SigningRequestSet = Record<string, SigningRequest>;

/** Signing request id → the Multikey that must answer it. */
export type RequestKeys = Record<string, string>;

const ALG: Readonly<Record<KeyType, SigningRequest['alg']>> = {
  Ed25519: 'EdDSA',
  'P-256': 'ES256',
  secp256k1: 'ES256K',
  SM2: 'SM2SM3',
};
const SIGNATURE_BYTES = 64;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * A Signer that signs nothing: it records the bytes it is handed and returns `signature`. With it the method
 * library's own createProof computes the signature input (no second implementation of the suites' hashing) and
 * wraps a client's signature into the proof exactly as a local key would have.
 */
function fixedSigner(key: string, signature: Uint8Array, seen: (data: Uint8Array) => void): Signer {
  const sign = async (data: Uint8Array) => {
    seen(data);
    return signature;
  };
  return Object.assign(sign, { publicKeyMultibase: key, keyType: multikeyType(key) });
}

async function proofWith(unsigned: UnsignedOperation, key: string, created: string, signature: Uint8Array) {
  let data: Uint8Array = new Uint8Array();
  const signer = fixedSigner(key, signature, (bytes) => (data = bytes));
  const proof = await createProof(unsigned, {
    signer,
    verificationMethod: didKeyUrl(key),
    proofPurpose: PROOF_PURPOSE,
    created,
  });
  return { proof, data };
}

/** One signing request per key, ids `signingRequest0…`, in the order the keys are given. */
export async function signingRequests(unsigned: UnsignedOperation, keys: readonly string[], created: string) {
  const set: SigningRequestSet = {};
  const requestKeys: RequestKeys = {};
  for (const [index, key] of keys.entries()) {
    const { proof, data } = await proofWith(unsigned, key, created, new Uint8Array(SIGNATURE_BYTES));
    const { proofValue: _placeholder, ...proofConfig } = proof;
    const id = `signingRequest${index}`;
    set[id] = {
      payload: { proofConfig },
      serializedPayload: Buffer.from(data).toString('base64'),
      kid: didKeyUrl(key),
      alg: ALG[multikeyType(key)],
      purpose: PROOF_PURPOSE,
    };
    requestKeys[id] = key;
  }
  return { set, requestKeys };
}

/** A proof by a key the driver holds (held-keys.ts), over the same bytes a client would have been asked to sign. */
export function heldProof(unsigned: UnsignedOperation, signer: Signer, created: string): Promise<DataIntegrityProof> {
  return createProof(unsigned, {
    signer,
    verificationMethod: didKeyUrl(signer.publicKeyMultibase),
    proofPurpose: PROOF_PURPOSE,
    created,
  });
}

/** Standard or URL-safe base64, padded or not (DID Registration says "Base64"; JOSE tools write base64url). */
function signatureBytes(id: string, value: unknown): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value))
    malformed(`signingResponse.${id}.signature must be a base64 string`);
  const bytes = Buffer.from(value.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
  if (bytes.length !== SIGNATURE_BYTES) {
    throw new RegistrarError(
      'INVALID_SIGNATURE',
      `signingResponse.${id}: a signature is ${SIGNATURE_BYTES} bytes, this one is ${bytes.length}`,
    );
  }
  return new Uint8Array(bytes);
}

function checkNames(id: string, entry: Record<string, unknown>, key: string): void {
  if (entry.kid !== undefined && entry.kid !== didKeyUrl(key) && entry.kid !== key) {
    throw new RegistrarError(
      'INVALID_SIGNATURE',
      `signingResponse.${id}.kid names another key than the request (${didKeyUrl(key)})`,
    );
  }
  const alg = ALG[multikeyType(key)];
  if (entry.alg !== undefined && entry.alg !== alg) {
    throw new RegistrarError('INVALID_SIGNATURE', `signingResponse.${id}.alg must be ${alg} for this key`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The proofs the client's Signing Response Set carries, each verified over the job's operation: an unknown request
 * id, a kid or alg other than requested, or a signature that does not verify is INVALID_SIGNATURE.
 */
export async function proofsFromResponse(input: {
  unsigned: UnsignedOperation;
  requestKeys: RequestKeys;
  created: string;
  response: unknown;
}): Promise<DataIntegrityProof[]> {
  const { unsigned, requestKeys, created, response } = input;
  if (!isRecord(response) || Object.keys(response).length === 0) {
    malformed('secret.signingResponse must be an object of signing responses keyed by signing request id');
  }
  const proofs: DataIntegrityProof[] = [];
  for (const [id, entry] of Object.entries(response)) {
    const key = Object.hasOwn(requestKeys, id) ? requestKeys[id] : undefined;
    if (key === undefined) {
      const known = Object.keys(requestKeys).join(', ');
      throw new RegistrarError(
        'INVALID_SIGNATURE',
        `signingResponse.${id.slice(0, 40)}: this job has no such signing request (it has ${known})`,
      );
    }
    if (!isRecord(entry)) malformed(`signingResponse.${id} must be an object { signature, kid?, alg? }`);
    checkNames(id, entry, key);
    const { proof } = await proofWith(unsigned, key, created, signatureBytes(id, entry.signature));
    if (!verifyProof(unsigned, proof, key)) {
      throw new RegistrarError(
        'INVALID_SIGNATURE',
        `signingResponse.${id}: the signature does not verify with ${key} over the serializedPayload of this job`,
      );
    }
    proofs.push(proof);
  }
  return proofs;
}
