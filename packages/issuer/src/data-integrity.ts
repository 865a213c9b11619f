/**
 * VC Data Model 2.0 with a Data Integrity proof: `eddsa-jcs-2022` for Ed25519 issuer keys, `ecdsa-jcs-2019` for
 * P-256 (and secp256k1, did:city's extension). The proof algorithms are the method library's (they reproduce the
 * W3C vectors); this file adds the credential rules: proofPurpose assertionMethod, the verification method
 * belonging to the issuer, proof `expires`.
 *
 * Verification repeats the suites' few hashing steps (§3.3.2 of both suites) instead of calling the method's
 * proofVerifier: that one decodes the Multikey point on every call to match key and suite (about 100 µs in
 * JavaScript, as much as the signature itself); here the suite is matched by the Multikey prefix and the key
 * object comes from verifySignature's cache. A test cross-checks both on valid and tampered proofs.
 */
import { canonicalBytes, canonicalize, createProof, isXsdDateTime, type KeyType, sha256, verifySignature } from '@did-city/method';
import { assertCredential, assertSignsFor, controllerOf, normalised } from './credential.ts';
import { issue, type VerificationIssue } from './errors.ts';
import { asArray, type Credential, type IssuerKey, isRecord, issuerId, VC_V1_CONTEXT, VC_V2_CONTEXT, type VerificationResult } from './types.ts';
import { credentialWindow, parseDateTimeStamp } from './validity.ts';
import { failed, neverThrows, type SignatureCheck, type VerifyContext, verifySecured } from './verify-common.ts';

export interface IssueDataIntegrityOptions {
  key: IssuerKey;
  /** Proof `created`; default: now. */
  created?: string;
}

/** Adds an assertionMethod proof. Throws IssuerError INVALID_CREDENTIAL for bad input. */
export async function issueDataIntegrityVc(credential: Credential, options: IssueDataIntegrityOptions): Promise<Credential> {
  assertCredential(credential, { expectedIssuer: controllerOf(options.key.verificationMethod) });
  assertSignsFor(credential, options.key.verificationMethod);
  const unsecured = normalised(credential);
  const proof = await createProof(unsecured, {
    signer: options.key.signer,
    verificationMethod: options.key.verificationMethod,
    proofPurpose: 'assertionMethod',
    ...(options.created === undefined ? {} : { created: options.created }),
  });
  return { ...unsecured, proof };
}

const SUITE_KEY_TYPES: Readonly<Record<string, KeyType | undefined>> = {
  'eddsa-jcs-2022': 'Ed25519',
  // ecdsa-jcs-2019 covers P-256 and secp256k1 (did:city's extension).
  'ecdsa-jcs-2019': undefined,
};
const SUITE_PREFIXES: Readonly<Record<string, readonly string[]>> = {
  'eddsa-jcs-2022': ['z6Mk'],
  'ecdsa-jcs-2019': ['zDn', 'zQ3s'],
};
const BASE58BTC = /^z[1-9A-HJ-NP-Za-km-z]+$/;

type ProofCheck = (proof: Record<string, unknown>, publicKeyMultibase: string) => boolean;

function contextStartsWith(documentContext: unknown, proofContext: unknown): boolean {
  const documentValues = Array.isArray(documentContext) ? documentContext : [documentContext];
  const proofValues = Array.isArray(proofContext) ? proofContext : [proofContext];
  return proofValues.every((value, index) => canonicalize(value) === canonicalize(documentValues[index] ?? null));
}

function base58Signature(proofValue: unknown): Uint8Array | undefined {
  if (typeof proofValue !== 'string' || !BASE58BTC.test(proofValue)) return undefined;
  let value = 0n;
  for (const char of proofValue.slice(1)) value = value * 58n + BigInt('123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'.indexOf(char));
  const hex = value.toString(16).padStart(128, '0');
  return hex.length === 128 ? Buffer.from(hex, 'hex') : undefined;
}

