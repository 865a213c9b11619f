/**
 * The answers a job ends with or waits in: a division's application as the registration workflow reports it, and
 * the `finished` state of an anchored operation, built only from what the driver verified itself (the receipt
 * against the trust policy, the document through the verifying reader).
 */
import type { LedgerReceipt } from '@did-city/method/http';
import type { Job } from './jobs.ts';
import type { LedgerGateway, RegistrationView } from './ledger.ts';
import { type Answer, failed, finished, wait } from './states.ts';

/** The receipt as `didRegistrationMetadata.receipt`: leaf index, leaf hash, inclusion proof, co-signed checkpoint. */
function receiptMetadata(receipt: LedgerReceipt): Record<string, unknown> {
  const { index, leafHash, operationHash, integratedTime, inclusionProof, checkpoint } = receipt;
  return { index, leafHash, operationHash, integratedTime, inclusionProof, checkpoint };
}

function registrationMetadata(view: RegistrationView): Record<string, unknown> {
  const { id, status, submittedAt, approvals, threshold, objections, expiresAt, rejection } = view;
  return {
    id,
    status,
    submittedAt,
    approvals,
    threshold,
    objections: objections ?? [],
    ...(expiresAt ? { expiresAt } : {}),
    ...(rejection ? { rejection } : {}),
  };
}

/** Who closed the application: the objecting institutes, or nobody when it expired, was superseded or refused. */
function closedBy(view: RegistrationView): string {
  const keys = view.rejection?.keys ?? (view.rejection?.key === undefined ? [] : [view.rejection.key]);
  return keys.length === 0 ? '' : ` (rejected by ${keys.join(', ')})`;
}

/** `finished` for an anchored operation: the verified receipt and the document as a verifying resolver sees it. */
export async function anchored(
  ledger: LedgerGateway,
  job: Job,
  receipt: LedgerReceipt,
  extra: Record<string, unknown> = {},
): Promise<Answer> {
  const resolution = await ledger.resolve(job.did);
  const error = resolution.didResolutionMetadata.error;
  if (error !== undefined) {
    // Anchored but not resolvable: the ledger acknowledged something its own history does not show.
    const detail =
      typeof error === 'object' && error !== null
        ? String((error as { detail?: unknown }).detail ?? '')
        : String(error);
    return failed({
      did: job.did,
      code: 'INVALID_LEDGER_PROOF',
      detail: `anchored, but ${job.did} does not resolve: ${detail}`,
    });
  }
  return finished({
    operation: job.operation,
    did: job.did,
    didDocument: resolution.didDocument,
    metadata: { ...extra, receipt: receiptMetadata(receipt) },
    documentMetadata: resolution.didDocumentMetadata as Record<string, unknown>,
  });
}

/** The state of an application: `wait` while in review, `finished` once anchored, `failed` when closed otherwise. */
export async function fromRegistration(
  ledger: LedgerGateway,
  job: Job,
  view: RegistrationView,
  pollMs: number,
): Promise<Answer> {
  const registration = registrationMetadata(view);
  if (view.status === 'pending' || view.status === 'approved') {
    const objections = view.objections?.length ?? 0;
    const progress = `${view.approvals.length} of ${view.threshold} approvals${objections > 0 ? `, ${objections} objection${objections > 1 ? 's' : ''}` : ''}`;
    const text =
      view.status === 'pending'
        ? `the application awaits review by the registry's institutes (${progress})`
        : 'the application is approved and being anchored';
    return wait({ jobId: job.id, did: job.did, wait: text, waitMs: pollMs, metadata: { registration } });
  }
  if (view.status === 'anchored' && view.receipt !== undefined) {
    const receipt = await ledger.receiptOf(job.did, view.receipt.operationHash);
    return anchored(ledger, job, receipt, { registration });
  }
  // Every way an application closes without being anchored is REJECTED; `registration.rejection.cause` says which.
  const reason = view.rejection?.reason ?? `the ledger closed the application (status ${view.status})`;
  return failed({ did: job.did, code: 'REJECTED', detail: `${reason}${closedBy(view)}`, metadata: { registration } });
}
