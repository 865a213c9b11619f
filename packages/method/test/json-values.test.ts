import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../src/jcs.ts';
import { copyJson, equalsParsedJson } from '../src/json-values.ts';

describe('copyJson: a deep copy as structuredClone makes it', () => {
  it('equals structuredClone for any JSON value, shares nothing with the original (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const copy = copyJson(value);
        expect(copy).toStrictEqual(structuredClone(value));
        if (typeof value === 'object' && value !== null) expect(copy).not.toBe(value);
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps member order and undefined members, and what a caller changes in the copy stays there', () => {
    const original = { b: [1, { c: 'x' }], a: undefined, n: null };
    const copy = copyJson(original);
    expect(Object.keys(copy)).toStrictEqual(['b', 'a', 'n']);
    expect(copy).toStrictEqual(structuredClone(original));
    (copy.b[1] as { c: string }).c = 'changed';
    expect(original.b[1]).toStrictEqual({ c: 'x' });
  });

  it('hands what is not plain JSON data to structuredClone: class instances, holes, null prototypes, __proto__', () => {
    const cases: unknown[] = [
      { at: new Date(0) },
      { m: new Map([[1, 2]]) },
      Object.assign(new Array(3), { 0: 1, 2: 3 }),
      Object.assign(Object.create(null), { a: 1 }),
      JSON.parse('{"__proto__": {"polluted": true}}'),
    ];
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    cases.push(cyclic);
    for (const value of cases) {
      const copy = copyJson(value);
      expect(copy).toStrictEqual(structuredClone(value));
      expect(Object.getPrototypeOf(copy)).toBe(Object.getPrototypeOf(structuredClone(value)));
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(() => copyJson({ f: () => 1 })).toThrow();
  });
});

describe('equalsParsedJson: true only for values with the same canonical JSON as the parsed one', () => {
  it('agrees with comparing canonical forms, for equal values and single changes (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        const trusted = JSON.parse(canonicalize(a));
        expect(equalsParsedJson(a, trusted)).toBe(true);
        expect(equalsParsedJson(structuredClone(a), trusted)).toBe(true);
        if (equalsParsedJson(b, trusted)) expect(canonicalize(b)).toBe(canonicalize(a));
        else expect(canonicalize(b)).not.toBe(canonicalize(a));
      }),
      { numRuns: 2000 },
    );
  });

  it('ignores member order and undefined members (as JCS does), and is never true for what JCS rejects', () => {
    const trusted = JSON.parse('{"a":[1,{"b":"x"}],"c":0}');
    expect(equalsParsedJson({ c: -0, a: [1, { b: 'x', d: undefined }] }, trusted)).toBe(true);
    for (const other of [
      { a: [1, { b: 'x' }], c: 0, d: 1 },
      { a: [1, { b: 'x' }] },
      { a: [1, { b: 'x' }, undefined], c: 0 },
      { a: [1, { b: new String('x') }], c: 0 },
      { a: { 0: 1, 1: { b: 'x' }, length: 2 }, c: 0 },
      { a: [1, { b: 'x' }], c: Number.NaN },
      Object.assign(new (class Operation {})(), { a: [1, { b: 'x' }], c: 0 }),
    ]) {
      expect(equalsParsedJson(other, trusted), JSON.stringify(other)).toBe(false);
    }
  });
});
