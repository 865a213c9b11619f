/**
 * Verifying presentations (VC 2.0 §4.13, VC API `POST /presentations/verify`), in the three forms wallets send:
 * - VP 2.0 with Data Integrity proofs (`proofPurpose: authentication`, `challenge` and `domain` in the proof);
 * - VP 2.0 secured with VC-JOSE-COSE: a `vp+jwt` string or an `EnvelopedVerifiablePresentation`
 *   (`data:application/vp+jwt,…`), challenge in `nonce`, domain in `aud`;
 * - VP 1.1 as a JWT (`vp` claim, `iss` the holder, `nonce`, `aud`), as did-jwt-vc and Veramo make it.
 * The signing key must be in the `authentication` relationship of the DID that signs, and a stated `holder` must be
 * that DID. When the verifier expects a challenge or a domain, the presentation must carry exactly that (this is
 * what stops a replayed presentation). Every credential inside is verified like any other, and the presentation
 * verifies only if all of them do.
 */
import { issue, type VerificationIssue } from './errors.ts';
import { decodeJws, type DecodedJws, keyTypeOfAlg, verifyJws } from './jws.ts';
import { dataIntegrityChecks } from './proof-suites.ts';
import { isRecord, issuerId, VC_V1_CONTEXT, VC_V2_CONTEXT, type VerificationResult } from './types.ts';
import { checkValidity, type ValidityWindow } from './validity.ts';
import { checkSignature, type SignatureCheck, type VerifyContext } from './verify-common.ts';

export type PresentationFormat = 'data-integrity' | 'vp+jwt' | 'vp-jwt';

/** What the verifier expects: the challenge it handed out and its own domain. */
export interface PresentationExpectations {
  challenge?: string;
  domain?: string;
}

export interface PresentationResult {
  verified: boolean;
  errors: VerificationIssue[];
  format?: PresentationFormat;
  /** The DID whose authentication key signed. */
  holder?: string;
  presentation?: Record<string, unknown>;
  verificationMethod?: string;
  /** One result per credential in the presentation, in order. */
  credentialResults: VerificationResult[];
}

interface Parsed {
  format: PresentationFormat;
  presentation: Record<string, unknown>;
  signer: string;
  signatures: SignatureCheck[];
  challenge?: unknown;
  domains: unknown[];
  window: ValidityWindow;
  credentials: unknown[];
}

const ENVELOPE_PREFIX = 'data:application/vp+jwt,';
const malformed = (message: string) => issue('MALFORMED_PRESENTATION', message);
const didOf = (url: string) => url.split('#')[0]!;

function structureIssue(presentation: Record<string, unknown>, version: 1 | 2): VerificationIssue | undefined {
  const context = presentation['@context'];
  if (!Array.isArray(context) || context[0] !== (version === 2 ? VC_V2_CONTEXT : VC_V1_CONTEXT))
    return malformed(`@context must start with ${version === 2 ? VC_V2_CONTEXT : VC_V1_CONTEXT}`);
  const types = Array.isArray(presentation.type) ? presentation.type : [presentation.type];
  if (!types.includes('VerifiablePresentation')) return malformed('type must include VerifiablePresentation');
  const { holder } = presentation;
  if (holder !== undefined && !(typeof issuerId(holder) === 'string' && URL.canParse(issuerId(holder)!)))
    return malformed('holder must be a URL or an object with an id');
  if (presentation.id !== undefined && (typeof presentation.id !== 'string' || !URL.canParse(presentation.id)))
    return malformed('id must be a URL');
  return undefined;
}

function credentialsOf(presentation: Record<string, unknown>, allowStrings: boolean): unknown[] | VerificationIssue {
  const value = presentation.verifiableCredential;
  if (value === undefined) return [];
  const credentials = Array.isArray(value) ? value : [value];
  // VC 2.0 §4.13: verifiable credentials or enveloped ones, i.e. objects; VP 1.1 JWTs carry JWT strings.
  if (credentials.some((entry) => !(isRecord(entry) || (allowStrings && typeof entry === 'string'))))
    return malformed('verifiableCredential entries must be objects');
  return credentials;
}

