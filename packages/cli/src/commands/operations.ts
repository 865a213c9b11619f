/**
 * `create`, `recover` and `deactivate`: each reads the verified state it builds on, builds the operation with the
 * method library's builders, signs with keys from the key file, submits through LedgerClient and prints the
 * verified receipt. (`update` has its own file: it has the most flags.)
 */
import {
  createOperation,
  currentContent,
  deactivateOperation,
  isCityDid,
  type Operation,
  parentDid,
  parseDid,
  recoverOperation,
  signOperation,
} from '@did-city/method';
import { type CommandSpec, list, need, str, UsageError, type Values } from '../args.ts';
import type { Config } from '../config.ts';
import { signerOf } from '../keyfile.ts';
import { liveState, printReceipt, submit } from '../ledger.ts';
import { EXIT } from '../output.ts';
import { singleKeyDocument, withoutKeys } from './documents.ts';

export function didOption(doc: string) {
  return { type: 'string', value: 'DID', doc, required: true } as const;
}

/** The --did value, canonical (a typo is a usage error, exit 2). */
export function didArgument(values: Values, name = 'did'): string {
  const did = need(values, name);
  if (!isCityDid(did)) {
    parseDid(did); // throws INVALID_DID with the reason
    throw new UsageError(`${did} is not in canonical form (lower case, no percent-encoding)`);
  }
  return did;
}

export function signers(config: Config, names: string[], flagName: string) {
  if (names.length === 0) throw new UsageError(`missing --${flagName}`);
  return names.map((name) => signerOf(config.keyFile, name));
}

/** The public key published as #key-1: the --signing-key when one is given, else `signer`'s. */
export function documentKey(config: Config, values: Values, signer: { publicKeyMultibase: string }): string {
  const published = str(values, 'signing-key');
  return published === undefined ? signer.publicKeyMultibase : signerOf(config.keyFile, published).publicKeyMultibase;
}

export const create: CommandSpec = {
  name: 'create',
  summary:
    "Create a sub-identifier (e.g. did:city:cn:130100:transport-bureau): its own key plus the parent's authorisation.",
  details: `The create is signed by the new DID's update key (--key) and by the parent's update keys (--parent-key,
as many as the parent's threshold). Division DIDs (did:city:cn:NNNNNN) are created through did-city apply.
Example: did-city create --did did:city:cn:130100:transport-bureau --key bureau --parent-key sjz`,
  options: {
    did: didOption('the new sub-identifier: <parent DID>:<label>'),
    key: { type: 'string', value: 'N', doc: "the new DID's update key", required: true },
    'parent-key': {
      type: 'string',
      value: 'P',
      doc: 'an update key of the parent DID',
      multiple: true,
      required: true,
    },
    'signing-key': { type: 'string', value: 'N', doc: 'key published as #key-1 (default: --key)' },
  },
  async run({ values, out, config }) {
    const did = didArgument(values);
    if (parseDid(did).subIds.length === 0)
      throw new UsageError(`${did} is not a sub-identifier; apply for a division DID with did-city apply`);
    await liveState(config, out, parentDid(did)!);
    const own = signerOf(config.keyFile, need(values, 'key'));
    const document = singleKeyDocument(did, documentKey(config, values, own));
    const unsigned = createOperation({ did, updateKeys: [own.publicKeyMultibase], document });
    const operation = await signOperation(unsigned, [
      own,
      ...signers(config, list(values, 'parent-key'), 'parent-key'),
    ]);
    printReceipt(out, await submit(config, out, operation));
    return EXIT.ok;
  },
};

export const recover: CommandSpec = {
  name: 'recover',
  summary: "Recover a DID whose keys were lost: the parent's update keys replace its keys.",
  details: `The recover sets --new-key as the only update key and as #key-1 (authentication, assertionMethod); services and
alsoKnownAs are kept, every other verification method is dropped. The history shows that the parent acted.`,
  options: {
    did: didOption('the DID to recover'),
    'parent-key': {
      type: 'string',
      value: 'P',
      doc: 'an update key of the parent DID',
      multiple: true,
      required: true,
    },
    'new-key': { type: 'string', value: 'N', doc: 'the new update key (from the key file)', required: true },
    'signing-key': { type: 'string', value: 'N', doc: 'key published as #key-1 (default: --new-key)' },
  },
  async run({ values, out, config }) {
    const did = didArgument(values);
    const history = await liveState(config, out, did);
    const fresh = signerOf(config.keyFile, need(values, 'new-key'));
    const document = singleKeyDocument(
      did,
      documentKey(config, values, fresh),
      withoutKeys(currentContent(history) ?? {}),
    );
    const unsigned = recoverOperation(history, { updateKeys: [fresh.publicKeyMultibase], document });
    const operation = await signOperation(unsigned, signers(config, list(values, 'parent-key'), 'parent-key'));
    printReceipt(out, await submit(config, out, operation));
    return EXIT.ok;
  },
};

export const deactivate: CommandSpec = {
  name: 'deactivate',
  summary: 'Deactivate a DID for good, optionally naming its successor. It can never be changed or created again.',
  details: "Signed by the DID's update keys (--key) or by its parent's (--parent-key).",
  options: {
    did: didOption('the DID to deactivate'),
    key: { type: 'string', value: 'N', doc: 'an update key of the DID', multiple: true },
    'parent-key': { type: 'string', value: 'P', doc: 'an update key of the parent (instead of --key)', multiple: true },
    successor: { type: 'string', value: 'DID', doc: 'the did:city DID that succeeds this one' },
  },
  async run({ values, out, config }) {
    const did = didArgument(values);
    const successor = str(values, 'successor');
    if (successor !== undefined) didArgument(values, 'successor');
    const names = [...list(values, 'key'), ...list(values, 'parent-key')];
    const keys = signers(config, names, 'key (or --parent-key)');
    const history = await liveState(config, out, did);
    const unsigned = deactivateOperation(history, successor === undefined ? {} : { successor });
    const operation: Operation = await signOperation(unsigned, keys);
    printReceipt(out, await submit(config, out, operation));
    return EXIT.ok;
  },
};
