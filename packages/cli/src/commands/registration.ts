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
import { type CommandSpec, need, str, UsageError, type Values } from '../args.ts';
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
  objections?: Array<{ key: string; reason: string; created: string }>;
  expiresAt?: string;
  rejection?: { reason: string; cause?: string; key?: string; keys?: string[]; created: string };
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

function rejectionText(rejection: NonNullable<Outcome['rejection']>): string {
  const keys = rejection.keys ?? (rejection.key === undefined ? [] : [rejection.key]);
  const by = keys.length === 0 ? '' : ` by ${keys.join(', ')}`;
  return `(${rejection.cause ?? 'objections'}) "${rejection.reason}"${by}`;
}

export function outcomeText(outcome: Outcome): string {
  const lines = [`application ${outcome.id}`, `  DID        ${outcome.did}`, `  status     ${outcome.status}`];
  if (outcome.submittedAt) lines.push(`  submitted  ${outcome.submittedAt}`);
  if (outcome.contact) lines.push(`  contact    ${outcome.contact.organisation} <${outcome.contact.email}>`);
  if (outcome.approvals) lines.push(`  approvals  ${outcome.approvals.length} of ${outcome.threshold ?? '?'}`);
  for (const approval of outcome.approvals ?? []) lines.push(`    ${approval.key} at ${approval.created}`);
  if (outcome.objections?.length)
    lines.push(`  objections ${outcome.objections.length} of ${outcome.threshold ?? '?'} (that many reject)`);
  for (const objection of outcome.objections ?? [])
    lines.push(`    ${objection.key} at ${objection.created}: "${objection.reason}"`);
  if (outcome.expiresAt) lines.push(`  expires    ${outcome.expiresAt} unless decided`);
  if (outcome.rejection) lines.push(`  rejected   ${rejectionText(outcome.rejection)}`);
  if (outcome.receipt) {
    const { index, operationHash, checkpoint } = outcome.receipt;
    lines.push(
      `  anchored   leaf index ${index}, operation hash ${operationHash}, checkpoint size ${checkpointSize(checkpoint)}`,
    );
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
    'signing-key': {
      type: 'string',
      value: 'N',
      doc: 'key published as #key-1 for authentication and credentials (default: --key)',
    },
    organisation: {
      type: 'string',
      value: 'O',
      doc: 'applying organisation (kept by the registry, not published)',
      required: true,
    },
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
    out.result(
      `${outcome.id}\n${outcomeText(outcome)}\nnext: an institute approves it (did-city approve ${outcome.id} --key …)`,
      outcome,
    );
    return EXIT.ok;
  },
};

/** Pages requested at a time; the ledger allows up to 1000. */
const PAGE = 1000;

/**
 * Every application, oldest first, following the listing's `next` cursor page by page (a ledger that answers a bare
 * array or one page without `next` is read as it is).
 */
async function listAll(
  config: Config,
  token: string | undefined,
  filter: Record<string, string> = {},
): Promise<Outcome[]> {
  const items: Outcome[] = [];
  const seen = new Set<string>();
  let after: string | undefined;
  for (;;) {
    const url = new URL(registrationUrl(config));
    for (const [name, value] of Object.entries(filter)) url.searchParams.set(name, value);
    url.searchParams.set('limit', String(PAGE));
    if (after !== undefined) url.searchParams.set('after', after);
    const answer = (await requestJson(url.href, { token })) as
      | Outcome[]
      | { registrations?: Outcome[]; next?: unknown };
    if (Array.isArray(answer)) return answer;
    items.push(...(answer.registrations ?? []));
    if (typeof answer.next !== 'string' || answer.next === '') return items;
    if (seen.has(answer.next)) {
      throw new CliError({
        exit: EXIT.refused,
        title: 'Listing loops',
        detail: `the ledger answered next=${answer.next} twice`,
      });
    }
    seen.add(answer.next);
    after = answer.next;
  }
}

const FILTER_OPTIONS = {
  did: { type: 'string', value: 'DID', doc: 'only applications for this DID' },
  email: { type: 'string', value: 'E', doc: 'only applications with this contact e-mail' },
  organisation: { type: 'string', value: 'O', doc: 'only applications from this organisation' },
  'submitted-after': { type: 'string', value: 'T', doc: 'only applications submitted after T (2026-12-03T18:00:00Z)' },
  'submitted-before': { type: 'string', value: 'T', doc: 'only applications submitted before T' },
} as const;

const UTC_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** The filter options as the ledger names them; times in UTC whole seconds. */
function filterOf(values: Values): Record<string, string> {
  const filter: Record<string, string> = {};
  for (const [option, name] of [
    ['did', 'did'],
    ['email', 'email'],
    ['organisation', 'organisation'],
    ['submitted-after', 'submittedAfter'],
    ['submitted-before', 'submittedBefore'],
  ] as const) {
    const value = str(values, option);
    if (value === undefined) continue;
    if (option.startsWith('submitted') && !UTC_SECONDS.test(value))
      throw new UsageError(`--${option} must be a UTC time in whole seconds, like 2026-12-03T18:00:00Z`);
    filter[name] = value;
  }
  return filter;
}

