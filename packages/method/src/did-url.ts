/**
 * DID URL syntax (W3C DID Core §3.2): did path-abempty [ "?" query ] [ "#" fragment ], with a did:city DID.
 * Path and fragment are kept as written (validated, not decoded); query parameters are percent-decoded once.
 */
import { parseDid } from './did.ts';
import { DidCityError } from './errors.ts';
import type { CityDidUrl } from './types.ts';

export const MAX_DID_URL_LENGTH = 2048;

/** RFC 3986 pchar without pct-encoded: unreserved / sub-delims / ":" / "@". */
const PCHAR = "A-Za-z0-9\\-._~!$&'()*+,;=:@";
const PATH = new RegExp(`^(?:/(?:[${PCHAR}]|%[0-9A-Fa-f]{2})*)*$`);
const QUERY_OR_FRAGMENT = new RegExp(`^(?:[${PCHAR}/?]|%[0-9A-Fa-f]{2})*$`);

function invalid(didUrl: string, reason: string): never {
  throw new DidCityError('INVALID_DID_URL', `Invalid DID URL "${didUrl}": ${reason}`);
}

interface RawParts {
  did: string;
  path: string;
  query?: string;
  fragment?: string;
}

function split(didUrl: string): RawParts {
  const hash = didUrl.indexOf('#');
  const beforeFragment = hash === -1 ? didUrl : didUrl.slice(0, hash);
  const question = beforeFragment.indexOf('?');
  const beforeQuery = question === -1 ? beforeFragment : beforeFragment.slice(0, question);
  const slash = beforeQuery.indexOf('/');
  const parts: RawParts = {
    did: slash === -1 ? beforeQuery : beforeQuery.slice(0, slash),
    path: slash === -1 ? '' : beforeQuery.slice(slash),
  };
  if (question !== -1) parts.query = beforeFragment.slice(question + 1);
  if (hash !== -1) parts.fragment = didUrl.slice(hash + 1);
  return parts;
}

function decodeComponent(didUrl: string, component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    return invalid(didUrl, `"${component}" is not valid percent-encoded UTF-8`);
  }
}

function parseQuery(didUrl: string, query: string): Record<string, string> {
  if (!QUERY_OR_FRAGMENT.test(query))
    invalid(didUrl, 'the query has a character not allowed or a bad percent-encoding');
  if (query === '') return {};
  const seen = new Set<string>();
  const entries: Array<[string, string]> = [];
  for (const pair of query.split('&')) {
    const equals = pair.indexOf('=');
    const name = decodeComponent(didUrl, equals === -1 ? pair : pair.slice(0, equals));
    const value = decodeComponent(didUrl, equals === -1 ? '' : pair.slice(equals + 1));
    if (name === '') invalid(didUrl, 'the query has a parameter with an empty name');
    if (seen.has(name)) invalid(didUrl, `query parameter "${name}" is given more than once`);
    seen.add(name);
    entries.push([name, value]);
  }
  // fromEntries defines own properties, so a parameter named "__proto__" cannot touch the prototype.
  return Object.fromEntries(entries);
}

/**
 * Parses a did:city DID URL. Throws DidCityError INVALID_DID (or METHOD_NOT_SUPPORTED) for the DID part and
 * INVALID_DID_URL for the length, path, query (including a repeated parameter) or fragment.
 */
export function parseDidUrl(didUrl: string): CityDidUrl {
  if (typeof didUrl !== 'string')
    throw new DidCityError('INVALID_DID_URL', `A DID URL must be a string, got ${typeof didUrl}`);
  if (didUrl.length > MAX_DID_URL_LENGTH)
    invalid(didUrl.slice(0, 64) + '…', `longer than ${MAX_DID_URL_LENGTH} characters`);
  const raw = split(didUrl);
  const parsed = parseDid(raw.did);
  if (!PATH.test(raw.path)) invalid(didUrl, 'the path has a character not allowed or a bad percent-encoding');
  const query = raw.query === undefined ? {} : parseQuery(didUrl, raw.query);
  if (raw.fragment !== undefined && !QUERY_OR_FRAGMENT.test(raw.fragment)) {
    invalid(didUrl, 'the fragment has a character not allowed or a bad percent-encoding');
  }
  const result: CityDidUrl = { ...parsed, didUrl, path: raw.path, query };
  if (raw.fragment !== undefined) result.fragment = raw.fragment;
  return result;
}

/** Percent-encodes a query name or value, leaving the delimiters RFC 3986 allows in a query readable. */
function encodeQueryComponent(value: string): string {
  return encodeURIComponent(value).replace(/%(3A|40|2F|3F)/g, (encoded) => decodeURIComponent(encoded));
}

export interface DidUrlParts {
  did: string;
  /** path-abempty as written: "" or "/segment…", already percent-encoded. */
  path?: string;
  /** Query parameters, unencoded; written in insertion order. */
  query?: Record<string, string>;
  /** The fragment as written, without "#". */
  fragment?: string;
}

/** Builds a DID URL and validates it (throws as parseDidUrl does). */
export function formatDidUrl(parts: DidUrlParts): string {
  let didUrl = parts.did + (parts.path ?? '');
  const query = Object.entries(parts.query ?? {});
  if (query.length > 0) {
    didUrl += `?${query.map(([name, value]) => `${encodeQueryComponent(name)}=${encodeQueryComponent(value)}`).join('&')}`;
  }
  if (parts.fragment !== undefined) didUrl += `#${parts.fragment}`;
  return parseDidUrl(didUrl).didUrl;
}
