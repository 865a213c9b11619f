import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalBytes, canonicalize } from '../src/jcs.ts';

/** RFC 8785 Appendix B: IEEE 754 bit patterns and their JCS serialisation ("error" for NaN and Infinity). */
const APPENDIX_B: Array<[string, string]> = [
  ['0000000000000000', '0'],
  ['8000000000000000', '0'],
  ['0000000000000001', '5e-324'],
  ['8000000000000001', '-5e-324'],
  ['7fefffffffffffff', '1.7976931348623157e+308'],
  ['ffefffffffffffff', '-1.7976931348623157e+308'],
  ['4340000000000000', '9007199254740992'],
  ['c340000000000000', '-9007199254740992'],
  ['4430000000000000', '295147905179352830000'],
  ['7fffffffffffffff', 'error'],
  ['7ff0000000000000', 'error'],
  ['44b52d02c7e14af5', '9.999999999999997e+22'],
  ['44b52d02c7e14af6', '1e+23'],
  ['44b52d02c7e14af7', '1.0000000000000001e+23'],
  ['444b1ae4d6e2ef4e', '999999999999999700000'],
  ['444b1ae4d6e2ef4f', '999999999999999900000'],
  ['444b1ae4d6e2ef50', '1e+21'],
  ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
  ['3eb0c6f7a0b5ed8d', '0.000001'],
  ['41b3de4355555553', '333333333.3333332'],
  ['41b3de4355555554', '333333333.33333325'],
  ['41b3de4355555555', '333333333.3333333'],
  ['41b3de4355555556', '333333333.3333334'],
  ['41b3de4355555557', '333333333.33333343'],
  ['becbf647612f3696', '-0.0000033333333333333333'],
  ['43143ff3c1cb0959', '1424953923781206.2'],
];

function fromIeee754(bits: string): number {
  return Buffer.from(bits, 'hex').readDoubleBE(0);
}