/** hashData = SHA-256(JCS(proof options)) || SHA-256(JCS(unsecured document)); the document hash is computed once. */
function jcsProofCheck(secured: Record<string, unknown>): ProofCheck {
  const { proof: _proof, ...unsecured } = secured;
  let documentHash: Uint8Array | undefined;
  return (proof, publicKeyMultibase) => {
    const prefixes = SUITE_PREFIXES[proof.cryptosuite as string] ?? [];
    if (!prefixes.some((prefix) => publicKeyMultibase.startsWith(prefix))) return false;
    const { proofValue, ...options } = proof;
    const signature = base58Signature(proofValue);
    if (signature === undefined) return false;
    let hash: Uint8Array;
    if (options['@context'] !== undefined) {
      if (!contextStartsWith(unsecured['@context'], options['@context'])) return false;
      hash = sha256(canonicalBytes({ ...unsecured, '@context': options['@context'] }));
    } else {
      documentHash ??= sha256(canonicalBytes(unsecured));
      hash = documentHash;
    }
    const data = new Uint8Array(64);
    data.set(sha256(canonicalBytes(options)), 0);
    data.set(hash, 32);
    return verifySignature(publicKeyMultibase, data, signature);
  };
}

function signatureCheck(proof: unknown, verifyWith: ProofCheck): SignatureCheck | VerificationIssue {
  if (!isRecord(proof) || proof.type !== 'DataIntegrityProof' || typeof proof.verificationMethod !== 'string') {
    return issue('MALFORMED_CREDENTIAL', 'proof must be a DataIntegrityProof with a verificationMethod');
  }
  if (typeof proof.cryptosuite !== 'string' || !Object.hasOwn(SUITE_KEY_TYPES, proof.cryptosuite)) {
    return issue('UNSUPPORTED_FORMAT', `cryptosuite ${String(proof.cryptosuite)} is not supported`);
  }
  if (proof.proofPurpose !== 'assertionMethod') return issue('MALFORMED_CREDENTIAL', 'proofPurpose must be assertionMethod');
  if (proof.created !== undefined && parseDateTimeStamp(proof.created) === undefined && !isXsdDateTime(proof.created)) {
    return issue('MALFORMED_CREDENTIAL', 'proof.created is not an XML Schema dateTime');
  }
  const keyType = SUITE_KEY_TYPES[proof.cryptosuite];
  return {
    verificationMethod: proof.verificationMethod,
    ...(keyType === undefined ? {} : { keyType }),
    verify: (publicKeyMultibase) => verifyWith(proof, publicKeyMultibase),
  };
}

function proofExpiry(proofs: unknown[]): number | undefined | VerificationIssue {
  let earliest: number | undefined;
  for (const proof of proofs) {
    const expires = isRecord(proof) ? proof.expires : undefined;
    if (expires === undefined) continue;
    const time = parseDateTimeStamp(expires);
    if (time === undefined) return issue('MALFORMED_CREDENTIAL', 'proof.expires is not a dateTimeStamp');
    earliest = Math.min(earliest ?? time, time);
  }
  return earliest;
}

async function verify(input: unknown, context: VerifyContext): Promise<VerificationResult> {
  const format = 'data-integrity' as const;
  if (!isRecord(input) || input.proof === undefined) return failed([issue('MALFORMED_CREDENTIAL', 'a Data Integrity credential needs a proof')], { format });
  const credential = input as Credential;
  const issuer = issuerId(credential.issuer);
  const base = Array.isArray(credential['@context']) ? credential['@context'][0] : undefined;
  if ((base !== VC_V2_CONTEXT && base !== VC_V1_CONTEXT) || !Array.isArray(credential.type) || issuer === undefined) {
    return failed([issue('MALFORMED_CREDENTIAL', 'not a verifiable credential (@context, type, issuer)')], { format });
  }
  const proofs = asArray(input.proof as unknown);
  const verifyWith = jcsProofCheck(input);
  const signatures: SignatureCheck[] = [];
  for (const proof of proofs) {
    const check = signatureCheck(proof, verifyWith);
    if ('code' in check) return failed([check], { format, issuer });
    signatures.push(check);
  }
  const window = credentialWindow(credential);
  const expires = proofExpiry(proofs);
  if ('code' in window) return failed([window], { format, issuer });
  if (typeof expires === 'object') return failed([expires], { format, issuer });
  if (expires !== undefined) window.validUntil = Math.min(window.validUntil ?? expires, expires);
  const issuedAt = window.validFrom;
  return verifySecured({ format, credential, issuer, window, ...(issuedAt === undefined ? {} : { issuedAt }), signatures }, context);
}

/** Verifies a credential with Data Integrity proofs. Never throws. */
export function verifyDataIntegrityVc(input: unknown, context: VerifyContext): Promise<VerificationResult> {
  return neverThrows(() => verify(input, context));
}
