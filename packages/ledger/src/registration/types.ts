/**
 * The registration workflow's records (issue #6 contract): an application is a city's create operation signed by
 * its own keys, waiting for the registry's approvals. Its id is the operation hash of the unsigned create, so every
 * institute signs exactly the bytes the id names.
 */
import type { DataIntegrityProof, StateOperation } from '@did-city/method';
import type { Receipt } from '../receipt.ts';

/**
 * `pending`: waiting for approvals; `approved`: the threshold was reached and the assembled create is recorded, its
 * submission not yet acknowledged; `anchored`: in a quorum-cosigned checkpoint; `rejected`: by an institute, or
 * because the ledger refused the assembled create (then `rejection.key` is absent).
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

export interface Rejection {
  reason: string;
  /** The institute key that signed the rejection; absent when the ledger refused the assembled create. */
  key?: string;
  created: string;
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
