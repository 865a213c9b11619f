import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { base58btc } from 'multiformats/bases/base58';
import { describe, expect, test } from 'vitest';
import {
  decodeMultikey,
  encodeMultikey,
  MULTIKEY_CACHE_ENTRIES,
  multikeyType,
  validatedMultikeys,
} from '../src/multikey.ts';

const fromHex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));
const fromB64u = (text: string) => Uint8Array.from(Buffer.from(text, 'base64url'));
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));

/** W3C Controlled Identifiers / DID Core example key; its JWK x is Zmq-CJA17UpFeVmJ-nIKDuDEhUnoRSNIXFbxyBtCh6Y. */
const ED25519_EXAMPLE = 'z6MkmM42vxfqZQsv4ehtTjFFxQ4sQKS2w6WR7emozFAn5cxu';
/** w3c-ccg/did-method-key test-vectors/nist-curves.json. */
const P256_VECTORS = [
  {
    multikey: 'zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv',
    x: 'igrFmi0whuihKnj9R3Om1SoMph72wUGeFaBbzG2vzns',
    y: 'efsX5b10x8yjyrj4ny3pGfLcY7Xby1KzgqOdqnsrJIM',
  },
  {
    multikey: 'zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169',
    x: 'fyNYMN0976ci7xqiSdag3buk-ZCwgXU4kz9XNkBlNUI',
    y: 'hW2ojTNfH7Jbi8--CJUo3OCbH3y5n91g-IMA9MLMbTU',
  },
];
/** w3c-ccg/did-method-key test-vectors/secp256k1.json: publicKeyBase58 is the compressed point. */
const SECP256K1_VECTORS = [
  {
    multikey: 'zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme',
    base58: '23o6Sau8NxxzXcgSc3PLcNxrzrZpbLeBn1izfv3jbKhuv',
  },
  {
    multikey: 'zQ3shtxV1FrJfhqE1dvxYRcCknWNjHc3c5X1y3ZSoPDi2aur2',
    base58: '291KzQhqCPC18PqH83XKhxv1HdqrdnxyS7dh15t2uNRzJ',
  },
];

const rawBase58 = (text: string) => base58btc.decode(`z${text}`);

describe('Ed25519', () => {
  test('decodes the Controlled Identifiers example key to its 32 bytes (multicodec 0xed)', () => {
    const decoded = decodeMultikey(ED25519_EXAMPLE);
    expect(decoded).toStrictEqual({
      keyType: 'Ed25519',
      publicKey: fromB64u('Zmq-CJA17UpFeVmJ-nIKDuDEhUnoRSNIXFbxyBtCh6Y'),
    });
    expect([...base58btc.decode(ED25519_EXAMPLE).subarray(0, 2)]).toEqual([0xed, 0x01]);
    expect(encodeMultikey('Ed25519', decoded.publicKey)).toBe(ED25519_EXAMPLE);
  });

  test('RFC 8032 TEST 1 public key encodes to a z6Mk Multikey and back', () => {
    const publicKey = fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const multikey = encodeMultikey('Ed25519', publicKey);
    expect(multikey.startsWith('z6Mk')).toBe(true);
    expect(decodeMultikey(multikey).publicKey).toStrictEqual(publicKey);
  });

  test('rejects a small-order point (the identity) and a non-canonical y ≥ p', () => {
    const identity = concat(Uint8Array.of(1), new Uint8Array(31));
    expect(() => encodeMultikey('Ed25519', identity)).toThrow(RangeError);
    const nonCanonical = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0xee : i === 31 ? 0x7f : 0xff));
    expect(() => encodeMultikey('Ed25519', nonCanonical)).toThrow(RangeError);
    const crafted = base58btc.encode(concat(Uint8Array.of(0xed, 0x01), identity));
    expect(() => decodeMultikey(crafted)).toThrow(/small-order/);
  });

  test('rejects keys of the wrong length', () => {
    expect(() => encodeMultikey('Ed25519', new Uint8Array(33))).toThrow(RangeError);
    const short = base58btc.encode(
      concat(Uint8Array.of(0xed, 0x01), ed25519.getPublicKey(new Uint8Array(32)).subarray(1)),
    );
    expect(() => decodeMultikey(short)).toThrow(/32 key bytes, got 31/);
  });
});

