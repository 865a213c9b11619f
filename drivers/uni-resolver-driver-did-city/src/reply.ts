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
  location?: string;
  /** Successful results (200, 410, 303) may be cached for the configured TTL; errors never are. */
  cacheable: boolean;
}

export interface ReplyPolicy {
  /** Seconds for `Cache-Control: max-age`; 0 sends `no-cache` (store, but revalidate). */
  cacheTtl: number;
  /** The request asked for `noCache`: nothing may be served from or kept in a cache. */
  noCache: boolean;
}

export function setCors(res: Response): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Expose-Headers', 'ETag, Location, Content-Type');
}

function cacheControl(reply: Reply, policy: ReplyPolicy): string {
  if (policy.noCache || !reply.cacheable) return 'no-store';
  return policy.cacheTtl > 0 ? `public, max-age=${policy.cacheTtl}` : 'no-cache';
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

export function sendReply(req: Request, res: Response, reply: Reply, policy: ReplyPolicy): void {
  setCors(res);
  res.setHeader('Vary', 'Accept');
  res.setHeader('Cache-Control', cacheControl(reply, policy));
  if (reply.location !== undefined) res.setHeader('Location', reply.location);
  const bytes = reply.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(reply.body), 'utf8');
  if (reply.contentType !== undefined && reply.body !== undefined) {
    res.setHeader('Content-Type', reply.contentType);
    // Conditional requests only apply where the unconditional answer is a 2xx (RFC 9110 §13.2.1); noCache
    // bypasses every cache, so it always gets the full body.
    if (reply.status === 200 && reply.cacheable) {
      const etag = etagOf(reply.contentType, bytes);
      res.setHeader('ETag', etag);
      if (!policy.noCache && matchesIfNoneMatch(req.headers['if-none-match'], etag)) {
        res.removeHeader('Content-Type');
        res.status(304).end();
        return;
      }
    }
  }
  res.setHeader('Content-Length', String(bytes.length));
  res.status(reply.status).end(bytes);
}
