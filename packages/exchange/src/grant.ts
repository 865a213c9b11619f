/**
 * Grants (spec §12.4): a CityDataSharingCredential the provider city issued to the consumer city for one dataset.
 * It travels in the `City-Data-Grant` request field, covered by the request's signature: a compact JWS (vc+jwt or
 * VC-JWT) as is, a Data Integrity credential as base64url of its JSON. The signature binds it to the consumer (the
 * signer must be its subject), so a grant copied from another request is worthless without the consumer's key.
 *
 * Or the consumer presents it in a Verifiable Presentation (`City-Data-Presentation`, vp+jwt or base64url Data
 * Integrity JSON) that it signs with its authentication key, the presentation's challenge being the request
 * signature's nonce and its domain the provider's data-service endpoint: the presentation is then bound to that one
 * request, and its holder must be the city that signed the request.
 */
import type { Credential, IssuerKey, StatusLists, Verifier } from '@did-city/issuer';
import { envelope, provePresentation, VC_V2_CONTEXT } from '@did-city/issuer';
import { ExchangeError } from './errors.ts';

export const GRANT_TYPE = 'CityDataSharingCredential';
/** Longest field accepted (Node's default header limit is 16 KiB for all fields together). */
export const MAX_GRANT_LENGTH = 12 * 1024;

export interface GrantInput {
  provider: string;
  consumer: string;
  /** The dataset's identifier, as the catalogue names it. */
  dataset: string;
  datasetName: string;
  purpose: string;
  validFrom?: string;
  validUntil?: string;
}

/** The unsigned grant, for `CityIssuer.issue` (which adds id, status entries, schema and proof). */
export function grantCredential(input: GrantInput): Credential {
  const credential: Credential = {
    '@context': [VC_V2_CONTEXT],
    type: ['VerifiableCredential', GRANT_TYPE],
    issuer: input.provider,
    credentialSubject: {
      id: input.consumer,
      provider: input.provider,
      dataset: input.dataset,
      datasetName: input.datasetName,
      purpose: input.purpose,
    },
  };
  if (input.validFrom !== undefined) credential.validFrom = input.validFrom;
  if (input.validUntil !== undefined) credential.validUntil = input.validUntil;
  return credential;
}

/** The field value for a grant as issued (a JWS string or a credential object). */
export function encodeGrant(grant: string | object): string {
  return typeof grant === 'string' ? grant : Buffer.from(JSON.stringify(grant)).toString('base64url');
}

function refuse(message: string): never {
  throw new ExchangeError('GRANT_INVALID', message);
}

export function decodeGrant(field: string | undefined, what = 'grant'): unknown {
  if (field === undefined || field === '')
    throw new ExchangeError(
      'GRANT_MISSING',
      'present the CityDataSharingCredential this provider issued to you in the City-Data-Grant field, or in a presentation in City-Data-Presentation',
    );
  if (field.length > MAX_GRANT_LENGTH) refuse(`the ${what} exceeds ${MAX_GRANT_LENGTH} characters`);
  if (/^[\w-]+\.[\w-]*\.[\w-]+$/.test(field)) return field;
  try {
    return JSON.parse(Buffer.from(field, 'base64url').toString('utf8'));
  } catch {
    refuse(`the ${what} is neither a compact JWS nor base64url JSON`);
  }
}

export interface GrantExpectations {
  provider: string;
  consumer: string;
  dataset: string;
}

/** Verification issue codes worth telling the consumer by name; anything else is "not verified". */
const TOLD = new Set([
  'REVOKED',
  'SUSPENDED',
  'EXPIRED',
  'NOT_YET_VALID',
  'INVALID_SIGNATURE',
  'ISSUER_DEACTIVATED',
  'STATUS_UNAVAILABLE',
]);

interface Verified {
  credential: Credential;
  issuer: string | undefined;
  until: number;
}

/**
 * Grants verified lately, by their exact text, for at most `ttlMs` [60 s]: a consumer presents the same grant on
 * every request, and its signature, schema and issuer need checking once. What can change is checked on every
 * request even on a hit: the validity window against the clock, the fit to the request, and the provider's own
 * status store.
 */
export class GrantCache {
  readonly #entries = new Map<string, Verified>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;

  constructor(options: { ttlMs?: number; maxEntries?: number } = {}) {
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#maxEntries = options.maxEntries ?? 1000;
  }

  get(field: string, now: number): Verified | undefined {
    const hit = this.#entries.get(field);
    if (hit === undefined || hit.until < now) return undefined;
    return hit;
  }

