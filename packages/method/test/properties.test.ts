import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { formatDid, parseDid } from '../src/did.ts';
import { formatDidUrl, parseDidUrl } from '../src/did-url.ts';
import { listDivisions } from '../src/divisions.ts';
import { DidCityError } from '../src/errors.ts';
import { keyPairFromSecret } from '../src/keys.ts';
import { decodeMultikey, encodeMultikey } from '../src/multikey.ts';
import type { CityDid, KeyType } from '../src/types.ts';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';

const LOWER = 'abcdefghijklmnopqrstuvwxyz'.split('');
const DIGITS = '0123456789'.split('');
const lower = fc.constantFrom(...LOWER);
const alnum = fc.constantFrom(...LOWER, ...DIGITS);
const joined = (parts: fc.Arbitrary<string[]>) => parts.map((chars) => chars.join(''));

const network = fc
  .tuple(lower, joined(fc.array(alnum, { minLength: 2, maxLength: 15 })))
  .map(([first, rest]) => first + rest)
  .filter((name) => name !== 'prod');
const subId = fc.oneof(
  alnum,
  fc
    .tuple(alnum, joined(fc.array(fc.constantFrom(...LOWER, ...DIGITS, '-'), { maxLength: 61 })), alnum)
    .map(([a, middle, b]) => a + middle + b),
);
const cnCodes = listDivisions().map((division) => division.code);
const countryAndDivision = fc.oneof(
  fc.record({ country: fc.constant('cn'), division: fc.option(fc.constantFrom(...cnCodes), { nil: undefined }) }),
  fc.record({
    country: joined(fc.array(lower, { minLength: 2, maxLength: 2 })).filter((country) => country !== 'cn'),
    division: fc.option(joined(fc.array(fc.constantFrom(...DIGITS), { minLength: 6, maxLength: 6 })), {
      nil: undefined,
    }),
  }),
);

/** Parts of a valid DID, without undefined members (so whole-object comparison with parseDid works). */
const didParts: fc.Arbitrary<Omit<CityDid, 'did'>> = fc
  .tuple(fc.option(network, { nil: undefined }), countryAndDivision, fc.array(subId, { maxLength: 4 }))
  .map(([net, { country, division }, subIds]) => {
    const parts: Omit<CityDid, 'did'> = { country, subIds: division === undefined ? [] : subIds };
    if (net !== undefined) parts.network = net;
    if (division !== undefined) parts.division = division;
    return parts;
  })
  .filter(
    (parts) =>
      ['did:city', parts.network, parts.country, parts.division, ...parts.subIds].filter(Boolean).join(':').length <=
      256,
  );

describe('DID round trips', () => {
  test('formatDid then parseDid gives back the parts; parseDid then formatDid gives back the DID', () => {
    fc.assert(
      fc.property(didParts, (parts) => {
        const did = formatDid(parts);
        expect(parseDid(did)).toStrictEqual({ did, ...parts });
        const { did: _did, ...reparsed } = parseDid(did);
        expect(formatDid(reparsed)).toBe(did);
      }),
    );
  });
});

const MUTATION_CHARS = [
  ...LOWER,
  ...DIGITS,
  'A',
  'Z',
  'C',
  'N',
  ':',
  '-',
  '_',
  '.',
  '%',
  '#',
  '/',
  '?',
  ' ',
  '~',
  '中',
];

