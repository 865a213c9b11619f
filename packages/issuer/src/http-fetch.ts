/**
 * The default fetchers a verifier uses for status lists, schemas and related resources. Every URL they follow comes
 * from a credential, i.e. from whoever sent it, so they go through the method library's outbound-fetch policy
 * (spec §9.15): https only unless a host is configured, public addresses only unless a host is configured,
 * redirects re-checked, a deadline and a size cap. Their errors name the rule broken, never the peer's bytes.
 */
import { createOutboundFetch, OutboundFetchError, type OutboundFetchOptions } from '@did-city/method/http';

export type FetchOptions = OutboundFetchOptions;

/** JSON.parse's own message quotes the text it choked on, i.e. the peer's bytes: say only what was expected. */
function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw new OutboundFetchError('FETCH_FAILED', 'the answer is not JSON');
  }
}

/** A credential: JSON (Data Integrity, enveloped) or a JWT (`application/vc+jwt`, `application/jwt`). */
export function httpCredentialFetcher(options: FetchOptions = {}): (url: string) => Promise<unknown> {
  const get = createOutboundFetch(options);
  return async (url) => {
    const { body, contentType } = await get(url, {
      accept: 'application/vc+ld+json, application/vc, application/json, application/vc+jwt',
    });
    return /jwt/.test(contentType) ? Buffer.from(body).toString('utf8').trim() : parseJson(body);
  };
}

export function httpJsonFetcher(options: FetchOptions = {}): (url: string) => Promise<unknown> {
  const get = createOutboundFetch(options);
  return async (url) => parseJson((await get(url, { accept: 'application/schema+json, application/json' })).body);
}

export function httpResourceFetcher(options: FetchOptions = {}): (url: string) => Promise<Uint8Array> {
  const get = createOutboundFetch(options);
  return async (url) => (await get(url, { accept: '*/*' })).body;
}
