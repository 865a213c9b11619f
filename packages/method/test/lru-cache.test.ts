import { describe, expect, test } from 'vitest';
import { LruCache } from '../src/lru-cache.ts';

describe('LruCache', () => {
  test('never holds more than maxEntries and evicts the least recently used entry first', () => {
    const cache = new LruCache<string, number>(3);
    for (const [index, key] of ['a', 'b', 'c'].entries()) cache.set(key, index);
    expect(cache.get('a')).toBe(0); // a is now the most recently used: b goes first
    cache.set('d', 3);
    expect(cache.size).toBe(3);
    expect(cache.has('b')).toBe(false);
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toStrictEqual([0, 2, 3]);
    for (let i = 0; i < 100; i++) cache.set(`k${i}`, i);
    expect(cache.size).toBe(3);
    expect([cache.has('k97'), cache.has('k98'), cache.has('k99'), cache.has('a')]).toStrictEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  test('reading the newest entry again keeps the order exact, also after it was deleted or evicted', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect([cache.get('a'), cache.get('a')]).toStrictEqual([1, 1]); // a newest, read twice: b is still the oldest
    cache.set('c', 3);
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toStrictEqual([true, false, true]);
    cache.delete('c'); // the newest gone: reading a must make it the newest again
    cache.set('d', 4);
    expect(cache.get('a')).toBe(1);
    cache.set('e', 5);
    expect([cache.has('a'), cache.has('d'), cache.has('e')]).toStrictEqual([true, false, true]);
    cache.clear();
    cache.set('a', 1);
    cache.set('b', 2);
    cache.get('a');
    cache.set('c', 3);
    expect([cache.has('a'), cache.has('b')]).toStrictEqual([true, false]);
  });

  test('setting an existing key replaces it without growing', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('a', 2);
    expect(cache.size).toBe(1);
    expect(cache.get('a')).toBe(2);
  });

  test('maxEntries must be a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => new LruCache(bad)).toThrow(RangeError);
  });
});
