/**
 * The consumer side (spec §12.5): finds the provider's data service in its DID document, signs each request with
 * the consumer's authentication key (RFC 9421, signature-profile.ts), presents the grant, and accepts a payload only
 * if its SHA-256 equals the checksum anchored for the release: from the ledger (the release's linked resource, as
 * the verifying resolver proves it), or, only when the caller allows it, from the provider's catalogue.
 *
 * @example
 * const client = new ExchangeClient({ key: { keyid: 'did:city:cn:120000#key-1', signer }, resolver });
 * const { content } = await client.fetchRelease({ provider: 'did:city:cn:110000', release: uuid, grant });
 */
import { randomBytes } from 'node:crypto';
import type { DidResolver } from '@did-city/issuer';
import { type AnchoredRelease, ledgerAnchor, type ReleaseAnchor } from './anchor.ts';
import { releaseId } from './datasets.ts';
import { checksumMatches, contentDigestMatches } from './digest.ts';
import { ExchangeError } from './errors.ts';
import { encodeGrant, presentGrant } from './grant.ts';
import { DATA_SERVICE_TYPE } from './provider.ts';
import {
  GRANT_FIELD,
  PRESENTATION_FIELD,
  type RequestKey,
  type SignOptions,
  signCityRequest,
} from './signature-profile.ts';

export interface ExchangeClientOptions {
  /** The consumer's signing key; needed for fetching, not for reading catalogues. */
  key?: RequestKey;
  /** The verifying did:city resolver (providers' service endpoints and anchored checksums come from it). */
  resolver: DidResolver;
  /** Default: the ledger anchor through `resolver`. */
  anchor?: ReleaseAnchor;
  /** Accept the catalogue's checksum when the ledger has none for a release; default false. */
  allowCatalogueChecksum?: boolean;
  /** Largest payload read; default 16 MiB. */
  maxBytes?: number;
  fetch?: typeof fetch;
  sign?: SignOptions;
}

export interface FetchedRelease {
  provider: string;
  /** The release's DID URL. */
  release: string;
  resourceId: string;
  content: Buffer;
  mediaType: string;
  checksum: string;
  /** Where the checksum the content matched came from. */
  anchor: AnchoredRelease['source'];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function resourceIdOf(provider: string, release: string): string {
  const id = release.startsWith(`${provider}/resources/`)
    ? release.slice(provider.length + '/resources/'.length)
    : release;
  if (!UUID.test(id))
    throw new ExchangeError('INVALID_INPUT', `release must be a UUID or ${provider}/resources/<uuid>`);
  return id;
}

function serviceTypes(type: unknown): unknown[] {
  return Array.isArray(type) ? type : [type];
}

export class ExchangeClient {
  readonly #options: ExchangeClientOptions;
  readonly #fetch: typeof fetch;
  readonly #anchor: ReleaseAnchor;

  constructor(options: ExchangeClientOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? fetch;
    this.#anchor = options.anchor ?? ledgerAnchor(options.resolver);
  }

  /** The provider's `CityDataService` endpoint, from its resolved DID document. */
  async endpointOf(provider: string): Promise<string> {
    const { didDocument } = await this.#options.resolver.resolve(provider);
    const service = didDocument?.service?.find((entry) => serviceTypes(entry.type).includes(DATA_SERVICE_TYPE));
    const endpoint = service?.serviceEndpoint;
    if (typeof endpoint !== 'string' || !/^https?:\/\//.test(endpoint)) {
      throw new ExchangeError(
        'PROVIDER_UNAVAILABLE',
        `${provider} lists no ${DATA_SERVICE_TYPE} with an http(s) endpoint`,
      );
    }
    return endpoint.replace(/\/$/, '');
  }

