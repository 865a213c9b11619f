/**
 * The did-resolver plugin (did-resolver 4.x, 5.x and 6.x; a peer dependency, so only its types are imported).
 *
 * @example
 * import { Resolver } from 'did-resolver';
 * const resolver = new Resolver({ ...getResolver({ reader: ledger }) });
 * const { didDocument } = await resolver.resolve('did:city:cn:130100');
 */
import type { DIDResolutionResult as DidResolverResult, DIDResolver } from 'did-resolver';
import { type CityResolverOptions, createCityResolver } from './resolve.ts';

/**
 * `{ city }` for `new Resolver(...)`. The plugin resolves `parsed.did` with the caller's options only: DID
 * parameters in the URL (`?versionId=0`) are deliberately not applied, because did-jwt resolves a JWT's `iss`
 * as given and an old version's keys would then verify a token signed with a key rotated away.
 */
export function getResolver(options: CityResolverOptions): { city: DIDResolver } {
  const resolver = createCityResolver(options);
  const city: DIDResolver = async (_did, parsed, _resolver, resolutionOptions) => {
    const result = await resolver.resolve(parsed.did, resolutionOptions);
    // did-resolver 4 types `error` as a string; DID Resolution (CR 2026) makes it an RFC 9457 object.
    return result as unknown as DidResolverResult;
  };
  return { city };
}
