/**
 * Proof checking and quorum counting for operations (spec §3.4, §3.6). Every proof must verify, whether or not its
 * key counts towards a threshold: an operation carrying a bad proof is evidence of tampering, not noise.
 */
import { cryptosuiteFor, proofVerifier } from './data-integrity.ts';
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

function checkProof(proof: DataIntegrityProof, index: number, verify: ReturnType<typeof proofVerifier>): string {
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
  if (!verify(proof, multikey)) badProof(index, `signature by ${multikey} does not verify`);
  return multikey;
}

/**
 * Verifies every proof of a (parsed) operation over the operation without its `proof` member and returns the set of
 * Multikeys that signed. Throws INVALID_SIGNATURE naming the first bad proof. The unsigned operation is
 * canonicalised and hashed once for all proofs; `unsignedText`, when given, is its JCS form already.
 */
export function verifyOperationProofs(op: Operation, unsignedText?: string): Set<string> {
  const proofs = op.proof;
  const verify = proofVerifier(op, unsignedText);
  const signed = new Set<string>();
  proofs.forEach((proof, index) => {
    signed.add(checkProof(proof, index, verify));
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
