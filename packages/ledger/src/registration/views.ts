/** What the desk shows of an application, and small helpers it shares with the bulk rejection. */
import { DidCityError } from '@did-city/method';
import type { Application, RegistrationView } from './types.ts';

export function stale(detail: string): DidCityError {
  return new DidCityError('STALE_OPERATION', detail);
}

/** An ISO 8601 UTC time in whole seconds, as every time of the registration records. */
export function wholeSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** SQLite reports a broken UNIQUE or PRIMARY KEY constraint by this code (better-sqlite3's SqliteError). */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** The public view (no contact); `expiresAt` while pending. */
export function publicView(application: Application, threshold: number, ttlMs: number): RegistrationView {
  const view: RegistrationView = {
    id: application.id,
    did: application.did,
    status: application.status,
    submittedAt: application.submittedAt,
    approvals: application.approvals.map(({ key, created }) => ({ key, created })),
    threshold,
    operation: application.operation,
    objections: application.objections,
  };
  if (application.status === 'pending')
    view.expiresAt = wholeSeconds(new Date(Date.parse(application.submittedAt) + ttlMs));
  if (application.rejection !== undefined) view.rejection = application.rejection;
  if (application.receipt !== undefined) view.receipt = application.receipt;
  return view;
}
