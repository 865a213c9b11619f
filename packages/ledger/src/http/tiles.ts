/**
 * C2SP tlog-tiles over the anchored tree: `GET /tile/<L>/<N>[.p/<W>]` and `GET /tile/entries/<N>[.p/<W>]`,
 * `application/octet-stream`. A full tile never changes, so it is cacheable for ever; a partial one is replaced
 * by the full tile once the log grows past it, so it is cached briefly. A tile the anchored tree does not have
 * (yet) is 404, which tlog-tiles clients read as "not there".
 */
import { parseTilePath, TILE_WIDTH } from '@did-city/tlog';
import express, { type Router } from 'express';
import type { LedgerNode } from '../node.ts';
import { OutsideLogError } from '../reader.ts';
import { route } from './middleware.ts';
import { sendPlainProblem } from './problem.ts';

export function tileRoutes(node: LedgerNode): Router {
  const router = express.Router();
  router.get(
    /^\/tile\/.+/,
    route(async (req, res) => {
      const path = req.path.slice(1);
      const tile = parseTilePath(path); // TlogError MALFORMED_TILE → 400
      let data: Uint8Array;
      try {
        data = await node.tile(path);
      } catch (error) {
        if (error instanceof OutsideLogError) return sendPlainProblem(res, 404, `${path} is beyond the anchored tree`);
        throw error;
      }
      const full = tile.width === TILE_WIDTH;
      res.setHeader('Cache-Control', full ? 'public, max-age=31536000, immutable' : 'public, max-age=60');
      res.type('application/octet-stream').send(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    }),
  );
  return router;
}