  async catalogue(provider: string): Promise<Record<string, unknown>> {
    const response = await this.#get(`${await this.endpointOf(provider)}/catalogue`, {
      accept: 'application/ld+json, application/json',
    });
    if (!response.ok) throw await refused(response);
    return (await response.json()) as Record<string, unknown>;
  }

  /**
   * Fetches a release with a grant; throws ExchangeError unless the payload matches its anchored checksum. With
   * `presentation`, the grant goes in a Verifiable Presentation signed with the same key, bound to this request
   * (challenge = the signature's nonce, domain = the provider's endpoint), instead of the City-Data-Grant field.
   */
  async fetchRelease(input: {
    provider: string;
    release: string;
    grant: string | object;
    presentation?: boolean | 'vp+jwt' | 'data-integrity';
  }): Promise<FetchedRelease> {
    const { provider } = input;
    const key = this.#options.key;
    if (key === undefined)
      throw new ExchangeError('INVALID_INPUT', "fetching a release needs the consumer's signing key");
    const resourceId = resourceIdOf(provider, input.release);
    const endpoint = await this.endpointOf(provider);
    const url = `${endpoint}/releases/${resourceId}`;
    const nonce = this.#options.sign?.nonce ?? randomBytes(16).toString('base64url');
    let field: Record<string, string>;
    if (input.presentation === undefined || input.presentation === false)
      field = { [GRANT_FIELD]: encodeGrant(input.grant) };
    else {
      const format = input.presentation === true ? 'vp+jwt' : input.presentation;
      const signed = await presentGrant(
        input.grant,
        { verificationMethod: key.keyid, signer: key.signer },
        { challenge: nonce, domain: endpoint },
        { format },
      );
      field = { [PRESENTATION_FIELD]: signed };
    }
    const headers = await signCityRequest({ method: 'GET', url, headers: { accept: '*/*', ...field } }, key, {
      ...this.#options.sign,
      nonce,
    });
    let response = await this.#get(url, headers);
    if (response.status === 303 && response.headers.get('location') !== null)
      response = await this.#get(new URL(response.headers.get('location')!, url).toString(), {});
    if (!response.ok) throw await refused(response);
    const content = await this.#body(response);
    const served = response.headers.get('content-digest');
    if (served !== null && !contentDigestMatches(served, content))
      throw new ExchangeError('DIGEST_MISMATCH', 'the payload does not match the Content-Digest it was sent with');
    const anchored = await this.#anchored(provider, resourceId);
    if (!checksumMatches(anchored.checksum, content)) {
      throw new ExchangeError(
        'DIGEST_MISMATCH',
        `the payload of ${releaseId(provider, resourceId)} does not match its ${anchored.source} checksum; refused`,
      );
    }
    const mediaType = response.headers.get('content-type') ?? anchored.mediaType ?? 'application/octet-stream';
    return {
      provider,
      release: releaseId(provider, resourceId),
      resourceId,
      content,
      mediaType,
      checksum: anchored.checksum,
      anchor: anchored.source,
    };
  }

  async #anchored(provider: string, resourceId: string): Promise<AnchoredRelease> {
    const onLedger = await this.#anchor(provider, resourceId);
    if (onLedger !== undefined) return onLedger;
    if (this.#options.allowCatalogueChecksum === true) {
      const listed = await this.#catalogueChecksum(provider, resourceId);
      if (listed !== undefined) return { checksum: listed, source: 'catalogue' };
    }
    throw new ExchangeError('ANCHOR_UNAVAILABLE', `no anchored checksum for ${releaseId(provider, resourceId)}`);
  }

  async #catalogueChecksum(provider: string, resourceId: string): Promise<string | undefined> {
    const catalogue = await this.catalogue(provider);
    const datasets = Array.isArray(catalogue['dcat:dataset'])
      ? (catalogue['dcat:dataset'] as Record<string, unknown>[])
      : [];
    for (const dataset of datasets) {
      const distributions = Array.isArray(dataset['dcat:distribution'])
        ? (dataset['dcat:distribution'] as Record<string, unknown>[])
        : [];
      const found = distributions.find((entry) => entry['dct:identifier'] === resourceId);
      const value = (found?.['spdx:checksum'] as { 'spdx:checksumValue'?: unknown } | undefined)?.[
        'spdx:checksumValue'
      ];
      if (typeof value === 'string') return value;
    }
    return undefined;
  }

  async #get(url: string, headers: Record<string, string>): Promise<Response> {
    try {
      return await this.#fetch(url, { method: 'GET', headers, redirect: 'manual' });
    } catch (cause) {
      throw new ExchangeError('PROVIDER_UNAVAILABLE', `could not reach ${new URL(url).origin}`, { cause });
    }
  }

  async #body(response: Response): Promise<Buffer> {
    const max = this.#options.maxBytes ?? 16 * 1024 * 1024;
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > max) throw new ExchangeError('PROVIDER_REFUSED', `the payload exceeds ${max} bytes`);
    const body = Buffer.from(await response.arrayBuffer());
    if (body.length > max) throw new ExchangeError('PROVIDER_REFUSED', `the payload exceeds ${max} bytes`);
    return body;
  }
}

async function refused(response: Response): Promise<ExchangeError> {
  let problem: unknown;
  try {
    problem = JSON.parse((await response.text()).slice(0, 8192));
  } catch {
    problem = undefined;
  }
  const code = (problem as { code?: unknown } | undefined)?.code;
  return new ExchangeError(
    'PROVIDER_REFUSED',
    `the provider answered ${response.status}${typeof code === 'string' ? ` ${code}` : ''}`,
    { problem: { status: response.status, ...(problem as object) } },
  );
}
