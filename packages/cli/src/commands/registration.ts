/**
 * The registration workflow (issue #6 contract): a city applies for its division DID with a create operation
 * signed by its own key; institutes list applications and approve or reject them, each with a proof made by
 * one of the registry's update keys. When approvals reach the registry's threshold the ledger node anchors the
 * create and the application's status becomes `anchored`.
 */
import {
  canonicalBytes,
  createOperation,
  createProof,
  didKeyUrl,
  isMultihashSha256,
  multihashSha256,
  type Operation,
  PROOF_PURPOSE,
  parseDid,
  signOperation,
  type UnsignedOperation,
} from '@did-city/method';
import { type CommandSpec, need, str, UsageError } from '../args.ts';
import type { Config } from '../config.ts';
import { requestJson } from '../http.ts';
import { signerOf } from '../keyfile.ts';
import { checkpointSize } from '../ledger.ts';
import { CliError, EXIT, type Output } from '../output.ts';
import { singleKeyDocument } from './documents.ts';
import { documentKey } from './operations.ts';

interface Outcome {
  id: string;
  did: string;
  status: string;
  submittedAt?: string;
  approvals?: Array<{ key: string; created: string }>;
  threshold?: number;
  rejection?: { reason: string; key: string; created: string };
  receipt?: { index: number; operationHash: string; integratedTime: string; checkpoint: string };
  contact?: { organisation: string; email: string };
  operation?: Operation;
}

const TOKEN_ENV = 'DID_CITY_TOKEN';
const TOKEN = { type: 'string', value: 'T', doc: `institute token (env ${TOKEN_ENV})` } as const;
const STATUSES = ['pending', 'approved', 'rejected', 'anchored'];

function registrationUrl(config: Config, id?: string): string {
  return new URL(id === undefined ? 'registrations' : `registrations/${encodeURIComponent(id)}`, config.ledger).href;
}

function checkId(id: string): string {
  if (!isMultihashSha256(id)) throw new UsageError(`"${id}" is not an application id (zQm…)`);
  return id;
}

export function outcomeText(outcome: Outcome): string {
  const lines = [`application ${outcome.id}`, `  DID        ${outcome.did}`, `  status     ${outcome.status}`];
  if (outcome.submittedAt) lines.push(`  submitted  ${outcome.submittedAt}`);
  if (outcome.contact) lines.push(`  contact    ${outcome.contact.organisation} <${outcome.contact.email}>`);
  if (outcome.approvals) lines.push(`  approvals  ${outcome.approvals.length} of ${outcome.threshold ?? '?'}`);
  for (const approval of outcome.approvals ?? []) lines.push(`    ${approval.key} at ${approval.created}`);
  if (outcome.rejection) lines.push(`  rejected   "${outcome.rejection.reason}" by ${outcome.rejection.key}`);
  if (outcome.receipt) {
    const { index, operationHash, checkpoint } = outcome.receipt;
    lines.push(`  anchored   leaf index ${index}, operation hash ${operationHash}, checkpoint size ${checkpointSize(checkpoint)}`);
  }
  return lines.join('\n');
}

export const apply: CommandSpec = {
  name: 'apply',
  summary: "Apply for a city's division DID: a create operation signed with your key, sent to the registry for review.",
  details: `The application id is the hash of the unsigned create operation. Follow it with: did-city registrations show ID.
Example: did-city apply --did did:city:cn:130100 --key sjz --organisation "Shijiazhuang Data Bureau" --email data@sjz.example`,
  options: {
    did: { type: 'string', value: 'DID', doc: 'the division DID, did:city:cn:<GB/T 2260 code>', required: true },
    key: { type: 'string', value: 'N', doc: "the city's update key (from the key file)", required: true },
    'signing-key': { type: 'string', value: 'N', doc: 'key published as #key-1 for authentication and credentials (default: --key)' },
    organisation: { type: 'string', value: 'O', doc: 'applying organisation (kept by the registry, not published)', required: true },
    email: { type: 'string', value: 'E', doc: 'contact e-mail (kept by the registry, not published)', required: true },
  },
  async run({ values, out, config }) {
    const did = need(values, 'did');
    const parsed = parseDid(did);
    if (parsed.division === undefined || parsed.subIds.length > 0) {
      throw new UsageError(`${did} is not a division DID; sub-identifiers are created with did-city create`);
    }
    const signer = signerOf(config.keyFile, need(values, 'key'));
    const document = singleKeyDocument(did, documentKey(config, values, signer));
    const unsigned = createOperation({ did, updateKeys: [signer.publicKeyMultibase], document });
    const operation = await signOperation(unsigned, [signer]);
    const contact = { organisation: need(values, 'organisation'), email: need(values, 'email') };
    out.progress(`sending the application for ${did} to ${config.ledger}…`);
    const outcome = (await requestJson(registrationUrl(config), { body: { operation, contact } })) as Outcome;
    out.result(`${outcome.id}\n${outcomeText(outcome)}\nnext: an institute approves it (did-city approve ${outcome.id} --key …)`, outcome);
    return EXIT.ok;
  },
};

/** Pages requested at a time; the ledger allows up to 1000. */
const PAGE = 1000;

/**
 * Every application, oldest first, following the listing's `next` cursor page by page (a ledger that answers a bare
 * array or one page without `next` is read as it is).
 */
