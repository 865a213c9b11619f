/**
 * Reading the VC API request bodies. Anything malformed becomes MALFORMED_REQUEST (the envelope) or
 * INVALID_CREDENTIAL (the credential inside it, checked later by the issuer).
 */
import { MIN_STATUS_LIST_LENGTH } from '../bitstring.ts';
import { IssuerError } from '../errors.ts';
import type { IssueOptions } from '../issuer.ts';
import type { StatusPurpose } from '../status-store.ts';
import { type CredentialFormat, isRecord } from '../types.ts';

const MAX_LIST_LENGTH = 8 * 1024 * 1024;
const FORMATS: readonly CredentialFormat[] = ['data-integrity', 'vc+jwt', 'vc-jwt'];

function malformed(message: string): never {
  throw new IssuerError('MALFORMED_REQUEST', message);
}

export function readIssueRequest(body: unknown): { credential: unknown; options: IssueOptions } {
  if (!isRecord(body) || !isRecord(body.credential)) malformed('body must be {"credential": {...}, "options": {...}}');
  const raw = body.options ?? {};
  if (!isRecord(raw)) malformed('options must be an object');
  const options: IssueOptions = {};
  if (raw.format !== undefined) {
    if (!FORMATS.includes(raw.format as CredentialFormat))
      malformed(`options.format must be one of ${FORMATS.join(', ')}`);
    options.format = raw.format as CredentialFormat;
  }
  if (raw.credentialStatus !== undefined) options.status = raw.credentialStatus !== false;
  // The VC API returns objects: a vc+jwt travels enveloped unless the caller asks for the bare JWS.
  if (options.format === 'vc+jwt') options.envelope = raw.envelope !== false;
  return { credential: body.credential, options };
}

export interface StatusChange {
  purpose: StatusPurpose;
  value: boolean;
}

const NAMED: Readonly<Record<string, StatusChange>> = {
  revoked: { purpose: 'revocation', value: true },
  suspended: { purpose: 'suspension', value: true },
  unsuspended: { purpose: 'suspension', value: false },
  reinstated: { purpose: 'suspension', value: false },
  active: { purpose: 'suspension', value: false },
};

function readChange(entry: unknown): StatusChange {
  if (!isRecord(entry)) malformed('credentialStatus entries must be objects');
  const { statusPurpose, status } = entry;
  if (statusPurpose === undefined) {
    const named = typeof status === 'string' ? NAMED[status] : undefined;
    return named ?? malformed(`status must be one of ${Object.keys(NAMED).join(', ')} (or give statusPurpose)`);
  }
  if (statusPurpose !== 'revocation' && statusPurpose !== 'suspension')
    malformed('statusPurpose must be revocation or suspension');
  const value =
    status === true || status === 1 || status === '1' || status === 'true'
      ? true
      : status === false || status === 0 || status === '0' || status === 'false'
        ? false
        : undefined;
  return value === undefined ? malformed('status must be true/false (or 1/0)') : { purpose: statusPurpose, value };
}

/** `{credentialId, credentialStatus: [{statusPurpose, status}] | [{type, status: "revoked"|"suspended"|…}]}` */
export function readStatusRequest(body: unknown): { credentialId: string; changes: StatusChange[] } {
  if (!isRecord(body) || typeof body.credentialId !== 'string') malformed('body must name a credentialId');
  const entries = Array.isArray(body.credentialStatus)
    ? body.credentialStatus
    : malformed('credentialStatus must be an array');
  if (entries.length === 0 || entries.length > 2) malformed('credentialStatus must hold one or two changes');
  return { credentialId: body.credentialId, changes: entries.map(readChange) };
}

export function readCreateListRequest(body: unknown): { purpose: StatusPurpose; length?: number } {
  const value = isRecord(body) ? body : {};
  const purpose = value.statusPurpose ?? 'revocation';
  if (purpose !== 'revocation' && purpose !== 'suspension') malformed('statusPurpose must be revocation or suspension');
  const { length } = value;
  if (
    length !== undefined &&
    (typeof length !== 'number' ||
      !Number.isSafeInteger(length) ||
      length < MIN_STATUS_LIST_LENGTH ||
      length > MAX_LIST_LENGTH ||
      length % 8 !== 0)
  ) {
    malformed(
      `length must be a multiple of 8 from ${MIN_STATUS_LIST_LENGTH} to ${MAX_LIST_LENGTH} (Bitstring Status List 1.0 §4.1 sets the minimum)`,
    );
  }
  return value.length === undefined ? { purpose } : { purpose, length: value.length as number };
}
