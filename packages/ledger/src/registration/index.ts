/**
 * The city registration workflow of a ledger node (issue #6): applications signed by the applying city, approvals
 * and rejections signed by the registry's institutes, and the assembled create anchored through the sequencer.
 *
 * @example
 * const desk = Registrations.open({ node, file: './data/registrations.db' });
 * await desk.resume();
 * app.use('/ledger', createRegistrationRouter(node, { registrations: desk, instituteTokens }), createLedgerRouter(node));
 */
export { type InstituteTokens, requireInstitute } from './auth.ts';
export { BULK_MAX_SKEW_MS, type BulkFilter, bulkRejectionPayload, MAX_BULK_OBJECTIONS } from './bulk.ts';
export type { BulkOutcome } from './bulk-desk.ts';
export {
  DEFAULT_MAX_PENDING,
  DEFAULT_PENDING_TTL_MS,
  Registrations,
  type RegistrationsOptions,
  UnknownRegistrationError,
} from './registrations.ts';
export { MAX_REASON_LENGTH, registrationId, rejectionPayload, unsignedOf } from './review.ts';
export {
  createRegistrationRouter,
  DEFAULT_REGISTRATION_BODY_LIMIT,
  type RegistrationRouter,
  type RegistrationRouterOptions,
} from './router.ts';
export { type DeskSettings, deskSettingsFromEnv } from './settings.ts';
export { RegistrationStore } from './store.ts';
export * from './types.ts';
