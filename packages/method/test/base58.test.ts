import fc from 'fast-check';
import { base58btc } from 'multiformats/bases/base58';
import { describe, expect, test } from 'vitest';
import { decodeBase58btc, encodeBase58btc } from '../src/base58.ts';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const base58Text = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 120 }).map((chars) => chars.join(''));
/** Bytes with runs of leading zeros, which base58 writes as leading '1's. */
const bytes = fc
  .tuple(fc.nat({ max: 4 }), fc.uint8Array({ maxLength: 100 }))
  .map(([zeros, rest]) => Uint8Array.from([...new Uint8Array(zeros), ...rest]));

/** What multiformats does with `text`: its bytes, or the fact that it throws. */
function reference(text: string): Uint8Array | 'throws' {
  try {
    return base58btc.decode(text);
  } catch {
    return 'throws';
  }
}

function ours(text: string): Uint8Array | 'throws' {
  try {
    return decodeBase58btc(text);
  } catch {
    return 'throws';
  }
}

describe('the hot-path base58btc codec agrees with multiformats', () => {
  test('encode: byte for byte, leading zeros and the empty input included', () => {
    for (const input of [
      new Uint8Array(),
      Uint8Array.of(0),
      Uint8Array.of(0, 0, 1),
      Uint8Array.of(255),
      new Uint8Array(64).fill(255),
    ]) {
      expect(encodeBase58btc(input)).toBe(base58btc.encode(input));
    }
    fc.assert(
      fc.property(bytes, (input) => encodeBase58btc(input) === base58btc.encode(input)),
      { numRuns: 2000 },
    );
  });

  test('a long input then short ones: the reused scratch space leaves nothing behind', () => {
    const long = Uint8Array.from({ length: 300 }, (_, i) => (i * 101 + 7) & 255);
    for (const input of [long, Uint8Array.of(1), new Uint8Array(), Uint8Array.of(0, 0), long.subarray(0, 3)]) {
      expect(encodeBase58btc(input)).toBe(base58btc.encode(input));
      expect(decodeBase58btc(base58btc.encode(input))).toStrictEqual(Uint8Array.from(input));
    }
  });

  test('decode: the same bytes for every z-prefixed alphabet string, and a round trip', () => {
    fc.assert(
      fc.property(base58Text, (text) => {
        expect(ours(`z${text}`)).toStrictEqual(reference(`z${text}`));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(bytes, (input) => {
        expect(decodeBase58btc(encodeBase58btc(input))).toStrictEqual(input);
      }),
      { numRuns: 1000 },
    );
  });

  test('decode: the same outcome (bytes or an error) for text outside the alphabet or without the z prefix', () => {
    for (const text of [
      '',
      'z',
      'z0',
      'zO',
      'zI',
      'zl',
      'z 1',
      'z1 ',
      'Qm',
      '1z',
      'z€',
      'z1€2',
      `z${'\u{1F600}'}`,
      'z\u0100',
    ]) {
      expect(ours(text), JSON.stringify(text)).toStrictEqual(reference(text));
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 40, unit: 'binary' }), (text) => {
        expect(ours(`z${text}`)).toStrictEqual(reference(`z${text}`));
        expect(ours(text)).toStrictEqual(reference(text));
      }),
      { numRuns: 2000 },
    );
  });
});