describe('single-character mutations of a valid DID', () => {
  test('either parse to exactly the mutated string (canonical) or are rejected with a DidCityError', () => {
    const mutation = fc.record({
      kind: fc.constantFrom('replace', 'insert', 'delete'),
      position: fc.nat(),
      char: fc.constantFrom(...MUTATION_CHARS),
    });
    fc.assert(
      fc.property(didParts, mutation, (parts, { kind, position, char }) => {
        const did = formatDid(parts);
        const at = position % (did.length + (kind === 'insert' ? 1 : 0));
        const mutated = did.slice(0, at) + (kind === 'delete' ? '' : char) + did.slice(kind === 'insert' ? at : at + 1);
        let parsed: CityDid;
        try {
          parsed = parseDid(mutated);
        } catch (err) {
          expect(err).toBeInstanceOf(DidCityError);
          expect(['INVALID_DID', 'METHOD_NOT_SUPPORTED']).toContain((err as DidCityError).code);
          return;
        }
        const { did: parsedDid, ...rest } = parsed;
        expect(parsedDid).toBe(mutated);
        expect(formatDid(rest)).toBe(mutated);
        expect(mutated).toBe(mutated.toLowerCase());
      }),
      { numRuns: 2000 },
    );
  });
});

const PCHAR = [
  ...LOWER,
  ...DIGITS,
  'A',
  'Z',
  '-',
  '.',
  '_',
  '~',
  '!',
  '$',
  '&',
  "'",
  '(',
  ')',
  '*',
  '+',
  ',',
  ';',
  '=',
  ':',
  '@',
  '%41',
];
const path = fc
  .array(joined(fc.array(fc.constantFrom(...PCHAR), { maxLength: 8 })), { maxLength: 4 })
  .map((segments) => segments.map((segment) => `/${segment}`).join(''));
const fragment = fc.option(joined(fc.array(fc.constantFrom(...PCHAR, '/', '?'), { maxLength: 20 })), {
  nil: undefined,
});
const query = fc.dictionary(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  {
    maxKeys: 5,
  },
);

describe('DID URL round trips', () => {
  test('formatDidUrl then parseDidUrl gives back DID, path, query (decoded once) and fragment', () => {
    fc.assert(
      fc.property(didParts, path, query, fragment, (parts, p, q, f) => {
        const did = formatDid(parts);
        const didUrl = formatDidUrl({ did, path: p, query: q, fragment: f });
        const parsed = parseDidUrl(didUrl);
        const expected: Record<string, unknown> = {
          did,
          ...parts,
          didUrl,
          path: p,
          query: Object.fromEntries(Object.entries(q)),
        };
        if (f !== undefined) expected.fragment = f;
        expect(parsed).toStrictEqual(expected);
        expect(
          formatDidUrl({ did: parsed.did, path: parsed.path, query: parsed.query, fragment: parsed.fragment }),
        ).toBe(didUrl);
      }),
    );
  });
});

const secret = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe('Multikey round trips', () => {
  test.each(['Ed25519', 'P-256', 'secp256k1'] as const)(
    '%s: secret → Multikey → bytes → the same Multikey',
    (keyType: KeyType) => {
      fc.assert(
        fc.property(secret, (bytes) => {
          const curve = keyType === 'P-256' ? p256 : keyType === 'secp256k1' ? secp256k1 : undefined;
          fc.pre(curve === undefined || curve.utils.isValidSecretKey(bytes));
          const { publicKeyMultibase } = keyPairFromSecret(keyType, bytes);
          const decoded = decodeMultikey(publicKeyMultibase);
          expect(decoded.keyType).toBe(keyType);
          expect(encodeMultikey(keyType, decoded.publicKey)).toBe(publicKeyMultibase);
          if (curve !== undefined) {
            expect(encodeMultikey(keyType, curve.getPublicKey(bytes, false))).toBe(publicKeyMultibase);
          }
        }),
        { numRuns: 50 },
      );
    },
  );

  test('random bytes either are rejected with a RangeError or round-trip exactly', () => {
    const input = fc.record({
      keyType: fc.constantFrom<KeyType>('Ed25519', 'P-256', 'secp256k1'),
      bytes: fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 33, maxLength: 33 })),
    });
    fc.assert(
      fc.property(input, ({ keyType, bytes }) => {
        let multikey: string;
        try {
          multikey = encodeMultikey(keyType, bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(RangeError);
          return;
        }
        expect(decodeMultikey(multikey)).toStrictEqual({ keyType, publicKey: bytes });
      }),
      { numRuns: 300 },
    );
  });
});
