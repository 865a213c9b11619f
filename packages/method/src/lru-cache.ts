/**
 * A bounded least-recently-used map: Map keeps insertion order, so re-inserting on a hit moves an entry to the
 * back and the first key is always the one to evict. Internal: the library's caches (validated Multikeys,
 * node:crypto verification keys, verified histories) share it.
 */
export class LruCache<K, V> {
  readonly #maxEntries: number;
  readonly #entries = new Map<K, V>();
  /** The key last read or written: the Map's last entry while it is present. */
  #newest: K | undefined;

  constructor(maxEntries: number) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
      throw new RangeError('maxEntries must be a positive integer');
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  get maxEntries(): number {
    return this.#maxEntries;
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  /** The entry for `key`, now the most recently used; undefined on a miss. */
  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    // Re-inserting costs two more hash lookups; the newest entry is already where it would go (one operation asks
    // for the same key several times in a row).
    if (value !== undefined && key !== this.#newest) {
      this.#newest = key;
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  /** Stores `value` as the most recently used entry, evicting the least recently used one past the bound. */
  set(key: K, value: V): void {
    this.#newest = key;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }

  delete(key: K): boolean {
    if (key === this.#newest) this.#newest = undefined;
    return this.#entries.delete(key);
  }

  clear(): void {
    this.#newest = undefined;
    this.#entries.clear();
  }
}
