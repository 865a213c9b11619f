/**
 * @did-city/exchange — city-to-city data exchange on did:city (spec §12): a provider city's data service (DCAT
 * catalogue, dataset releases, grants as CityDataSharingCredentials, an access log), requests signed per RFC 9421
 * with a key of the consumer's DID, and a client that accepts a payload only if it matches its anchored checksum.
 *
 * @example
 * const provider = createProvider({ did, key, dir, endpoint, resolver, operatorToken });
 * app.use('/data/110000', provider.router);
 * const client = new ExchangeClient({ did: consumer, key: { keyid: `${consumer}#key-1`, signer }, resolver });
 * const { content } = await client.fetchRelease({ provider: did, release, grant });
 */
export * from './access-log.ts';
export * from './anchor.ts';
export * from './catalogue.ts';
export * from './client.ts';
export * from './datasets.ts';
export * from './digest.ts';
export * from './errors.ts';
export * from './grant.ts';
export * from './http-signature.ts';
export * from './nonces.ts';
export * from './provider.ts';
export * from './publisher.ts';
export * from './signature-profile.ts';
export * from './signer-key.ts';
