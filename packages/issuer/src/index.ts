/**
 * @did-city/issuer — verifiable credentials about cities: issue and verify as VC-JWT 1.1, VC-JOSE-COSE (vc+jwt) and
 * Data Integrity (eddsa-jcs-2022 / ecdsa-jcs-2019), Bitstring Status List revocation and suspension, the VC API.
 *
 * @example
 * const issuer = createIssuer({ key: { verificationMethod: 'did:city:cn#vc-1', signer: createSigner(pair) } });
 * const { verifiableCredential } = await issuer.issue(cityIdentityCredential({ issuer: 'did:city:cn',
 *   city: 'did:city:cn:130100', nameEn: 'Shijiazhuang' }), { format: 'vc-jwt' });
 * const verifier = createVerifier({ resolver: createDidResolver({ city: createCityResolver({ reader }) }) });
 * const { verified, errors } = await verifier.verify(verifiableCredential);
 */
export * from './bitstring.ts';
export * from './context.ts';
export * from './credential.ts';
export * from './credential-types.ts';
export * from './data-integrity.ts';
export * from './did-key.ts';
export * from './errors.ts';
export * from './http-fetch.ts';
export * from './issuer.ts';
export * from './issuer-keys.ts';
export * from './jose.ts';
export * from './jsonld-check.ts';
export * from './jwt-vc.ts';
export * from './presentation.ts';
export * from './presentation-prove.ts';
export * from './related-resource.ts';
export * from './schema-check.ts';
export * from './schemas.ts';
export * from './service/app.ts';
export type { AuthenticatedClient, ServiceClient, ServiceRole } from './service/auth.ts';
export * from './status-check.ts';
export * from './status-helpers.ts';
export * from './status-lists.ts';
export * from './status-store.ts';
export * from './types.ts';
export * from './verifier.ts';
export type { VerifyContext } from './verify-common.ts';
