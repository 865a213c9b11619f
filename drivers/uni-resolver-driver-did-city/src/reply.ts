/**
 * Writing a reply: exact Content-Type (no charset parameter: JSON media types have none), CORS, Cache-Control,
 * ETag and If-None-Match. Bodies are written with `res.end` so that the host app's settings (express's own ETag,
 * `res.json` charset) cannot change them when the routes are mounted into another server.
 */
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';

/** Seconds a successful result may be cached when no TTL is configured. */
export const DEFAULT_CACHE_TTL = 60;

export interface Reply {
  status: number;
  contentType?: string;
  /** Serialised as JSON; absent for an empty body (303). */
  body?: unknown;
  /** A linked resource's bytes, sent as they are (instead of `body`) and never run by a browser. */
  raw?: Uint8Array;
  location?: string;
  /** Successful results (200, 410, 303) may be cached for the configured TTL; errors never are. */
  cacheable: boolean;
  /** Seconds for a `Retry-After` header (a 503 while the ledger rate limits the driver). */
  retryAfter?: number;
}

export interface ReplyPolicy {
  /** Seconds for `Cache-Control: max-age`; 0 sends `no-cache` (store, but revalidate). */
  cacheTtl: number;
  /** The request asked for `noCache`: nothing may be served from or kept in a cache. */
  noCache: boolean;
  /**
   * Whole seconds since the ledger state behind the reply was verified (default 0). It is taken off `cacheTtl`,
   * so no cache keeps a result longer than `cacheTtl` after its verification.
   */
  age?: number;
}

/** A reply as bytes, with its validator: what the response cache keeps. */
export interface EncodedReply {
  status: number;
  contentType: string | undefined;
  location: string | undefined;
  bytes: Buffer;
  /** Strong validator; only on 200 results that may be cached. */
  etag: string | undefined;
  cacheable: boolean;
  /** A resource's own bytes: sent with nosniff and a sandbox CSP. */
  sandboxed?: boolean;
  retryAfter?: number;
}

const CORS_HEADERS = [
  'Access-Control-Allow-Origin',
  '*',
  'Access-Control-Expose-Headers',
  'ETag, Location, Content-Type, Retry-After',
] as const;

export function setCors(res: Response): void {
  res.setHeader(CORS_HEADERS[0], CORS_HEADERS[1]);
  res.setHeader(CORS_HEADERS[2], CORS_HEADERS[3]);
}

function cacheControl(reply: EncodedReply, policy: ReplyPolicy): string {
  if (policy.noCache || !reply.cacheable) return 'no-store';
  const maxAge = policy.cacheTtl - (policy.age ?? 0);
  return maxAge > 0 ? `public, max-age=${maxAge}` : 'no-cache';
}

/** A strong validator over the exact bytes and their media type, so each representation has its own. */
function etagOf(contentType: string, bytes: Buffer): string {
  const hash = createHash('sha256').update(contentType).update('\n').update(bytes).digest('base64url');
  return `"${hash.slice(0, 27)}"`;
}

/** RFC 9110 §13.1.2: weak comparison, `*` matches any current representation. */
function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}

/** Serialises a reply once: the bytes and, for a cacheable 200 result, its ETag. */
export function encodeReply(reply: Reply): EncodedReply {
  if (reply.raw !== undefined) return encodeRaw(reply, reply.raw);
  const bytes = reply.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(reply.body), 'utf8');
  const hasBody = reply.contentType !== undefined && reply.body !== undefined;
  const encoded: EncodedReply = {
    status: reply.status,
    contentType: hasBody ? reply.contentType : undefined,
    location: reply.location,
    bytes,
    etag: hasBody && reply.status === 200 && reply.cacheable ? etagOf(reply.contentType!, bytes) : undefined,
    cacheable: reply.cacheable,
  };
  if (reply.retryAfter !== undefined) encoded.retryAfter = reply.retryAfter;
  return encoded;
}

function encodeRaw(reply: Reply, raw: Uint8Array): EncodedReply {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const contentType = reply.contentType ?? 'application/octet-stream';
  const etag = reply.status === 200 && reply.cacheable ? etagOf(contentType, bytes) : undefined;
  return {
    status: reply.status,
    contentType,
    location: undefined,
    bytes,
    etag,
    cacheable: reply.cacheable,
    sandboxed: true,
  };
}

export function sendEncoded(req: Request, res: Response, reply: EncodedReply, policy: ReplyPolicy): void {
  // One writeHead with a flat list: cheaper than a setHeader per header on the warm path (a response-cache hit).
  const headers = [...CORS_HEADERS, 'Vary', 'Accept', 'Cache-Control', cacheControl(reply, policy)];
  if (reply.sandboxed === true)
    headers.push('X-Content-Type-Options', 'nosniff', 'Content-Security-Policy', "default-src 'none'; sandbox");
  if (reply.location !== undefined) headers.push('Location', reply.location);
  if (reply.retryAfter !== undefined) headers.push('Retry-After', String(reply.retryAfter));
  if (reply.etag !== undefined) {
    headers.push('ETag', reply.etag);
    // Conditional requests only apply where the unconditional answer is a 2xx (RFC 9110 §13.2.1); noCache
    // bypasses every cache, so it always gets the full body.
    if (!policy.noCache && matchesIfNoneMatch(req.headers['if-none-match'], reply.etag)) {
      res.writeHead(304, headers).end();
      return;
    }
  }
  if (reply.contentType !== undefined) headers.push('Content-Type', reply.contentType);
  headers.push('Content-Length', String(reply.bytes.length));
  res.writeHead(reply.status, headers).end(reply.bytes);
}

export function sendReply(req: Request, res: Response, reply: Reply, policy: ReplyPolicy): void {
  sendEncoded(req, res, encodeReply(reply), policy);
}
