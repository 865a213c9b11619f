/**
 * The default fetchers a verifier uses for status lists, schemas and related resources: HTTP(S) GET with a timeout
 * and a size cap, since every URL they follow comes from a credential, i.e. from whoever sent it.
 */
const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

export interface FetchOptions {
  timeoutMs?: number;
  maxBytes?: number;
}

async function get(url: string, accept: string, options: FetchOptions): Promise<{ body: Buffer; contentType: string }> {
  if (!/^https?:\/\//.test(url)) throw new Error(`only http(s) URLs are fetched, not ${url}`);
  const response = await fetch(url, { headers: { accept }, signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS), redirect: 'follow' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const limit = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (Number(response.headers.get('content-length') ?? 0) > limit) throw new Error('response too large');
  const body = Buffer.from(await response.arrayBuffer());
  if (body.length > limit) throw new Error('response too large');
  return { body, contentType: response.headers.get('content-type') ?? '' };
}

/** A credential: JSON (Data Integrity, enveloped) or a JWT (`application/vc+jwt`, `application/jwt`). */
export function httpCredentialFetcher(options: FetchOptions = {}): (url: string) => Promise<unknown> {
  return async (url) => {
    const { body, contentType } = await get(url, 'application/vc+ld+json, application/vc, application/json, application/vc+jwt', options);
    const text = body.toString('utf8');
    return /jwt/.test(contentType) ? text.trim() : JSON.parse(text);
  };
}

export function httpJsonFetcher(options: FetchOptions = {}): (url: string) => Promise<unknown> {
  return async (url) => JSON.parse((await get(url, 'application/schema+json, application/json', options)).body.toString('utf8'));
}

export function httpResourceFetcher(options: FetchOptions = {}): (url: string) => Promise<Uint8Array> {
  return async (url) => new Uint8Array((await get(url, '*/*', options)).body);
}
