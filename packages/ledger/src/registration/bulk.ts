/**
 * `POST /registrations/reject-matching`: one institute objects, with one signed request, to every pending
 * application matching a filter (spec §2.4, R-REG-8..10). The request is bound to its filter and reason by the
 * proof, and to its time by the proof's signed `created`: it is accepted only within BULK_MAX_SKEW_MS of the node's
 * clock, it reaches only applications submitted before `filter.submittedBefore` (which may not follow `created`),
 * and each proof is accepted once (the node keeps the digests). A replayed request therefore changes nothing.
 */
import { canonicalBytes, DidCityError, multihashSha256, verifyProof } from '@did-city/method';
import { isRecord, MAX_CONTACT_FIELD, malformed, readProofObject, readReason, signingKey } from './review.ts';

/** The filter of a bulk rejection; `submittedBefore` is required. */
export interface BulkFilter {
  submittedBefore: string;
  submittedAfter?: string;
  did?: string;
  email?: string;
  organisation?: string;
}

/** How far a bulk rejection's `created` may be from the node's clock. */
export const BULK_MAX_SKEW_MS = 5 * 60_000;
/** How many applications one bulk rejection may object to; the answer says when more matched. */
export const MAX_BULK_OBJECTIONS = 5000;

/** What an institute signs to object to every pending application matching `filter`. */
export function bulkRejectionPayload(
  filter: BulkFilter,
  reason: string,
): { type: 'reject-matching'; filter: BulkFilter; reason: string } {
  return { type: 'reject-matching', filter, reason };
}

const FILTER_MEMBERS = ['submittedBefore', 'submittedAfter', 'did', 'email', 'organisation'];
const UTC_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function readFilter(value: unknown): BulkFilter {
  if (!isRecord(value))
    malformed('filter must be an object { submittedBefore, submittedAfter?, did?, email?, organisation? }');
  const extra = Object.keys(value).filter((key) => !FILTER_MEMBERS.includes(key));
  if (extra.length > 0) malformed(`filter has unknown members: ${extra.slice(0, 5).join(', ').slice(0, 200)}`);
  for (const member of FILTER_MEMBERS) {
    const given = value[member];
    if (given !== undefined && (typeof given !== 'string' || given.length === 0 || given.length > MAX_CONTACT_FIELD)) {
      malformed(`filter.${member} must be a string of 1 to ${MAX_CONTACT_FIELD} characters`);
    }
  }
  if (typeof value.submittedBefore !== 'string' || !UTC_SECONDS.test(value.submittedBefore)) {
    malformed('filter.submittedBefore is required: a UTC time in whole seconds (2026-12-03T18:00:00Z)');
  }
  if (value.submittedAfter !== undefined && !UTC_SECONDS.test(value.submittedAfter as string)) {
    malformed('filter.submittedAfter must be a UTC time in whole seconds');
  }
  return value as unknown as BulkFilter;
}

export interface BulkRejection {
  filter: BulkFilter;
  reason: string;
  /** The signing key (the desk checks it against each matching application's registry). */
  key: string;
  created: string;
  /** The proof's digest: the same signed request is accepted once. */
  digest: string;
}

/** Reads and verifies `{ filter, reason, proof }`; `now` is the node's clock. */
export function readBulkRejection(body: unknown, now: Date): BulkRejection {
  if (!isRecord(body)) malformed('the body must be a JSON object { filter, reason, proof }');
  const filter = readFilter(body.filter);
  const reason = readReason(body.reason);
  const proof = readProofObject(body.proof);
  const key = signingKey(proof, 'bulk rejection proof');
  if (!verifyProof(bulkRejectionPayload(filter, reason), proof, key)) {
    throw new DidCityError('INVALID_SIGNATURE', `bulk rejection: signature by ${key} does not verify`);
  }
  const created = String(proof.created);
  const signedAt = Date.parse(created);
  if (!UTC_SECONDS.test(created) || Math.abs(signedAt - now.getTime()) > BULK_MAX_SKEW_MS) {
    throw new DidCityError(
      'STALE_OPERATION',
      `bulk rejection: proof.created must be within ${BULK_MAX_SKEW_MS / 60_000} minutes of the node's clock; sign the request again`,
    );
  }
  if (filter.submittedBefore > created) {
    malformed(
      "filter.submittedBefore may not be later than the proof's created: a bulk rejection reaches only applications already submitted",
    );
  }
  const digest = multihashSha256(canonicalBytes(proof));
  return { filter, reason, key, created, digest };
}
