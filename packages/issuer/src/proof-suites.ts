/**
 * The Data Integrity cryptosuites the verifier knows, one table row each: which Multikeys may verify it and how
 * its hashData is made (§3.3.x of each suite: SHA-256 of the canonical proof options ‖ SHA-256 of the canonical
 * unsecured document). A new suite is one more row.
 *
 * - `eddsa-jcs-2022`, `ecdsa-jcs-2019`: JCS (RFC 8785). Ours and the method's.
 * - `sm2-jcs-2026`: JCS with SM3 and SM2 keys (did:city's suite, spec/sm2-jcs-2026.md), in sm2-suite.ts.
 * - `eddsa-rdfc-2022`: RDF Dataset Canonicalization (RDFC-1.0, through jsonld with bundled contexts only). Verify
 *   only: Digital Bazaar's libraries and the W3C test suites sign presentations and credentials with it.
 *
 * The proofs of a credential are checked against keys by `verify(publicKeyMultibase)`; the suite is matched by the
 * Multikey prefix, which saves decoding the point on the hot path.
 */
import { canonicalBytes, canonicalize, isXsdDateTime, type KeyType, sha256, verifySignature } from '@did-city/method';
import { issue, type VerificationIssue } from './errors.ts';
import { canonizeRdfc } from './jsonld-check.ts';
import { SM2_JCS_2026 } from './sm2-suite.ts';
import { isRecord } from './types.ts';
import { parseDateTimeStamp } from './validity.ts';
import type { SignatureCheck } from './verify-common.ts';

type Json = Record<string, unknown>;

export interface ProofSuite {
  keyPrefixes: readonly string[];
  /** The key type for key selection; undefined when the suite spans several (ecdsa: P-256 and secp256k1). */
  keyType?: KeyType;
  /** The document half of hashData, computed once per document and suite family. */
  documentHash(unsecured: Json, memo: Map<string, Promise<Uint8Array>>): Promise<Uint8Array>;
  optionsHash(options: Json, unsecured: Json): Promise<Uint8Array>;
}

function contextStartsWith(documentContext: unknown, proofContext: unknown): boolean {
  const documentValues = Array.isArray(documentContext) ? documentContext : [documentContext];
  const proofValues = Array.isArray(proofContext) ? proofContext : [proofContext];
  return proofValues.every((value, index) => canonicalize(value) === canonicalize(documentValues[index] ?? null));
}

function memoised(
  memo: Map<string, Promise<Uint8Array>>,
  key: string,
  make: () => Promise<Uint8Array>,
): Promise<Uint8Array> {
  let found = memo.get(key);
  if (found === undefined) {
    found = make();
    memo.set(key, found);
  }
  return found;
}

const JCS: Omit<ProofSuite, 'keyPrefixes' | 'keyType'> = {
  documentHash: (unsecured, memo) => memoised(memo, 'jcs', async () => sha256(canonicalBytes(unsecured))),
  optionsHash: async (options) => sha256(canonicalBytes(options)),
};

/** eddsa-rdfc-2022 §3.2.4–3.2.6: the proof configuration carries the document's @context when it has none. */
const RDFC: Omit<ProofSuite, 'keyPrefixes' | 'keyType'> = {
  documentHash: (unsecured, memo) =>
    memoised(memo, 'rdfc', async () => sha256(new TextEncoder().encode(await canonizeRdfc(unsecured)))),
  optionsHash: async (options, unsecured) => {
    const configuration = { ...options, '@context': options['@context'] ?? unsecured['@context'] };
    return sha256(new TextEncoder().encode(await canonizeRdfc(configuration)));
  },
};

export const PROOF_SUITES: Readonly<Record<string, ProofSuite>> = {
  'eddsa-jcs-2022': { ...JCS, keyPrefixes: ['z6Mk'], keyType: 'Ed25519' },
  'ecdsa-jcs-2019': { ...JCS, keyPrefixes: ['zDn', 'zQ3s'] },
  'eddsa-rdfc-2022': { ...RDFC, keyPrefixes: ['z6Mk'], keyType: 'Ed25519' },
  'sm2-jcs-2026': SM2_JCS_2026,
};