describe('canonicalize (RFC 8785)', () => {
  it('§3.2.2 sample: primitive serialisation', () => {
    const input = JSON.parse(
      String.raw`{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
        "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}`,
    );
    expect(canonicalize(input)).toBe(
      String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
    );
  });

  it('§3.2.2 sample: UTF-8 bytes of the canonical form', () => {
    const input = { literals: [null, true, false], string: '€$' };
    expect(Buffer.from(canonicalBytes(input)).toString('hex')).toBe(
      Buffer.from('{"literals":[null,true,false],"string":"€$"}', 'utf8').toString('hex'),
    );
    // € is three bytes in UTF-8 (e2 82 ac), as the RFC's hex dump shows.
    expect(Buffer.from(canonicalBytes('€')).toString('hex')).toBe('22e282ac22');
  });

  it('§3.2.3 sample: members sorted by UTF-16 code units, recursively', () => {
    const input = JSON.parse(
      String.raw`{"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One", "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis"}`,
    );
    expect(canonicalize(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis",' +
        '"€":"Euro Sign","😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
    expect(canonicalize({ b: { d: 1, c: [{ f: 1, e: 2 }] }, a: 0 })).toBe('{"a":0,"b":{"c":[{"e":2,"f":1}],"d":1}}');
  });

  it.each(APPENDIX_B)('Appendix B: %s serialises as %s', (bits, expected) => {
    const value = fromIeee754(bits);
    if (expected === 'error') {
      expect(() => canonicalize(value)).toThrow(RangeError);
      expect(() => canonicalize([value])).toThrow(RangeError);
    } else {
      expect(canonicalize(value)).toBe(expected);
      expect(canonicalize({ n: value })).toBe(`{"n":${expected}}`);
    }
  });

  it('rejects values JCS cannot represent', () => {
    expect(() => canonicalize(Number.NEGATIVE_INFINITY)).toThrow(RangeError);
    expect(() => canonicalize([1, undefined])).toThrow(TypeError);
    expect(() => canonicalize(undefined)).toThrow(TypeError);
    expect(() => canonicalize({ f: () => 1 })).toThrow(TypeError);
    expect(() => canonicalize({ n: 1n })).toThrow(TypeError);
    expect(() => canonicalize({ s: Symbol('s') })).toThrow(TypeError);
    expect(() => canonicalize({ d: new Date(0) })).toThrow(TypeError);
    expect(() => canonicalize({ b: new Uint8Array(2) })).toThrow(TypeError);
    expect(() => canonicalize('\ud800')).toThrow(RangeError);
    expect(() => canonicalize({ '\udc00': 1 })).toThrow(RangeError);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => canonicalize(cycle)).toThrow(TypeError);
  });

  it('omits undefined object members and accepts repeated (non-circular) references', () => {
    expect(canonicalize({ a: undefined, b: 1 })).toBe('{"b":1}');
    const shared = { x: 1 };
    expect(canonicalize({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    expect(canonicalize(Object.assign(Object.create(null), { z: 1 }))).toBe('{"z":1}');
  });

  it('escapes control characters and keeps other characters literal', () => {
    expect(canonicalize('\u0000\u001f\u007f\u2028/')).toBe('"\\u0000\\u001f\u007f\u2028/"');
    expect(canonicalize('😀')).toBe('"😀"');
  });
});

/** A copy of a JSON value with every object's members in reverse code-unit order: never the JSON.stringify path. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value) && Object.keys(value).length === value.length) return value.map(reversed);
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const keys = Object.keys(value).sort().reverse();
  return Object.fromEntries(keys.map((key) => [key, reversed((value as Record<string, unknown>)[key])]));
}

/** The same value with members already in code-unit order, which canonicalize hands to JSON.stringify. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value) && Object.keys(value).length === value.length) return value.map(sorted);
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const keys = Object.keys(value).sort();
  return Object.fromEntries(keys.map((key) => [key, sorted((value as Record<string, unknown>)[key])]));
}

function outcome(value: unknown): string {
  try {
    return canonicalize(value);
  } catch (error) {
    return `${(error as Error).constructor.name}: ${(error as Error).message}`;
  }
}

describe('the JSON.stringify fast path writes exactly what the serialiser writes', () => {
  it('for any JSON value, members in order or not (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const fast = outcome(sorted(value));
        expect(fast).toBe(outcome(reversed(value)));
        if (!/^(RangeError|TypeError)/.test(fast)) expect(canonicalize(JSON.parse(fast))).toBe(fast);
      }),
      { numRuns: 2000 },
    );
  });

  it('and fails the same way, naming the same path, for what JCS cannot represent', () => {
    const cases: unknown[] = [
      { a: '\ud800' },
      { a: ['x', 'y\udfff'] },
      { '\ud800': 1 },
      { a: [1, undefined] },
      { a: Number.NaN },
      { a: { b: Number.POSITIVE_INFINITY } },
      { a: new Date(0) },
      { a: () => 1 },
      { a: 1n },
      { a: Symbol('s') },
      { a: { toJSON: () => 'x' } },
    ];
    const deep: Record<string, unknown> = {};
    let cursor = deep;
    for (let i = 0; i < 100; i++) cursor = cursor.a = {};
    cursor.a = Number.NaN;
    cases.push(deep);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    expect(outcome(cyclic)).toBe('TypeError: $.self.back: circular reference');
    for (const value of cases) {
      const result = outcome(value);
      expect(result, String(result)).toMatch(/^(RangeError|TypeError): \$/);
      expect(outcome(reversed(value))).toBe(result);
    }
  });

  it('keeps text that merely looks like a surrogate escape, and omits undefined members, as the serialiser does', () => {
    expect(canonicalize({ a: '\\ud800', b: undefined, c: '😀' })).toBe('{"a":"\\\\ud800","c":"😀"}');
    expect(canonicalize({ c: '😀', b: undefined, a: '\\ud800' })).toBe('{"a":"\\\\ud800","c":"😀"}');
    expect(canonicalize({ 10: 1, 2: 2, a: 3 })).toBe('{"10":1,"2":2,"a":3}');
    // JSON.stringify would call toJSON; JCS serialises the array's elements.
    expect(canonicalize({ a: Object.assign([1, 2], { toJSON: () => 'x' }) })).toBe('{"a":[1,2]}');
    expect(canonicalize(Object.assign(Object.create(null), { b: 1, a: [null, true, -0] }))).toBe(
      '{"a":[null,true,0],"b":1}',
    );
  });
});
