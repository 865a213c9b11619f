/**
 * VC Data Model 2.0 with a Data Integrity proof: `eddsa-jcs-2022` for Ed25519 issuer keys, `ecdsa-jcs-2019` for
 * P-256 (and secp256k1, did:city's extension). The proof algorithms are the method library's (they reproduce the
 * W3C vectors); this file adds the credential rules: proofPurpose assertionMethod, the verification method
 * belonging to the issuer, proof `expires`.
 *
 * Verification goes through proof-suites.ts (which also reads eddsa-rdfc-2022) instead of the method's
 * proofVerifier: that one decodes the Multikey point on every call to match key and suite (about 100 µs in
 * JavaScript, as much as the signature itself); here the suite is matched by the Multikey prefix and the key
 * object comes from verifySignature's cache. A test cross-checks both on valid and tampered proofs.
 */
import { createProof } from '@did-city/method';
import { assertCredential, assertSignsFor, controllerOf, normalised } from './credential.ts';
import { issue, type VerificationIssue } from './errors.ts';
import { dataIntegrityChecks } from './proof-suites.ts';
import {
  asArray,
  type Credential,
  type IssuerKey,
  isRecord,
  issuerId,
  VC_V1_CONTEXT,
  VC_V2_CONTEXT,
  type VerificationResult,
} from './types.ts';
import { credentialWindow, parseDateTimeStamp } from './validity.ts';
import { failed, neverThrows, type VerifyContext, verifySecured } from './verify-common.ts';

export interface IssueDataIntegrityOptions {
  key: IssuerKey;
  /** Proof `created`; default: now. */
  created?: string;
}

/** Adds an assertionMethod proof. Throws IssuerError INVALID_CREDENTIAL for bad input. */
export async function issueDataIntegrityVc(
  credential: Credential,
  options: IssueDataIntegrityOptions,
): Promise<Credential> {
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
  if (!isRecord(input) || input.proof === undefined)
    return failed([issue('MALFORMED_CREDENTIAL', 'a Data Integrity credential needs a proof')], { format });
  const credential = input as Credential;
  const issuer = issuerId(credential.issuer);
  const base = Array.isArray(credential['@context']) ? credential['@context'][0] : undefined;
  if ((base !== VC_V2_CONTEXT && base !== VC_V1_CONTEXT) || !Array.isArray(credential.type) || issuer === undefined) {
    return failed([issue('MALFORMED_CREDENTIAL', 'not a verifiable credential (@context, type, issuer)')], { format });
  }
  const proofs = asArray(input.proof as unknown);
  const signatures = await dataIntegrityChecks(input, 'assertionMethod');
  if ('code' in signatures) return failed([signatures], { format, issuer });
  const window = credentialWindow(credential);
  const expires = proofExpiry(proofs);
  if ('code' in window) return failed([window], { format, issuer });
  if (typeof expires === 'object') return failed([expires], { format, issuer });
  if (expires !== undefined) window.validUntil = Math.min(window.validUntil ?? expires, expires);
  const issuedAt = window.validFrom;
  return verifySecured(
    { format, credential, issuer, window, ...(issuedAt === undefined ? {} : { issuedAt }), signatures },
    context,
  );
}

/** Verifies a credential with Data Integrity proofs. Never throws. */
export function verifyDataIntegrityVc(input: unknown, context: VerifyContext): Promise<VerificationResult> {
  return neverThrows(() => verify(input, context));
}
