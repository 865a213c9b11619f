/**
 * The resolver the driver serves: injected whole (`resolver`), or built here from an injected `LedgerReader`
 * with the method library's `createCityResolver`. The driver never reads the ledger itself.
 */
import {
  type CityResolver,
  type CityResolverOptions,
  createCityResolver,
  DidCityError,
  type LedgerReader,
} from '@did-city/method';

/** What the driver needs of a resolver: the method library's `CityResolver`, or anything shaped like it. */
export type DriverResolver = Pick<CityResolver, 'resolve' | 'dereference'>;

export interface ResolverSource {
  /** A ready resolver (e.g. the all-in-one server's, sharing its cache). Takes precedence over `reader`. */
  resolver?: DriverResolver;
  /** A ledger reader; the driver builds a resolver on it with `genesis`, `cache` and `refuseNoCache`. */
  reader?: LedgerReader;
  genesis?: CityResolverOptions['genesis'];
  cache?: CityResolverOptions['cache'];
  /** Answer 501 FEATURE_NOT_SUPPORTED to `noCache=true` (protects the ledger from forced re-verification). */
  refuseNoCache?: boolean;
  /** Where read failures are reported with their cause (the client only sees a generic detail). */
  onReaderError?: (error: unknown) => void;
}

/**
 * A reader whose failures that carry no did:city code (a refused connection, a timeout, a 5xx) become
 * LEDGER_UNAVAILABLE: the client gets 500 INTERNAL_ERROR saying the ledger could not be read, never NOT_FOUND,
 * and no internal host names or stack traces.
 */
export function guardReader(reader: LedgerReader, onError: (error: unknown) => void = () => {}): LedgerReader {
  const guard = async <T>(did: string, read: () => Promise<T>): Promise<T> => {
    try {
      return await read();
    } catch (error) {
      onError(error);
      if (error instanceof DidCityError) throw error;
      throw new DidCityError('LEDGER_UNAVAILABLE', `The ledger could not be read for ${did}; try again later`, {
        cause: error,
      });
    }
  };
  const guarded: LedgerReader = { history: (did, options) => guard(did, () => reader.history(did, options)) };
  const { resourceContent } = reader;
  if (resourceContent !== undefined) {
    guarded.resourceContent = (did, resourceId) => guard(did, () => resourceContent.call(reader, did, resourceId));
  }
  return guarded;
}

export function resolverFrom(source: ResolverSource): DriverResolver {
  if (source.resolver !== undefined) return source.resolver;
  if (source.reader === undefined) throw new TypeError('createDriverApp needs a resolver or a reader');
  const options: CityResolverOptions = { reader: guardReader(source.reader, source.onReaderError) };
  if (source.genesis !== undefined) options.genesis = source.genesis;
  if (source.cache !== undefined) options.cache = source.cache;
  if (source.refuseNoCache !== undefined) options.refuseNoCache = source.refuseNoCache;
  return createCityResolver(options);
}
