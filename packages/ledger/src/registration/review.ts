/**
 * The review rules of the registration workflow, as pure functions over the method library: an application must
 * be a create of a division DID signed by the applicant's own update keys meeting its threshold; an approval or
 * rejection must be a valid proof by one of the registry's current update keys. The assembled create is checked
 * with the method library's own validator (the one the sequencer and every resolver run) before it is recorded.
 */
import {
  canonicalBytes,
  type DataIntegrityProof,
  DidCityError,
  type DidHistory,
  type KeyState,
  multihashSha256,
  PROOF_PURPOSE,
  parseDid,
  parseOperation,
  type StateOperation,
  validateNextOperation,
  verifyProof,
} from '@did-city/method';
import type { Approval, Contact } from './types.ts';

export const MAX_REASON_LENGTH = 500;
export const MAX_CONTACT_FIELD = 254;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const DID_KEY_URL = /^did:key:(z[1-9A-HJ-NP-Za-km-z]+)#(z[1-9A-HJ-NP-Za-km-z]+)$/;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function malformed(detail: string): never {
  throw new DidCityError('MALFORMED_REQUEST', detail);
}

/** An operation without its `proof` member: what every proof over it signs. */
export function unsignedOf(operation: object): Record<string, unknown> {
  const { proof: _proof, ...unsigned } = operation as Record<string, unknown>;
  return unsigned;
}

/** The application id: the operation hash (zQm…) of the create without its proofs. */
export function registrationId(operation: object): string {
  return multihashSha256(canonicalBytes(unsignedOf(operation)));
}

/** What an institute signs to reject an application. */
export function rejectionPayload(id: string, reason: string): { type: 'reject'; registration: string; reason: string } {
  return { type: 'reject', registration: id, reason };
}

function readContact(value: unknown): Contact {
  if (!isRecord(value)) malformed('contact must be an object { organisation, email }');
  const extra = Object.keys(value).filter((key) => key !== 'organisation' && key !== 'email');
  if (extra.length > 0) malformed(`contact has unknown members: ${extra.slice(0, 5).join(', ')}`);
  const { organisation, email } = value;
  if (typeof organisation !== 'string' || organisation.trim() === '' || organisation.length > MAX_CONTACT_FIELD) {
    malformed(`contact.organisation must be a non-empty string of at most ${MAX_CONTACT_FIELD} characters`);
  }
  if (typeof email !== 'string' || email.length > MAX_CONTACT_FIELD || !EMAIL.test(email)) {
    malformed('contact.email must be an e-mail address');
  }
  return { organisation, email };
}

/** The Multikey a proof's verificationMethod names (`did:key:<mk>#<mk>`), with its purpose checked. */
export function signingKey(proof: DataIntegrityProof, where: string): string {
  if (proof.proofPurpose !== PROOF_PURPOSE) {
    throw new DidCityError('INVALID_SIGNATURE', `${where}: proofPurpose must be "${PROOF_PURPOSE}"`);
  }
  const match = DID_KEY_URL.exec(String(proof.verificationMethod));
  if (match === null || match[1] !== match[2]) {
    throw new DidCityError('INVALID_SIGNATURE', `${where}: verificationMethod must be "did:key:<multikey>#<multikey>"`);
  }
  return match[1]!;
}

/** Every applicant proof verifies, is by one of its own update keys, and they meet its own threshold. */
function checkApplicantProofs(operation: StateOperation): void {
  const unsigned = unsignedOf(operation);
  const own = new Set(operation.updateKeys);
  const signed = new Set<string>();
  operation.proof.forEach((proof, index) => {
    const key = signingKey(proof, `proof[${index}]`);
    if (!own.has(key)) {
      throw new DidCityError(
        'UNAUTHORIZED_OPERATION',
        `proof[${index}] is by ${key}, not one of the applicant's updateKeys: an application carries only the applicant's proofs; the registry's approvals are added by the node`,
      );
    }
    if (!verifyProof(unsigned, proof, key))
      throw new DidCityError('INVALID_SIGNATURE', `proof[${index}]: signature by ${key} does not verify`);
    signed.add(key);
  });
  if (signed.size < operation.threshold) {
    throw new DidCityError(
      'UNAUTHORIZED_OPERATION',
      `create: proof of possession by the new update keys: ${signed.size} of ${own.size} keys signed, ${operation.threshold} required`,
    );
  }
}