export const registrationsList: CommandSpec = {
  name: 'registrations list',
  summary: 'List applications with their contacts (institutes only: needs the institute token).',
  details:
    'Oldest first; every page the ledger serves is fetched (following its `next` cursor). Filters combine (all must match).',
  options: {
    status: { type: 'string', value: 'S', doc: `only one status: ${STATUSES.join(', ')}` },
    ...FILTER_OPTIONS,
    token: TOKEN,
  },
  async run({ values, out, config }) {
    const status = str(values, 'status');
    if (status !== undefined && !STATUSES.includes(status))
      throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
    const items = await listAll(config, config.token(values, TOKEN_ENV), {
      ...(status ? { status } : {}),
      ...filterOf(values),
    });
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
    throw new CliError({
      exit: EXIT.refused,
      title: 'Operation unavailable',
      detail: `the ledger did not show the operation of ${id}`,
      hint: `pass the institute token (--token or ${TOKEN_ENV})`,
    });
  }
  const { proof: _proof, ...unsigned } = outcome.operation;
  if (multihashSha256(canonicalBytes(unsigned)) !== id) {
    throw new CliError({
      exit: EXIT.refused,
      title: 'Operation mismatch',
      detail: `the operation served for ${id} does not hash to it; nothing was signed`,
    });
  }
  return unsigned as UnsignedOperation;
}

async function decide(options: {
  config: Config;
  out: Output;
  id: string;
  path: string;
  body: object;
}): Promise<Outcome> {
  const url = new URL(`registrations/${encodeURIComponent(options.id)}/${options.path}`, options.config.ledger).href;
  options.out.progress(
    options.path === 'approve'
      ? 'sending the approval; waiting for witness quorum if it completes the threshold…'
      : 'sending the objection…',
  );
  return (await requestJson(url, { body: options.body })) as Outcome;
}

export const approve: CommandSpec = {
  name: 'approve',
  summary: "Approve an application with one of the registry's update keys (an institute key).",
  details: 'When the approvals reach the registry threshold, the ledger anchors the create and prints its receipt.',
  positionals: [{ name: 'ID', doc: 'application id (zQm…)' }],
  options: {
    key: { type: 'string', value: 'N', doc: 'institute key (from the key file)', required: true },
    token: TOKEN,
  },
  async run({ values, positionals, out, config }) {
    const id = checkId(positionals[0]!);
    const signer = signerOf(config.keyFile, need(values, 'key'));
    const unsigned = await applicationOperation(config, id, str(values, 'token') ?? config.env(TOKEN_ENV));
    const proof = await createProof(unsigned, {
      signer,
      verificationMethod: didKeyUrl(signer.publicKeyMultibase),
      proofPurpose: PROOF_PURPOSE,
    });
    const outcome = await decide({ config, out, id, path: 'approve', body: { proof } });
    if (outcome.receipt !== undefined) await (await config.client()).receipt(outcome.receipt.operationHash);
    out.result(outcomeText(outcome), outcome);
    return EXIT.ok;
  },
};

export const reject: CommandSpec = {
  name: 'reject',
  summary:
    "Object to an application, with a reason, signed with one of the registry's update keys; the registry's threshold of objections rejects it.",
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
    const proof = await createProof(statement, {
      signer,
      verificationMethod: didKeyUrl(signer.publicKeyMultibase),
      proofPurpose: PROOF_PURPOSE,
    });
    const outcome = await decide({ config, out, id, path: 'reject', body: { reason, proof } });
    out.result(outcomeText(outcome), outcome);
    return EXIT.ok;
  },
};

export const registrationsRejectMatching: CommandSpec = {
  name: 'registrations reject-matching',
  summary:
    'Object, with one signed request, to every pending application matching a filter (institutes: token and key).',
  details: `The request is signed over the filter and the reason at the time it is sent; the ledger accepts it once, within
5 minutes of its clock, and only for applications submitted before --submitted-before (default: now). One institute's
objection rejects nothing alone: the registry's threshold of institutes must object.
Example: did-city registrations reject-matching --email squat@flood.example --reason "mass applications" --key institute-a`,
  options: {
    ...FILTER_OPTIONS,
    reason: { type: 'string', value: 'R', doc: 'why (1 to 500 characters, shown to the applicants)', required: true },
    key: { type: 'string', value: 'N', doc: 'institute key (from the key file)', required: true },
    token: TOKEN,
  },
  async run({ values, out, config }) {
    const reason = need(values, 'reason');
    if (reason.length < 1 || reason.length > 500) throw new UsageError('--reason must be 1 to 500 characters');
    const created = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const filter = { submittedBefore: created, ...filterOf(values) };
    const signer = signerOf(config.keyFile, need(values, 'key'));
    const statement = { type: 'reject-matching', filter, reason };
    const proof = await createProof(statement, {
      signer,
      verificationMethod: didKeyUrl(signer.publicKeyMultibase),
      proofPurpose: PROOF_PURPOSE,
      created,
    });
    out.progress(`objecting to the pending applications submitted before ${filter.submittedBefore} that match…`);
    const url = new URL('registrations/reject-matching', config.ledger).href;
    const outcome = (await requestJson(url, {
      body: { filter, reason, proof },
      token: config.token(values, TOKEN_ENV),
    })) as {
      matched: number;
      rejected: string[];
      objected: string[];
      more: boolean;
    };
    const lines = [
      `matched    ${outcome.matched}`,
      `rejected   ${outcome.rejected.length} (the threshold of objections reached)`,
      `objected   ${outcome.objected.length} (still pending)`,
    ];
    if (outcome.more) lines.push('more match: run the command again');
    out.result(lines.join('\n'), outcome);
    return EXIT.ok;
  },
};