  set(field: string, entry: Omit<Verified, 'until'>, now: number): void {
    if (this.#entries.size >= this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(field, { ...entry, until: now + this.#ttlMs });
  }
}

/** The verifier's own window rule (with its clock skew), re-applied to a cached grant. */
function windowIssue(credential: Credential, now: number, skew: number): string | undefined {
  const from = credential.validFrom === undefined ? undefined : Date.parse(credential.validFrom);
  const until = credential.validUntil === undefined ? undefined : Date.parse(credential.validUntil);
  if (from !== undefined && now + skew < from) return 'NOT_YET_VALID';
  if (until !== undefined && now - skew > until) return 'EXPIRED';
  return undefined;
}

async function verified(
  field: string | undefined,
  verifier: Verifier,
  cache: GrantCache | undefined,
): Promise<Omit<Verified, 'until'>> {
  const now = verifier.context.now();
  const hit = field === undefined ? undefined : cache?.get(field, now);
  if (hit !== undefined) {
    const issue = windowIssue(hit.credential, now, verifier.context.clockSkewMs);
    if (issue !== undefined) refuse(`the grant is not valid: ${issue}`);
    return hit;
  }
  const result = await verifier.verify(decodeGrant(field));
  if (!result.verified) {
    const told = result.errors.map((error) => error.code).filter((code) => TOLD.has(code));
    refuse(told.length > 0 ? `the grant is not valid: ${told.join(', ')}` : 'the grant did not verify');
  }
  const entry = { credential: result.credential!, issuer: result.issuer };
  cache?.set(field!, entry, now);
  return entry;
}

/**
 * Verifies the grant (signature, validity window, status list, schema) and its fit: issued by the provider, to the
 * signer, for this dataset. The provider's own status lists are read directly as well (`ownStatus`), so a revocation
 * takes effect on the next request rather than after a cached list's ttl. Returns the credential id.
 */
export async function checkGrant(
  field: string | undefined,
  expected: GrantExpectations,
  verifier: Verifier,
  ownStatus?: StatusLists,
  cache?: GrantCache,
): Promise<string> {
  const { credential, issuer } = await verified(field, verifier, cache);
  return grantFit(credential, issuer, expected, ownStatus);
}

/** The grant's fit to the request and the provider's own status of it; returns its id. */
function grantFit(
  credential: Credential,
  issuer: string | undefined,
  expected: GrantExpectations,
  ownStatus: StatusLists | undefined,
): string {
  if (!credential.type.includes(GRANT_TYPE)) refuse(`the grant must be a ${GRANT_TYPE}`);
  if (issuer !== expected.provider) refuse(`the grant must be issued by ${expected.provider}`);
  const subjects = Array.isArray(credential.credentialSubject)
    ? credential.credentialSubject
    : [credential.credentialSubject];
  if (subjects.length !== 1 || subjects[0]?.id !== expected.consumer)
    refuse("the grant's subject must be the city that signed the request");
  if (subjects[0].dataset !== expected.dataset) refuse('the grant does not cover this dataset');
  const id = credential.id;
  if (typeof id !== 'string') refuse('the grant has no id');
  if (ownStatus !== undefined) {
    const status = safeStatus(ownStatus, id);
    if (status === undefined) refuse("the grant was not issued by this provider's grant service");
    if (status.revoked) refuse('the grant is not valid: REVOKED');
    if (status.suspended) refuse('the grant is not valid: SUSPENDED');
  }
  return id;
}

/** What binds a presentation to one request: the request signature's nonce and the provider's endpoint. */
export interface PresentationBinding {
  /** The nonce of the request's signature: the presentation's challenge. */
  challenge: string;
  /** The provider's data-service endpoint: the presentation's domain. */
  domain: string;
}

/** Presentation issues worth telling the consumer by name. */
const TOLD_PRESENTATION = new Set([
  'CHALLENGE_MISMATCH',
  'DOMAIN_MISMATCH',
  'INVALID_SIGNATURE',
  'EXPIRED',
  'NOT_YET_VALID',
]);

/**
 * Verifies a grant presented in a Verifiable Presentation: the presentation's proof by a key of its holder's
 * `authentication`, its challenge (the request signature's nonce) and domain (the provider's endpoint), its holder
 * (the city that signed the request), exactly one credential in it, that credential (as checkGrant verifies it)
 * and its fit. A presentation is made for one request, so none is cached. Returns the grant's id.
 */
export async function checkGrantPresentation(
  field: string | undefined,
  expected: GrantExpectations & PresentationBinding,
  verifier: Verifier,
  ownStatus?: StatusLists,
): Promise<string> {
  const presentation = decodeGrant(field, 'presentation');
  const result = await verifier.verifyPresentation(presentation, {
    challenge: expected.challenge,
    domain: expected.domain,
  });
  if (!result.verified) {
    const told = [
      ...new Set(
        [...result.errors, ...result.credentialResults.flatMap((r) => r.errors)]
          .map((e) => e.code)
          .filter((code) => TOLD_PRESENTATION.has(code) || TOLD.has(code)),
      ),
    ];
    refuse(told.length > 0 ? `the presentation is not valid: ${told.join(', ')}` : 'the presentation did not verify');
  }
  if (result.holder !== expected.consumer) refuse("the presentation's holder must be the city that signed the request");
  if (result.credentialResults.length !== 1) refuse('the presentation must carry exactly one credential, the grant');
  const [grant] = result.credentialResults as [NonNullable<typeof result.credentialResults>[number]];
  return grantFit(grant.credential!, grant.issuer, expected, ownStatus);
}

/**
 * The consumer's presentation of `grant` for one request (PRESENTATION_FIELD's value): signed with `key` (a key of
 * the consumer's `authentication`), challenge = the nonce the request will be signed with, domain = the provider's
 * data-service endpoint. vp+jwt by default.
 */
export async function presentGrant(
  grant: string | object,
  key: IssuerKey,
  binding: PresentationBinding,
  options: { format?: 'vp+jwt' | 'data-integrity' } = {},
): Promise<string> {
  const credential = typeof grant === 'string' ? envelope(grant) : grant;
  const presentation = {
    '@context': [VC_V2_CONTEXT],
    type: ['VerifiablePresentation'],
    verifiableCredential: [credential],
  };
  const signed = await provePresentation(presentation, { key, ...binding, format: options.format ?? 'vp+jwt' });
  return encodeGrant(signed as string | object);
}

function safeStatus(lists: StatusLists, id: string) {
  try {
    return lists.statusOf(id);
  } catch {
    return undefined;
  }
}