/** A create of a division DID (`did:city[:net]:cc:<code>`), not of a registry or a sub-identifier. */
function divisionCreate(value: unknown): StateOperation {
  // The DID is parsed first so that an unknown division code is INVALID_DID, not a generic shape error.
  if (isRecord(value) && typeof value.did === 'string') parseDid(value.did);
  const operation = parseOperation(value);
  const { division, subIds } = parseDid(operation.did);
  if (operation.type !== 'create' || division === undefined || subIds.length > 0) {
    throw new DidCityError(
      'INVALID_OPERATION',
      'an application is the create (seq 0) of a division DID (did:city[:network]:<country>:<division code>); registries and sub-identifiers are not allocated here',
    );
  }
  return operation as StateOperation;
}

/** Reads `{ operation, contact }`; throws the contract's DidCityError for anything an application cannot be. */
export function readApplication(body: unknown): { id: string; operation: StateOperation; contact: Contact } {
  if (!isRecord(body)) malformed('the body must be a JSON object { operation, contact }');
  const contact = readContact(body.contact);
  if (body.operation === undefined) malformed('operation is missing');
  const operation = divisionCreate(body.operation);
  checkApplicantProofs(operation);
  return { id: registrationId(operation), operation, contact };
}

/** A well-formed proof object, as the operation's proof set will carry it (exact members, UTC `created`). */
function checkProofShape(proof: unknown, unsigned: Record<string, unknown>): DataIntegrityProof {
  if (!isRecord(proof)) malformed('proof must be a DataIntegrityProof object');
  parseOperation({ ...unsigned, proof: [proof] });
  return proof as DataIntegrityProof;
}

/** A proof by one of the registry's current update keys; returns that key. */
export function registryKeyOf(proof: DataIntegrityProof, registry: KeyState, what: string): string {
  const key = signingKey(proof, `${what} proof`);
  if (!registry.updateKeys.includes(key)) {
    throw new DidCityError(
      'UNAUTHORIZED_OPERATION',
      `${what}: ${key} is not one of the registry's current update keys`,
    );
  }
  return key;
}

/** Checks an approval proof over the application's unsigned create; returns the approval to record. */
export function checkApproval(body: unknown, operation: StateOperation, registry: KeyState): Approval {
  if (!isRecord(body)) malformed('the body must be a JSON object { proof }');
  const unsigned = unsignedOf(operation);
  const proof = checkProofShape(body.proof, unsigned);
  const key = registryKeyOf(proof, registry, 'approval');
  if (!verifyProof(unsigned, proof, key))
    throw new DidCityError('INVALID_SIGNATURE', `approval: signature by ${key} does not verify`);
  return { key, created: proof.created!, proof };
}

export function readReason(reason: unknown): string {
  if (typeof reason !== 'string' || reason.trim().length === 0 || reason.length > MAX_REASON_LENGTH) {
    malformed(`reason must be a string of 1 to ${MAX_REASON_LENGTH} characters`);
  }
  return reason;
}

export function readProofObject(proof: unknown): DataIntegrityProof {
  if (!isRecord(proof)) malformed('proof must be a DataIntegrityProof object');
  return proof as DataIntegrityProof;
}

/** Checks `{ reason, proof }` of a rejection (one institute's objection); returns the reason and the signing key. */
export function checkRejection(body: unknown, id: string, registry: KeyState): { reason: string; key: string } {
  if (!isRecord(body)) malformed('the body must be a JSON object { reason, proof }');
  const reason = readReason(body.reason);
  const signed = readProofObject(body.proof);
  const key = registryKeyOf(signed, registry, 'rejection');
  if (!verifyProof(rejectionPayload(id, reason), signed, key)) {
    throw new DidCityError('INVALID_SIGNATURE', `rejection: signature by ${key} does not verify`);
  }
  return { reason, key };
}

/**
 * The create with the applicant's proofs followed by the approvals', validated as the next operation of a new DID
 * under the registry's current state, exactly as the sequencer will validate it.
 */
export function assemble(
  operation: StateOperation,
  approvals: readonly Approval[],
  registry: DidHistory,
): StateOperation {
  const proof = [...operation.proof, ...approvals.map((approval) => approval.proof)];
  const assembled = parseOperation({ ...unsignedOf(operation), proof }) as StateOperation;
  validateNextOperation(assembled, { parent: registry });
  return assembled;
}
