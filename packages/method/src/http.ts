/**
 * @did-city/method/http — the method library's network and disk code, for Node: the verifying reader of a ledger
 * node (checkpoint signatures, witness quorum, inclusion and consistency checked before anything is returned), the
 * client that submits operations, the file that keeps trusted checkpoints across restarts, and the outbound-fetch
 * policy for URLs that someone else's data names (spec §9.15), and the RFC 9457 problem details every did:city server
 * answers with. A subpath of its own so that the core
 * (`@did-city/method`) stays free of node:http, node:dns and node:fs and bundles for a browser.
 *
 * @example
 * import { createCityResolver } from '@did-city/method';
 * import { FileCheckpointStore, HttpLedgerReader } from '@did-city/method/http';
 * const reader = new HttpLedgerReader({ url: 'https://ledger.example/', policy,
 *   checkpointStore: new FileCheckpointStore('./data/checkpoints.json') });
 * const { didDocument } = await createCityResolver({ reader }).resolve('did:city:cn:130100');
 */
export { CHECKPOINT_FILE_FORMAT, FileCheckpointStore } from './file-checkpoint-store.ts';
export type { RefusedPolicyEvidence } from './governed-policies.ts';
export { HttpLedgerReader, type HttpLedgerReaderOptions } from './http-ledger-reader.ts';
export { LedgerClient, type LedgerClientOptions, type LedgerReceipt } from './ledger-client.ts';
export { type AddressClass, classifyAddress } from './outbound/addresses.ts';
export {
  createOutboundFetch,
  type HostResolver,
  type OutboundFetch,
  type OutboundFetchOptions,
  type OutboundResponse,
} from './outbound/fetch.ts';
export {
  FETCH_DEFAULTS,
  OutboundFetchError,
  type OutboundFetchErrorCode,
  type OutboundFetchPolicy,
} from './outbound/policy.ts';
export { fetchPolicyFromEnv, hostsOf } from './outbound/settings.ts';
export {
  PROBLEM_JSON,
  type ProblemBody,
  type ProblemSink,
  plainProblem,
  type RequestFailure,
  requestFailure,
  sendProblem,
} from './problem-details.ts';
