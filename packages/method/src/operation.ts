/**
 * Operations (spec §3): strict parsing, the operation hash, signing, and builders for the four types.
 *
 * parseOperation works on a copy re-read from the JCS text it measured, so what it returns is plain JSON data in
 * canonical member order, detached from the caller's objects, and exactly what was size-checked and hashed.
 */
import { encodeBase58btc } from './base58.ts';
import { createProof, cryptosuiteFor, isJcsCryptosuite, isXsdDateTime } from './data-integrity.ts';
import { isCityDid, parseDid } from './did.ts';
import { checkDocumentContent, contentOfDocument, invalidOperation, isRecord } from './document-content.ts';
import { DidCityError } from './errors.ts';
import { multihashSha256 } from './hash.ts';
import { checkResourceDescription } from './resource.ts';
import { canonicalBytes, canonicalize } from './jcs.ts';
import { multikeyType } from './multikey.ts';
import type { DataIntegrityProof, DidHistory, DocumentContent, Operation, Signer, UnsignedOperation } from './types.ts';

/** Spec §3.1: at most 60 KiB of JCS, proofs included. */
export const MAX_OPERATION_BYTES = 61440;
export const MAX_UPDATE_KEYS = 10;
export const PROOF_PURPOSE = 'capabilityInvocation';

const STATE_MEMBERS = ['type', 'did', 'seq', 'prev', 'updateKeys', 'threshold', 'document', 'proof'];
const MEMBERS = {
  create: { required: STATE_MEMBERS, optional: ['nextKeyHashes'] },
  update: { required: STATE_MEMBERS, optional: ['nextKeyHashes'] },
  recover: { required: STATE_MEMBERS, optional: ['nextKeyHashes'] },
  deactivate: { required: ['type', 'did', 'seq', 'prev', 'proof'], optional: ['successor'] },
  resource: { required: ['type', 'did', 'seq', 'prev', 'resource', 'proof'], optional: [] },
} as const;
const PROOF_MEMBERS = ['type', 'cryptosuite', 'created', 'verificationMethod', 'proofPurpose', 'proofValue'];
const BASE58BTC = /^z[1-9A-HJ-NP-Za-km-z]+$/;
const UTC_DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
/**
 * sha2-256 multihashes (0x12 0x20 and 32 bytes) are exactly the numbers in [0x1220·2^256, 0x1221·2^256). Every
 * one has 46 base58 digits, and base58btc's alphabet is in ASCII order, so for 47-character `z…` strings numeric
 * order is string order: the bounds' encodings decide membership without decoding (test/operation.test.ts checks
 * this against decoding).
 */
const SHA2_256_MULTIHASH_FROM = encodeBase58btc(Uint8Array.of(0x12, 0x20, ...new Uint8Array(32)));
const SHA2_256_MULTIHASH_BELOW = encodeBase58btc(Uint8Array.of(0x12, 0x21, ...new Uint8Array(32)));
const SHA2_256_MULTIHASH_LENGTH = 47;

/**
 * UTF-8 length of a string without encoding it. JCS text holds no lone surrogates (canonicalize rejects them), so
 * each surrogate pair is one 4-byte character: 2 bytes per UTF-16 unit.
 */
function utf8Length(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x80) length += unit >= 0x800 && (unit < 0xd800 || unit > 0xdfff) ? 2 : 1;
  }
  return length;
}

/** A base58btc sha2-256 multihash (`zQm…`): the form of operation hashes and pre-rotation key hashes. */
export function isMultihashSha256(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length === SHA2_256_MULTIHASH_LENGTH &&
    value >= SHA2_256_MULTIHASH_FROM &&
    value < SHA2_256_MULTIHASH_BELOW &&
    BASE58BTC.test(value)
  );
}