describe('P-256', () => {
  test.each(P256_VECTORS)('did:key vector $multikey: x/y encode to it, it decodes to the compressed point', (v) => {
    const x = fromB64u(v.x);
    const y = fromB64u(v.y);
    const uncompressed = concat(Uint8Array.of(4), x, y);
    const compressed = concat(Uint8Array.of(2 + ((y[31] ?? 0) & 1)), x);
    expect(encodeMultikey('P-256', uncompressed)).toBe(v.multikey);
    expect(encodeMultikey('P-256', compressed)).toBe(v.multikey);
    expect(decodeMultikey(v.multikey)).toStrictEqual({ keyType: 'P-256', publicKey: compressed });
    expect([...base58btc.decode(v.multikey).subarray(0, 2)]).toEqual([0x80, 0x24]);
  });

  test('rejects a 33-byte string that is not a point on the curve', () => {
    const badTag = concat(Uint8Array.of(5), new Uint8Array(32).fill(1));
    expect(() => encodeMultikey('P-256', badTag)).toThrow(RangeError);
    // About half of all x have no y on the curve: take the first from 1 so the test is deterministic.
    let x = 1n;
    while (true) {
      try {
        p256.Point.fromBytes(concat(Uint8Array.of(2), fromHex(x.toString(16).padStart(64, '0'))));
        x++;
      } catch {
        break;
      }
    }
    const offCurve = concat(Uint8Array.of(0x80, 0x24, 2), fromHex(x.toString(16).padStart(64, '0')));
    expect(() => decodeMultikey(base58btc.encode(offCurve))).toThrow(/not a valid point/);
  });

  test('rejects an uncompressed point inside a Multikey (only 33 bytes are allowed)', () => {
    const v = P256_VECTORS[0]!;
    const uncompressed = concat(Uint8Array.of(0x80, 0x24, 4), fromB64u(v.x), fromB64u(v.y));
    expect(() => decodeMultikey(base58btc.encode(uncompressed))).toThrow(/33 key bytes, got 65/);
  });
});

describe('secp256k1', () => {
  test.each(SECP256K1_VECTORS)('did:key vector $multikey', (v) => {
    const compressed = rawBase58(v.base58);
    expect(encodeMultikey('secp256k1', compressed)).toBe(v.multikey);
    expect(decodeMultikey(v.multikey)).toStrictEqual({ keyType: 'secp256k1', publicKey: compressed });
    expect([...base58btc.decode(v.multikey).subarray(0, 2)]).toEqual([0xe7, 0x01]);
  });
});

