/**
 * @did-city/veramo — did:city for Veramo agents: an identifier provider (sub-identifiers created, updated and
 * deactivated on a ledger node, signed through the agent's KMS) and the resolver for `@veramo/did-resolver`.
 *
 * @example
 * const provider = new CityDIDProvider({ ledgerUrl, policy, defaultKms: 'local' });
 * const agent = createAgent({ plugins: [keyManager, new DIDManager({ store, defaultProvider: 'did:city',
 *   providers: { 'did:city': provider } }), new DIDResolverPlugin({ resolver: new Resolver(getDidCityResolver({ ledgerUrl, policy })) })] });
 * await agent.didManagerCreate({ options: { parentDid: 'did:city:cn:130100', label: 'data-office' } });
 */
export { contentFromVeramoDocument, toCityService } from './document.ts';
export { kmsSigner, multikeyOf, veramoKeyType } from './kms-signer.ts';
export {
  type CityCreateOptions,
  CityDIDProvider,
  type CityDIDProviderOptions,
  type CityKeyOptions,
  type CityUpdateOptions,
} from './provider.ts';
export { type DidCityResolverOptions, getDidCityResolver } from './resolver.ts';
export {
  type BitstringStatus,
  BitstringStatusListPlugin,
  type BitstringStatusListPluginOptions,
  withStatusCheck,
} from './status.ts';