function checkMemberSet(value: Record<string, unknown>, type: keyof typeof MEMBERS): void {
  const { required, optional } = MEMBERS[type];
  for (const key of Object.keys(value)) {
    if (!(required as readonly string[]).includes(key) && !(optional as readonly string[]).includes(key)) {
      invalidOperation(key, `unknown member for a ${type} operation`);
    }
  }
  for (const key of required) if (!(key in value)) invalidOperation(key, `missing (required for ${type})`);
}

function checkChainMembers(op: Record<string, unknown>, type: string): void {
  if (!isCityDid(op.did)) invalidOperation('did', 'must be a canonical did:city DID');
  if (!Number.isSafeInteger(op.seq) || (op.seq as number) < 0)
    invalidOperation('seq', 'must be a non-negative integer');
  if (type === 'create') {
    if (op.seq !== 0) invalidOperation('seq', 'must be 0 for a create');
    if (op.prev !== null) invalidOperation('prev', 'must be null for a create');
  } else {
    if (op.seq === 0) invalidOperation('seq', `must be at least 1 for a ${type}`);
    if (!isMultihashSha256(op.prev))
      invalidOperation('prev', 'must be the operation hash (zQm…) of the previous operation');
  }
}

function checkStringArray(value: unknown, path: string, bounds: { min: number; max: number }): string[] {
  if (!Array.isArray(value)) invalidOperation(path, 'must be an array');
  if (value.length < bounds.min || value.length > bounds.max) {
    invalidOperation(path, `must hold ${bounds.min} to ${bounds.max} entries, has ${value.length}`);
  }
  value.forEach((entry, index) => {
    if (typeof entry !== 'string') invalidOperation(`${path}[${index}]`, 'must be a string');
    if (value.indexOf(entry) !== index)
      invalidOperation(`${path}[${index}]`, `duplicate of ${path}[${value.indexOf(entry)}]`);
  });
  return value as string[];
}

function checkKeyState(op: Record<string, unknown>): void {
  const keys = checkStringArray(op.updateKeys, 'updateKeys', { min: 1, max: MAX_UPDATE_KEYS });
  keys.forEach((key, index) => {
    try {
      multikeyType(key);
    } catch (cause) {
      invalidOperation(`updateKeys[${index}]`, `not a valid Multikey (${(cause as Error).message})`);
    }
  });
  if (!Number.isSafeInteger(op.threshold) || (op.threshold as number) < 1 || (op.threshold as number) > keys.length) {
    invalidOperation('threshold', `must be an integer from 1 to ${keys.length} (the number of updateKeys)`);
  }
  if (op.nextKeyHashes === undefined) return;
  const hashes = checkStringArray(op.nextKeyHashes, 'nextKeyHashes', { min: 1, max: MAX_UPDATE_KEYS });
  hashes.forEach((hash, index) => {
    if (!isMultihashSha256(hash)) invalidOperation(`nextKeyHashes[${index}]`, 'must be a sha2-256 multihash (zQm…)');
  });
}

function checkProof(proof: unknown, path: string): void {
  if (!isRecord(proof)) invalidOperation(path, 'must be an object');
  for (const key of Object.keys(proof))
    if (!PROOF_MEMBERS.includes(key)) invalidOperation(`${path}.${key}`, 'unknown member');
  for (const key of PROOF_MEMBERS) if (!(key in proof)) invalidOperation(`${path}.${key}`, 'missing');
  if (proof.type !== 'DataIntegrityProof') invalidOperation(`${path}.type`, 'must be "DataIntegrityProof"');
  if (!isJcsCryptosuite(proof.cryptosuite)) {
    invalidOperation(`${path}.cryptosuite`, 'must be "eddsa-jcs-2022", "ecdsa-jcs-2019" or "sm2-jcs-2026"');
  }
  if (!isXsdDateTime(proof.created) || !UTC_DATE_TIME.test(proof.created)) {
    invalidOperation(`${path}.created`, 'must be an XML Schema dateTime in UTC');
  }
  for (const key of ['verificationMethod', 'proofPurpose']) {
    if (typeof proof[key] !== 'string') invalidOperation(`${path}.${key}`, 'must be a string');
  }
  if (typeof proof.proofValue !== 'string' || !BASE58BTC.test(proof.proofValue)) {
    invalidOperation(`${path}.proofValue`, 'must be base58btc multibase (z…)');
  }
}

