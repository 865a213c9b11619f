/**
 * Who the client is, for the rate limits (spec §9.7, R-RATE-3): by default the socket's peer address, and an
 * X-Forwarded-For header is ignored, since anybody can send one. Behind a reverse proxy the operator names the
 * proxies (`DID_CITY_TRUST_PROXY`), and express's `trust proxy` setting then takes the client from the header,
 * believing only the hops those proxies added. `true` (believe every hop) is refused: it would let a stranger
 * choose the address it is counted under.
 */
import { isIP } from 'node:net';
import type { Express } from 'express';

/** express's `trust proxy` value: false, a hop count, or addresses, CIDR ranges and the names below. */
export type TrustProxy = false | number | string[];

export const TRUST_PROXY_ENV = 'DID_CITY_TRUST_PROXY';

/** proxy-addr's names for address ranges. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isProxyToken(token: string): boolean {
  if (RANGE_NAMES.has(token)) return true;
  const [address, bits, extra] = token.split('/');
  if (extra !== undefined || address === undefined || isIP(address) === 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(address) === 4 ? 32 : 128));
}

/**
 * `off` (or unset): the socket address. `N`: trust N proxy hops. Otherwise a comma-separated list of proxy
 * addresses, CIDR ranges, `loopback`, `linklocal` or `uniquelocal`. Throws RangeError naming the bad part.
 */
export function parseTrustProxy(text: string | undefined, name = TRUST_PROXY_ENV): TrustProxy {
  const value = text?.trim() ?? '';
  if (value === '' || value === 'off' || value === 'false') return false;
  if (value === 'true') {
    throw new RangeError(
      `${name}=true would believe any X-Forwarded-For a client sends: name the proxies (e.g. loopback or 10.0.0.5) or a hop count`,
    );
  }
  if (/^\d{1,2}$/.test(value)) return Number(value);
  const tokens = value.split(',').map((token) => token.trim());
  const bad = tokens.find((token) => !isProxyToken(token));
  if (bad !== undefined) {
    throw new RangeError(
      `${name}: "${bad.slice(0, 60)}" is not an address, CIDR range, loopback, linklocal or uniquelocal`,
    );
  }
  return tokens;
}

export function trustProxyFromEnv(env: Readonly<Record<string, string | undefined>>): TrustProxy {
  return parseTrustProxy(env[TRUST_PROXY_ENV]);
}

/** Sets express's `trust proxy` on the app that owns the port (mounted routers read their app's setting). */
export function applyTrustProxy(app: Express, trust: TrustProxy): void {
  app.set('trust proxy', trust);
}
