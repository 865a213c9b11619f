/**
 * The Universal Resolver driver for did:city: express routes serving W3C DID Resolution over HTTP as
 * docs/conformance.md specifies, on top of the @did-city/method resolver.
 *
 * @example
 * import { createDriverApp } from 'uni-resolver-driver-did-city';
 * createDriverApp({ reader: ledgerReader, errorStyle: 'short' }).listen(8080);
 */
export { createDriverApp, createDriverRouter, type DriverOptions } from './app.ts';
export { ConfigError, type DriverSettings, ENV_PREFIX, loadSettings, publicProperties, SETTINGS } from './config.ts';
export { createLedgerReader } from './ledger-reader.ts';
export type { ErrorStyle } from './problems.ts';
export { type DriverResolver, guardReader } from './resolver.ts';
