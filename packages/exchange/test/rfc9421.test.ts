/**
 * RFC 9421 Appendix B: the test request of B.2 and the Ed25519 test key of B.1.4, signed as in B.2.6
 * ("Signing a Request Using ed25519"); and RFC 9530's digests of the same body (its Content-Digest field in B.2).
 * Ed25519 is deterministic, so the signature must come out byte for byte as the RFC prints it.
 */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentDigest, contentDigestMatches } from '../src/digest.ts';
import {
  createSignature,
  type HttpRequestParts,
  parseSignatureInput,
  signatureBase,
  verifySignature,
} from '../src/http-signature.ts';

// B.1.4, as JWK members (base64url).
const B14 = {
  kty: 'OKP',
  crv: 'Ed25519',
  x: 'JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs',
  d: 'n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU',
};
const privateKey = createPrivateKey({ key: B14, format: 'jwk' });
const publicKey = createPublicKey({ key: { kty: B14.kty, crv: B14.crv, x: B14.x }, format: 'jwk' });

// B.2: POST /foo?param=Value&Pet=dog HTTP/1.1 to example.com.
const BODY = Buffer.from('{"hello": "world"}');
const REQUEST: HttpRequestParts = {
  method: 'POST',
  url: 'https://example.com/foo?param=Value&Pet=dog',
  headers: {
    host: 'example.com',
    date: 'Tue, 20 Apr 2021 02:07:55 GMT',
    'content-type': 'application/json',
    'content-digest':
      'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
    'content-length': '18',
  },
};
const B26_INPUT =
  'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"';
const B26_SIGNATURE =
  'sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:';
const B26_BASE = [
  '"date": Tue, 20 Apr 2021 02:07:55 GMT',
  '"@method": POST',
  '"@path": /foo',
  '"@authority": example.com',
  '"content-type": application/json',
  '"content-length": 18',
  '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
].join('\n');

const B26 = parseSignatureInput(B26_INPUT)[0]!;
const ed25519Verify = (base: Uint8Array, signature: Uint8Array) => verify(null, base, publicKey, signature);

describe('RFC 9421 B.2.6, signing a request using ed25519', () => {
  it("signs the B.2 request into the RFC's Signature-Input and Signature, over the RFC's signature base", async () => {
    let seen = '';
    const headers = await createSignature(REQUEST, {
      label: 'sig-b26',
      components: ['date', '@method', '@path', '@authority', 'content-type', 'content-length'],
      params: { created: 1618884473, keyid: 'test-key-ed25519' },
      sign: async (base) => {
        seen = Buffer.from(base).toString();
        return sign(null, base, privateKey);
      },
    });
    expect(seen).toBe(B26_BASE);
    expect(headers['signature-input']).toBe(B26_INPUT);
    expect(headers.signature).toBe(B26_SIGNATURE);
  });

  it("verifies the RFC's signature with the B.1.4 public key", async () => {
    const signed = {
      ...REQUEST,
      headers: { ...REQUEST.headers, 'signature-input': B26_INPUT, signature: B26_SIGNATURE },
    };
    expect(signatureBase(signed, B26)).toBe(B26_BASE);
    expect(verifySignature(signed, B26, ed25519Verify)).toBe(true);
  });

  it("refuses the RFC's signature once a covered component changes (method, path, a covered field)", async () => {
    const signed = {
      ...REQUEST,
      headers: { ...REQUEST.headers, 'signature-input': B26_INPUT, signature: B26_SIGNATURE },
    };
    expect(verifySignature({ ...signed, method: 'PUT' }, B26, ed25519Verify)).toBe(false);
    expect(verifySignature({ ...signed, url: 'https://example.com/bar?param=Value&Pet=dog' }, B26, ed25519Verify)).toBe(
      false,
    );
    expect(
      verifySignature({ ...signed, headers: { ...signed.headers, 'content-length': '19' } }, B26, ed25519Verify),
    ).toBe(false);
    // The query is not covered in B.2.6: changing it keeps the signature valid, which is why the profile covers @target-uri.
    expect(verifySignature({ ...signed, url: 'https://example.com/foo?param=Other' }, B26, ed25519Verify)).toBe(true);
    // Another label, or a signature that is not a byte sequence, verifies nothing.
    expect(
      verifySignature(
        { ...signed, headers: { ...signed.headers, signature: B26_SIGNATURE.replace('sig-b26', 'sig1') } },
        B26,
        ed25519Verify,
      ),
    ).toBe(false);
    expect(
      verifySignature({ ...signed, headers: { ...signed.headers, signature: 'sig-b26="text"' } }, B26, ed25519Verify),
    ).toBe(false);
  });

  it("reads the covered components and parameters of B.2.6's Signature-Input", () => {
    const [parsed] = parseSignatureInput(B26_INPUT);
    expect(parsed?.label).toBe('sig-b26');
    expect(parsed?.components).toEqual([
      '"date"',
      '"@method"',
      '"@path"',
      '"@authority"',
      '"content-type"',
      '"content-length"',
    ]);
    expect(parsed?.params.get('created')).toBe(1618884473);
    expect(parsed?.params.get('keyid')).toBe('test-key-ed25519');
  });
});

describe('RFC 9530 Content-Digest of the B.2 body', () => {
  it('computes the sha-512 digest the B.2 request carries and the sha-256 digest of RFC 9530 §2', () => {
    expect(contentDigest(BODY, 'sha-512')).toBe(REQUEST.headers['content-digest']);
    expect(contentDigest(BODY)).toBe('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:');
  });

  it('matches a field only if every known digest in it matches and one is known', () => {
    expect(contentDigestMatches(REQUEST.headers['content-digest'], BODY)).toBe(true);
    expect(contentDigestMatches(REQUEST.headers['content-digest'], Buffer.from('{"hello": "World"}'))).toBe(false);
    expect(contentDigestMatches('md5=:AAAA:', BODY)).toBe(false);
    expect(contentDigestMatches(`${contentDigest(BODY)}, sha-512=:AAAA:`, BODY)).toBe(false);
    expect(contentDigestMatches('not a dictionary ((', BODY)).toBe(false);
    expect(contentDigestMatches(undefined, BODY)).toBe(false);
  });
});
