/**
 * Serves the did:city explorer (packages/explorer, a static single-page app) from a node: `GET /` answers the page
 * to a browser (Accept prefers text/html) and passes anything else on, so a client asking for JSON still gets the
 * route listing; the page's assets are under `/explorer/`. The page fetches only from the node that served it
 * (its Content-Security-Policy says so), and verifies what it shows itself.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Request, type Response, type Router } from 'express';

const CSP =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>did:city</title>
<p>The did:city explorer is not built on this node. Build it with <code>pnpm --filter @did-city/explorer build</code>
(<code>pnpm start</code> does this first).</p>`;

function wantsHtml(req: Request): boolean {
  return req.accepts(['application/json', 'text/html']) === 'text/html';
}

/** The explorer's routes; `dir` is the explorer's build output (its index.html and assets/). */
export function explorerRoutes(dir: string): Router {
  const router = express.Router();
  const index = join(dir, 'index.html');
  router.get('/', (req: Request, res: Response, next) => {
    if (!wantsHtml(req)) return next();
    // Read per request (a few hundred bytes): a rebuilt explorer is served without restarting the node.
    const page = existsSync(index) ? readFileSync(index, 'utf8') : undefined;
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-cache');
    res.vary('Accept');
    res.type('html').send(page ?? NOT_BUILT);
  });
  router.use(
    '/explorer/assets',
    express.static(join(dir, 'assets'), {
      immutable: true,
      maxAge: '365d',
      index: false,
      fallthrough: true,
      redirect: false,
    }),
  );
  return router;
}
