/**
 * The one validator the ledger node and every resolver share (spec §3.4–3.5): is `op` a valid next operation for
 * its DID, given the DID's verified history and its parent's? The ledger runs it before integrating an operation;
 * resolvers run it (through applyOperation / replayHistory) on every entry they replay.
 */
import {
  committedQuorum,
  describeQuorum,
  keysQuorum,
  type OperationTexts,
  type Quorum,
  requireAnyQuorum,
  unauthorised,
  verifyOperationProofs,
} from './authorise.ts';
import { parentDid, parseDid } from './did.ts';
import { allocatableIn, latestDivisionEdition, lookupDivision } from './divisions.ts';
import { divisionEditionOf } from './document-content.ts';
import { DidCityError } from './errors.ts';
import { keyHash } from './hash.ts';
import { operationHash, parseVerifiableOperation } from './operation.ts';
import type { DidHistory, KeyState, Operation, ResourceOperation, StateOperation } from './types.ts';

/**
 * Trust-policy pins for country registry DIDs (spec §3.5, §7.4): the genesis operation hash and/or its initial
 * update keys (as a set). A registry with no pin accepts any self-signed genesis.
 */
export type GenesisPolicy = Record<string, { operationHash?: string; updateKeys?: string[] }>;

export interface ValidationContext {
  /** The DID's current verified history; undefined if the DID has none. */
  history?: DidHistory;
  /** The parent DID's verified history (any length: the state at `leafIndex` is taken from it). */
  parent?: DidHistory;
  /** Leaf index where `op` is or would be integrated; default: after everything (the parent's current state). */
  leafIndex?: number;
  genesis?: GenesisPolicy;
}

function lastIndexBefore(history: DidHistory, leafIndex: number): number {
  let low = 0;
  let high = history.versions.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (history.versions[middle]!.leafIndex < leafIndex) low = middle + 1;
    else high = middle;
  }
  return low - 1;
}

/**
 * Key state of a DID at a log position: the state after its last operation with a leaf index below `leafIndex`.
 * Undefined when the DID did not exist yet or was deactivated by then.
 */
export function keyStateAt(history: DidHistory | undefined, leafIndex: number): KeyState | undefined {
  if (history === undefined) return undefined;
  const { deactivation } = history;
  if (deactivation !== undefined && deactivation.leafIndex < leafIndex) return undefined;
  return history.versions[lastIndexBefore(history, leafIndex)]?.keyState;
}

function checkChain(op: Operation, history: DidHistory | undefined): void {
  if (history !== undefined && history.did !== op.did) {
    throw new DidCityError(
      'INVALID_OPERATION',
      `did: operation is for ${op.did}, the history given is ${history.did}'s`,
    );
  }
  if (history?.deactivation !== undefined) {
    const at = history.deactivation.seq;
    throw new DidCityError('DID_DEACTIVATED', `${op.did} was deactivated at seq ${at}; no operation is valid after it`);
  }
  if (history === undefined) {
    if (op.type !== 'create') {
      throw new DidCityError('STALE_OPERATION', `seq: ${op.did} has no operations; the first must be a create (seq 0)`);
    }
    return;
  }
  if (op.type === 'create') {
    throw new DidCityError('STALE_OPERATION', `type: ${op.did} already exists; a DID is never created twice`);
  }
  if (op.seq !== history.head.seq + 1) {
    throw new DidCityError('STALE_OPERATION', `seq: expected ${history.head.seq + 1} (head + 1), got ${op.seq}`);
  }
  if (op.prev !== history.head.operationHash) {
    throw new DidCityError(
      'STALE_OPERATION',
      `prev: expected ${history.head.operationHash} (the head), got ${op.prev}`,
    );
  }
}

