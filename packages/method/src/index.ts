/**
 * @did-city/method — the did:city DID method library.
 *
 * @example
 * const resolver = createCityResolver({ reader: ledger });
 * const { didDocument } = await resolver.resolve('did:city:cn:130100');
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
export * from './validate.ts';
export * from './hash.ts';
export * from './data-integrity.ts';
export * from './divisions.ts';
export * from './multikey.ts';
export * from './resolver.ts';
