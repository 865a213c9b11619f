import { generateKeyPairSync, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { describe, expect, test } from 'vitest';
import { sha256 } from '../src/hash.ts';
import { createSigner, generateKeyPair, keyPairFromSecret, multikeyToJwk, verifySignature } from '../src/keys.ts';
import { decodeMultikey } from '../src/multikey.ts';
import type { KeyType } from '../src/types.ts';

const fromHex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const fromB64u = (text: string) => Uint8Array.from(Buffer.from(text, 'base64url'));
const utf8 = (text: string) => new TextEncoder().encode(text);

/** RFC 8032 §7.1 TEST 1–3. */
const RFC8032 = [
  {
    name: 'TEST 1',
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2',
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3',
    secret: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

describe('RFC 8032 §7.1 Ed25519 vectors', () => {
  test.each(RFC8032)('$name: key pair, signature and verification', async (v) => {
    const keyPair = keyPairFromSecret('Ed25519', fromHex(v.secret));
    expect(decodeMultikey(keyPair.publicKeyMultibase)).toStrictEqual({
      keyType: 'Ed25519',
      publicKey: fromHex(v.publicKey),
    });
    const signer = createSigner(keyPair);
    const signature = await signer(fromHex(v.message));
    expect(toHex(signature)).toBe(v.signature);
    expect(verifySignature(keyPair.publicKeyMultibase, fromHex(v.message), fromHex(v.signature))).toBe(true);
  });

  test.each(RFC8032)('$name: a flipped bit in the signature or message does not verify', (v) => {
    const { publicKeyMultibase } = keyPairFromSecret('Ed25519', fromHex(v.secret));
    const signature = fromHex(v.signature);
    for (const index of [0, 31, 32, 63]) {
      const tampered = Uint8Array.from(signature);
      tampered[index]! ^= 0x01;
      expect(verifySignature(publicKeyMultibase, fromHex(v.message), tampered)).toBe(false);
    }
    expect(verifySignature(publicKeyMultibase, utf8(`${v.message}x`), signature)).toBe(false);
  });
});

describe('did:key vectors from fixed secrets', () => {
  test.each([
    ['gPh-VvVS8MbvKQ9LSVVmfnxnKjHn4Tqj0bmbpehRlpc', 'zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv'],
    ['YjRs6vNvw4sYrzVVY8ipkEpDAD9PFqw1sUnvPRMA-WI', 'zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169'],
  ])('P-256 d=%s gives %s', (d, multikey) => {
    expect(keyPairFromSecret('P-256', fromB64u(d))).toStrictEqual({
      keyType: 'P-256',
      publicKeyMultibase: multikey,
      secretKey: fromB64u(d),
    });
  });

  test.each([
    [
      '9085d2bef69286a6cbb51623c8fa258629945cd55ca705cc4e66700396894e0c',
      'zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme',
    ],
    [
      'f0f4df55a2b3ff13051ea814a8f24ad00f2e469af73c363ac7e9fb999a9072ed',
      'zQ3shtxV1FrJfhqE1dvxYRcCknWNjHc3c5X1y3ZSoPDi2aur2',
    ],
  ])('secp256k1 secret %s gives %s', (secret, multikey) => {
    expect(keyPairFromSecret('secp256k1', fromHex(secret)).publicKeyMultibase).toBe(multikey);
  });
});

describe('multikeyToJwk', () => {
  test('Ed25519 example key', () => {
    expect(multikeyToJwk('z6MkmM42vxfqZQsv4ehtTjFFxQ4sQKS2w6WR7emozFAn5cxu')).toStrictEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: 'Zmq-CJA17UpFeVmJ-nIKDuDEhUnoRSNIXFbxyBtCh6Y',
    });
  });

  test('P-256 did:key vector', () => {
    expect(multikeyToJwk('zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv')).toStrictEqual({
      kty: 'EC',
      crv: 'P-256',
      x: 'igrFmi0whuihKnj9R3Om1SoMph72wUGeFaBbzG2vzns',
      y: 'efsX5b10x8yjyrj4ny3pGfLcY7Xby1KzgqOdqnsrJIM',
    });
  });

  test('secp256k1: x and y are the affine coordinates noble derives', () => {
    const secret = fromHex('9085d2bef69286a6cbb51623c8fa258629945cd55ca705cc4e66700396894e0c');
    const uncompressed = secp256k1.getPublicKey(secret, false);
    expect(multikeyToJwk(keyPairFromSecret('secp256k1', secret).publicKeyMultibase)).toStrictEqual({
      kty: 'EC',
      crv: 'secp256k1',
      x: Buffer.from(uncompressed.subarray(1, 33)).toString('base64url'),
      y: Buffer.from(uncompressed.subarray(33)).toString('base64url'),
    });
  });

  test.each(['Ed25519', 'P-256'] as const)('%s: agrees with node:crypto key export', (keyType) => {
    const node =
      keyType === 'Ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = node.privateKey.export({ format: 'jwk' });
    const keyPair = keyPairFromSecret(keyType, fromB64u(jwk.d!));
    const { d: _d, ...publicJwk } = jwk;
    expect(multikeyToJwk(keyPair.publicKeyMultibase)).toStrictEqual(publicJwk);
  });

  test('a malformed Multikey throws', () => {
    expect(() => multikeyToJwk('zNotAKey')).toThrow(RangeError);
  });
});

describe('key pairs and signers', () => {
  test.each<[KeyType, string]>([
    ['Ed25519', 'z6Mk'],
    ['P-256', 'zDn'],
    ['secp256k1', 'zQ3s'],
    ['SM2', 'zEPJ'],
  ])('%s: generated keys have the %s prefix, 32-byte secrets and sign 64-byte signatures', async (keyType, prefix) => {
    const keyPair = generateKeyPair(keyType);
    expect(keyPair.keyType).toBe(keyType);
    expect(keyPair.publicKeyMultibase.startsWith(prefix)).toBe(true);
    expect(keyPair.secretKey.length).toBe(32);
    expect(keyPairFromSecret(keyType, keyPair.secretKey)).toStrictEqual(keyPair);
    const signer = createSigner(keyPair);
    expect(signer.keyType).toBe(keyType);
    expect(signer.publicKeyMultibase).toBe(keyPair.publicKeyMultibase);
    const signature = await signer(utf8('operation'));
    expect(signature.length).toBe(64);
    expect(verifySignature(keyPair.publicKeyMultibase, utf8('operation'), signature)).toBe(true);
    expect(verifySignature(keyPair.publicKeyMultibase, utf8('operatioN'), signature)).toBe(false);
    expect(verifySignature(generateKeyPair(keyType).publicKeyMultibase, utf8('operation'), signature)).toBe(false);
  });

  test('generateKeyPair defaults to Ed25519 and never repeats', () => {
    const a = generateKeyPair();
    expect(a.keyType).toBe('Ed25519');
    expect(generateKeyPair().publicKeyMultibase).not.toBe(a.publicKeyMultibase);
  });

  test('ECDSA signing is deterministic (RFC 6979) and signs SHA-256 of the data', async () => {
    for (const keyType of ['P-256', 'secp256k1'] as const) {
      const keyPair = generateKeyPair(keyType);
      const signer = createSigner(keyPair);
      const first = await signer(utf8('data'));
      expect(await signer(utf8('data'))).toStrictEqual(first);
      const curve = keyType === 'P-256' ? p256 : secp256k1;
      const { publicKey } = decodeMultikey(keyPair.publicKeyMultibase);
      expect(curve.verify(first, sha256(utf8('data')), publicKey, { prehash: false })).toBe(true);
    }
  });

  test('a signer keeps its own copy of the secret', async () => {
    const keyPair = generateKeyPair('P-256');
    const signer = createSigner(keyPair);
    keyPair.secretKey.fill(0);
    expect(verifySignature(signer.publicKeyMultibase, utf8('x'), await signer(utf8('x')))).toBe(true);
  });

  test('bad secrets and inconsistent key pairs are rejected', () => {
    expect(() => keyPairFromSecret('Ed25519', new Uint8Array(31))).toThrow(RangeError);
    expect(() => keyPairFromSecret('Ed25519', new Uint8Array(64))).toThrow(RangeError);
    expect(() => keyPairFromSecret('P-256', new Uint8Array(32))).toThrow(/not in \[1, n-1\]/);
    expect(() => keyPairFromSecret('secp256k1', new Uint8Array(32).fill(0xff))).toThrow(RangeError);
    expect(() => keyPairFromSecret('RSA' as KeyType, new Uint8Array(32))).toThrow(TypeError);
    const other = generateKeyPair();
    expect(() => createSigner({ ...generateKeyPair(), publicKeyMultibase: other.publicKeyMultibase })).toThrow(
      /inconsistent/,
    );
  });
});

describe('cross-checks between node:crypto and @noble/curves', () => {
  test('Ed25519: our signatures verify with noble, noble signatures verify with us', async () => {
    for (let i = 0; i < 20; i++) {
      const keyPair = generateKeyPair('Ed25519');
      const { publicKey } = decodeMultikey(keyPair.publicKeyMultibase);
      const data = utf8(`message ${i}`);
      expect(ed25519.verify(await createSigner(keyPair)(data), data, publicKey)).toBe(true);
      expect(verifySignature(keyPair.publicKeyMultibase, data, ed25519.sign(data, keyPair.secretKey))).toBe(true);
    }
  });

  test('P-256: node:crypto signatures (random, high or low S) verify with us and with noble, ours with node', async () => {
    for (let i = 0; i < 40; i++) {
      const node = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const keyPair = keyPairFromSecret('P-256', fromB64u(node.privateKey.export({ format: 'jwk' }).d!));
      const { publicKey } = decodeMultikey(keyPair.publicKeyMultibase);
      const data = utf8(`message ${i}`);
      const nodeSignature = new Uint8Array(
        nodeSign('sha256', data, { key: node.privateKey, dsaEncoding: 'ieee-p1363' }),
      );
      expect(verifySignature(keyPair.publicKeyMultibase, data, nodeSignature)).toBe(true);
      expect(p256.verify(nodeSignature, data, publicKey, { lowS: false })).toBe(true);
      const ours = await createSigner(keyPair)(data);
      expect(nodeVerify('sha256', data, { key: node.publicKey, dsaEncoding: 'ieee-p1363' }, ours)).toBe(true);
    }
  });

  test('secp256k1: signatures are low-S; the high-S twin is refused; node:crypto agrees on the low-S one', async () => {
    const n = secp256k1.Point.CURVE().n;
    for (let i = 0; i < 20; i++) {
      const keyPair = generateKeyPair('secp256k1');
      const data = utf8(`message ${i}`);
      const signature = await createSigner(keyPair)(data);
      const s = BigInt(`0x${toHex(signature.subarray(32))}`);
      expect(s <= n / 2n).toBe(true);
      const highS = Uint8Array.from([...signature.subarray(0, 32), ...fromHex((n - s).toString(16).padStart(64, '0'))]);
      expect(verifySignature(keyPair.publicKeyMultibase, data, highS)).toBe(false);
      const nodeKey = createPublicKey({ key: { ...multikeyToJwk(keyPair.publicKeyMultibase) }, format: 'jwk' });
      expect(nodeVerify('sha256', data, { key: nodeKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
      expect(nodeVerify('sha256', data, { key: nodeKey, dsaEncoding: 'ieee-p1363' }, highS)).toBe(true);
    }
  });
});

describe('verifySignature never throws', () => {
  const keyPair = keyPairFromSecret('Ed25519', fromHex(RFC8032[0]!.secret));
  const signature = fromHex(RFC8032[0]!.signature);

  test.each([
    ['an empty key', ''],
    ['a key without multibase prefix', 'abc'],
    ['an unsupported codec', 'z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc'],
    ['a truncated key', keyPair.publicKeyMultibase.slice(0, 20)],
    ['a non-string key', 42 as unknown as string],
  ])('returns false for %s', (_name, multikey) => {
    expect(verifySignature(multikey, new Uint8Array(), signature)).toBe(false);
  });

  test.each([0, 63, 65, 128])('returns false for a %i-byte signature', (length) => {
    expect(verifySignature(keyPair.publicKeyMultibase, new Uint8Array(), new Uint8Array(length))).toBe(false);
  });

  test('returns false for non-Uint8Array data or signature', () => {
    expect(verifySignature(keyPair.publicKeyMultibase, 'x' as unknown as Uint8Array, signature)).toBe(false);
    expect(verifySignature(keyPair.publicKeyMultibase, new Uint8Array(), [...signature] as unknown as Uint8Array)).toBe(
      false,
    );
  });

  test('returns false for an all-zero ECDSA signature and an all-zero Ed25519 signature', () => {
    for (const keyType of ['Ed25519', 'P-256', 'secp256k1'] as const) {
      expect(verifySignature(generateKeyPair(keyType).publicKeyMultibase, utf8('x'), new Uint8Array(64))).toBe(false);
    }
  });

  test('stays correct past the key cache bound (1,024 keys)', async () => {
    const data = utf8('cache');
    const first = generateKeyPair();
    const firstSignature = await createSigner(first)(data);
    expect(verifySignature(first.publicKeyMultibase, data, firstSignature)).toBe(true);
    for (let i = 0; i < 1100; i++) {
      const publicKey = ed25519.getPublicKey(Uint8Array.from({ length: 32 }, (_, j) => (i + j) & 0xff));
      const keyPair = keyPairFromSecret(
        'Ed25519',
        Uint8Array.from({ length: 32 }, (_, j) => (i + j) & 0xff),
      );
      expect(decodeMultikey(keyPair.publicKeyMultibase).publicKey).toStrictEqual(publicKey);
      verifySignature(keyPair.publicKeyMultibase, data, firstSignature);
    }
    expect(verifySignature(first.publicKeyMultibase, data, firstSignature)).toBe(true);
  });
});