function asList(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

async function parseDataIntegrity(input: Record<string, unknown>): Promise<Parsed | VerificationIssue> {
  const version = Array.isArray(input['@context']) && input['@context'][0] === VC_V1_CONTEXT ? 1 : 2;
  const bad = structureIssue(input, version);
  if (bad !== undefined) return bad;
  const credentials = credentialsOf(input, false);
  if ('code' in credentials) return credentials;
  const signatures = await dataIntegrityChecks(input, 'authentication');
  if ('code' in signatures)
    return {
      ...signatures,
      code: signatures.code === 'MALFORMED_CREDENTIAL' ? 'MALFORMED_PRESENTATION' : signatures.code,
    };
  const proofs = asList(input.proof) as Record<string, unknown>[];
  const signers = new Set(signatures.map((check) => didOf(check.verificationMethod!)));
  if (signers.size !== 1) return malformed('every proof must be made by one DID');
  const { proof: _proof, ...presentation } = input;
  return {
    format: 'data-integrity',
    presentation,
    signer: [...signers][0]!,
    signatures,
    challenge: proofs[0]?.challenge,
    domains: proofs.flatMap((proof) => asList(proof.domain)),
    window: {},
    credentials,
  };
}

function jwtWindow(payload: Record<string, unknown>): ValidityWindow {
  const window: ValidityWindow = {};
  if (typeof payload.nbf === 'number') window.validFrom = payload.nbf * 1000;
  if (typeof payload.exp === 'number') window.validUntil = payload.exp * 1000;
  return window;
}

function jwsCheck(jws: DecodedJws, kid: unknown): SignatureCheck | VerificationIssue {
  const keyType = keyTypeOfAlg(jws.header.alg);
  if (keyType === undefined) return issue('UNSUPPORTED_FORMAT', `alg ${String(jws.header.alg)} is not supported`);
  return {
    ...(typeof kid === 'string' ? { verificationMethod: kid } : {}),
    keyType,
    verify: (key) => verifyJws(jws, key),
  };
}

function parseJwt(token: string): Parsed | VerificationIssue {
  const jws = decodeJws(token);
  if (jws === undefined) return malformed('not a compact JWS');
  const { header, payload } = jws;
  if (header.typ === 'vp+jwt' || header.typ === 'vp-ld+jwt') {
    const bad = structureIssue(payload, 2);
    if (bad !== undefined) return bad;
    if (typeof header.kid !== 'string') return malformed('a vp+jwt needs a kid');
    const credentials = credentialsOf(payload, false);
    if ('code' in credentials) return credentials;
    const check = jwsCheck(jws, header.kid);
    if ('code' in check) return check;
    const { nonce, aud, iss, exp, nbf, iat, ...presentation } = payload;
    return {
      format: 'vp+jwt',
      presentation,
      signer: didOf(header.kid),
      signatures: [check],
      challenge: nonce,
      domains: asList(aud),
      window: jwtWindow(payload),
      credentials,
    };
  }
  if (header.typ !== undefined && String(header.typ).toUpperCase() !== 'JWT')
    return issue('UNSUPPORTED_FORMAT', `typ ${String(header.typ)} is not a presentation`);
  const { vp, iss } = payload;
  if (!isRecord(vp) || typeof iss !== 'string') return malformed('a VP-JWT needs a vp claim and iss');
  const version = Array.isArray(vp['@context']) && vp['@context'][0] === VC_V2_CONTEXT ? 2 : 1;
  const presentation = { ...vp, holder: vp.holder ?? iss };
  const bad = structureIssue(presentation, version);
  if (bad !== undefined) return bad;
  const credentials = credentialsOf(presentation, true);
  if ('code' in credentials) return credentials;
  if (typeof header.kid === 'string' && didOf(header.kid) !== iss && !header.kid.startsWith('#'))
    return issue('HOLDER_MISMATCH', `kid ${header.kid} is not a key of iss ${iss}`);
  const check = jwsCheck(
    jws,
    typeof header.kid === 'string' ? (header.kid.startsWith('#') ? `${iss}${header.kid}` : header.kid) : undefined,
  );
  if ('code' in check) return check;
  return {
    format: 'vp-jwt',
    presentation,
    signer: iss,
    signatures: [check],
    challenge: payload.nonce,
    domains: asList(payload.aud),
    window: jwtWindow(payload),
    credentials,
  };
}

/** The JWT inside an EnvelopedVerifiablePresentation, which is itself a VC 2.0 document. */
function unwrap(input: Record<string, unknown>): string | VerificationIssue {
  const context = Array.isArray(input['@context']) ? input['@context'][0] : input['@context'];
  if (context !== VC_V2_CONTEXT)
    return malformed(`an EnvelopedVerifiablePresentation's @context must start with ${VC_V2_CONTEXT}`);
  if (typeof input.id !== 'string' || !input.id.startsWith(ENVELOPE_PREFIX))
    return malformed(`id must be a ${ENVELOPE_PREFIX} URL`);
  return input.id.slice(ENVELOPE_PREFIX.length);
}

async function parse(input: unknown): Promise<Parsed | VerificationIssue> {
  if (typeof input === 'string') return parseJwt(input);
  if (!isRecord(input)) return malformed('a presentation is a JSON object or a JWT');
  if (input.type === 'EnvelopedVerifiablePresentation') {
    const token = unwrap(input);
    if (typeof token !== 'string') return token;
    const parsed = parseJwt(token);
    return 'code' in parsed || parsed.format === 'vp+jwt'
      ? parsed
      : malformed('an EnvelopedVerifiablePresentation carries a vp+jwt');
  }
  if (input.proof === undefined) return malformed('the presentation has no proof');
  return parseDataIntegrity(input);
}

function expectationIssues(parsed: Parsed, expected: PresentationExpectations): VerificationIssue[] {
  const issues: VerificationIssue[] = [];
  if (expected.challenge !== undefined && parsed.challenge !== expected.challenge) {
    issues.push(
      issue(
        'CHALLENGE_MISMATCH',
        parsed.challenge === undefined
          ? 'the presentation carries no challenge'
          : 'the presentation was made for another challenge',
      ),
    );
  }
  if (expected.domain !== undefined && !parsed.domains.includes(expected.domain)) {
    issues.push(
      issue(
        'DOMAIN_MISMATCH',
        parsed.domains.length === 0
          ? 'the presentation names no domain'
          : `the presentation is for ${parsed.domains.join(', ')}`,
      ),
    );
  }
  const holder = issuerId(parsed.presentation.holder);
  if (holder !== undefined && holder !== parsed.signer)
    issues.push(issue('HOLDER_MISMATCH', `holder ${holder} did not sign; ${parsed.signer} did`));
  return issues;
}

async function credentialIssues(
  parsed: Parsed,
  verifyCredential: (credential: unknown) => Promise<VerificationResult>,
) {
  const results = await Promise.all(parsed.credentials.map((credential) => verifyCredential(credential)));
  const issues = results.flatMap((result, index) =>
    result.verified
      ? []
      : [
          issue(
            'CREDENTIAL_NOT_VERIFIED',
            `verifiableCredential[${index}]: ${result.errors.map((error) => error.code).join(', ')}`,
          ),
        ],
  );
  return { results, issues };
}

/** Verifies a presentation and every credential in it. Never throws. */
export async function verifyPresentation(
  input: unknown,
  expected: PresentationExpectations,
  context: VerifyContext,
  verifyCredential: (credential: unknown) => Promise<VerificationResult>,
): Promise<PresentationResult> {
  try {
    const parsed = await parse(input);
    if ('code' in parsed) return { verified: false, errors: [parsed], credentialResults: [] };
    const partial = { format: parsed.format, holder: parsed.signer, presentation: parsed.presentation };
    let verificationMethod: string | undefined;
    for (const check of parsed.signatures) {
      const outcome = await checkSignature({ issuer: parsed.signer }, check, context, 'authentication');
      if ('code' in outcome)
        return {
          ...partial,
          verified: false,
          errors: [outcome.code === 'ISSUER_MISMATCH' ? issue('HOLDER_MISMATCH', outcome.message) : outcome],
          credentialResults: [],
        };
      verificationMethod ??= outcome.id;
    }
    const credentials = await credentialIssues(parsed, verifyCredential);
    const errors = [
      ...expectationIssues(parsed, expected),
      ...checkValidity(parsed.window, context.now(), context.clockSkewMs),
      ...credentials.issues,
    ];
    return {
      ...partial,
      verified: errors.length === 0,
      errors,
      credentialResults: credentials.results,
      ...(verificationMethod === undefined ? {} : { verificationMethod }),
    };
  } catch (cause) {
    return {
      verified: false,
      errors: [malformed(`could not be verified: ${(cause as Error).message}`)],
      credentialResults: [],
    };
  }
}
