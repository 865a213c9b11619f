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
export { TamperedStateError, verifiedState } from './admission.ts';
export { type AnchorResult, anchorHead, type WitnessFailure } from './anchor.ts';
export { type BatchItem, type BatchOutcome, buildBatch } from './batch.ts';
export { applyEntry, isRegistryGenesis, type StateLookup } from './derived-state.ts';
export {
  createLimiters,
  DEFAULT_RATE_LIMITS,
  IPV6_SUBNET,
  type LimiterOptions,
  type Limiters,
  NO_LIMITERS,
  NO_RATE_LIMITS,
  parseRateLimit,
  RATE_LIMIT_ENV,
  type RateLimit,
  type RateLimitSetting,
  type RateLimitSettings,
  rateLimiter,
  rateLimitsFromEnv,
} from './http/rate-limit.ts';
export { healthAnswer } from './http/reads.ts';
export {
  createLedgerApp,
  createLedgerRouter,
  DEFAULT_BODY_LIMIT,
  type LedgerAppOptions,
  type LedgerRouterOptions,
} from './http/router.ts';
export { applyTrustProxy, parseTrustProxy, TRUST_PROXY_ENV, type TrustProxy, trustProxyFromEnv } from './http/trust-proxy.ts';
export { explorerRoutes } from './http/explorer.ts';
export {
  type AddCheckpointHandler,
  createWitnessApp,
  createWitnessRouter,
  HttpWitnessClient,
  type HttpWitnessClientOptions,
} from './http/witness.ts';
export { keyName, loadOrCreateKey } from './keys.ts';
export {
  HOLDS_SEQUENCER_LOCK,
  type LeaseOptions,
  NotLeaderError,
  type NotLeaderReason,
  SEQUENCER_LOCK,
  WriterLease,
} from './leadership.ts';
export { decodeLeaf, encodeLeaf, formatIntegratedTime } from './leaf.ts';
export { type DataDirLock, DataDirLockedError, LOCK_FILE, lockDataDir } from './lock.ts';
export { EMBEDDED_QUORUM, EMBEDDED_WITNESSES, LedgerNode, type LedgerNodeConfig } from './node.ts';
export {
  anchoredConsistencyProof,
  anchoredInclusionProof,
  type ProvenEntry,
  HISTORY_PAGE_SIZE,
  type HistoryRequest,
  type ProvenHead,
  type ProvenHistory,
  provenHead,
  provenHistory,
  readTile,
} from './reader.ts';
export { buildReceipt, type Receipt } from './receipt.ts';
export type { AnchoringStatus, HealthReport, IntegrityStatus } from './self-check.ts';
export { Sequencer, type SequencerOptions } from './sequencer.ts';
export * from './store/interface.ts';
export { PostgresLogStore, type PostgresLogStoreOptions } from './store/postgres.ts';
export { PG_SCHEMA_VERSION } from './store/postgres-schema.ts';
export { SqliteLogStore, type SqliteLogStoreOptions } from './store/sqlite.ts';
export { type CommitResult, type WitnessLogState, WitnessStateStore } from './witness/state-store.ts';
export { Witness, type WitnessClient, type WitnessOptions, type WitnessResponse } from './witness/witness.ts';
export * from './registration/index.ts';
