/**
 * The registration workflow's records (issue #6 contract): an application is a city's create operation signed by
 * its own keys, waiting for the registry's approvals. Its id is the operation hash of the unsigned create, so every
 * institute signs exactly the bytes the id names.
 */
import type { DataIntegrityProof, StateOperation } from '@did-city/method';
import type { Receipt } from '../receipt.ts';

/**
 * `pending`: waiting for approvals; `approved`: the threshold was reached and the assembled create is recorded, its
 * submission not yet acknowledged; `anchored`: in a quorum-cosigned checkpoint; `rejected`: closed, for the reason
 * `rejection.cause` names (spec §2.4).
 */
export type RegistrationStatus = 'pending' | 'approved' | 'rejected' | 'anchored';

export const REGISTRATION_STATUSES: readonly RegistrationStatus[] = ['pending', 'approved', 'rejected', 'anchored'];

export interface Contact {
  organisation: string;
  email: string;
}

export interface Approval {
  /** The institute's Multikey (one of the registry's update keys when it approved). */
  key: string;
  created: string;
  proof: DataIntegrityProof;
}

/**
 * Why an application was closed: `objections`, the registry threshold of its institutes objected (`keys`);
 * `expired`, nobody decided within the desk's pending time; `superseded`, another application for the same DID was
 * anchored; `refused`, the ledger or the allocation rule refused the create (R-ALLOC-2).
 */
export type RejectionCause = 'objections' | 'expired' | 'superseded' | 'refused';

export interface Rejection {
  reason: string;
  cause: RejectionCause;
  /** The institute key whose objection completed the rejection (cause `objections`). */
  key?: string;
  /** Every institute key that objected, at least the registry threshold of them (cause `objections`). */
  keys?: string[];
  created: string;
}

/** One institute's objection: recorded and shown to everyone; it rejects only with the threshold's others. */
export interface Objection {
  key: string;
  reason: string;
  created: string;
}

/** What institutes select applications by (`GET /registrations`, `POST /registrations/reject-matching`). */
export interface RegistrationFilter {
  status?: RegistrationStatus;
  did?: string;
  email?: string;
  organisation?: string;
  /** Submitted strictly before / after this time (ISO 8601 UTC, whole seconds). */
  submittedBefore?: string;
  submittedAfter?: string;
}

/** One application as stored. */
export interface Application {
  id: string;
  did: string;
  status: RegistrationStatus;
  /** The applicant's create operation as submitted (its own proofs only). */
  operation: StateOperation;
  contact: Contact;
  submittedAt: string;
  approvals: Approval[];
  objections: Objection[];
  /** The create with the applicant's and the approvals' proofs, recorded before it is submitted. */
  assembled?: StateOperation;
  receipt?: Receipt;
  rejection?: Rejection;
}

/** What anyone may read of an application (`GET /registrations/{id}`): no contact details. */
export interface RegistrationView {
  id: string;
  did: string;
  status: RegistrationStatus;
  submittedAt: string;
  approvals: Array<{ key: string; created: string }>;
  /** The registry's current threshold of approvals. */
  threshold: number;
  /** The applicant's create operation: what institutes sign (without its `proof`) to approve. */
  operation: StateOperation;
  /** Institutes' objections so far; the application is rejected when the threshold of current keys objected. */
  objections: Objection[];
  /** When a pending application is closed as `expired` if no decision is reached before. */
  expiresAt?: string;
  rejection?: Rejection;
  receipt?: Receipt;
}

/** What institutes see when they list applications: the view plus the contact. */
export interface RegistrationListing extends RegistrationView {
  contact: Contact;
}

/** `GET /registrations`: one page, oldest first; `next` (the last listed id) when more remain, to pass as `after`. */
export interface RegistrationPage {
  registrations: RegistrationListing[];
  next?: string;
}

/** Page size of `GET /registrations` when no `limit` is given, and the largest allowed. */
export const DEFAULT_REGISTRATION_PAGE = 100;
export const MAX_REGISTRATION_PAGE = 1000;
