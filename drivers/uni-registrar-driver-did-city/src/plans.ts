/**
 * What each registrar request becomes (spec §3.8): one unsigned did:city operation, the update keys asked to sign
 * it, and where the signed operation goes.
 *
 * - create of a division (`did:city:cn:130100`): the applicant's own update keys sign; the application goes to
 *   the registration workflow, where the registry's institutes approve it (spec §3.8.1 step 3).
 * - create of a sub-identifier (`did:city:cn:130100:transport-bureau`): its own update keys and the parent's
 *   update keys sign (the parent allocates it directly); it goes to the ledger.
 * - update: the current update keys sign, or under pre-rotation the revealed committed keys (spec §3.4 R-AUTH-3).
 * - deactivate: the current update keys, or under pre-rotation `signingKeys` naming committed keys (R-AUTH-4).
 *
 * The DID's state is read through the verifying reader; the operation's shape is checked before any signature is
 * requested, so a malformed document fails at once rather than after the client signed it.
 */
import {
  createOperation,
  currentContent,
  type DidHistory,
  DidCityError,
  deactivateOperation,
  keyHash,
  parentDid,
  parseDid,
  parseOperation,
  type UnsignedOperation,
  updateOperation,
} from '@did-city/method';
import { contentOf, editedContent } from './document.ts';
import { invalidOptions, RegistrarError } from './errors.ts';
import type { Contact } from './jobs.ts';
import type { LedgerGateway } from './ledger.ts';
import type { NewRequest } from './requests.ts';

export interface Plan {
  unsigned: UnsignedOperation;
  signers: string[];
  route: 'registration' | 'ledger';
  contact?: Contact;
  /** Told to the client with the signing requests. */
  description: string;
}

/** A proof with a valid shape, to check an unsigned operation with the full parser before it is signed. */
const PLACEHOLDER_PROOF = {
  type: 'DataIntegrityProof',
  cryptosuite: 'eddsa-jcs-2022',
  created: '2000-01-01T00:00:00Z',
  verificationMethod: 'did:key:placeholder',
  proofPurpose: 'capabilityInvocation',
  proofValue: 'z1',
};

function checkShape(unsigned: UnsignedOperation): void {
  parseOperation({ ...unsigned, proof: [PLACEHOLDER_PROOF] });
}

function unique(keys: string[]): string[] {
  return [...new Set(keys)];
}

/** `options.signingKeys`, each one of `allowed`; or the default. */
function chooseSigners(chosen: string[] | undefined, allowed: string[], fallback: string[], who: string): string[] {
  if (chosen === undefined) return fallback;
  const stranger = chosen.find((key) => !allowed.includes(key));
  if (stranger !== undefined) invalidOptions(`options.signingKeys: ${stranger} is not one of ${who}`);
  return chosen;
}

async function liveHistory(ledger: LedgerGateway, did: string): Promise<DidHistory> {
  const history = await ledger.history(did);
  if (history === undefined) throw new DidCityError('NOT_FOUND', `${did} does not exist on this ledger`);
  if (history.deactivation !== undefined)
    throw new DidCityError('DID_DEACTIVATED', `${did} is deactivated: no operation can follow`);
  return history;
}

async function planCreate(ledger: LedgerGateway, request: NewRequest): Promise<Plan> {
  const { did, options } = request;
  const parsed = parseDid(did);
  if (parsed.did !== did) throw new DidCityError('INVALID_DID', `${did} is not in canonical form (${parsed.did})`);
  if ((options.network ?? undefined) !== parsed.network)
    invalidOptions(`options.network does not match ${did} (network ${parsed.network ?? 'production'})`);
  if (parsed.division === undefined) {
    throw new RegistrarError(
      'FEATURE_NOT_SUPPORTED',
      `${did} is a country registry: its genesis goes through the ledger operator's governance path (spec §3.5)`,
    );
  }
  if (options.updateKeys === undefined)
    invalidOptions('options.updateKeys is required: the Multikey public keys that will control the new DID');
  const document = contentOf(did, request.documents[0], 'didDocument');
  const unsigned = createOperation({
    did,
    updateKeys: options.updateKeys,
    threshold: options.threshold ?? 1,
    document,
    ...(options.nextKeyHashes ? { nextKeyHashes: options.nextKeyHashes } : {}),
  });
  checkShape(unsigned);
  if ((await ledger.history(did)) !== undefined)
    throw new DidCityError('STALE_OPERATION', `${did} is already allocated`);
  if (parsed.subIds.length === 0) {
    if (options.contact === undefined)
      invalidOptions('options.contact ({ organisation, email }) is required: the institutes review the application');
    const signers = chooseSigners(options.signingKeys, options.updateKeys, options.updateKeys, 'the new updateKeys');
    const description = `Sign with the new DID's update keys (at least ${options.threshold ?? 1}); the application then waits for the registry's institutes.`;
    return { unsigned, signers, route: 'registration', contact: options.contact, description };
  }
  if (options.contact !== undefined)
    invalidOptions(
      "options.contact is for a division's application; a sub-identifier is allocated by its parent directly",
    );
  const parent = await liveHistory(ledger, parentDid(did)!);
  const both = unique([...options.updateKeys, ...parent.keyState.updateKeys]);
  const signers = chooseSigners(options.signingKeys, both, both, `the new updateKeys or ${parent.did}'s update keys`);
  const description = `Sign with the new DID's update keys and with ${parent.did}'s update keys (at least ${parent.keyState.threshold}): the parent allocates ${did}.`;
  return { unsigned, signers, route: 'ledger', description };
}

