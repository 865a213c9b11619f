/**
 * The cache of Multikeys that decoded and validated (multikey.ts). A module of its own so that tests can check its
 * bound and contents while the package index, which re-exports multikey.ts, does not publish it.
 */
import { LruCache } from './lru-cache.ts';
import type { KeyType } from './types.ts';

/** A Multikey that decoded: frozen, with a key nobody else holds, so the cache can hand it out safely. */
export interface ValidatedKey {
  readonly keyType: KeyType;
  readonly publicKey: Uint8Array;
}

/** How many validated Multikeys are kept (about 150 bytes each). */
export const MULTIKEY_CACHE_ENTRIES = 1024;

export const validatedMultikeys: LruCache<string, ValidatedKey> = new LruCache(MULTIKEY_CACHE_ENTRIES);
