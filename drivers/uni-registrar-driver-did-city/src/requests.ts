/**
 * The registrar's request bodies (DID Registration §6, the OpenAPI `CreateRequest` / `UpdateRequest` /
 * `DeactivateRequest`), read strictly: a request either continues a job (`jobId`, and for a job waiting for
 * signatures `secret.signingResponse`) or starts one. Options are did:city's (below) plus the key-management
 * options of DID Registration §6 this driver supports; any other option is INVALID_OPTIONS, so a misspelt option
 * never silently changes what is signed.
 *
 * | option | operations | meaning |
 * |---|---|---|
 * | `clientSecretMode` | all | true or absent (this driver only runs in client-managed secret mode) |
 * | `network` | create | the DID's network segment (`test`), or absent for production; must match the DID |
 * | `updateKeys` | create (required), update | the update keys (Multikey) of the new state |
 * | `threshold` | create, update | how many of them must sign the next operation |
 * | `nextKeyHashes` / `nextUpdateKeys` | create, update | pre-rotation: key hashes (zQm…), or the keys to hash |
 * | `contact` | create of a division | `{ organisation, email }` for the institutes reviewing the application |
 * | `signingKeys` | all | the keys the client will sign with, when not the default (below) |
 * | `successor` | deactivate | the did:city DID that succeeds the deactivated one |
 */
import { isCityDid, isMultihashSha256, keyHash, multikeyType } from '@did-city/method';
import { DOCUMENT_OPERATIONS, type DocumentOperation } from './document.ts';
import { invalidOptions, malformed, RegistrarError } from './errors.ts';
import type { Contact } from './jobs.ts';
import type { Operation } from './states.ts';

export interface RegistrarOptions {
  network?: string;
  updateKeys?: string[];
  threshold?: number;
  nextKeyHashes?: string[];
  contact?: Contact;
  signingKeys?: string[];
  successor?: string;
}

/** A request that continues a job. */
export interface Continuation {
  jobId: string;
  signingResponse?: unknown;
}

export interface NewRequest {
  did: string;
  /** `secret.heldKeysToken`: asks the driver to sign with the keys it holds (when its operator configured some). */
  heldKeysToken?: string;
  options: RegistrarOptions;
  /** create: the document; update: one per document operation. */
  documents: unknown[];
  documentOperations: DocumentOperation[];
}

const KNOWN: Readonly<Record<Operation, readonly string[]>> = {
  create: [
    'clientSecretMode',
    'network',
    'updateKeys',
    'threshold',
    'nextKeyHashes',
    'nextUpdateKeys',
    'contact',
    'signingKeys',
  ],
  update: ['clientSecretMode', 'updateKeys', 'threshold', 'nextKeyHashes', 'nextUpdateKeys', 'signingKeys'],
  deactivate: ['clientSecretMode', 'signingKeys', 'successor'],
};
const MAX_KEYS = 10;
const MAX_CONTACT_FIELD = 254;
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function multikeys(value: unknown, name: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_KEYS) {
    invalidOptions(`options.${name} must be an array of 1 to ${MAX_KEYS} Multikey public keys`);
  }
  for (const [index, key] of value.entries()) {
    try {
      multikeyType(key as string);
    } catch {
      invalidOptions(`options.${name}[${index}] is not a Multikey public key (z6Mk…, zDn…, zQ3s…)`);
    }
  }
  if (new Set(value).size !== value.length) invalidOptions(`options.${name} lists a key twice`);
  return value as string[];
}

function readThreshold(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > MAX_KEYS) {
    invalidOptions(`options.threshold must be an integer from 1 to ${MAX_KEYS}`);
  }
  return value as number;
}

function readNextKeyHashes(options: Record<string, unknown>): string[] | undefined {
  const { nextKeyHashes, nextUpdateKeys } = options;
  if (nextKeyHashes !== undefined && nextUpdateKeys !== undefined)
    invalidOptions('give options.nextKeyHashes or options.nextUpdateKeys, not both');
  if (nextUpdateKeys !== undefined) return multikeys(nextUpdateKeys, 'nextUpdateKeys').map(keyHash);
  if (nextKeyHashes === undefined) return undefined;
  if (
    !Array.isArray(nextKeyHashes) ||
    nextKeyHashes.length === 0 ||
    nextKeyHashes.length > MAX_KEYS ||
    !nextKeyHashes.every(isMultihashSha256)
  ) {
    invalidOptions(`options.nextKeyHashes must be an array of 1 to ${MAX_KEYS} key hashes (zQm…)`);
  }
  return nextKeyHashes as string[];
}

function readContact(value: unknown): Contact | undefined {
  if (value === undefined) return undefined;
  const fine = (text: unknown) => typeof text === 'string' && text.trim() !== '' && text.length <= MAX_CONTACT_FIELD;
  if (!isRecord(value) || !fine(value.organisation) || !fine(value.email) || Object.keys(value).length !== 2) {
    invalidOptions(
      'options.contact must be { organisation, email } (the institutes reviewing the application write to it)',
    );
  }
  return { organisation: value.organisation as string, email: value.email as string };
}

function readSecretMode(options: Record<string, unknown>): void {
  const mode = options.clientSecretMode;
  if (mode === undefined || mode === true) return;
  if (mode === false) {
    throw new RegistrarError(
      'FEATURE_NOT_SUPPORTED',
      'this driver runs in client-managed secret mode only: the client signs what it is asked to',
    );
  }
  invalidOptions('options.clientSecretMode must be a boolean');
}

