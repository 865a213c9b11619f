import fc from 'fast-check';
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

  test('any sequence of reads, writes and deletes leaves exactly what a reference LRU holds', () => {
    type Step = { op: 'get' | 'set' | 'delete' | 'clear'; key: number; value: number };
    const step = fc.record({
      op: fc.constantFrom<Step['op']>('get', 'get', 'set', 'set', 'delete', 'clear'),
      key: fc.nat({ max: 7 }),
      value: fc.integer(),
    });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(step, { maxLength: 60 }), (max, steps) => {
        const cache = new LruCache<number, number>(max);
        // The reference: keys from the least to the most recently used.
        let model: Array<[number, number]> = [];
        for (const { op, key, value } of steps) {
          const found = model.find((entry) => entry[0] === key);
          if (op === 'get') {
            expect(cache.get(key)).toBe(found?.[1]);
            if (found !== undefined) model = [...model.filter((entry) => entry !== found), found];
          } else if (op === 'set') {
            cache.set(key, value);
            model = [...model.filter((entry) => entry !== found), [key, value]];
            if (model.length > max) model = model.slice(1);
          } else if (op === 'delete') {
            expect(cache.delete(key)).toBe(found !== undefined);
            model = model.filter((entry) => entry !== found);
          } else {
            cache.clear();
            model = [];
          }
          expect(cache.size).toBe(model.length);
        }
        for (let key = 0; key <= 7; key++) expect(cache.has(key)).toBe(model.some((entry) => entry[0] === key));
        // Reading every held key from the oldest on keeps the order; then one more set evicts the oldest of them.
        for (const [key, value] of model) expect(cache.get(key)).toBe(value);
        if (model.length === max) {
          cache.set(100, 0);
          expect(cache.has(model[0]![0])).toBe(false);
          expect(model.slice(1).every(([key]) => cache.has(key))).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  test('maxEntries must be a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => new LruCache(bad)).toThrow(RangeError);
  });
});
