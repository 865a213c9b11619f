/**
 * SM2 with SM3 against the standards' own examples on the recommended curve, and against two independent
 * implementations: OpenSSL 3 (run as a process) and the `sm-crypto` package (jsbn arithmetic, no shared code with
 * sm-crypto-v2 or @noble).
 */
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { sm2 as smCrypto, sm3 as smCryptoSm3 } from 'sm-crypto';
import { sm2 as smCryptoV2 } from 'sm-crypto-v2';
import { afterAll, describe, expect, test } from 'vitest';
import { createSigner, generateKeyPair, keyPairFromSecret, multikeyToJwk, verifySignature } from '../src/keys.ts';
import { decodeBase58btc } from '../src/base58.ts';
import { decodeMultikey, encodeMultikey } from '../src/multikey.ts';
import {
  SM2_DEFAULT_ID,
  sm2CompressedKey,
  sm2PublicKey,
  sm2Sign,
  sm2UncompressedKey,
  sm2Verify,
  sm2Z,
  sm3,
} from '../src/sm2.ts';

const fromHex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const utf8 = (text: string) => new TextEncoder().encode(text);
const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;

/** GB/T 32905-2016 Appendix A, examples 1 and 2. */
const SM3_EXAMPLES = [
  { input: 'abc', digest: '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0' },
  { input: 'abcd'.repeat(16), digest: 'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732' },
];

/**
 * GM/T 0003.5-2012 Annex A (republished as GB/T 32918.5-2017 Annex A): the signature example on the recommended
 * curve with the default identifier. The examples of GB/T 32918.2-2016 itself use a 256-bit test curve
 * (p = 8542D69E…) and the identifier ALICE123@YAHOO.COM, which a library fixed to the recommended curve cannot run.
 */
const ANNEX_A = {
  d: '3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8',
  x: '09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020',
  y: 'ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13',
  message: 'message digest',
  z: 'b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3',
  e: 'f0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640',
  k: '59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21',
  x1: '04ebfc718e8d1798620432268e77feb6415e2ede0e073c0f4f640ecd2e149a73',
  r: 'f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3',
  s: 'b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa',
};
const annexPublicKey = fromHex(`04${ANNEX_A.x}${ANNEX_A.y}`);
const annexSignature = fromHex(ANNEX_A.r + ANNEX_A.s);

