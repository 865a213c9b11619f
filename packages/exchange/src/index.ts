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
export { type AccessDecision, AccessLog } from './access-log.ts';
export { type AnchoredRelease, ledgerAnchor, type ReleaseAnchor } from './anchor.ts';
export { buildCatalogue, CATALOGUE_CONTEXT, type CatalogueOptions } from './catalogue.ts';
export { ExchangeClient, type ExchangeClientOptions, type FetchedRelease } from './client.ts';
export {
  checkMediaType,
  type DatasetDefinition,
  datasetId,
  DatasetStore,
  MAX_RELEASE_BYTES,
  RELEASE_RESOURCE_TYPE,
  releaseId,
  type ReleaseRecord,
} from './datasets.ts';
export { checksumMatches, contentDigest, contentDigestMatches, type DigestAlgorithm, sha256Hex } from './digest.ts';
export { EXCHANGE_ERRORS, ExchangeError, type ExchangeErrorCode, type ExchangeProblem } from './errors.ts';
export {
  checkGrant,
  checkGrantPresentation,
  decodeGrant,
  encodeGrant,
  GRANT_TYPE,
  GrantCache,
  grantCredential,
  type GrantExpectations,
  type GrantInput,
  MAX_GRANT_LENGTH,
  type PresentationBinding,
  presentGrant,
} from './grant.ts';
export {
  createSignature,
  type HttpRequestParts,
  type ParsedSignatureInput,
  parseSignatureInput,
  signatureBase,
  type SignatureInputs,
  verifySignature,
} from './http-signature.ts';
export { NonceStore, type NonceStoreOptions } from './nonces.ts';
export { createProvider, DATA_SERVICE_TYPE, type Provider, type ProviderOptions } from './provider.ts';
export { CATALOGUE_RESOURCE, Publisher, type ResourceAnchorer } from './publisher.ts';
export {
  type CityRequest,
  DEFAULT_SKEW_SECONDS,
  DEFAULT_WINDOW_SECONDS,
  GRANT_FIELD,
  PRESENTATION_FIELD,
  type RequestKey,
  signCityRequest,
  type SignOptions,
  type VerifiedRequest,
  verifyCityRequest,
  type VerifyRequestOptions,
} from './signature-profile.ts';
export { didOfKeyid, resolveSignerKey, type SignerKey } from './signer-key.ts';
