/**
 * @did-city/method — the did:city DID method library.
 *
 * @example
 * const resolver = createCityResolver({ reader: ledger });
 * const { didDocument } = await resolver.resolve('did:city:cn:130100');
 *
 * // Against a ledger node, verifying checkpoints, quorum, inclusion and consistency:
 * const verified = createCityResolver({ reader: new HttpLedgerReader({ url: 'https://ledger.example/', policy }) });
 */
export * from './did.ts';
export * from './did-url.ts';
export * from './errors.ts';
export * from './keys.ts';
export * from './memory-ledger.ts';
export * from './operation.ts';
export * from './resolution-types.ts';
export * from './resolve.ts';
export * from './types.ts';
export * from './jcs.ts';
export * from './state.ts';
export {
  checkResourceDescription,
  checkResourceSize,
  describeResource,
  type LinkedResourceMetadata,
  linkedResourceMetadata,
  MAX_RESOURCE_BYTES,
  type ResourceInput,
  resourceChecksum,
  resourceOperation,
  verifyResourceContent,
} from './resource.ts';
export * from './validate.ts';
export * from './hash.ts';
export * from './data-integrity.ts';
export * from './divisions.ts';
export * from './multikey.ts';
export * from './sm2.ts';
export * from './resolver.ts';
export {
  type CheckpointStore,
  InconsistentCheckpointError,
  MemoryCheckpointStore,
  type SplitViewEvidence,
} from './checkpoint-trust.ts';
export { CHECKPOINT_FILE_FORMAT, FileCheckpointStore } from './file-checkpoint-store.ts';
export { HttpLedgerReader, type HttpLedgerReaderOptions } from './http-ledger-reader.ts';
export type { RefusedPolicyEvidence } from './governed-policies.ts';
export { LedgerClient, type LedgerClientOptions, type LedgerReceipt } from './ledger-client.ts';
export {
  DidIndex,
  didIndexKey,
  EMPTY_INDEX_ROOT,
  formatIndexExtension,
  INDEX_EXTENSION,
  type IndexHead,
  indexHeadValue,
  indexRootOf,
  type ServedIndexProof,
  verifyIndexHead,
} from './did-index.ts';
export { type LoadedHistory, type LoadHistoryOptions, loadHistory } from './history.ts';
export * from './document-edit.ts';
export {
  buildDocument,
  DIVISION_EDITION_SERVICE,
  divisionEditionOf,
  LEDGER_POLICY_SERVICE,
  ledgerPolicyOf,
} from './document-content.ts';
export { type DivisionRecord, divisionRecord, type RecordEdition } from './division-record.ts';
export { type AddressClass, classifyAddress } from './outbound/addresses.ts';
export { createOutboundFetch, type HostResolver, type OutboundFetch, type OutboundFetchOptions, type OutboundResponse } from './outbound/fetch.ts';
export { FETCH_DEFAULTS, OutboundFetchError, type OutboundFetchErrorCode, type OutboundFetchPolicy } from './outbound/policy.ts';
export { fetchPolicyFromEnv, hostsOf } from './outbound/settings.ts';
export { jsonTooDeep, MAX_JSON_DEPTH } from './json-depth.ts';
export {
  DEFAULT_HISTORY_LIMITS,
  HISTORY_LIMIT_CEILINGS,
  HISTORY_LIMITS_SERVICE,
  type HistoryLimits,
  historyLimitsOf,
} from './history-limits.ts';
