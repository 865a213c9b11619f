/**
 * The registration desk's HTTP API (`/registrations…`) as the console and the applicant page use it, and the
 * signatures an institute makes in the browser: an approval is a Data Integrity proof over the applicant's create
 * without its proofs; a rejection (an objection) is a proof over `{type: "reject", registration, reason}`.
 */
import {
  createProof,
  createSigner,
  type DataIntegrityProof,
  didKeyUrl,
  PROOF_PURPOSE,
  type KeyPair,
} from '@did-city/method';
import { getJson, postJson } from './api.ts';

export interface Registration {
  id: string;
  did: string;
  status: 'pending' | 'approved' | 'anchored' | 'rejected';
  submittedAt: string;
  approvals: Array<{ key: string; created: string }>;
  threshold: number;
  operation: Record<string, unknown>;
  objections?: Array<{ key: string; reason: string; created: string }>;
  rejection?: { reason: string; cause?: string };
  receipt?: unknown;
  contact?: { organisation: string; email: string };
  expiresAt?: string;
}

export function unsignedOf(operation: Record<string, unknown>): Record<string, unknown> {
  const { proof: _proof, ...unsigned } = operation;
  return unsigned;
}

function proofBy(key: KeyPair, payload: object): Promise<DataIntegrityProof> {
  return createProof(payload, {
    signer: createSigner(key),
    verificationMethod: didKeyUrl(key.publicKeyMultibase),
    proofPurpose: PROOF_PURPOSE,
  });
}

export async function pending(token: string): Promise<Registration[]> {
  const page = await getJson<{ registrations: Registration[] }>('/registrations?status=pending', token);
  return page.registrations;
}

export function view(id: string): Promise<Registration> {
  return getJson<Registration>(`/registrations/${encodeURIComponent(id)}`);
}

export async function approve(registration: Registration, key: KeyPair): Promise<Registration> {
  const proof = await proofBy(key, unsignedOf(registration.operation));
  return postJson<Registration>(`/registrations/${encodeURIComponent(registration.id)}/approve`, { proof });
}

export async function reject(registration: Registration, key: KeyPair, reason: string): Promise<Registration> {
  const proof = await proofBy(key, { type: 'reject', registration: registration.id, reason });
  return postJson<Registration>(`/registrations/${encodeURIComponent(registration.id)}/reject`, { reason, proof });
}

export function apply(operation: object, contact: { organisation: string; email: string }): Promise<Registration> {
  return postJson<Registration>('/registrations', { operation, contact });
}