export function readOptions(value: unknown, operation: Operation): RegistrarOptions {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) invalidOptions('options must be a JSON object');
  const unknown = Object.keys(value).filter((name) => !KNOWN[operation].includes(name));
  if (unknown.length > 0) {
    invalidOptions(
      `unknown option${unknown.length > 1 ? 's' : ''} ${unknown
        .slice(0, 5)
        .map((n) => `"${n.slice(0, 40)}"`)
        .join(', ')} for ${operation}; known: ${KNOWN[operation].join(', ')}`,
    );
  }
  readSecretMode(value);
  const options: RegistrarOptions = {};
  if (value.network !== undefined) {
    if (typeof value.network !== 'string' || !/^[a-z]{3,}$/.test(value.network))
      invalidOptions('options.network must be a network name of 3 or more lower-case letters');
    options.network = value.network;
  }
  if (value.updateKeys !== undefined) options.updateKeys = multikeys(value.updateKeys, 'updateKeys');
  const threshold = readThreshold(value.threshold);
  if (threshold !== undefined) options.threshold = threshold;
  const hashes = readNextKeyHashes(value);
  if (hashes !== undefined) options.nextKeyHashes = hashes;
  const contact = readContact(value.contact);
  if (contact !== undefined) options.contact = contact;
  if (value.signingKeys !== undefined) options.signingKeys = multikeys(value.signingKeys, 'signingKeys');
  if (value.successor !== undefined) {
    if (!isCityDid(value.successor)) invalidOptions('options.successor must be a canonical did:city DID');
    options.successor = value.successor;
  }
  return options;
}

/** Private key material in `secret` is refused: client-managed mode never sends keys to the driver. */
function checkSecret(secret: unknown, continuing: boolean): { signingResponse?: unknown; heldKeysToken?: unknown } {
  if (secret === undefined || secret === null) return {};
  if (!isRecord(secret)) malformed('secret must be a JSON object');
  const methods = Array.isArray(secret.verificationMethod) ? secret.verificationMethod : [];
  if (methods.some((m) => isRecord(m) && (m.privateKeyJwk !== undefined || m.privateKeyMultibase !== undefined))) {
    throw new RegistrarError(
      'FEATURE_NOT_SUPPORTED',
      'secret carries private keys: this driver never takes them (client-managed secret mode); sign the signing requests instead',
    );
  }
  if (!continuing && secret.signingResponse !== undefined) {
    malformed('secret.signingResponse answers the signing requests of a job: send it with that jobId');
  }
  if (continuing && secret.heldKeysToken !== undefined)
    malformed('secret.heldKeysToken belongs to the request that starts a job');
  if (secret.heldKeysToken !== undefined && typeof secret.heldKeysToken !== 'string')
    malformed('secret.heldKeysToken must be a string');
  return { signingResponse: secret.signingResponse, heldKeysToken: secret.heldKeysToken };
}

/** `jobId` present: the continuation; otherwise undefined. */
export function readContinuation(body: Record<string, unknown>): Continuation | undefined {
  const { jobId } = body;
  if (jobId === undefined || jobId === null) return undefined;
  if (typeof jobId !== 'string' || !JOB_ID.test(jobId)) {
    throw new RegistrarError('UNKNOWN_JOB', 'jobId is not one this driver issues (a lower-case UUID)');
  }
  const { signingResponse } = checkSecret(body.secret, true);
  return signingResponse === undefined ? { jobId } : { jobId, signingResponse };
}

function readDid(body: Record<string, unknown>, fallback: unknown): string {
  const did = body.did ?? fallback;
  if (typeof did !== 'string' || did === '')
    malformed('the request needs the DID: `did`, or for a create `didDocument.id`');
  return did;
}

function documentOperations(body: Record<string, unknown>): {
  documents: unknown[];
  documentOperations: DocumentOperation[];
} {
  const documents = body.didDocument === undefined ? [] : body.didDocument;
  if (!Array.isArray(documents))
    malformed('didDocument of an update must be an array of documents (DID Registration §6)');
  const given = body.didDocumentOperation ?? (documents.length > 0 ? ['setDidDocument'] : []);
  if (!Array.isArray(given) || !given.every((op) => (DOCUMENT_OPERATIONS as readonly unknown[]).includes(op))) {
    throw new RegistrarError(
      'FEATURE_NOT_SUPPORTED',
      `didDocumentOperation must be an array of ${DOCUMENT_OPERATIONS.join(', ')}`,
    );
  }
  if (given.length !== documents.length)
    malformed(
      `didDocumentOperation has ${given.length} entries and didDocument ${documents.length}: one document per operation`,
    );
  return { documents, documentOperations: given as DocumentOperation[] };
}

/** A request that starts a job. */
export function readNewRequest(body: Record<string, unknown>, operation: Operation): NewRequest {
  const { heldKeysToken } = checkSecret(body.secret, false);
  const request = readRequestFields(body, operation);
  return heldKeysToken === undefined ? request : { ...request, heldKeysToken: heldKeysToken as string };
}

function readRequestFields(body: Record<string, unknown>, operation: Operation): NewRequest {
  const options = readOptions(body.options, operation);
  if (operation === 'create') {
    if (!isRecord(body.didDocument))
      malformed('didDocument must be the DID document to create (a JSON object with its id)');
    return {
      did: readDid(body, body.didDocument.id),
      options,
      documents: [body.didDocument],
      documentOperations: ['setDidDocument'],
    };
  }
  const did = readDid(body, undefined);
  if (operation === 'deactivate') {
    if (body.didDocument !== undefined || body.didDocumentOperation !== undefined)
      malformed('a deactivate takes no didDocument (DID Registration §6)');
    return { did, options, documents: [], documentOperations: [] };
  }
  return { did, options, ...documentOperations(body) };
}

export function readBody(body: unknown): Record<string, unknown> {
  if (!isRecord(body)) malformed('the request body must be a JSON object');
  return body;
}
