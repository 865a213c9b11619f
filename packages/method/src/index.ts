/**
 * @did-city/method — the did:city DID method library. This entry point does no network or disk access, so it runs
 * in a browser too (the explorer bundles it); the verifying ledger reader, the ledger client, the file checkpoint
 * store and the outbound-fetch policy are in `@did-city/method/http` (Node only).
 *
 * @example
 * const resolver = createCityResolver({ reader: ledger });
 * const { didDocument } = await resolver.resolve('did:city:cn:130100');
 *
 * // Against a ledger node, verifying checkpoints, quorum, inclusion and consistency:
 * // import { HttpLedgerReader } from '@did-city/method/http';
 * const verified = createCityResolver({ reader: new HttpLedgerReader({ url: 'https://ledger.example/', policy }) });
 */
/** The clock every component injects: milliseconds since the Unix epoch (defined by @did-city/tlog). */
export type { Clock } from '@did-city/tlog';
export {
  type CheckpointStore,
  InconsistentCheckpointError,
  MemoryCheckpointStore,
  type SplitViewEvidence,
} from './checkpoint-trust.ts';
export {
  type CreateProofOptions,
  createProof,
  cryptosuiteHash,
  isXsdDateTime,
  proofVerifier,
  verifyProof,
} from './data-integrity.ts';
export {
  DidIndex,
  didIndexKey,
  EMPTY_INDEX_ROOT,
  formatIndexExtension,
  type IndexHead,
  indexHeadValue,
  indexRootOf,
  type ServedIndexProof,
  verifyIndexHead,
} from './did-index.ts';
export { type DidUrlParts, formatDidUrl, parseDidUrl } from './did-url.ts';
export { countryRegistryDid, formatDid, isCityDid, parentDid, parseDid } from './did.ts';
export {
  allocatableIn,
  type Division,
  type DivisionChange,
  type DivisionEdition,
  type DivisionHistory,
  divisionEditions,
  divisionEditionText,
  divisionHistory,
  latestDivisionEdition,
  listDivisions,
  lookupDivision,
} from './divisions.ts';
export {
  buildDocument,
  DIVISION_EDITION_SERVICE,
  divisionEditionOf,
  ledgerPolicyOf,
} from './document-content.ts';
export {
  absoluteId,
  addService,
  addVerificationMethod,
  currentContent,
  isRelationship,
  type NewVerificationMethod,
  nextKeyId,
  type Relationship,
  relativeId,
  removeService,
  removeVerificationMethod,
  VERIFICATION_RELATIONSHIPS,
} from './document-edit.ts';
export {
  DidCityError,
  ERRORS,
  type ErrorCode,
  type ErrorEntry,
  isErrorCode,
  type ProblemDetails,
  problem,
  toResolutionProblem,
} from './errors.ts';
export { keyHash, multihashSha256, sha256 } from './hash.ts';
export {
  DEFAULT_HISTORY_LIMITS,
  HISTORY_LIMIT_CEILINGS,
  HISTORY_LIMITS_SERVICE,
  type HistoryLimits,
  historyLimitsOf,
} from './history-limits.ts';
export {
  checkGenesisPolicy,
  GENESIS_POLICY_SHAPE,
  type GenesisPolicyResult,
  parseGenesisPolicy,
} from './genesis-policy.ts';
export { type LoadedHistory, type LoadHistoryOptions, loadHistory } from './history.ts';
export { canonicalBytes, canonicalize } from './jcs.ts';
export { jsonTooDeep, MAX_JSON_DEPTH } from './json-depth.ts';
export {
  createSigner,
  generateKeyPair,
  type KeyPair,
  keyPairFromSecret,
  multikeyToJwk,
  type PublicJwk,
  verifySignature,
} from './keys.ts';
export { MemoryLedger, type MemoryLedgerOptions, steppingClock } from './memory-ledger.ts';
export { decodeMultikey, encodeMultikey, multikeyType } from './multikey.ts';
export {
  type CanonicalOperation,
  type ChainHead,
  createOperation,
  deactivateOperation,
  didKeyUrl,
  isMultihashSha256,
  type KeyStateChanges,
  operationHash,
  PROOF_PURPOSE,
  parseCanonicalOperation,
  parseOperation,
  parseOperationWithHash,
  recoverOperation,
  signOperation,
  updateOperation,
} from './operation.ts';
export type {
  CityMetadata,
  DereferencedContent,
  DereferencingOptions,
  DIDContentMetadata,
  DIDDereferencingMetadata,
  DIDDereferencingResult,
  DIDDocumentMetadata,
  DIDResolutionMetadata,
  DIDResolutionOptions,
  DIDResolutionResult,
} from './resolution-types.ts';
export {
  type CityResolver,
  type CityResolverOptions,
  createCityResolver,
  type HistoryCacheOptions,
  verifiedAt,
} from './resolve.ts';
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
export { isResourceUrl, RESOURCE_PARAMETERS, type ResourceLoader, type ResourceView } from './resource-dereference.ts';
export { didResolverErrorCode, getResolver, toDidResolverResult } from './resolver.ts';
export {
  SM2_DEFAULT_ID,
  type Sm2Options,
  sm2Sign,
  sm2UncompressedKey,
  sm2Verify,
  sm2Z,
  sm3,
} from './sm2.ts';
export { applyOperation, lastLeafIndex, replayHistory, type StateContext } from './state.ts';
export type {
  CityDid,
  CityDidUrl,
  DataIntegrityProof,
  DeactivateOperation,
  DIDDocument,
  DidHistory,
  DocumentContent,
  DocumentVersion,
  KeyState,
  KeyType,
  LedgerHistory,
  LinkedResource,
  LedgerReader,
  LogEntry,
  Operation,
  OperationType,
  ResourceDescription,
  ResourceOperation,
  Service,
  ServiceEndpoint,
  ServiceEndpointObject,
  Signer,
  StateOperation,
  UnsignedOperation,
  VerificationMethod,
} from './types.ts';
export {
  checkAllocation,
  type GenesisPolicy,
  keyStateAt,
  type ValidationContext,
  validateNextOperation,
  verifyOperation,
} from './validate.ts';
