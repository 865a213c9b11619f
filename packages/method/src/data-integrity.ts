/**
 * W3C Data Integrity proofs with the JCS cryptosuites: eddsa-jcs-2022 (Data Integrity EdDSA Cryptosuites v1.0
 * §3.3) and ecdsa-jcs-2019 (Data Integrity ECDSA Cryptosuites v1.0 §3.3; P-256 with SHA-256, and secp256k1 with
 * SHA-256 as did:city's extension, spec §3.6), and sm2-jcs-2026 (SM2 with SM3, did:city's suite, spec §3.9).
 * Generic: operations and credentials use the same code.
 *
 * hashData = H(JCS(proofConfig)) || H(JCS(unsecuredDocument)), H = SHA-256 (SM3 for sm2-jcs-2026);
 * proofValue = base58btc(signature).
 */
import { decodeBase58btc, encodeBase58btc } from './base58.ts';
import { sha256, sha256Into } from './hash.ts';
import { canonicalize } from './jcs.ts';
import { verifySignature } from './keys.ts';
import { multikeyType } from './multikey.ts';
import { sm3 } from './sm2.ts';
import type { DataIntegrityProof, KeyType, Signer } from './types.ts';

export type JcsCryptosuite = DataIntegrityProof['cryptosuite'];

export interface CreateProofOptions {
  signer: Signer;
  verificationMethod: string;
  proofPurpose: string;
  /** XML Schema dateTime; default: now, UTC, whole seconds. */
  created?: string;
  /** Default: the suite of the signer's key type. */
  cryptosuite?: JcsCryptosuite;
  challenge?: string;
  domain?: string;
}

/** XML Schema 1.1 dateTime (XMLSCHEMA11-2 §3.3.7), as Data Integrity requires for `created`. */
const XSD_DATE_TIME =
  /^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))?$/;

export function isXsdDateTime(value: unknown): value is string {
  return typeof value === 'string' && XSD_DATE_TIME.test(value);
}

/** The JCS cryptosuites did:city signs and verifies. */
export const JCS_CRYPTOSUITES: readonly JcsCryptosuite[] = Object.freeze([
  'eddsa-jcs-2022',
  'ecdsa-jcs-2019',
  'sm2-jcs-2026',
]);

/**
 * The JCS suite that signs with a key type: eddsa-jcs-2022 for Ed25519, ecdsa-jcs-2019 for the ECDSA curves,
 * sm2-jcs-2026 for SM2.
 */
export function cryptosuiteFor(keyType: KeyType): JcsCryptosuite {
  if (keyType === 'SM2') return 'sm2-jcs-2026';
  return keyType === 'Ed25519' ? 'eddsa-jcs-2022' : 'ecdsa-jcs-2019';
}

export function isJcsCryptosuite(value: unknown): value is JcsCryptosuite {
  return JCS_CRYPTOSUITES.includes(value as JcsCryptosuite);
}

/** The suite's hash: SM3 for sm2-jcs-2026 (GB/T 32905), SHA-256 for the W3C suites. */
export function cryptosuiteHash(cryptosuite: JcsCryptosuite): (data: Uint8Array) => Uint8Array {
  return cryptosuite === 'sm2-jcs-2026' ? sm3 : sha256;
}

