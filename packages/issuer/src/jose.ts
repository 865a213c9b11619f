/**
 * VC Data Model 2.0 secured with VC-JOSE-COSE (§3.1.1): the credential is the JWS payload, `typ: vc+jwt`,
 * `cty: vc`, `kid` the issuer's verification method. Where the VC API needs an object, the JWS travels as an
 * EnvelopedVerifiableCredential with a `data:application/vc+jwt,` URL.
 */
import { assertCredential, assertSignsFor, controllerOf, normalised } from './credential.ts';
import { issue } from './errors.ts';
import { decodeJws, keyTypeOfAlg, signJws, verifyJws } from './jws.ts';
import {
  type Credential,
  type EnvelopedVerifiableCredential,
  type IssuerKey,
  isRecord,
  issuerId,
  VC_V2_CONTEXT,
  type VerificationResult,
} from './types.ts';
import { credentialWindow } from './validity.ts';
import { failed, neverThrows, type VerifyContext, verifySecured } from './verify-common.ts';

const DATA_URL_PREFIXES = ['data:application/vc+jwt,', 'data:application/vc-ld+jwt,'];
const TYPES = new Set(['vc+jwt', 'vc-ld+jwt']);

/** Signs a VC 2.0 credential as `vc+jwt`. Throws IssuerError INVALID_CREDENTIAL for bad input. */
export async function issueJoseVc(credential: Credential, options: { key: IssuerKey }): Promise<string> {
  assertCredential(credential, { expectedIssuer: controllerOf(options.key.verificationMethod) });
  assertSignsFor(credential, options.key.verificationMethod);
  return signJws(
    { kid: options.key.verificationMethod, typ: 'vc+jwt', cty: 'vc' },
    normalised(credential),
    options.key.signer,
  );
}

/** VC 2.0 §4.3: `@context` is an ordered set, written as an array (the W3C suite checks for one). */
export function envelope(jwt: string): EnvelopedVerifiableCredential {
  return { '@context': [VC_V2_CONTEXT], id: `${DATA_URL_PREFIXES[0]}${jwt}`, type: 'EnvelopedVerifiableCredential' };
}

/** The JWS inside an EnvelopedVerifiableCredential (or the string itself); undefined if it is neither. */
export function unwrapEnvelope(input: unknown): string | undefined {
  if (typeof input === 'string') return input;
  if (!isRecord(input) || input.type !== 'EnvelopedVerifiableCredential' || typeof input.id !== 'string')
    return undefined;
  // VC 2.0 §4.13: an enveloped credential is itself a VC 2.0 document, so its @context starts with the v2 context.
  const context = Array.isArray(input['@context']) ? input['@context'][0] : input['@context'];
  if (context !== VC_V2_CONTEXT) return undefined;
  const id = input.id;
  const prefix = DATA_URL_PREFIXES.find((candidate) => id.startsWith(candidate));
  return prefix === undefined ? undefined : id.slice(prefix.length);
}

async function verify(input: unknown, context: VerifyContext): Promise<VerificationResult> {
  const token = unwrapEnvelope(input);
  const jws = token === undefined ? undefined : decodeJws(token);
  if (jws === undefined)
    return failed([issue('MALFORMED_CREDENTIAL', 'not a vc+jwt or an EnvelopedVerifiableCredential')], {
      format: 'vc+jwt',
    });
  const { header, payload } = jws;
  const keyType = keyTypeOfAlg(header.alg);
  if (!TYPES.has(String(header.typ)) || keyType === undefined) {
    return failed(
      [issue('UNSUPPORTED_FORMAT', `typ ${String(header.typ)} / alg ${String(header.alg)} is not a supported vc+jwt`)],
      { format: 'vc+jwt' },
    );
  }
  const credential = payload as Credential;
  const issuer = issuerId(credential.issuer);
  if (!Array.isArray(credential['@context']) || credential['@context'][0] !== VC_V2_CONTEXT || issuer === undefined) {
    return failed([issue('MALFORMED_CREDENTIAL', 'the payload must be a VC 2.0 credential with an issuer')], {
      format: 'vc+jwt',
    });
  }
  if (typeof header.kid !== 'string')
    return failed([issue('MALFORMED_CREDENTIAL', 'vc+jwt needs a kid')], { format: 'vc+jwt' });
  if ((payload.iss !== undefined && payload.iss !== issuer) || (header.iss !== undefined && header.iss !== issuer)) {
    return failed([issue('ISSUER_MISMATCH', 'iss differs from the credential issuer')], { format: 'vc+jwt', issuer });
  }
  const window = credentialWindow(credential);
  if ('code' in window) return failed([window], { format: 'vc+jwt', issuer });
  if (typeof payload.exp === 'number') window.validUntil = Math.min(window.validUntil ?? Infinity, payload.exp * 1000);
  const signature = { verificationMethod: header.kid, keyType, verify: (key: string) => verifyJws(jws, key) };
  const issuedAt = window.validFrom ?? (typeof payload.iat === 'number' ? payload.iat * 1000 : undefined);
  return verifySecured(
    {
      format: 'vc+jwt',
      credential,
      issuer,
      window,
      ...(issuedAt === undefined ? {} : { issuedAt }),
      signatures: [signature],
    },
    context,
  );
}

/** Verifies a `vc+jwt` string or EnvelopedVerifiableCredential. Never throws. */
export function verifyJoseVc(input: unknown, context: VerifyContext): Promise<VerificationResult> {
  return neverThrows(() => verify(input, context));
}