/** Under pre-rotation the revealed keys must hash to the commitment; they sign. */
function updateSigners(history: DidHistory, request: NewRequest): string[] {
  const { options } = request;
  const committed = history.keyState.nextKeyHashes;
  if (committed === undefined)
    return chooseSigners(
      options.signingKeys,
      history.keyState.updateKeys,
      history.keyState.updateKeys,
      `${history.did}'s update keys`,
    );
  if (options.updateKeys === undefined) {
    throw new DidCityError(
      'UNAUTHORIZED_OPERATION',
      `${history.did} is pre-rotated: its next update must reveal committed keys in options.updateKeys, and they sign it`,
    );
  }
  const uncommitted = options.updateKeys.find((key) => !committed.includes(keyHash(key)));
  if (uncommitted !== undefined)
    throw new DidCityError(
      'UNAUTHORIZED_OPERATION',
      `${uncommitted} is not among the keys ${history.did} committed to (nextKeyHashes)`,
    );
  return chooseSigners(options.signingKeys, options.updateKeys, options.updateKeys, 'the revealed updateKeys');
}

async function planUpdate(ledger: LedgerGateway, request: NewRequest): Promise<Plan> {
  const { did, options } = request;
  const history = await liveHistory(ledger, did);
  const keyChange =
    options.updateKeys !== undefined || options.threshold !== undefined || options.nextKeyHashes !== undefined;
  if (request.documents.length === 0 && !keyChange) {
    invalidOptions(
      'nothing to change: give didDocument (with didDocumentOperation) and/or options.updateKeys, threshold, nextKeyHashes',
    );
  }
  const document = editedContent(did, currentContent(history) ?? {}, request.documentOperations, request.documents);
  const updateKeys = options.updateKeys ?? history.keyState.updateKeys;
  const threshold = options.threshold ?? Math.min(history.keyState.threshold, updateKeys.length);
  const changes = {
    updateKeys,
    threshold,
    document,
    ...(options.nextKeyHashes ? { nextKeyHashes: options.nextKeyHashes } : {}),
  };
  const unsigned = updateOperation(history, changes);
  checkShape(unsigned);
  const signers = updateSigners(history, request);
  return {
    unsigned,
    signers,
    route: 'ledger',
    description: `Sign the update of ${did} (seq ${history.head.seq + 1}) with the keys requested.`,
  };
}

async function planDeactivate(ledger: LedgerGateway, request: NewRequest): Promise<Plan> {
  const { did, options } = request;
  const history = await liveHistory(ledger, did);
  const unsigned = deactivateOperation(
    history,
    options.successor === undefined ? {} : { successor: options.successor },
  );
  checkShape(unsigned);
  const committed = history.keyState.nextKeyHashes;
  let signers: string[];
  if (committed === undefined) {
    signers = options.signingKeys ?? history.keyState.updateKeys;
  } else {
    if (options.signingKeys === undefined) {
      throw new DidCityError(
        'UNAUTHORIZED_OPERATION',
        `${did} is pre-rotated: name the committed keys that sign in options.signingKeys (the current keys alone cannot deactivate it)`,
      );
    }
    signers = options.signingKeys;
  }
  // Any other key (the parent's quorum, R-AUTH-4) is the ledger's to judge; the driver only asks for the signatures.
  return { unsigned, signers, route: 'ledger', description: `Sign the deactivation of ${did}: it cannot be undone.` };
}

export function plan(
  ledger: LedgerGateway,
  operation: 'create' | 'update' | 'deactivate',
  request: NewRequest,
): Promise<Plan> {
  if (operation === 'create') return planCreate(ledger, request);
  if (operation === 'update') return planUpdate(ledger, request);
  return planDeactivate(ledger, request);
}
