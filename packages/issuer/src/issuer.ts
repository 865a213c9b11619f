/**
 * An issuer: one DID and key, optional status lists, issuing in any of the three formats. It completes what a
 * caller leaves out (id, validFrom, the schema reference and context of our types, status entries), checks our types
 * against their schemas before signing, and signs.
 *
 * @example
 * const issuer = createIssuer({ key: { verificationMethod: 'did:city:cn#vc-1', signer }, statusLists });
 * const { verifiableCredential } = await issuer.issue(cityIdentityCredential({ ... }), { format: 'vc-jwt' });
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '@did-city/method';
import { CITY_CREDENTIALS_CONTEXT } from './context.ts';
import { assertCredential, controllerOf, normalised, wholeSeconds } from './credential.ts';
import { issueDataIntegrityVc } from './data-integrity.ts';
import { IssuerError } from './errors.ts';
import { envelope, issueJoseVc } from './jose.ts';
import { jsonLdIssues } from './jsonld-check.ts';
import { issueJwtVc } from './jwt-vc.ts';
import { checkRelatedResources, type ResourceFetcher } from './related-resource.ts';
import { type DidUrlDereferencer, SchemaRegistry, schemaUrl } from './schema-check.ts';
import { BUNDLED_SCHEMAS, type CityCredentialType } from './schemas.ts';
import type { StatusLists } from './status-lists.ts';
import {
  asArray,
  type Credential,
  type CredentialFormat,
  type EnvelopedVerifiableCredential,
  type IssuerKey,
} from './types.ts';

export interface IssuerOptions {
  key: IssuerKey;
  statusLists?: StatusLists;
  /** Where the service runs: credentialSchema references point at its `/schemas/v1/…` copies. */
  baseUrl?: string;
  /** The clock of validFrom, `iat` and proof `created` (whole seconds). Default `Date.now`. */
  now?: Clock;
  /**
   * Fetches a `relatedResource` so that a wrong digest is refused before signing; a resource it cannot fetch is
   * signed as given (its structure is always checked). Default: none (no fetch on a caller's behalf).
   */
  fetchResource?: ResourceFetcher;
  /** More JSON-LD contexts the issuer accepts, by URL (contexts are never fetched). */
  contexts?: ReadonlyMap<string, unknown>;
  /**
   * What `credentialSchema` names for one of our types, asked at each issue: e.g. the DID URL of the schema published
   * as a DID-Linked Resource (`did:city:cn/resources/<uuid>`). The issuer checks against its bundled copy of that
   * type's schema. Default (or undefined for a type): the served copy under `baseUrl`, else the stable `$id`.
   */
  schemaReference?: (type: CityCredentialType) => string | undefined;
  /** Dereferences a credentialSchema a caller names by DID URL, to check the credential before signing. */
  dereferenceSchema?: DidUrlDereferencer;
}

export interface IssueOptions {
  /** Default: data-integrity. */
  format?: CredentialFormat;
  /** Add revocation and suspension entries; default true when the issuer has status lists. */
  status?: boolean;
  /** vc+jwt only: return an EnvelopedVerifiableCredential instead of the compact JWS. */
  envelope?: boolean;
  /** The service client issuing, recorded with the status entries (only it, or an admin client, may change them). */
  client?: string;
}

export interface Issued {
  format: CredentialFormat;
  /** The credential id (status changes refer to it). */
  id: string;
  verifiableCredential: Credential | EnvelopedVerifiableCredential | string;
  /** The credential as signed (for the JWT formats, what the token carries). */
  credential: Credential;
}

export interface CityIssuer {
  readonly did: string;
  issue(credential: unknown, options?: IssueOptions): Promise<Issued>;
}

const FORMATS = new Set<CredentialFormat>(['vc-jwt', 'vc+jwt', 'data-integrity']);

function ourType(credential: Credential): CityCredentialType | undefined {
  return credential.type.find((type): type is CityCredentialType => Object.hasOwn(BUNDLED_SCHEMAS, type));
}

export function createIssuer(options: IssuerOptions): CityIssuer {
  const did = controllerOf(options.key.verificationMethod);
  const reference = (type: CityCredentialType) =>
    options.schemaReference?.(type) ?? schemaUrl(BUNDLED_SCHEMAS[type], options.baseUrl);
  // Our own references hold our bundled schemas: checked against those, never fetched.
  const aliases = (id: string) => {
    const type = (Object.keys(BUNDLED_SCHEMAS) as CityCredentialType[]).find(
      (candidate) => options.schemaReference?.(candidate) === id,
    );
    return type === undefined ? undefined : BUNDLED_SCHEMAS[type].$id;
  };
  const schemas = new SchemaRegistry({
    aliases,
    ...(options.dereferenceSchema === undefined ? {} : { dereference: options.dereferenceSchema }),
  });
  const now = () => new Date((options.now ?? Date.now)());

  async function prepare(input: unknown, status: boolean, client: string | undefined): Promise<Credential> {
    assertCredential(input, { expectedIssuer: did });
    const credential = normalised(input);
    credential.id ??= `urn:uuid:${randomUUID()}`;
    credential.validFrom ??= wholeSeconds(now());
    const type = ourType(credential);
    if (type !== undefined) {
      if (!credential['@context'].includes(CITY_CREDENTIALS_CONTEXT))
        credential['@context'].push(CITY_CREDENTIALS_CONTEXT);
      credential.credentialSchema ??= { id: reference(type), type: 'JsonSchema' };
    }
    const [schema, jsonLd, resources] = await Promise.all([
      schemas.check(credential),
      jsonLdIssues(credential, options.contexts === undefined ? {} : { contexts: options.contexts }),
      checkRelatedResources(credential.relatedResource, options.fetchResource, { code: 'INVALID_CREDENTIAL' }),
    ]);
    const issues = [...schema, ...jsonLd, ...resources.errors];
    if (issues.length > 0)
      throw new IssuerError('INVALID_CREDENTIAL', issues.map((entry) => entry.message).join('; '), { errors: issues });
    if (status && options.statusLists !== undefined) {
      // A caller's own well-formed entries (VC 2.0 §4.10 allows any status type) are kept; ours come after them.
      const ours = options.statusLists.allocate(credential.id, client === undefined ? {} : { client });
      credential.credentialStatus = [...asArray(credential.credentialStatus), ...ours];
    }
    return credential;
  }

  async function sign(credential: Credential, format: CredentialFormat, asEnvelope: boolean) {
    if (format === 'vc-jwt') return issueJwtVc(credential, { key: options.key, now: options.now ?? Date.now });
    if (format === 'vc+jwt') {
      const jwt = await issueJoseVc(credential, { key: options.key });
      return asEnvelope ? envelope(jwt) : jwt;
    }
    if (format === 'data-integrity')
      return issueDataIntegrityVc(credential, { key: options.key, created: wholeSeconds(now()) });
    throw new IssuerError('INVALID_CREDENTIAL', `unknown format ${String(format)}`);
  }

  return {
    did,
    async issue(input, issueOptions = {}) {
      const format = issueOptions.format ?? 'data-integrity';
      if (!FORMATS.has(format)) throw new IssuerError('INVALID_CREDENTIAL', `unknown format ${String(format)}`);
      const credential = await prepare(input, issueOptions.status ?? true, issueOptions.client);
      const verifiableCredential = await sign(credential, format, issueOptions.envelope ?? false);
      return { format, id: credential.id!, verifiableCredential, credential };
    },
  };
}
