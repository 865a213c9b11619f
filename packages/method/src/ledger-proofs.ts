/**
 * The checks a client of the ledger makes before believing it (spec §7.6): a checkpoint signed by the policy's
 * log and co-signed by its witness quorum (UNTRUSTED_CHECKPOINT otherwise), and a leaf recomputed from
 * `{integratedTime, operation}` that an inclusion proof ties to that checkpoint's root (INVALID_LEDGER_PROOF
 * otherwise). A served leaf hash is never trusted.
 */
import {
  type Checkpoint,
  type CheckpointVerdict,
  evaluateCheckpoint,
  leafHash,
  type TlogPolicy,
  verifyInclusion,
} from '@did-city/tlog';
import { DidCityError } from './errors.ts';
import { canonicalBytes } from './jcs.ts';

const HASH_BYTES = 32;

export function invalidProof(detail: string): DidCityError {
  return new DidCityError('INVALID_LEDGER_PROOF', detail);
}

/** A 32-byte hash from canonical base64; undefined for anything else. */
export function decodeHash(value: unknown): Uint8Array | undefined {
  if (typeof value !== 'string') return undefined;
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length !== HASH_BYTES || bytes.toString('base64') !== value) return undefined;
  return new Uint8Array(bytes);
}

export function decodeProof(value: unknown): Uint8Array[] | undefined {
  if (!Array.isArray(value) || value.length > 64) return undefined;
  const hashes = value.map(decodeHash);
  return hashes.every((hash) => hash !== undefined) ? (hashes as Uint8Array[]) : undefined;
}

/** The checkpoint of a signed note that satisfies the policy (log signature and witness quorum). */
export function trustedCheckpoint(note: unknown, policy: TlogPolicy): Checkpoint {
  return trustedVerdict(note, policy).checkpoint;
}

/** The policy's verdict on a signed note that satisfies it; UNTRUSTED_CHECKPOINT otherwise. */
export function trustedVerdict(note: unknown, policy: TlogPolicy): CheckpointVerdict {
  if (typeof note !== 'string') throw new DidCityError('UNTRUSTED_CHECKPOINT', 'the ledger served no checkpoint note');
  let verdict: ReturnType<typeof evaluateCheckpoint>;
  try {
    verdict = evaluateCheckpoint(note, policy);
  } catch {
    throw new DidCityError('UNTRUSTED_CHECKPOINT', 'the checkpoint is not a well-formed signed tlog-checkpoint note');
  }
  if (!verdict.logSigned) {
    const origin = verdict.checkpoint.origin.slice(0, 100);
    throw new DidCityError(
      'UNTRUSTED_CHECKPOINT',
      `the checkpoint of ${origin} is not signed by a log of the trust policy`,
    );
  }
  if (!verdict.quorum) {
    const cosigners = verdict.cosigners.map((c) => c.witness).join(', ') || 'none';
    const detail = `the checkpoint of size ${verdict.checkpoint.size} lacks the witness quorum (valid cosignatures: ${cosigners})`;
    throw new DidCityError('UNTRUSTED_CHECKPOINT', detail);
  }
  return verdict;
}

/** RFC 6962 leaf hash of a log entry (spec §4): the leaf is JCS({integratedTime, operation}). */
export function entryLeafHash(integratedTime: string, operation: unknown): Uint8Array {
  try {
    return leafHash(canonicalBytes({ integratedTime, operation }));
  } catch {
    throw invalidProof('a log entry cannot be canonicalised into a leaf');
  }
}

/** Checks that `hash` is leaf `index` of the checkpoint's tree by its audit path; INVALID_LEDGER_PROOF otherwise. */
export function checkInclusion(input: {
  index: number;
  hash: Uint8Array;
  proof: unknown;
  checkpoint: Checkpoint;
}): void {
  const { index, hash, checkpoint } = input;
  const proof = decodeProof(input.proof);
  if (proof === undefined) throw invalidProof(`the inclusion proof of leaf ${index} is not a list of base64 hashes`);
  const check = { leafIndex: index, treeSize: checkpoint.size, leafHash: hash, proof, rootHash: checkpoint.rootHash };
  if (!verifyInclusion(check)) {
    throw invalidProof(
      `leaf ${index} is not included in the checkpoint of size ${checkpoint.size}: its proof does not verify`,
    );
  }
}