async function listAll(config: Config, token: string | undefined, status?: string): Promise<Outcome[]> {
  const items: Outcome[] = [];
  const seen = new Set<string>();
  let after: string | undefined;
  for (;;) {
    const url = new URL(registrationUrl(config));
    if (status !== undefined) url.searchParams.set('status', status);
    url.searchParams.set('limit', String(PAGE));
    if (after !== undefined) url.searchParams.set('after', after);
    const answer = (await requestJson(url.href, { token })) as Outcome[] | { registrations?: Outcome[]; next?: unknown };
    if (Array.isArray(answer)) return answer;
    items.push(...(answer.registrations ?? []));
    if (typeof answer.next !== 'string' || answer.next === '') return items;
    if (seen.has(answer.next)) {
      throw new CliError({ exit: EXIT.refused, title: 'Listing loops', detail: `the ledger answered next=${answer.next} twice` });
    }
    seen.add(answer.next);
    after = answer.next;
  }
}

export const registrationsList: CommandSpec = {
  name: 'registrations list',
  summary: 'List applications with their contacts (institutes only: needs the institute token).',
  details: 'Oldest first; every page the ledger serves is fetched (following its `next` cursor).',
  options: { status: { type: 'string', value: 'S', doc: `only one status: ${STATUSES.join(', ')}` }, token: TOKEN },
  async run({ values, out, config }) {
    const status = str(values, 'status');
    if (status !== undefined && !STATUSES.includes(status)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
    const items = await listAll(config, config.token(values, TOKEN_ENV), status);
    out.result(items.length === 0 ? 'no applications' : items.map(outcomeText).join('\n\n'), items);
    return EXIT.ok;
  },
};

export const registrationsShow: CommandSpec = {
  name: 'registrations show',
  summary: 'Show the public outcome of an application: status, approvals, rejection reason, receipt.',
  positionals: [{ name: 'ID', doc: 'application id (zQm…), as printed by did-city apply' }],
  options: {},
  async run({ positionals, out, config }) {
    const outcome = (await requestJson(registrationUrl(config, checkId(positionals[0]!)))) as Outcome;
    out.result(outcomeText(outcome), outcome);
    return EXIT.ok;
  },
};

/**
 * The unsigned create an application is about. It is checked against the id before anything is signed, so an
 * institute never signs an operation other than the one it was shown.
 */
async function applicationOperation(config: Config, id: string, token: string | undefined): Promise<UnsignedOperation> {
  let outcome = (await requestJson(registrationUrl(config, id))) as Outcome;
  if (outcome.operation === undefined && token !== undefined) {
    outcome = (await listAll(config, token)).find((o) => o.id === id) ?? outcome;
  }
  if (outcome.operation === undefined) {
    throw new CliError({ exit: EXIT.refused, title: 'Operation unavailable', detail: `the ledger did not show the operation of ${id}`, hint: `pass the institute token (--token or ${TOKEN_ENV})` });
  }
  const { proof: _proof, ...unsigned } = outcome.operation;
  if (multihashSha256(canonicalBytes(unsigned)) !== id) {
    throw new CliError({ exit: EXIT.refused, title: 'Operation mismatch', detail: `the operation served for ${id} does not hash to it; nothing was signed` });
  }
  return unsigned as UnsignedOperation;
}

async function decide(options: { config: Config; out: Output; id: string; path: string; body: object }): Promise<Outcome> {
  const url = new URL(`registrations/${encodeURIComponent(options.id)}/${options.path}`, options.config.ledger).href;
  options.out.progress(options.path === 'approve' ? 'sending the approval; waiting for witness quorum if it completes the threshold…' : 'sending the rejection…');
  return (await requestJson(url, { body: options.body })) as Outcome;
}

export const approve: CommandSpec = {
  name: 'approve',
  summary: "Approve an application with one of the registry's update keys (an institute key).",
  details: 'When the approvals reach the registry threshold, the ledger anchors the create and prints its receipt.',
  positionals: [{ name: 'ID', doc: 'application id (zQm…)' }],
  options: { key: { type: 'string', value: 'N', doc: 'institute key (from the key file)', required: true }, token: TOKEN },
  async run({ values, positionals, out, config }) {
    const id = checkId(positionals[0]!);
    const signer = signerOf(config.keyFile, need(values, 'key'));
    const unsigned = await applicationOperation(config, id, str(values, 'token') ?? config.env(TOKEN_ENV));
    const proof = await createProof(unsigned, { signer, verificationMethod: didKeyUrl(signer.publicKeyMultibase), proofPurpose: PROOF_PURPOSE });
    const outcome = await decide({ config, out, id, path: 'approve', body: { proof } });
    if (outcome.receipt !== undefined) await (await config.client()).receipt(outcome.receipt.operationHash);
    out.result(outcomeText(outcome), outcome);
    return EXIT.ok;
  },
};

export const reject: CommandSpec = {
  name: 'reject',
  summary: "Reject an application, with a reason, signed with one of the registry's update keys.",
  positionals: [{ name: 'ID', doc: 'application id (zQm…)' }],
  options: {
    reason: { type: 'string', value: 'R', doc: 'why (1 to 500 characters, shown to the applicant)', required: true },
    key: { type: 'string', value: 'N', doc: 'institute key (from the key file)', required: true },
  },
  async run({ values, positionals, out, config }) {
    const id = checkId(positionals[0]!);
    const reason = need(values, 'reason');
    if (reason.length < 1 || reason.length > 500) throw new UsageError('--reason must be 1 to 500 characters');
    const signer = signerOf(config.keyFile, need(values, 'key'));
    const statement = { type: 'reject', registration: id, reason };
    const proof = await createProof(statement, { signer, verificationMethod: didKeyUrl(signer.publicKeyMultibase), proofPurpose: PROOF_PURPOSE });
    const outcome = await decide({ config, out, id, path: 'reject', body: { reason, proof } });
    out.result(outcomeText(outcome), outcome);
    return EXIT.ok;
  },
};
