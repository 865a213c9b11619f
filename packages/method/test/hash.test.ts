import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { base58btc } from 'multiformats/bases/base58';
import { describe, expect, test } from 'vitest';
import { keyHash, multihashSha256, sha256 } from '../src/hash.ts';

const utf8 = (text: string) => new TextEncoder().encode(text);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('sha256', () => {
  test('FIPS 180-2 appendix B.1 vector: "abc"', () => {
    expect(hex(sha256(utf8('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  test('returns a plain 32-byte Uint8Array that agrees with @noble/hashes', () => {
    for (const input of [new Uint8Array(), utf8('did:city:cn:130100'), new Uint8Array(1000).fill(7)]) {
      const digest = sha256(input);
      expect(digest).toBeInstanceOf(Uint8Array);
      expect(digest.length).toBe(32);
      expect(hex(digest)).toBe(hex(nobleSha256(input)));
    }
  });
});

describe('multihashSha256', () => {
  test('multihash README example: sha2-256("multihash") in base58btc', () => {
    expect(multihashSha256(utf8('multihash'))).toBe('zQmYtUc4iTCbbfVSDNKvtQqrfyezPPnFvE33wFmutw9PBBk');
  });

  test('is z + base58btc(0x12 0x20 || digest): 46 characters starting zQm', () => {
    const data = utf8('{"seq":0}');
    const value = multihashSha256(data);
    expect(value).toMatch(/^zQm[1-9A-HJ-NP-Za-km-z]{44}$/);
    expect(hex(base58btc.decode(value))).toBe(`1220${hex(sha256(data))}`);
  });

  test('differs for different data', () => {
    expect(multihashSha256(utf8('a'))).not.toBe(multihashSha256(utf8('b')));
  });
});

describe('keyHash (spec §3.4)', () => {
  test('is multihashSha256 of the UTF-8 of the Multikey string, not of the key bytes', () => {
    const multikey = 'z6MkmM42vxfqZQsv4ehtTjFFxQ4sQKS2w6WR7emozFAn5cxu';
    expect(keyHash(multikey)).toBe(multihashSha256(utf8(multikey)));
    expect(keyHash(multikey)).not.toBe(multihashSha256(base58btc.decode(multikey)));
    expect(keyHash(multikey)).toMatch(/^zQm/);
  });
});