export const MAX_SUCCESSORS = 10;

/** R-OP-11: one successor DID (merger, rename, recode) or 2 to 10 distinct ones (split), of the same network. */
function checkSuccessor(successor: unknown, did: string): void {
  const split = Array.isArray(successor);
  const list: unknown[] = split ? successor : [successor];
  if (split && (list.length < 2 || list.length > MAX_SUCCESSORS)) {
    invalidOperation(
      'successor',
      `a split names 2 to ${MAX_SUCCESSORS} successors; one successor is written as a string`,
    );
  }
  list.forEach((value, index) => {
    const at = split ? `successor[${index}]` : 'successor';
    if (!isCityDid(value) || value === did)
      invalidOperation(at, 'must be a canonical did:city DID other than the deactivated one');
    if (parseDid(value).network !== parseDid(did).network) invalidOperation(at, 'must be a DID of the same network');
    if (list.indexOf(value) !== index) invalidOperation(at, 'duplicate');
  });
}

function checkShape(op: Record<string, unknown>): void {
  const { type } = op;
  if (type !== 'create' && type !== 'update' && type !== 'deactivate' && type !== 'recover' && type !== 'resource') {
    invalidOperation('type', 'must be "create", "update", "deactivate", "recover" or "resource"');
  }
  checkMemberSet(op, type);
  checkChainMembers(op, type);
  if (type === 'deactivate') {
    if (op.successor !== undefined) checkSuccessor(op.successor, op.did as string);
  } else if (type === 'resource') {
    checkResourceDescription(op.resource);
  } else {
    checkKeyState(op);
    checkDocumentContent(op.document, op.did as string);
  }
  if (!Array.isArray(op.proof) || op.proof.length === 0) invalidOperation('proof', 'must be a non-empty array');
  op.proof.forEach((proof, index) => {
    checkProof(proof, `proof[${index}]`);
  });
}

function canonicalText(value: unknown): string {
  if (!isRecord(value)) invalidOperation('operation', 'must be a JSON object');
  try {
    return canonicalize(value);
  } catch (cause) {
    if (cause instanceof TypeError || cause instanceof RangeError) invalidOperation('operation', cause.message);
    throw cause;
  }
}

/** A parsed operation with its hash and the JCS bytes of its unsigned part, which its proofs sign. */
export interface CanonicalOperation {
  operation: Operation;
  operationHash: string;
  /** JCS text of the operation without `proof`, cut from the text that was hashed: what its proofs sign (§3.6). */
  unsignedText: string;
}

/**
 * The JCS text of `operation` without its `proof` member, cut out of `text`, the JCS text `operation` was parsed
 * from; `operation` passed checkShape. The members are in canonical order and re-serialise to the text they were
 * parsed from, so the text ends with `,"proof":<proofs>` and the members after it (`proof` is never first: `did`
 * sorts before it). Where the proof member starts needs no second serialisation of the proofs: they are objects of
 * six string members (checkProof), and a JSON string holds no unescaped quote, so no `,"proof":[` occurs inside
 * them and the last one before the members after `proof` starts the top-level member, whatever the document
 * holds. Otherwise (never expected), the unsigned operation is canonicalised anew.
 */
function unsignedText(text: string, operation: Operation): string {
  const members = operation as unknown as Record<string, unknown>;
  const after: Record<string, unknown> = {};
  let seen = false;
  for (const key of Object.keys(members)) {
    if (seen) after[key] = members[key];
    else seen = key === 'proof';
  }
  const tail = JSON.stringify(after);
  // What follows the proof member: the members after it, then the closing brace.
  const rest = tail === '{}' ? '}' : `,${tail.slice(1)}`;
  const end = text.length - rest.length;
  const start = text.lastIndexOf(PROOF_MEMBER, end);
  if (start > 0 && text.endsWith(rest) && text.charCodeAt(end - 1) === CLOSING_BRACKET) {
    return text.slice(0, start) + rest;
  }
  const { proof: _proof, ...unsigned } = operation;
  return canonicalize(unsigned);
}

