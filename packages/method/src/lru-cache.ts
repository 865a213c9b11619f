/**
 * A bounded least-recently-used map: a Map from key to entry, and the entries in a doubly linked list from the most
 * to the least recently used, so a hit only relinks two entries (no Map writes: moving a Map entry to the back by
 * deleting and re-inserting it cost more than the lookup, and one operation's verification reads keys that
 * alternate) and the entry to evict is always the list's tail. Internal: the library's caches (validated
 * Multikeys, node:crypto verification keys, verified histories) share it.
 */
interface Entry<K, V> {
  key: K;
  value: V;
  /** The next more recently used entry; undefined for the newest. */
  newer: Entry<K, V> | undefined;
  /** The next less recently used entry; undefined for the oldest. */
  older: Entry<K, V> | undefined;
}

export class LruCache<K, V> {
  readonly #maxEntries: number;
  readonly #entries = new Map<K, Entry<K, V>>();
  #newest: Entry<K, V> | undefined;
  #oldest: Entry<K, V> | undefined;

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
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry !== this.#newest) {
      this.#unlink(entry);
      this.#linkNewest(entry);
    }
    return entry.value;
  }

  /** Stores `value` as the most recently used entry, evicting the least recently used one past the bound. */
  set(key: K, value: V): void {
    const existing = this.#entries.get(key);
    if (existing !== undefined) {
      existing.value = value;
      if (existing !== this.#newest) {
        this.#unlink(existing);
        this.#linkNewest(existing);
      }
      return;
    }
    const entry: Entry<K, V> = { key, value, newer: undefined, older: undefined };
    this.#entries.set(key, entry);
    this.#linkNewest(entry);
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#oldest!;
      this.#unlink(oldest);
      this.#entries.delete(oldest.key);
    }
  }

  delete(key: K): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#unlink(entry);
    return this.#entries.delete(key);
  }

  clear(): void {
    this.#newest = undefined;
    this.#oldest = undefined;
    this.#entries.clear();
  }

  #unlink(entry: Entry<K, V>): void {
    if (entry.newer === undefined) this.#newest = entry.older;
    else entry.newer.older = entry.older;
    if (entry.older === undefined) this.#oldest = entry.newer;
    else entry.older.newer = entry.newer;
    entry.newer = undefined;
    entry.older = undefined;
  }

  #linkNewest(entry: Entry<K, V>): void {
    entry.older = this.#newest;
    if (this.#newest === undefined) this.#oldest = entry;
    else this.#newest.newer = entry;
    this.#newest = entry;
  }
}
