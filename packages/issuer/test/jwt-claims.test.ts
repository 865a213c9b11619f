// VC 1.1 §6.3.1 JWT decoding returns a tagged result: the credential, or the issue with the claims. The tag, not
// the shape, tells them apart, so a credential whose own members look like an issue is still a credential.
import { describe, expect, it } from 'vitest';
import { credentialOfJwtClaims } from '../src/jwt-vc.ts';

const vc = {
  '@context': ['https://www.w3.org/2018/credentials/v1'],
  type: ['VerifiableCredential'],
  credentialSubject: { name: 'x' },
};

describe('credentialOfJwtClaims', () => {
  it('a credential: ok, with iss as issuer and jti, nbf, exp, sub mapped back', () => {
    const result = credentialOfJwtClaims({
      vc,
      iss: 'did:city:cn',
      jti: 'urn:uuid:1',
      nbf: 1_700_000_000,
      sub: 'did:city:cn:130100',
    });
    expect(result).toEqual({
      ok: true,
      value: {
        ...vc,
        issuer: 'did:city:cn',
        id: 'urn:uuid:1',
        issuanceDate: '2023-11-14T22:13:20Z',
        credentialSubject: { name: 'x', id: 'did:city:cn:130100' },
      },
    });
  });

  it('a credential whose own members are `code` and `message` is still a credential', () => {
    const odd = { ...vc, code: 'EXPIRED', message: 'not an issue' };
    const result = credentialOfJwtClaims({ vc: odd, iss: 'did:city:cn' });
    expect(result.ok).toBe(true);
    expect(result.ok && result.value.code).toBe('EXPIRED');
  });

  it('claims that are no credential: not ok, with the issue', () => {
    expect(credentialOfJwtClaims({ iss: 'did:city:cn' })).toEqual({
      ok: false,
      issue: { code: 'MALFORMED_CREDENTIAL', message: 'a VC-JWT needs a vc claim and iss' },
    });
    const mismatch = credentialOfJwtClaims({ vc: { ...vc, issuer: 'did:city:cn:110000' }, iss: 'did:city:cn' });
    expect(mismatch.ok === false && mismatch.issue.code).toBe('ISSUER_MISMATCH');
  });
});