const PROOF_MEMBER = ',"proof":[';
const CLOSING_BRACKET = 0x5d;

/** The operation parsed from its JCS text, shape-checked, with that text (hashed as it is, UTF-8). */
function parseText(value: unknown): { operation: Operation; text: string } {
  const text = canonicalText(value);
  // A UTF-16 unit is at most 3 UTF-8 bytes: most operations are too small to need counting.
  const size = text.length * 3 <= MAX_OPERATION_BYTES ? 0 : utf8Length(text);
  if (size > MAX_OPERATION_BYTES) {
    throw new DidCityError(
      'OPERATION_TOO_LARGE',
      `operation: ${size} bytes in JCS form, at most ${MAX_OPERATION_BYTES} allowed`,
    );
  }
  const operation = JSON.parse(text) as Record<string, unknown>;
  checkShape(operation);
  return { operation: operation as unknown as Operation, text };
}

/**
 * Parses and shape-checks an operation (spec §3.1–3.2) and returns it with its operation hash (spec §3.3), both
 * from one canonicalisation. Throws OPERATION_TOO_LARGE past 61,440 bytes, INVALID_OPERATION otherwise.
 * Signatures and authorisation are checked by validateNextOperation.
 */
export function parseOperationWithHash(value: unknown): { operation: Operation; operationHash: string } {
  const { operation, text } = parseText(value);
  return { operation, operationHash: multihashSha256(text) };
}

/**
 * The JCS text of the configuration of a proof that passed checkProof (exactly the six members, all strings, no
 * lone surrogates since the operation's text had none): the proof without `proofValue`, members in code-unit order.
 * What canonicalize writes for it, without building the object.
 */
function proofConfigText(proof: DataIntegrityProof): string {
  return (
    `{"created":${JSON.stringify(proof.created)},"cryptosuite":${JSON.stringify(proof.cryptosuite)},` +
    `"proofPurpose":${JSON.stringify(proof.proofPurpose)},"type":"DataIntegrityProof",` +
    `"verificationMethod":${JSON.stringify(proof.verificationMethod)}}`
  );
}

/** parseCanonicalOperation, with the JCS text of each proof's configuration (what verifyOperation needs). */
export interface VerifiableOperation extends CanonicalOperation {
  /** `proofConfigTexts[i]`: the JCS text of `operation.proof[i]` without `proofValue` (its proofConfig, §3.6). */
  proofConfigTexts: string[];
}

/** parseCanonicalOperation and the canonical proof configurations, all from the one shape-checked parse. */
export function parseVerifiableOperation(value: unknown): VerifiableOperation {
  const { operation, text } = parseText(value);
  return {
    operation,
    operationHash: multihashSha256(text),
    unsignedText: unsignedText(text, operation),
    proofConfigTexts: operation.proof.map(proofConfigText),
  };
}

/**
 * parseOperationWithHash, and the bytes the operation's proofs sign cut from the same canonical text, with no second
 * canonicalisation.
 */
export function parseCanonicalOperation(value: unknown): CanonicalOperation {
  const { operation, operationHash, unsignedText } = parseVerifiableOperation(value);
  return { operation, operationHash, unsignedText };
}

/** parseOperationWithHash without the hash. */
export function parseOperation(value: unknown): Operation {
  return parseOperationWithHash(value).operation;
}

/** Spec §3.3: base58btc sha2-256 multihash of the JCS form of the whole operation, proofs included. */
export function operationHash(op: Operation): string {
  return multihashSha256(canonicalBytes(op));
}

/** The verificationMethod of an operation proof: the signing key as a did:key URL. */
export function didKeyUrl(multikey: string): string {
  return `did:key:${multikey}#${multikey}`;
}