/** The parent's key state where `op` is integrated; UNAUTHORIZED_OPERATION if it cannot authorise there. */
function parentState(op: Operation, context: ValidationContext): KeyState {
  const parent = parentDid(op.did);
  if (parent === undefined) return unauthorised(`${op.type}: ${op.did} is a country registry; it has no parent`);
  if (context.parent !== undefined && context.parent.did !== parent) {
    throw new TypeError(`The parent history given is ${context.parent.did}'s, ${op.did}'s parent is ${parent}`);
  }
  const leafIndex = context.leafIndex ?? Number.POSITIVE_INFINITY;
  const deactivation = context.parent?.deactivation;
  if (deactivation !== undefined && deactivation.leafIndex < leafIndex) {
    return unauthorised(
      `${op.type}: parent ${parent} is deactivated at this position (leaf ${deactivation.leafIndex})`,
    );
  }
  const state = keyStateAt(context.parent, leafIndex);
  if (state === undefined) return unauthorised(`${op.type}: parent ${parent} does not exist at this position`);
  return state;
}

function ownKeys(op: StateOperation): KeyState {
  return { updateKeys: op.updateKeys, threshold: op.threshold };
}

function checkGenesis(op: StateOperation, genesis: GenesisPolicy | undefined): void {
  const pin = genesis !== undefined && Object.hasOwn(genesis, op.did) ? genesis[op.did] : undefined;
  if (pin === undefined) return;
  if (pin.updateKeys !== undefined) {
    const pinned = new Set(pin.updateKeys);
    if (pinned.size !== op.updateKeys.length || !op.updateKeys.every((key) => pinned.has(key))) {
      unauthorised(`genesis: the update keys of ${op.did} differ from the keys pinned in the trust policy`);
    }
  }
  if (pin.operationHash !== undefined && operationHash(op) !== pin.operationHash) {
    unauthorised(`genesis: ${op.did}'s create is not the pinned genesis operation ${pin.operationHash}`);
  }
}

function authoriseCreate(op: StateOperation, signed: Set<string>, context: ValidationContext): void {
  requireAnyQuorum('create', [keysQuorum('proof of possession by the new update keys', ownKeys(op), signed)]);
  if (parentDid(op.did) === undefined) {
    checkGenesis(op, context.genesis);
    return;
  }
  requireAnyQuorum('create', [keysQuorum('parent allocation', parentState(op, context), signed)]);
}

function authoriseUpdate(op: StateOperation, state: KeyState, signed: Set<string>): void {
  if (state.nextKeyHashes === undefined) {
    requireAnyQuorum('update', [keysQuorum('current update keys', state, signed)]);
    return;
  }
  const committed = new Set(state.nextKeyHashes);
  const uncommitted = op.updateKeys.filter((key) => !committed.has(keyHash(key)));
  if (uncommitted.length > 0) {
    unauthorised(
      `update: pre-rotation: ${uncommitted.length} of ${op.updateKeys.length} new update keys are not in the previous nextKeyHashes`,
    );
  }
  // Both: the revealed keys prove possession at the threshold they set, and the committed keys meet the threshold
  // in force. Without the second, one holder of a committed key could reveal only itself with threshold 1 and take
  // a DID whose state requires several signers (the same rule a deactivate under pre-rotation follows).
  requireAnyQuorum('update', [keysQuorum('pre-rotation, revealed new update keys', ownKeys(op), signed)]);
  requireAnyQuorum('update', [committedQuorum('pre-rotation, keys committed in nextKeyHashes', state, signed)]);
}

/** A commitment to fewer next keys than the threshold could never be met: only the parent could change the DID. */
function checkCommitment(op: Operation): void {
  if (op.type === 'deactivate' || op.type === 'resource' || op.nextKeyHashes === undefined) return;
  if (op.nextKeyHashes.length < op.threshold) {
    throw new DidCityError(
      'INVALID_OPERATION',
      `nextKeyHashes: ${op.nextKeyHashes.length} committed keys cannot meet the threshold ${op.threshold} the next operation must meet`,
    );
  }
}

function authoriseDeactivate(op: Operation, state: KeyState, signed: Set<string>, context: ValidationContext): void {
  const controller: Quorum =
    state.nextKeyHashes === undefined
      ? keysQuorum('current update keys', state, signed)
      : committedQuorum('pre-rotation, keys committed in nextKeyHashes', state, signed);
  if (controller.met) return;
  let parentKeys: KeyState;
  try {
    parentKeys = parentState(op, context);
  } catch (cause) {
    if (!(cause instanceof DidCityError)) throw cause;
    unauthorised(`deactivate not authorised: ${describeQuorum(controller)}; the parent cannot sign (${cause.detail})`);
  }
  const parent = keysQuorum('parent', parentKeys, signed);
  requireAnyQuorum('deactivate', [controller, parent]);
}