const BASE58BTC = /^z[1-9A-HJ-NP-Za-km-z]+$/;

function base58Signature(proofValue: unknown): Uint8Array | undefined {
  if (typeof proofValue !== 'string' || !BASE58BTC.test(proofValue)) return undefined;
  let value = 0n;
  for (const char of proofValue.slice(1))
    value = value * 58n + BigInt('123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'.indexOf(char));
  const hex = value.toString(16).padStart(128, '0');
  return hex.length === 128 ? Buffer.from(hex, 'hex') : undefined;
}

async function hashData(
  suite: ProofSuite,
  secured: Json,
  proof: Json,
  memo: Map<string, Promise<Uint8Array>>,
): Promise<Uint8Array | undefined> {
  const { proof: _proof, ...unsecured } = secured;
  const { proofValue: _value, ...options } = proof;
  let documentHash: Uint8Array;
  if (options['@context'] !== undefined) {
    // Data Integrity 1.0 §4.4: the proof's @context must be a prefix of the document's, and the document is then
    // hashed with the proof's @context.
    if (!contextStartsWith(unsecured['@context'], options['@context'])) return undefined;
    documentHash = await suite.documentHash({ ...unsecured, '@context': options['@context'] }, new Map());
  } else {
    documentHash = await suite.documentHash(unsecured, memo);
  }
  const data = new Uint8Array(64);
  data.set(await suite.optionsHash(options, unsecured), 0);
  data.set(documentHash, 32);
  return data;
}

/**
 * One SignatureCheck per proof of `secured`, or the issue that rules the proofs out: a proof that is not a
 * DataIntegrityProof with a verification method, an unknown cryptosuite, another proofPurpose, a malformed
 * `created`.
 */
export async function dataIntegrityChecks(
  secured: Json,
  proofPurpose: 'assertionMethod' | 'authentication',
): Promise<SignatureCheck[] | VerificationIssue> {
  const memo = new Map<string, Promise<Uint8Array>>();
  const checks: SignatureCheck[] = [];
  for (const proof of Array.isArray(secured.proof) ? secured.proof : [secured.proof]) {
    if (!isRecord(proof) || proof.type !== 'DataIntegrityProof' || typeof proof.verificationMethod !== 'string') {
      return issue('MALFORMED_CREDENTIAL', 'proof must be a DataIntegrityProof with a verificationMethod');
    }
    const suite =
      typeof proof.cryptosuite === 'string' && Object.hasOwn(PROOF_SUITES, proof.cryptosuite)
        ? PROOF_SUITES[proof.cryptosuite]
        : undefined;
    if (suite === undefined)
      return issue('UNSUPPORTED_FORMAT', `cryptosuite ${String(proof.cryptosuite)} is not supported`);
    if (proof.proofPurpose !== proofPurpose)
      return issue('MALFORMED_CREDENTIAL', `proofPurpose must be ${proofPurpose}`);
    if (
      proof.created !== undefined &&
      parseDateTimeStamp(proof.created) === undefined &&
      !isXsdDateTime(proof.created)
    ) {
      return issue('MALFORMED_CREDENTIAL', 'proof.created is not an XML Schema dateTime');
    }
    const data = await hashData(suite, secured, proof, memo);
    const signature = base58Signature(proof.proofValue);
    checks.push({
      verificationMethod: proof.verificationMethod,
      ...(suite.keyType === undefined ? {} : { keyType: suite.keyType }),
      verify: (publicKeyMultibase) =>
        data !== undefined &&
        signature !== undefined &&
        suite.keyPrefixes.some((prefix) => publicKeyMultibase.startsWith(prefix)) &&
        verifySignature(publicKeyMultibase, data, signature),
    });
  }
  return checks;
}