/** Adds one proof per signer (a proof set, spec §3.6) and returns the parsed, signed operation. */
export async function signOperation(
  unsigned: UnsignedOperation,
  signers: Signer[],
  options: { created?: string } = {},
): Promise<Operation> {
  if (signers.length === 0) throw new TypeError('signOperation needs at least one signer');
  const { proof: _ignored, ...body } = unsigned as UnsignedOperation & { proof?: unknown };
  const proof: DataIntegrityProof[] = await Promise.all(
    signers.map((signer) =>
      createProof(body, {
        signer,
        verificationMethod: didKeyUrl(signer.publicKeyMultibase),
        proofPurpose: PROOF_PURPOSE,
        cryptosuite: cryptosuiteFor(signer.keyType),
        ...(options.created === undefined ? {} : { created: options.created }),
      }),
    ),
  );
  return parseOperation({ ...body, proof });
}

/** Where the next operation chains to: a DID's verified history, or its head when only that is known. */
export type ChainHead = { did: string; seq: number; operationHash: string } | DidHistory;

export interface KeyStateChanges {
  updateKeys?: string[];
  threshold?: number;
  /** Pre-rotation commitment for the next operation; not carried over from the previous state. */
  nextKeyHashes?: string[];
  document?: DocumentContent;
}

function isHistory(prev: ChainHead): prev is DidHistory {
  return 'head' in prev;
}

function chainOf(prev: ChainHead): { did: string; seq: number; prev: string } {
  if (isHistory(prev)) return { did: prev.did, seq: prev.head.seq + 1, prev: prev.head.operationHash };
  return { did: prev.did, seq: prev.seq + 1, prev: prev.operationHash };
}

function keyMembers(input: { updateKeys: string[]; threshold?: number; nextKeyHashes?: string[] }) {
  const members = { updateKeys: [...input.updateKeys], threshold: input.threshold ?? 1 };
  return input.nextKeyHashes === undefined ? members : { ...members, nextKeyHashes: [...input.nextKeyHashes] };
}

export function createOperation(input: {
  did: string;
  updateKeys: string[];
  threshold?: number;
  nextKeyHashes?: string[];
  document: DocumentContent;
}): UnsignedOperation {
  return {
    type: 'create',
    did: input.did,
    seq: 0,
    prev: null,
    ...keyMembers(input),
    document: structuredClone(input.document),
  };
}

/**
 * An update from `prev`. With a DidHistory, members not in `changes` keep their current values (the document is
 * taken from the latest version); with a bare head, updateKeys and document are required.
 */
export function updateOperation(prev: ChainHead, changes: KeyStateChanges): UnsignedOperation {
  const current = isHistory(prev) ? prev : undefined;
  const latest = current?.versions.at(-1)?.document;
  const updateKeys = changes.updateKeys ?? current?.keyState.updateKeys;
  const document = changes.document ?? (latest === undefined ? undefined : contentOfDocument(latest));
  if (updateKeys === undefined || document === undefined) {
    throw new TypeError('updateOperation from a chain head needs updateKeys and document');
  }
  const threshold = changes.threshold ?? current?.keyState.threshold;
  const keys = keyMembers({ updateKeys, threshold, nextKeyHashes: changes.nextKeyHashes });
  return { type: 'update', ...chainOf(prev), ...keys, document: structuredClone(document) };
}

/** A recover (spec §3.4): the parent quorum replaces the keys and the document. */
export function recoverOperation(
  prev: ChainHead,
  changes: Required<Pick<KeyStateChanges, 'updateKeys' | 'document'>> & KeyStateChanges,
): UnsignedOperation {
  return { type: 'recover', ...chainOf(prev), ...keyMembers(changes), document: structuredClone(changes.document) };
}

export function deactivateOperation(
  prev: ChainHead,
  options: { successor?: string | string[] } = {},
): UnsignedOperation {
  const op: UnsignedOperation = { type: 'deactivate', ...chainOf(prev) };
  return options.successor === undefined ? op : { ...op, successor: options.successor };
}
