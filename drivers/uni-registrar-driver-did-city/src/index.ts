/**
 * The Universal Registrar driver for did:city: create, update and deactivate did:city DIDs through the DIF DID
 * Registration API, with client-managed secrets (the client signs what the driver asks; the driver holds keys only when its operator configures some).
 *
 * @example
 * import { createRegistrarApp, JobStore, LedgerGateway, Registrar } from 'uni-registrar-driver-did-city';
 * const ledger = new LedgerGateway({ url: ['http://localhost:8080/'], policy: policyText });
 * const registrar = new Registrar({ store: new JobStore({ file: './data/jobs.db' }), ledger });
 * createRegistrarApp({ registrar }).listen(9080);
 */
export { createRegistrarApp, DEFAULT_BODY_LIMIT, type RegistrarAppOptions } from './app.ts';
export {
  ConfigError,
  ENV_PREFIX,
  loadSettings,
  publicProperties,
  type RegistrarDriverSettings,
  SETTINGS,
} from './config.ts';
export { classify, type Problem, problemOf, REGISTRAR_ERRORS, type RegistrarCode, RegistrarError } from './errors.ts';
export { DEFAULT_MAX_JOBS, type Job, JobStore, type JobStoreOptions } from './jobs.ts';
export { LedgerGateway, type LedgerGatewayOptions, type RegistrationView } from './ledger.ts';
export { Registrar, type RegistrarSettings } from './registrar.ts';
export type { SigningRequest, SigningRequestSet } from './signing.ts';
export type { Answer, RegistrarState } from './states.ts';
