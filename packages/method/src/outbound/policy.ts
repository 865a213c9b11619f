/**
 * The outbound-fetch policy (spec §9.15, R-FETCH-1..6): what a verifier or resolver may fetch when a URL comes from
 * someone else's data (a credential's status list, schema or related resource). Errors name the rule that was broken
 * and never carry the peer's bytes or say whether a port was open.
 */
import { DidCityError } from '../errors.ts';
import { type AddressClass, classifyAddress } from './addresses.ts';

export type OutboundFetchErrorCode =
  | 'FETCH_URL_REFUSED'
  | 'FETCH_ADDRESS_REFUSED'
  | 'FETCH_REDIRECT_REFUSED'
  | 'FETCH_TIMEOUT'
  | 'FETCH_TOO_LARGE'
  | 'FETCH_FAILED';

const RULES: Readonly<Record<OutboundFetchErrorCode, string>> = {
  FETCH_URL_REFUSED: 'R-FETCH-1',
  FETCH_ADDRESS_REFUSED: 'R-FETCH-2',
  FETCH_REDIRECT_REFUSED: 'R-FETCH-3',
  FETCH_TIMEOUT: 'R-FETCH-4',
  FETCH_TOO_LARGE: 'R-FETCH-5',
  FETCH_FAILED: 'R-FETCH-6',
};

/** A refused or failed outbound fetch. `message` is safe to show to whoever supplied the URL. */
export class OutboundFetchError extends Error {
  readonly code: OutboundFetchErrorCode;
  readonly rule: string;

  constructor(code: OutboundFetchErrorCode, message: string) {
    super(`${message} (${RULES[code]})`);
    this.name = 'OutboundFetchError';
    this.code = code;
    this.rule = RULES[code];
  }
}

export interface OutboundFetchPolicy {
  /** Hosts that may be fetched over plain http: `host` (any port) or `host:port`, e.g. `127.0.0.1:8080`. */
  httpHosts?: readonly string[];
  /** Hosts whose addresses may be loopback, private, link-local, … (same forms as `httpHosts`). */
  privateHosts?: readonly string[];
  /** Redirects followed, each re-checked; default 3, 0 refuses every redirect. */
  maxRedirects?: number;
  /** Deadline for the whole fetch, redirects included; default 5000 ms. */
  timeoutMs?: number;
  /** Largest body accepted; default 4 MiB. */
  maxBytes?: number;
}

export const FETCH_DEFAULTS = Object.freeze({ maxRedirects: 3, timeoutMs: 5000, maxBytes: 4 * 1024 * 1024 });

interface HostEntry {
  hostname: string;
  port: string | undefined;
}

function parseEntry(entry: string): HostEntry {
  if (!URL.canParse(`http://${entry}`) || /[/?#@]/.test(entry))
    throw new DidCityError('INVALID_OPTIONS', `"${entry}" is not a host or host:port`);
  const url = new URL(`http://${entry}`);
  return { hostname: url.hostname, port: /:\d+$/.test(entry) ? url.port || '80' : undefined };
}

function portOf(url: URL): string {
  return url.port || (url.protocol === 'https:' ? '443' : '80');
}

/** Host lists compiled once; `matches` answers whether a URL's host is on a list. */
export class HostList {
  readonly #entries: HostEntry[];

  constructor(entries: readonly string[] = []) {
    this.#entries = entries.map(parseEntry);
  }

  matches(url: URL): boolean {
    return this.#entries.some(
      (entry) => entry.hostname === url.hostname && (entry.port === undefined || entry.port === portOf(url)),
    );
  }
}

/** R-FETCH-1: the URL itself (scheme, no credentials). Returns the parsed URL or throws. */
export function checkUrl(text: string, httpHosts: HostList): URL {
  if (!URL.canParse(text)) throw new OutboundFetchError('FETCH_URL_REFUSED', 'not an absolute URL');
  const url = new URL(text);
  if (url.username !== '' || url.password !== '')
    throw new OutboundFetchError('FETCH_URL_REFUSED', 'URLs with credentials are not fetched');
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && httpHosts.matches(url)) return url;
  const why =
    url.protocol === 'http:'
      ? 'plain http is allowed only for configured hosts'
      : `the ${url.protocol} scheme is not fetched`;
  throw new OutboundFetchError('FETCH_URL_REFUSED', why);
}

/** R-FETCH-2: throws unless the address is public (or the host may reach non-public addresses). */
export function checkAddress(address: string, allowPrivate: boolean): void {
  const found: AddressClass = classifyAddress(address) ?? 'reserved';
  if (found === 'public' || allowPrivate) return;
  throw new OutboundFetchError('FETCH_ADDRESS_REFUSED', `the target address is ${found}, not public`);
}
