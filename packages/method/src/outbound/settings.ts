/**
 * The outbound-fetch policy from environment variables, so every server and the CLI are configured the same way:
 *
 * - `DID_CITY_FETCH_ALLOW_HTTP`: hosts (`host` or `host:port`, comma-separated) that may be fetched over plain http
 * - `DID_CITY_FETCH_ALLOW_PRIVATE`: hosts that may resolve to loopback, private or other non-public addresses
 * - `DID_CITY_FETCH_TIMEOUT_MS`, `DID_CITY_FETCH_MAX_BYTES`, `DID_CITY_FETCH_MAX_REDIRECTS`: the caps
 *
 * `trusted` adds hosts the program already trusts (its own public URL, the ledger it was pointed at) to both lists.
 */
import { DidCityError } from '../errors.ts';
import type { OutboundFetchPolicy } from './policy.ts';

type Env = Readonly<Record<string, string | undefined>>;

function hosts(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((host) => host.trim())
    .filter((host) => host !== '');
}

function count(env: Env, name: string): number | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,10}$/.test(value)) throw new DidCityError('INVALID_OPTIONS', `${name} must be a whole number`);
  return Number(value);
}

/** The host (`host:port`) of each URL, for `trusted`. */
export function hostsOf(urls: readonly string[]): string[] {
  return urls.filter((url) => URL.canParse(url)).map((url) => new URL(url).host);
}

export function fetchPolicyFromEnv(env: Env, trusted: readonly string[] = []): OutboundFetchPolicy {
  const policy: OutboundFetchPolicy = {
    httpHosts: [...trusted, ...hosts(env['DID_CITY_FETCH_ALLOW_HTTP'])],
    privateHosts: [...trusted, ...hosts(env['DID_CITY_FETCH_ALLOW_PRIVATE'])],
  };
  const timeoutMs = count(env, 'DID_CITY_FETCH_TIMEOUT_MS');
  const maxBytes = count(env, 'DID_CITY_FETCH_MAX_BYTES');
  const maxRedirects = count(env, 'DID_CITY_FETCH_MAX_REDIRECTS');
  if (timeoutMs !== undefined) policy.timeoutMs = timeoutMs;
  if (maxBytes !== undefined) policy.maxBytes = maxBytes;
  if (maxRedirects !== undefined) policy.maxRedirects = maxRedirects;
  return policy;
}