describe('malformed Multikeys', () => {
  test.each([
    ['empty string', ''],
    ['no multibase prefix', '6MkmM42vxfqZQsv4ehtTjFFxQ4sQKS2w6WR7emozFAn5cxu'],
    ['base64url multibase', 'uZmq-CJA17UpFeVmJ-nIKDuDEhUnoRSNIXFbxyBtCh6Y'],
    ['a character outside base58 (0)', 'z6MkmM42vxfqZQsv4ehtTjFFxQ4sQKS2w6WR7emozFAn5cx0'],
    ['just the prefix', 'z'],
    ['truncated', ED25519_EXAMPLE.slice(0, -3)],
  ])('%s is a RangeError', (_name, multikey) => {
    expect(() => decodeMultikey(multikey)).toThrow(RangeError);
  });

  test('an X25519 key (multicodec 0xec) is not a signing key type', () => {
    const x25519 = base58btc.encode(concat(Uint8Array.of(0xec, 0x01), new Uint8Array(32).fill(9)));
    expect(x25519.startsWith('z6LS')).toBe(true);
    expect(() => decodeMultikey(x25519)).toThrow(/Unsupported multicodec 0xec/);
  });

  test('a non-minimal varint prefix is rejected (one key has one Multikey string)', () => {
    const key = decodeMultikey(ED25519_EXAMPLE).publicKey;
    expect(() => decodeMultikey(base58btc.encode(concat(Uint8Array.of(0xed, 0x81, 0x00), key)))).toThrow(RangeError);
  });

  test('wrong argument types are TypeErrors', () => {
    expect(() => decodeMultikey(42 as unknown as string)).toThrow(TypeError);
    expect(() => encodeMultikey('Ed25519', [1, 2] as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => encodeMultikey('RSA' as 'Ed25519', new Uint8Array(32))).toThrow(TypeError);
  });
});

describe('the cache of validated Multikeys', () => {
  const seed = (label: string) => Uint8Array.from(Buffer.from(label.padEnd(32, '.').slice(0, 32)));

  test('hands every caller its own copy: changing one result reaches neither the cache nor other callers', () => {
    const first = decodeMultikey(ED25519_EXAMPLE);
    const second = decodeMultikey(ED25519_EXAMPLE);
    expect(second).toStrictEqual(first);
    expect(second.publicKey).not.toBe(first.publicKey);
    first.publicKey.fill(0);
    (first as { keyType: string }).keyType = 'P-256';
    expect(decodeMultikey(ED25519_EXAMPLE)).toStrictEqual({
      keyType: 'Ed25519',
      publicKey: fromB64u('Zmq-CJA17UpFeVmJ-nIKDuDEhUnoRSNIXFbxyBtCh6Y'),
    });
    expect(Object.isFrozen(validatedMultikeys.get(ED25519_EXAMPLE))).toBe(true);
    expect(multikeyType(ED25519_EXAMPLE)).toBe('Ed25519');
  });

  test('a malformed Multikey is never cached: it fails the same way every time', () => {
    const smallOrder = base58btc.encode(concat(Uint8Array.of(0xed, 0x01), new Uint8Array(32)));
    const offCurve = base58btc.encode(
      concat(Uint8Array.of(0x80, 0x24), Uint8Array.of(0x02), new Uint8Array(32).fill(0xff)),
    );
    for (const bad of [smallOrder, offCurve, `${ED25519_EXAMPLE}x`, ED25519_EXAMPLE.slice(0, -1), 'z', '']) {
      const first = (() => {
        try {
          decodeMultikey(bad);
          return undefined;
        } catch (error) {
          return error;
        }
      })();
      expect(first, bad).toBeInstanceOf(RangeError);
      expect(() => decodeMultikey(bad)).toThrow((first as Error).message);
      expect(() => multikeyType(bad)).toThrow((first as Error).message);
      expect(validatedMultikeys.has(bad)).toBe(false);
    }
  });

  test(`holds at most ${MULTIKEY_CACHE_ENTRIES} keys, evicting the least recently used, which still decode afterwards`, () => {
    validatedMultikeys.clear();
    const keys = Array.from({ length: MULTIKEY_CACHE_ENTRIES + 10 }, (_, i) =>
      encodeMultikey('Ed25519', ed25519.getPublicKey(seed(`cache key ${i}`))),
    );
    const expected = keys.map((key) => decodeMultikey(key));
    expect(validatedMultikeys.size).toBe(MULTIKEY_CACHE_ENTRIES);
    expect(keys.slice(0, 10).some((key) => validatedMultikeys.has(key))).toBe(false);
    expect(keys.slice(10).every((key) => validatedMultikeys.has(key))).toBe(true);
    keys.forEach((key, i) => {
      expect(decodeMultikey(key)).toStrictEqual(expected[i]);
    });
    expect(validatedMultikeys.size).toBe(MULTIKEY_CACHE_ENTRIES);
  });
});