/**
 * R-DLR-4: a resource is published by the DID's current update keys at their threshold, also under pre-rotation
 * (it changes no key state, like a KERI interaction event: the committed next keys are revealed only to rotate),
 * never by the parent; and R-DLR-1: its resourceId is new among the DID's resources.
 */
function authoriseResource(op: ResourceOperation, history: DidHistory, signed: Set<string>): void {
  const { resourceId } = op.resource;
  const taken = history.resources?.find((resource) => resource.resourceId === resourceId);
  if (taken !== undefined) {
    throw new DidCityError(
      'INVALID_OPERATION',
      `resource.resourceId: ${resourceId} is already used by seq ${taken.seq} of ${op.did}`,
    );
  }
  requireAnyQuorum('resource', [keysQuorum('current update keys', history.keyState, signed)]);
}

/**
 * Throws unless `op` (already parsed by parseOperation) is a valid next operation: STALE_OPERATION for a broken
 * seq/prev chain or a second create, DID_DEACTIVATED after a deactivate, INVALID_SIGNATURE for any bad proof,
 * UNAUTHORIZED_OPERATION when the signers do not meet the rule of spec §3.4 (the detail names the rule and counts).
 */
export function validateNextOperation(op: Operation, context: ValidationContext = {}): void {
  validate(op, context, undefined);
}

/**
 * parseCanonicalOperation then validateNextOperation, as a ledger node admits and a resolver replays an operation
 * as received: the proofs are checked over the unsigned text and proof configurations joined from the one
 * serialisation that was size-checked and hashed, not a second canonicalisation. Returns the parsed operation and
 * its hash; throws as the two do.
 */
export function verifyOperation(
  value: unknown,
  context: ValidationContext = {},
): { operation: Operation; operationHash: string } {
  const { operation, operationHash, unsignedText, proofConfigTexts } = parseVerifiableOperation(value);
  validate(operation, context, { unsignedText, proofConfigTexts });
  return { operation, operationHash };
}

function validate(op: Operation, context: ValidationContext, texts: OperationTexts | undefined): void {
  checkChain(op, context.history);
  checkCommitment(op);
  const signed = verifyOperationProofs(op, texts);
  const state = context.history?.keyState;
  if (op.type === 'create') authoriseCreate(op, signed, context);
  else if (op.type === 'update') authoriseUpdate(op, state!, signed);
  else if (op.type === 'deactivate') authoriseDeactivate(op, state!, signed, context);
  else if (op.type === 'resource') authoriseResource(op, context.history!, signed);
  else requireAnyQuorum('recover', [keysQuorum('parent', parentState(op, context), signed)]);
}

function describeRetirement(code: string): string {
  const division = lookupDivision(code);
  if (division?.retired === undefined) return `is not in force in that edition (first listed in ${division?.since})`;
  const where = division.successors?.length ? ` (${division.change} into ${division.successors.join(', ')})` : '';
  return `was retired in edition ${division.retired}${where}`;
}

/**
 * R-ALLOC-2, applied by a ledger node when it admits an operation, never on replay (a table retires codes after
 * their DIDs were created): a `create` of a `cn` division needs a code in force in the edition the registry
 * states (its CityDivisionEdition service; else the newest bundled edition). `registry` is the country
 * registry's verified history. Throws INVALID_OPERATION otherwise.
 */
export function checkAllocation(op: Operation, registry: DidHistory | undefined): void {
  if (op.type !== 'create') return;
  const { country, division, subIds } = parseDid(op.did);
  if (country !== 'cn' || division === undefined || subIds.length > 0) return;
  const stated = divisionEditionOf(registry?.versions.at(-1)?.document);
  const edition = stated ?? latestDivisionEdition();
  if (allocatableIn(division, edition)) return;
  throw new DidCityError(
    'INVALID_OPERATION',
    `did: division ${division} (${lookupDivision(division)?.name}) ${describeRetirement(division)}; the registry allocates from edition ${edition}, so no new DID is created for it (spec §2, R-ALLOC-2)`,
  );
}
