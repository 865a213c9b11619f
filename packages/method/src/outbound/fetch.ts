/**
 * A GET that follows the outbound-fetch policy. Names are resolved once (all addresses), every address is checked,
 * and the socket connects to the checked addresses through the `lookup` hook, so a name that answers differently
 * on a second lookup (DNS rebinding) cannot slip past. Node's own http/https clients are used rather than fetch():
 * fetch cannot be handed a lookup function without the undici package, and its errors describe the connection.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { type ClientRequest, type IncomingMessage, request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIpLiteral } from './addresses.ts';
import {
  checkAddress,
  checkUrl,
  FETCH_DEFAULTS,
  HostList,
  OutboundFetchError,
  type OutboundFetchPolicy,
} from './policy.ts';

/** Resolves a host name to all its addresses (dns.lookup with `all: true` by default; tests inject their own). */
export type HostResolver = (hostname: string) => Promise<LookupAddress[]>;

export interface OutboundFetchOptions extends OutboundFetchPolicy {
  resolveHost?: HostResolver;
}

export interface OutboundResponse {
  /** The URL that answered, after redirects. */
  url: string;
  contentType: string;
  body: Uint8Array;
}

export type OutboundFetch = (url: string, init?: { accept?: string }) => Promise<OutboundResponse>;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const systemResolver: HostResolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

type LookupCallback = (error: Error | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for net.connect that resolves, refuses the whole name if any address is refused, then hands over the checked list. */
function checkedLookup(resolveHost: HostResolver, allowPrivate: boolean, refused: (error: OutboundFetchError) => void) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    resolveHost(hostname).then(
      (addresses) => {
        try {
          if (addresses.length === 0)
            throw new OutboundFetchError('FETCH_FAILED', 'the resource could not be retrieved');
          for (const { address } of addresses) checkAddress(address, allowPrivate);
        } catch (error) {
          refused(error as OutboundFetchError);
          callback(error as Error, '');
          return;
        }
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      () => callback(new OutboundFetchError('FETCH_FAILED', 'the resource could not be retrieved'), ''),
    );
  };
}

interface Hop {
  url: URL;
  accept: string;
  signal: AbortSignal;
}

class Fetcher {
  readonly #httpHosts: HostList;
  readonly #privateHosts: HostList;
  readonly #resolveHost: HostResolver;
  readonly #maxRedirects: number;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;

  constructor(options: OutboundFetchOptions) {
    this.#httpHosts = new HostList(options.httpHosts);
    this.#privateHosts = new HostList(options.privateHosts);
    this.#resolveHost = options.resolveHost ?? systemResolver;
    this.#maxRedirects = options.maxRedirects ?? FETCH_DEFAULTS.maxRedirects;
    this.#timeoutMs = options.timeoutMs ?? FETCH_DEFAULTS.timeoutMs;
    this.#maxBytes = options.maxBytes ?? FETCH_DEFAULTS.maxBytes;
  }

  async get(text: string, accept: string): Promise<OutboundResponse> {
    const signal = AbortSignal.timeout(this.#timeoutMs);
    let url = checkUrl(text, this.#httpHosts);
    for (let redirects = 0; ; redirects++) {
      const response = await this.#open({ url, accept, signal });
      const status = response.statusCode ?? 0;
      if (!REDIRECTS.has(status)) return this.#read(url, response, signal);
      response.destroy();
      if (redirects >= this.#maxRedirects) throw new OutboundFetchError('FETCH_REDIRECT_REFUSED', 'too many redirects');
      const location = response.headers.location;
      if (location === undefined || !URL.canParse(location, url.href))
        throw new OutboundFetchError('FETCH_REDIRECT_REFUSED', 'redirect without a usable Location');
      url = checkUrl(new URL(location, url).href, this.#httpHosts);
    }
  }

  #open(hop: Hop): Promise<IncomingMessage> {
    const allowPrivate = this.#privateHosts.matches(hop.url);
    // An IP literal never goes through lookup: check it here.
    if (isIpLiteral(hop.url.hostname)) checkAddress(hop.url.hostname, allowPrivate);
    return new Promise((resolve, reject) => {
      let refusal: OutboundFetchError | undefined;
      const options: RequestOptions = {
        method: 'GET',
        headers: { accept: hop.accept },
        agent: false,
        signal: hop.signal,
        lookup: checkedLookup(this.#resolveHost, allowPrivate, (error) => {
          refusal = error;
        }) as RequestOptions['lookup'],
      };
      const request: ClientRequest = (hop.url.protocol === 'https:' ? httpsRequest : httpRequest)(
        hop.url,
        options,
        resolve,
      );
      request.on('error', () => reject(refusal ?? this.#failure(hop.signal)));
      request.end();
    });
  }

  /** Any other failure, told apart only by the rule it breaks: never by how the connection failed. */
  #failure(signal: AbortSignal): OutboundFetchError {
    if (signal.aborted)
      return new OutboundFetchError('FETCH_TIMEOUT', `no complete answer within ${this.#timeoutMs} ms`);
    return new OutboundFetchError('FETCH_FAILED', 'the resource could not be retrieved');
  }

  #read(url: URL, response: IncomingMessage, signal: AbortSignal): Promise<OutboundResponse> {
    const status = response.statusCode ?? 0;
    if (status < 200 || status > 299) {
      response.destroy();
      return Promise.reject(
        new OutboundFetchError('FETCH_FAILED', `the resource could not be retrieved (HTTP ${status})`),
      );
    }
    const tooLarge = () =>
      new OutboundFetchError('FETCH_TOO_LARGE', `the answer is larger than ${this.#maxBytes} bytes`);
    if (Number(response.headers['content-length'] ?? 0) > this.#maxBytes) {
      response.destroy();
      return Promise.reject(tooLarge());
    }
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > this.#maxBytes) {
          response.destroy();
          reject(tooLarge());
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () =>
        resolve({
          url: url.href,
          contentType: response.headers['content-type'] ?? '',
          body: new Uint8Array(Buffer.concat(chunks)),
        }),
      );
      const fail = () => {
        response.destroy();
        reject(this.#failure(signal));
      };
      response.on('error', fail);
      response.on('close', () => {
        if (!response.complete) fail();
      });
      signal.addEventListener('abort', fail, { once: true });
    });
  }
}

/**
 * A GET under the outbound-fetch policy.
 *
 * @example
 * const fetchOut = createOutboundFetch({ httpHosts: ['127.0.0.1:8080'], privateHosts: ['127.0.0.1:8080'] });
 * const { body, contentType } = await fetchOut('https://issuer.example/status/1', { accept: 'application/vc+jwt' });
 */
export function createOutboundFetch(options: OutboundFetchOptions = {}): OutboundFetch {
  const fetcher = new Fetcher(options);
  return (url, init = {}) => fetcher.get(url, init.accept ?? '*/*');
}