describe('SM3, GB/T 32905-2016 Appendix A', () => {
  test.each(SM3_EXAMPLES)('SM3("$input") is the standard digest', ({ input, digest }) => {
    expect(toHex(sm3(utf8(input)))).toBe(digest);
  });

  test('agrees with OpenSSL (node:crypto) and sm-crypto on inputs of every length up to three blocks', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (data) => {
        const ours = toHex(sm3(data));
        expect(ours).toBe(createHash('sm3').update(data).digest('hex'));
        expect(ours).toBe(smCryptoSm3(Array.from(data)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('SM2, GM/T 0003.5-2012 / GB/T 32918.5-2017 Annex A (recommended curve, ID 1234567812345678)', () => {
  test('the public key of d is the example key, and its Multikey round-trips (sm2-pub, 0x1206)', () => {
    const pair = keyPairFromSecret('SM2', fromHex(ANNEX_A.d));
    expect(toHex(sm2UncompressedKey(sm2PublicKey(fromHex(ANNEX_A.d))))).toBe(toHex(annexPublicKey));
    expect(decodeMultikey(pair.publicKeyMultibase)).toStrictEqual({
      keyType: 'SM2',
      publicKey: sm2CompressedKey(annexPublicKey),
    });
    expect(encodeMultikey('SM2', annexPublicKey)).toBe(pair.publicKeyMultibase);
    const bytes = decodeBase58btc(pair.publicKeyMultibase);
    expect(toHex(bytes.subarray(0, 2))).toBe('8624');
    expect(toHex(bytes.subarray(2))).toBe(`03${ANNEX_A.x}`);
    expect(multikeyToJwk(pair.publicKeyMultibase)).toStrictEqual({
      kty: 'EC',
      crv: 'SM2',
      x: Buffer.from(ANNEX_A.x, 'hex').toString('base64url'),
      y: Buffer.from(ANNEX_A.y, 'hex').toString('base64url'),
    });
  });

  test('Z_A and e = SM3(Z_A || M) are the example values', () => {
    expect(toHex(sm2Z(annexPublicKey))).toBe(ANNEX_A.z);
    expect(toHex(sm3(new Uint8Array([...fromHex(ANNEX_A.z), ...utf8(ANNEX_A.message)])))).toBe(ANNEX_A.e);
  });

  test('the example signature (r, s) verifies; a changed message, identifier or bit does not', () => {
    expect(sm2Verify(annexPublicKey, utf8(ANNEX_A.message), annexSignature)).toBe(true);
    expect(sm2Verify(sm2CompressedKey(annexPublicKey), utf8(ANNEX_A.message), annexSignature)).toBe(true);
    expect(sm2Verify(annexPublicKey, utf8('message digesT'), annexSignature)).toBe(false);
    expect(sm2Verify(annexPublicKey, utf8(ANNEX_A.message), annexSignature, { id: '' })).toBe(false);
    expect(sm2Verify(annexPublicKey, utf8(ANNEX_A.message), annexSignature, { id: 'ALICE123@YAHOO.COM' })).toBe(false);
    for (const index of [0, 31, 32, 63]) {
      const tampered = Uint8Array.from(annexSignature);
      tampered[index]! ^= 0x01;
      expect(sm2Verify(annexPublicKey, utf8(ANNEX_A.message), tampered)).toBe(false);
    }
  });

  test('sm-crypto-v2 given the example nonce k reproduces (r, s): the signing equation is the standard one', () => {
    const k = BigInt(`0x${ANNEX_A.k}`);
    const signature = smCryptoV2.doSignature(utf8(ANNEX_A.message), ANNEX_A.d, {
      hash: true,
      der: false,
      pointPool: [{ k, x1: BigInt(`0x${ANNEX_A.x1}`) }],
    });
    expect(signature).toBe(ANNEX_A.r + ANNEX_A.s);
  });

  test('our signer is deterministic (RFC 6979 nonce with HMAC-SM3) and its signatures verify', () => {
    const secret = fromHex(ANNEX_A.d);
    const first = sm2Sign(secret, utf8(ANNEX_A.message));
    expect(toHex(sm2Sign(secret, utf8(ANNEX_A.message)))).toBe(toHex(first));
    expect(toHex(sm2Sign(secret, utf8('another message')))).not.toBe(toHex(first));
    expect(sm2Verify(annexPublicKey, utf8(ANNEX_A.message), first)).toBe(true);
  });
});

/**
 * sm-crypto-v2 reduces t = r + s mod n and multiplies by s unreduced, so without the range check s and s + n would
 * name the same signature; s + n fits in 32 bytes only when s < 2^256 - n (about 2^-32 of signatures), so the cases
 * here are the boundaries.
 */
describe('SM2 signatures outside the valid range (GB/T 32918.2 §7.1 B1-B2)', () => {
  const r = BigInt(`0x${ANNEX_A.r}`);
  const s = BigInt(`0x${ANNEX_A.s}`);
  const rs = (a: bigint, b: bigint) => fromHex(a.toString(16).padStart(64, '0') + b.toString(16).padStart(64, '0'));
  const message = utf8(ANNEX_A.message);

  test.each([
    ['r = 0', () => rs(0n, s)],
    ['s = 0', () => rs(r, 0n)],
    ['r = n', () => rs(N, s)],
    ['s = n', () => rs(r, N)],
  ])('%s does not verify', (_name, make) => {
    expect(sm2Verify(annexPublicKey, message, make())).toBe(false);
  });

  test('wrong lengths, a point off the curve and non-bytes are false, never a throw', () => {
    expect(sm2Verify(annexPublicKey, message, annexSignature.subarray(0, 63))).toBe(false);
    expect(sm2Verify(annexPublicKey, message, new Uint8Array([...annexSignature, 0]))).toBe(false);
    const offCurve = Uint8Array.from(annexPublicKey);
    offCurve[64]! ^= 1;
    expect(sm2Verify(offCurve, message, annexSignature)).toBe(false);
    expect(sm2Verify(annexPublicKey, 'message digest' as never, annexSignature)).toBe(false);
  });
});

describe('SM2 keys', () => {
  test('secrets outside [1, n-2] are refused (d = n-1 has no (1 + d)^-1)', () => {
    for (const d of [0n, N - 1n, N, 2n ** 256n - 1n]) {
      expect(() => keyPairFromSecret('SM2', fromHex(d.toString(16).padStart(64, '0')))).toThrow(RangeError);
    }
    expect(() => keyPairFromSecret('SM2', fromHex((N - 2n).toString(16)))).not.toThrow();
    expect(() => keyPairFromSecret('SM2', new Uint8Array(31))).toThrow(RangeError);
  });

  test('a Multikey with the sm2-pub prefix but a point off the curve, or a P-256 point, is refused', () => {
    const { publicKeyMultibase } = generateKeyPair('SM2');
    const { publicKey } = decodeMultikey(publicKeyMultibase);
    // x = 2: x^3 + ax + b is not a square mod p, so no point has it.
    const xTwo = new Uint8Array(33);
    xTwo[0] = 2;
    xTwo[32] = 2;
    expect(() => encodeMultikey('SM2', xTwo)).toThrow(RangeError);
    expect(() => encodeMultikey('SM2', new Uint8Array([5, ...publicKey.subarray(1)]))).toThrow(RangeError);
    expect(() => encodeMultikey('SM2', new Uint8Array([5, ...publicKey.subarray(1)]))).toThrow(RangeError);
    expect(decodeMultikey(encodeMultikey('SM2', publicKey)).keyType).toBe('SM2');
  });

  test('generated key pairs sign and verify through the Multikey, and a Signer is bound to its key', async () => {
    const pair = generateKeyPair('SM2');
    const signer = createSigner(pair);
    expect(signer.keyType).toBe('SM2');
    const data = utf8('did:city');
    const signature = await signer(data);
    expect(verifySignature(pair.publicKeyMultibase, data, signature)).toBe(true);
    expect(verifySignature(generateKeyPair('SM2').publicKeyMultibase, data, signature)).toBe(false);
    expect(verifySignature(pair.publicKeyMultibase, utf8('did:citY'), signature)).toBe(false);
  });
});

describe('interoperability with sm-crypto (an independent implementation)', () => {
  test('each verifies what the other signs, with the default identifier; neither accepts the other ID', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), (data) => {
        const pair = generateKeyPair('SM2');
        const secretHex = toHex(pair.secretKey);
        const publicHex = toHex(sm2UncompressedKey(decodeMultikey(pair.publicKeyMultibase).publicKey));
        const theirs = smCrypto.doSignature(Array.from(data), secretHex, {
          hash: true,
          der: false,
          publicKey: publicHex,
        });
        expect(verifySignature(pair.publicKeyMultibase, data, fromHex(theirs))).toBe(true);
        const ours = toHex(sm2Sign(pair.secretKey, data));
        expect(smCrypto.doVerifySignature(Array.from(data), ours, publicHex, { hash: true, der: false })).toBe(true);
        expect(
          smCrypto.doVerifySignature(Array.from(data), ours, publicHex, { hash: true, der: false, userId: 'other' }),
        ).toBe(false);
      }),
      { numRuns: 5 },
    );
  });
});

/** SubjectPublicKeyInfo of an uncompressed SM2 key: id-ecPublicKey with the named curve SM2 (1.2.156.10197.1.301). */
const SPKI_PREFIX = fromHex('3059301306072a8648ce3d020106082a811ccf5501822d034200');

/** r || s as the DER SEQUENCE of two INTEGERs OpenSSL reads and writes (GM/T 0009). */
function toDer(signature: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const body = bytes[start]! & 0x80 ? [0, ...bytes.subarray(start)] : [...bytes.subarray(start)];
    return [0x02, body.length, ...body];
  };
  const content = [...integer(signature.subarray(0, 32)), ...integer(signature.subarray(32))];
  return Uint8Array.from([0x30, content.length, ...content]);
}

function fromDer(der: Uint8Array): Uint8Array {
  expect(der[0]).toBe(0x30);
  const out = new Uint8Array(64);
  let offset = 2;
  for (const half of [0, 1]) {
    expect(der[offset]).toBe(0x02);
    const length = der[offset + 1]!;
    const value = der.subarray(offset + 2, offset + 2 + length);
    const trimmed = value.length > 32 ? value.subarray(value.length - 32) : value;
    out.set(trimmed, half * 32 + 32 - trimmed.length);
    offset += 2 + length;
  }
  return out;
}

describe('interoperability with OpenSSL 3 (pkeyutl -rawin -digest sm3 -pkeyopt distid:1234567812345678)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'did-city-sm2-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const openssl = (args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  const message = utf8('did:city sm2-jcs-2026 hash data stands in here');
  writeFileSync(join(dir, 'message.bin'), message);
  const distid = ['-pkeyopt', `distid:${SM2_DEFAULT_ID}`];
  const rawSm3 = ['-rawin', '-digest', 'sm3', '-in', 'message.bin'];

  function opensslKey(): string {
    openssl(['genpkey', '-algorithm', 'SM2', '-out', 'key.pem']);
    openssl(['pkey', '-in', 'key.pem', '-pubout', '-outform', 'DER', '-out', 'pub.der']);
    const spki = new Uint8Array(readFileSync(join(dir, 'pub.der')));
    expect(toHex(spki.subarray(0, SPKI_PREFIX.length))).toBe(toHex(SPKI_PREFIX));
    return encodeMultikey('SM2', spki.subarray(SPKI_PREFIX.length));
  }

  test('we verify what OpenSSL signs with the default identifier', () => {
    const multikey = opensslKey();
    openssl(['pkeyutl', '-sign', '-inkey', 'key.pem', ...rawSm3, ...distid, '-out', 'sig.der']);
    const signature = fromDer(new Uint8Array(readFileSync(join(dir, 'sig.der'))));
    expect(verifySignature(multikey, message, signature)).toBe(true);
    expect(verifySignature(multikey, utf8('something else'), signature)).toBe(false);
  });

  test('a signature OpenSSL makes with an empty identifier (its default) is rejected', () => {
    const multikey = opensslKey();
    openssl(['pkeyutl', '-sign', '-inkey', 'key.pem', ...rawSm3, '-out', 'empty.der']);
    const signature = fromDer(new Uint8Array(readFileSync(join(dir, 'empty.der'))));
    expect(verifySignature(multikey, message, signature)).toBe(false);
    // It is a good signature for the empty identifier: the identifier is what differs.
    expect(sm2Verify(decodeMultikey(multikey).publicKey, message, signature, { id: '' })).toBe(true);
  });

  test('OpenSSL verifies what we sign, with the default identifier only', () => {
    const pair = generateKeyPair('SM2');
    const point = sm2UncompressedKey(decodeMultikey(pair.publicKeyMultibase).publicKey);
    writeFileSync(join(dir, 'ours.der'), Buffer.concat([SPKI_PREFIX, point]));
    writeFileSync(join(dir, 'ours.sig'), toDer(sm2Sign(pair.secretKey, message)));
    const verify = [
      'pkeyutl',
      '-verify',
      '-pubin',
      '-keyform',
      'DER',
      '-inkey',
      'ours.der',
      ...rawSm3,
      '-sigfile',
      'ours.sig',
    ];
    expect(openssl([...verify, ...distid])).toContain('Signature Verified Successfully');
    expect(() => openssl(verify)).toThrow();
  });

  test('node:crypto on Node 20 signs with an SM2 key imported from PEM using the empty identifier: rejected', () => {
    const multikey = opensslKey();
    const privateKey = createPrivateKey(readFileSync(join(dir, 'key.pem')));
    const signature = fromDer(new Uint8Array(nodeSign('sm3', message, privateKey)));
    expect(verifySignature(multikey, message, signature)).toBe(false);
    expect(sm2Verify(decodeMultikey(multikey).publicKey, message, signature, { id: '' })).toBe(true);
  });

  test('node:crypto keys generated as ("ec", SM2) sign ECDSA with SM3, not SM2: rejected', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'SM2' });
    const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
    const multikey = encodeMultikey('SM2', spki.subarray(SPKI_PREFIX.length));
    const signature = fromDer(new Uint8Array(nodeSign('sm3', message, privateKey)));
    expect(verifySignature(multikey, message, signature)).toBe(false);
    expect(sm2Verify(decodeMultikey(multikey).publicKey, message, signature, { id: '' })).toBe(false);
  });
});