function nowWholeSeconds(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const utf8 = new TextEncoder();

/**
 * The suite's hash of a JCS text. SHA-256 takes the string as it is (node:crypto encodes it as UTF-8 natively, no
 * byte array in between: this runs twice for every proof verified); SM3 takes its UTF-8 bytes.
 */
function hashText(cryptosuite: JcsCryptosuite, text: string): Uint8Array {
  return cryptosuite === 'sm2-jcs-2026' ? sm3(utf8.encode(text)) : sha256(text);
}

/**
 * The suite's hash of the JCS text of an unsecured document (transformedDocumentHash, §3.3.4), for
 * verifyCanonicalProof: computed once per suite however many proofs sign the document.
 */
export function canonicalDocumentHash(cryptosuite: JcsCryptosuite, canonicalDocument: string): Uint8Array {
  const documentHash = new Uint8Array(32);
  hashTextInto(cryptosuite, canonicalDocument, documentHash, 0);
  return documentHash;
}

/**
 * §3.3.2 Verify Proof from canonical texts the caller already holds: `configText` is the JCS text of the proof's
 * configuration (the proof without `proofValue`; a proof of type DataIntegrityProof with a JCS `cryptosuite`, a
 * valid `created` and no `@context`, as the caller checked), `documentHash` is canonicalDocumentHash of the document
 * for that suite, and the key is one whose type the caller checked signs with `cryptosuite`. Computes
 * hashData = H(configText) || documentHash and verifies the base58btc signature in `proofValue` over it. Returns
 * false, never throws, for a malformed proofValue or a signature that does not verify.
 */
export function verifyCanonicalProof(
  cryptosuite: JcsCryptosuite,
  configText: string,
  documentHash: Uint8Array,
  proofValue: string,
  publicKeyMultibase: string,
): boolean {
  const signature = decodeProofValue(proofValue);
  if (signature === undefined) return false;
  return verifySignature(publicKeyMultibase, hashDataOfText(cryptosuite, configText, documentHash), signature);
}

/** hashText written into `target` at `offset` (SHA-256 without a buffer of its own). */
function hashTextInto(cryptosuite: JcsCryptosuite, text: string, target: Uint8Array, offset: number): void {
  if (cryptosuite === 'sm2-jcs-2026') target.set(sm3(utf8.encode(text)), offset);
  else sha256Into(text, target, offset);
}

/** §3.3.4 Hashing: proofConfigHash (of the configuration's JCS text) followed by transformedDocumentHash. */
function hashDataOfText(cryptosuite: JcsCryptosuite, configText: string, documentHash: Uint8Array): Uint8Array {
  const data = new Uint8Array(64);
  hashTextInto(cryptosuite, configText, data, 0);
  data.set(documentHash, 32);
  return data;
}

/** §3.3.4 Hashing: proofConfigHash followed by transformedDocumentHash. */
function hashData(cryptosuite: JcsCryptosuite, proofConfig: object, documentHash: Uint8Array): Uint8Array {
  return hashDataOfText(cryptosuite, canonicalize(proofConfig), documentHash);
}

function documentContext(unsecured: object): unknown {
  return (unsecured as { '@context'?: unknown })['@context'];
}

function withoutProof(document: object): Record<string, unknown> {
  const { proof: _proof, ...rest } = document as Record<string, unknown>;
  return rest;
}

/**
 * Creates a proof over `unsecured` (a document without `proof`; a `proof` member is ignored). Follows §3.3.1 Create
 * Proof: the proof copies the document's `@context` when present. Throws TypeError/RangeError for bad options.
 */
export async function createProof(unsecured: object, options: CreateProofOptions): Promise<DataIntegrityProof> {
  const { signer } = options;
  const cryptosuite = options.cryptosuite ?? cryptosuiteFor(signer.keyType);
  if (cryptosuite !== cryptosuiteFor(signer.keyType)) {
    throw new RangeError(`${cryptosuite} cannot sign with a ${signer.keyType} key`);
  }
  const created = options.created ?? nowWholeSeconds();
  if (!isXsdDateTime(created)) throw new RangeError(`created "${created}" is not an XML Schema dateTime`);
  if (typeof options.verificationMethod !== 'string' || typeof options.proofPurpose !== 'string') {
    throw new TypeError('verificationMethod and proofPurpose must be strings');
  }
  const proof: DataIntegrityProof = {
    type: 'DataIntegrityProof',
    cryptosuite,
    created,
    verificationMethod: options.verificationMethod,
    proofPurpose: options.proofPurpose,
    proofValue: '',
  };
  if (options.challenge !== undefined) proof.challenge = options.challenge;
  if (options.domain !== undefined) proof.domain = options.domain;
  const document = withoutProof(unsecured);
  const context = documentContext(document);
  if (context !== undefined) proof['@context'] = context;
  const { proofValue: _empty, ...proofConfig } = proof;
  const signature = await signer(hashData(cryptosuite, proofConfig, hashText(cryptosuite, canonicalize(document))));
  proof.proofValue = encodeBase58btc(signature);
  return proof;
}

/** §3.3.2 step 4.1: the document's @context starts with every value of the proof's @context, in order. */
function contextStartsWith(documentContextValue: unknown, proofContext: unknown): boolean {
  const documentValues = Array.isArray(documentContextValue) ? documentContextValue : [documentContextValue];
  const proofValues = Array.isArray(proofContext) ? proofContext : [proofContext];
  if (proofValues.length > documentValues.length) return false;
  return proofValues.every((value, index) => {
    const candidate = documentValues[index];
    return candidate === value || (isObject(candidate) && isObject(value) && sameJson(candidate, value));
  });
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function sameJson(a: object, b: object): boolean {
  try {
    return canonicalize(a) === canonicalize(b);
  } catch {
    return false;
  }
}

function decodeProofValue(proofValue: unknown): Uint8Array | undefined {
  if (typeof proofValue !== 'string' || !proofValue.startsWith('z')) return undefined;
  try {
    return decodeBase58btc(proofValue);
  } catch {
    return undefined;
  }
}

function keyMatchesSuite(publicKeyMultibase: string, cryptosuite: JcsCryptosuite): boolean {
  try {
    return cryptosuiteFor(multikeyType(publicKeyMultibase)) === cryptosuite;
  } catch {
    return false;
  }
}

/** A proof's configuration (§3.3.5), or undefined when it is not a well-formed JCS proof. */
function proofConfiguration(proof: DataIntegrityProof): Record<string, unknown> | undefined {
  if (!isObject(proof) || proof.type !== 'DataIntegrityProof' || !isJcsCryptosuite(proof.cryptosuite)) return undefined;
  if (proof.created !== undefined && !isXsdDateTime(proof.created)) return undefined;
  const { proofValue: _value, ...config } = proof;
  return config;
}

/**
 * A verifier bound to one unsecured document: it canonicalises the document once and hashes it once per suite,
 * however many proofs it checks (an operation carries one proof per signer). Proofs carrying their own `@context`
 * hash their own view. `canonicalDocument`, when the caller already holds it, is the JCS text of `unsecured` without
 * its `proof` (parseCanonicalOperation cuts it from the text it hashed), saving the canonicalisation.
 */
export function proofVerifier(
  unsecured: object,
  canonicalDocument?: string,
): (proof: DataIntegrityProof, publicKeyMultibase: string) => boolean {
  let document: Record<string, unknown> | undefined;
  let documentText: string | undefined = canonicalDocument;
  const documentHashes = new Map<JcsCryptosuite, Uint8Array>();
  const hashOf = (cryptosuite: JcsCryptosuite, context: unknown): Uint8Array => {
    if (context !== undefined) {
      document ??= withoutProof(unsecured);
      return hashText(cryptosuite, canonicalize({ ...document, '@context': context }));
    }
    let documentHash = documentHashes.get(cryptosuite);
    if (documentHash === undefined) {
      documentText ??= canonicalize(withoutProof(unsecured));
      documentHash = hashText(cryptosuite, documentText);
      documentHashes.set(cryptosuite, documentHash);
    }
    return documentHash;
  };
  return (proof, publicKeyMultibase) => {
    try {
      const config = proofConfiguration(proof);
      const signature = decodeProofValue(proof?.proofValue);
      if (config === undefined || signature === undefined) return false;
      if (!keyMatchesSuite(publicKeyMultibase, proof.cryptosuite)) return false;
      const context = config['@context'];
      if (context !== undefined && !contextStartsWith(documentContext(unsecured), context)) return false;
      return verifySignature(
        publicKeyMultibase,
        hashData(proof.cryptosuite, config, hashOf(proof.cryptosuite, context)),
        signature,
      );
    } catch {
      return false;
    }
  };
}

/**
 * Verifies one proof over `unsecured` (§3.3.2) with the public key the caller resolved from its
 * verificationMethod. Returns false, never throws, for anything malformed.
 */
export function verifyProof(unsecured: object, proof: DataIntegrityProof, publicKeyMultibase: string): boolean {
  if (!isObject(unsecured)) return false;
  return proofVerifier(unsecured)(proof, publicKeyMultibase);
}
