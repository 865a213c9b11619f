/**
 * Proof checking and quorum counting for operations (spec §3.4, §3.6). Every proof must verify, whether or not its
 * key counts towards a threshold: an operation carrying a bad proof is evidence of tampering, not noise.
 */
import {
  canonicalDocumentHash,
  cryptosuiteFor,
  type JcsCryptosuite,
  proofVerifier,
  verifyCanonicalProof,
} from './data-integrity.ts';
import { DidCityError } from './errors.ts';
import { keyHash } from './hash.ts';
import { multikeyType } from './multikey.ts';
import { PROOF_PURPOSE } from './operation.ts';
import type { DataIntegrityProof, KeyState, KeyType, Operation } from './types.ts';

const DID_KEY_URL = /^did:key:(z[1-9A-HJ-NP-Za-km-z]+)#(z[1-9A-HJ-NP-Za-km-z]+)$/;

function badProof(index: number, what: string): never {
  throw new DidCityError('INVALID_SIGNATURE', `proof[${index}]: ${what}`);
}

/** The Multikey a proof's verificationMethod names, checking the did:key:<mk>#<mk> form. */
function signingKey(proof: DataIntegrityProof, index: number): string {
  const match = DID_KEY_URL.exec(String(proof.verificationMethod));
  if (match === null || match[1] !== match[2]) {
    badProof(
      index,
      `verificationMethod must be "did:key:<multikey>#<multikey>", got ${JSON.stringify(proof.verificationMethod)}`,
    );
  }
  return match[1]!;
}

/**
 * What proof[index] must satisfy before its signature is checked: the purpose, the did:key form and a key whose
 * type signs with the proof's cryptosuite. Returns the signing Multikey.
 */
function checkProofKey(proof: DataIntegrityProof, index: number): string {
  if (proof.proofPurpose !== PROOF_PURPOSE) {
    badProof(index, `proofPurpose must be "${PROOF_PURPOSE}", got ${JSON.stringify(proof.proofPurpose)}`);
  }
  const multikey = signingKey(proof, index);
  let keyType: KeyType;
  try {
    keyType = multikeyType(multikey);
  } catch (cause) {
    return badProof(index, `verificationMethod names no valid Multikey (${(cause as Error).message})`);
  }
  if (proof.cryptosuite !== cryptosuiteFor(keyType)) {
    badProof(index, `cryptosuite ${proof.cryptosuite} does not sign with ${keyType} keys`);
  }
  return multikey;
}

/** The canonical texts parseVerifiableOperation cut for an operation: what its proofs sign, and their configurations. */
export interface OperationTexts {
  unsignedText: string;
  proofConfigTexts: readonly string[];
}

/**
 * Verifies every proof of a (parsed) operation over the operation without its `proof` member and returns the set of
 * Multikeys that signed. Throws INVALID_SIGNATURE naming the first bad proof. The unsigned operation is
 * canonicalised and hashed once for all proofs. `texts`, when given, are the canonical texts of an operation that
 * passed the shape check (parseVerifiableOperation): the unsigned operation and each proof's configuration, so
 * nothing is canonicalised again.
 */
export function verifyOperationProofs(op: Operation, texts?: OperationTexts): Set<string> {
  const proofs = op.proof;
  const signed = new Set<string>();
  if (texts !== undefined) {
    const documentHashes = new Map<JcsCryptosuite, Uint8Array>();
    proofs.forEach((proof, index) => {
      const multikey = checkProofKey(proof, index);
      const { cryptosuite } = proof;
      let documentHash = documentHashes.get(cryptosuite);
      if (documentHash === undefined) {
        documentHash = canonicalDocumentHash(cryptosuite, texts.unsignedText);
        documentHashes.set(cryptosuite, documentHash);
      }
      const configText = texts.proofConfigTexts[index]!;
      if (!verifyCanonicalProof(cryptosuite, configText, documentHash, proof.proofValue, multikey)) {
        badProof(index, `signature by ${multikey} does not verify`);
      }
      signed.add(multikey);
    });
    return signed;
  }
  const verify = proofVerifier(op);
  proofs.forEach((proof, index) => {
    const multikey = checkProofKey(proof, index);
    if (!verify(proof, multikey)) badProof(index, `signature by ${multikey} does not verify`);
    signed.add(multikey);
  });
  return signed;
}

/** The outcome of counting distinct signers of a key set against a threshold. */
export interface Quorum {
  rule: string;
  signed: number;
  of: number;
  threshold: number;
  met: boolean;
}

function quorum(rule: string, counted: { signed: number; of: number }, threshold: number): Quorum {
  return { rule, ...counted, threshold, met: counted.signed >= threshold };
}

/** "K signs with threshold t": at least t distinct keys of K made valid proofs. */
export function keysQuorum(rule: string, keys: KeyState, signed: ReadonlySet<string>): Quorum {
  const count = keys.updateKeys.filter((key) => signed.has(key)).length;
  return quorum(rule, { signed: count, of: keys.updateKeys.length }, keys.threshold);
}

/** Under pre-rotation: signers whose key hashes the state committed to, against the state's threshold. */
export function committedQuorum(rule: string, state: KeyState, signed: ReadonlySet<string>): Quorum {
  const committed = new Set(state.nextKeyHashes ?? []);
  const count = [...signed].filter((key) => committed.has(keyHash(key))).length;
  return quorum(rule, { signed: count, of: committed.size }, state.threshold);
}

export function describeQuorum(q: Quorum): string {
  return `${q.rule}: ${q.signed} of ${q.of} keys signed, ${q.threshold} required`;
}

/** Passes when any of the quorums is met; otherwise UNAUTHORIZED_OPERATION describing each one. */
export function requireAnyQuorum(operation: string, quorums: Quorum[]): void {
  if (quorums.some((q) => q.met)) return;
  throw new DidCityError(
    'UNAUTHORIZED_OPERATION',
    `${operation} not authorised: ${quorums.map(describeQuorum).join('; ')}`,
  );
}

export function unauthorised(detail: string): never {
  throw new DidCityError('UNAUTHORIZED_OPERATION', detail);
}
