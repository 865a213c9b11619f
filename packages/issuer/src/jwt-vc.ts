/**
 * VC Data Model 1.1 as a JWT (VC 1.1 §6.3.1): the credential in the `vc` claim, `iss`/`sub`/`jti`/`nbf`/`exp`
 * carrying issuer, subject id, id and validity, exactly as did-jwt-vc writes it, which is what Veramo 7 verifies.
 * Input is a VC 2.0 credential (the service's data model), mapped to 1.1 here.
 */
import type { Clock } from '@did-city/method';
import { type Checked, issue } from './errors.ts';
import { assertCredential, assertSignsFor, controllerOf, toDataModel11 } from './credential.ts';
import { decodeJws, keyTypeOfAlg, signJws, verifyJws } from './jws.ts';
import {
  type Credential,
  type CredentialSubject,
  type IssuerKey,
  isRecord,
  issuerId,
  type VerificationResult,
} from './types.ts';
import { failed, neverThrows, type VerifyContext, verifySecured } from './verify-common.ts';
import { parseDateTimeStamp } from './validity.ts';

export interface IssueJwtVcOptions {
  key: IssuerKey;
  /** The clock of the signing time (`iat`, and issuanceDate when the credential has no validFrom). Default `Date.now`. */
  now?: Clock;
}

const seconds = (time: number) => Math.floor(time / 1000);

function subjectClaims(subject: Credential['credentialSubject']): {
  sub?: string;
  credentialSubject: Credential['credentialSubject'];
} {
  if (Array.isArray(subject) || typeof subject.id !== 'string') return { credentialSubject: subject };
  const { id, ...rest } = subject;
  return { sub: id, credentialSubject: rest };
}

/** The JWT claims did-jwt-vc's createVerifiableCredentialJwt produces (removeOriginalFields: true). */
export function jwtVcClaims(credential: Credential, now: Date): Record<string, unknown> {
  const { id, issuer, issuanceDate, expirationDate, credentialSubject, ...vc } = credential;
  const { sub, credentialSubject: subject } = subjectClaims(credentialSubject);
  const claims: Record<string, unknown> = { vc: { ...vc, credentialSubject: subject } };
  if (typeof issuer === 'object') (claims.vc as Record<string, unknown>).issuer = issuer;
  if (sub !== undefined) claims.sub = sub;
  if (id !== undefined) claims.jti = id;
  claims.nbf = seconds(parseDateTimeStamp(issuanceDate)!);
  if (expirationDate !== undefined) claims.exp = seconds(parseDateTimeStamp(expirationDate)!);
  claims.iat = seconds(now.getTime());
  claims.iss = issuerId(issuer);
  return claims;
}

/** Signs a VC 2.0 credential as a VC 1.1 JWT. Throws IssuerError INVALID_CREDENTIAL for bad input. */
export async function issueJwtVc(credential: Credential, options: IssueJwtVcOptions): Promise<string> {
  assertCredential(credential, { expectedIssuer: controllerOf(options.key.verificationMethod) });
  assertSignsFor(credential, options.key.verificationMethod);
  const now = new Date((options.now ?? Date.now)());
  const claims = jwtVcClaims(toDataModel11(credential, now), now);
  return signJws({ typ: 'JWT', kid: options.key.verificationMethod }, claims, options.key.signer);
}

function restoreSubject(vc: Record<string, unknown>, sub: unknown): Credential['credentialSubject'] {
  const subject = vc.credentialSubject;
  if (typeof sub !== 'string' || !isRecord(subject)) return subject as Credential['credentialSubject'];
  return { ...(subject as CredentialSubject), id: sub };
}

function isoSeconds(value: unknown): string | undefined {
  return typeof value === 'number' ? new Date(value * 1000).toISOString().replace(/\.000Z$/, 'Z') : undefined;
}

/** The credential a VC 1.1 JWT stands for (VC 1.1 §6.3.1 "JWT decoding"), or the problem with its claims. */
export function credentialOfJwtClaims(payload: Record<string, unknown>): Checked<Credential> {
  const { vc, iss, jti, nbf, exp, sub } = payload;
  if (!isRecord(vc) || typeof iss !== 'string')
    return { ok: false, issue: issue('MALFORMED_CREDENTIAL', 'a VC-JWT needs a vc claim and iss') };
  if (vc.issuer !== undefined && issuerId(vc.issuer) !== undefined && issuerId(vc.issuer) !== iss) {
    return { ok: false, issue: issue('ISSUER_MISMATCH', `vc.issuer ${issuerId(vc.issuer)} differs from iss ${iss}`) };
  }
  if (!Array.isArray(vc.type) || !vc.type.includes('VerifiableCredential') || !Array.isArray(vc['@context'])) {
    return {
      ok: false,
      issue: issue('MALFORMED_CREDENTIAL', 'vc needs @context and a type including VerifiableCredential'),
    };
  }
  const credential = { ...vc, issuer: isRecord(vc.issuer) ? { ...vc.issuer, id: iss } : iss } as Credential;
  if (typeof jti === 'string') credential.id = jti;
  const issuanceDate = isoSeconds(nbf) ?? vc.issuanceDate;
  if (issuanceDate !== undefined) credential.issuanceDate = issuanceDate as string;
  const expirationDate = isoSeconds(exp) ?? vc.expirationDate;
  if (expirationDate !== undefined) credential.expirationDate = expirationDate as string;
  credential.credentialSubject = restoreSubject(vc, sub);
  return { ok: true, value: credential };
}

function timeClaim(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value * 1000 : undefined;
}

async function verify(jwt: unknown, context: VerifyContext): Promise<VerificationResult> {
  const jws = typeof jwt === 'string' ? decodeJws(jwt) : undefined;
  if (jws === undefined) return failed([issue('MALFORMED_CREDENTIAL', 'not a compact JWS')], { format: 'vc-jwt' });
  const { header, payload } = jws;
  if (header.typ !== undefined && String(header.typ).toUpperCase() !== 'JWT') {
    return failed([issue('UNSUPPORTED_FORMAT', `typ ${String(header.typ)} is not a VC 1.1 JWT`)], { format: 'vc-jwt' });
  }
  const keyType = keyTypeOfAlg(header.alg);
  if (keyType === undefined)
    return failed([issue('UNSUPPORTED_FORMAT', `alg ${String(header.alg)} is not supported`)], { format: 'vc-jwt' });
  const claims = credentialOfJwtClaims(payload);
  if (!claims.ok) return failed([claims.issue], { format: 'vc-jwt' });
  const credential = claims.value;
  const validFrom = timeClaim(payload.nbf) ?? parseDateTimeStamp(credential.issuanceDate);
  const validUntil = timeClaim(payload.exp) ?? parseDateTimeStamp(credential.expirationDate);
  const issuedAt = validFrom ?? timeClaim(payload.iat);
  return verifySecured(
    {
      format: 'vc-jwt',
      credential,
      issuer: payload.iss as string,
      window: {
        ...(validFrom === undefined ? {} : { validFrom }),
        ...(validUntil === undefined ? {} : { validUntil }),
      },
      ...(issuedAt === undefined ? {} : { issuedAt }),
      signatures: [
        {
          ...(typeof header.kid === 'string' ? { verificationMethod: header.kid } : {}),
          keyType,
          verify: (publicKeyMultibase) => verifyJws(jws, publicKeyMultibase),
        },
      ],
    },
    context,
  );
}

/** Verifies a VC 1.1 JWT. Never throws: every problem is in `errors`. */
export function verifyJwtVc(jwt: unknown, context: VerifyContext): Promise<VerificationResult> {
  return neverThrows(() => verify(jwt, context));
}
