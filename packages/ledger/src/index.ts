/**
 * @did-city/ledger — the did:city authority ledger node: a transparency log of DID operations (RFC 6962/9162)
 * with a batching sequencer, C2SP checkpoints co-signed by tlog-witnesses, an embedded SQLite store and a
 * PostgreSQL store for several institutes (one sequencer holds the write lock at the current primary).
 *
 * @example
 * ```ts
 * import { LedgerNode } from '@did-city/ledger';
 *
 * const node = await LedgerNode.open({ dataDir: './data' }); // three in-process witnesses, quorum 2
 * await node.submitGovernance(registryGenesis);               // did:city:cn, spec §3.5
 * const receipt = await node.submit(cityCreate);              // resolves once a witness quorum cosigned
 * const { entries, checkpoint } = await node.history('did:city:cn:130100');
 * createLedgerApp(node, { adminToken }).listen(8080);          // the HTTP API (README "HTTP API")
 * ```
 */
export { explorerRoutes } from './http/explorer.ts';
export {
  createLimiters,
  type LimiterOptions,
  type Limiters,
  NO_RATE_LIMITS,
  parseRateLimit,
  RATE_LIMIT_ENV,
  type RateLimit,
  type RateLimitSetting,
  type RateLimitSettings,
  rateLimitsFromEnv,
} from './http/rate-limit.ts';
export { healthAnswer } from './http/reads.ts';
export { createLedgerApp, createLedgerRouter, type LedgerAppOptions, type LedgerRouterOptions } from './http/router.ts';
export {
  applyTrustProxy,
  parseTrustProxy,
  TRUST_PROXY_ENV,
  type TrustProxy,
  trustProxyFromEnv,
} from './http/trust-proxy.ts';
export {
  type AddCheckpointHandler,
  createWitnessApp,
  createWitnessRouter,
  HttpWitnessClient,
  type HttpWitnessClientOptions,
} from './http/witness.ts';
export { loadOrCreateKey } from './keys.ts';
export { MemoryResourceStore, type ResourceStore, SqliteResourceStore } from './resources/store.ts';
export {
  HOLDS_SEQUENCER_LOCK,
  type LeaseOptions,
  NotLeaderError,
  type NotLeaderReason,
  SEQUENCER_LOCK,
  WriterLease,
} from './leadership.ts';
export { type DataDirLock, DataDirLockedError, lockDataDir } from './lock.ts';
export { LedgerNode, type LedgerNodeConfig } from './node.ts';
export { HISTORY_PAGE_SIZE, type ProvenEntry, type ProvenHead, type ProvenHistory } from './reader.ts';
export type { Receipt } from './receipt.ts';
export type { BulkOutcome } from './registration/bulk-desk.ts';
export { type BulkFilter, bulkRejectionPayload } from './registration/bulk.ts';
export { Registrations, type RegistrationsOptions } from './registration/registrations.ts';
export { registrationId, rejectionPayload } from './registration/review.ts';
export {
  createRegistrationRouter,
  type RegistrationRouter,
  type RegistrationRouterOptions,
} from './registration/router.ts';
export { type DeskSettings, deskSettingsFromEnv } from './registration/settings.ts';
export { RegistrationStore } from './registration/store.ts';
export type {
  Application,
  Approval,
  Contact,
  Objection,
  RegistrationFilter,
  RegistrationListing,
  RegistrationPage,
  RegistrationStatus,
  RegistrationView,
  Rejection,
  RejectionCause,
} from './registration/types.ts';
export type { AnchoringStatus, HealthReport, IntegrityStatus } from './self-check.ts';
export { Sequencer, type SequencerOptions } from './sequencer/sequencer.ts';
export {
  type AppendBatch,
  AppendConflictError,
  type AppendEntry,
  type DidUsage,
  type IntegrityProblem,
  type IntegrityProblemKind,
  type IntegrityReport,
  type LogReader,
  type LogStore,
  type LogWriter,
  type SeqRange,
  type StoredCheckpoint,
  type StoredEntry,
  type TreeHead,
} from './store/interface.ts';
export { PostgresLogStore, type PostgresLogStoreOptions } from './store/postgres.ts';
export { SqliteLogStore, type SqliteLogStoreOptions } from './store/sqlite.ts';
export { Witness, type WitnessClient, type WitnessOptions, type WitnessResponse } from './witness/witness.ts';
