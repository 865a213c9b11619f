/**
 * `update`: document edits (keys, services), key rotation and pre-rotation in one operation, built from the
 * DID's verified state. Under pre-rotation (spec §3.4) the current keys cannot sign: the revealed keys named with
 * --rotate-to sign, and they must hash to the committed `nextKeyHashes`.
 */
import {
  addService,
  addVerificationMethod,
  currentContent,
  type DidHistory,
  type DocumentContent,
  isRelationship,
  type KeyStateChanges,
  keyHash,
  type Relationship,
  removeService,
  removeVerificationMethod,
  type Signer,
  signOperation,
  updateOperation,
} from '@did-city/method';
import { type CommandSpec, list, str, UsageError, type Values } from '../args.ts';
import type { Config } from '../config.ts';
import { signerOf } from '../keyfile.ts';
import { liveState, printReceipt, submit } from '../ledger.ts';
import { CliError, EXIT } from '../output.ts';
import { didArgument, didOption, signers } from './operations.ts';

function relationships(values: Values): Relationship[] | undefined {
  const text = str(values, 'relationship');
  if (text === undefined) return undefined;
  const names = text.split(',').map((s) => s.trim());
  for (const name of names)
    if (!isRelationship(name)) throw new UsageError(`--relationship: "${name}" is not a verification relationship`);
  return names as Relationship[];
}

/** `id,type,endpoint`: the endpoint is everything after the second comma (URLs may hold commas). */
function serviceOf(text: string) {
  const first = text.indexOf(',');
  const second = first < 0 ? -1 : text.indexOf(',', first + 1);
  if (second < 0) throw new UsageError(`--add-service "${text}" must be id,type,endpoint`);
  return { id: text.slice(0, first), type: text.slice(first + 1, second), serviceEndpoint: text.slice(second + 1) };
}

function editedDocument(config: Config, values: Values, history: DidHistory): DocumentContent {
  const { did } = history;
  let content = currentContent(history) ?? {};
  const rels = relationships(values);
  for (const name of list(values, 'add-key')) {
    const publicKeyMultibase = signerOf(config.keyFile, name).publicKeyMultibase;
    content = addVerificationMethod(content, { did, publicKeyMultibase, ...(rels ? { relationships: rels } : {}) });
  }
  for (const id of list(values, 'remove-key')) content = removeVerificationMethod(content, { did, id });
  for (const text of list(values, 'add-service')) content = addService(content, { did, service: serviceOf(text) });
  for (const id of list(values, 'remove-service')) content = removeService(content, { did, id });
  return content;
}

/** The key-state changes and who signs: the current keys, or under pre-rotation the revealed ones. */
function keyChanges(
  config: Config,
  values: Values,
  history: DidHistory,
): { changes: KeyStateChanges; signWith: Signer[] } {
  const rotateTo = list(values, 'rotate-to').map((name) => signerOf(config.keyFile, name));
  const changes: KeyStateChanges = {};
  if (rotateTo.length > 0) {
    changes.updateKeys = rotateTo.map((s) => s.publicKeyMultibase);
    changes.threshold = Math.min(history.keyState.threshold, rotateTo.length);
  }
  const preRotate = list(values, 'pre-rotate');
  if (preRotate.length > 0)
    changes.nextKeyHashes = preRotate.map((name) => keyHash(signerOf(config.keyFile, name).publicKeyMultibase));
  const committed = history.keyState.nextKeyHashes;
  if (committed === undefined) return { changes, signWith: signers(config, list(values, 'key'), 'key') };
  if (rotateTo.length === 0) {
    throw new CliError({
      exit: EXIT.usage,
      title: 'Usage error',
      detail: `${history.did} is pre-rotated: its next update must reveal a committed key`,
      hint: 'add --rotate-to N with the key you committed with --pre-rotate',
    });
  }
  const uncommitted = rotateTo.find((s) => !committed.includes(keyHash(s.publicKeyMultibase)));
  if (uncommitted !== undefined) {
    throw new CliError({
      exit: EXIT.refused,
      title: 'Key not committed',
      detail: `${uncommitted.publicKeyMultibase} is not among the keys ${history.did} committed to`,
    });
  }
  return { changes, signWith: rotateTo };
}

const CHANGE_FLAGS = ['add-key', 'remove-key', 'add-service', 'remove-service', 'rotate-to', 'pre-rotate'];

export const update: CommandSpec = {
  name: 'update',
  summary: 'Update a DID: add or remove document keys and services, rotate its update keys, commit to the next ones.',
  details: `Several changes may be combined in one update. --relationship applies to the keys added with --add-key
(default: authentication,assertionMethod). --rotate-to replaces the update keys; --pre-rotate commits to the hash of
the key that must sign the next update (after which that key, named with --rotate-to, signs instead of --key).
Examples:
  did-city update --did did:city:cn:130100 --key sjz --add-key sjz-2 --relationship assertionMethod
  did-city update --did did:city:cn:130100 --key sjz --add-service catalog,DataCatalog,https://data.sjz.example/catalog/
  did-city update --did did:city:cn:130100 --key sjz --rotate-to sjz-next --pre-rotate sjz-after`,
  options: {
    did: didOption('the DID to update'),
    key: { type: 'string', value: 'N', doc: 'a current update key of the DID', multiple: true },
    'add-key': {
      type: 'string',
      value: 'N',
      doc: 'publish this key as a new verification method (#key-N)',
      multiple: true,
    },
    relationship: { type: 'string', value: 'R,R', doc: 'relationships of the added keys (comma-separated)' },
    'remove-key': {
      type: 'string',
      value: 'ID',
      doc: 'remove the verification method with this id (#key-1)',
      multiple: true,
    },
    'add-service': { type: 'string', value: 'ID,TYPE,URL', doc: 'add a service', multiple: true },
    'remove-service': { type: 'string', value: 'ID', doc: 'remove the service with this id', multiple: true },
    'rotate-to': {
      type: 'string',
      value: 'N',
      doc: 'make this key the update key (signs itself under pre-rotation)',
      multiple: true,
    },
    'pre-rotate': { type: 'string', value: 'N', doc: "commit to this key's hash for the next update", multiple: true },
  },
  async run({ values, out, config }) {
    const did = didArgument(values);
    if (!CHANGE_FLAGS.some((name) => values[name] !== undefined))
      throw new UsageError(`nothing to change: give one of --${CHANGE_FLAGS.join(', --')}`);
    const history = await liveState(config, out, did);
    const document = editedDocument(config, values, history);
    const { changes, signWith } = keyChanges(config, values, history);
    const operation = await signOperation(updateOperation(history, { ...changes, document }), signWith);
    printReceipt(out, await submit(config, out, operation));
    return EXIT.ok;
  },
};
