/**
 * The read side of the API. Everything is covered by the latest quorum-cosigned checkpoint and every proof is
 * against it (spec §7.5, R-LED-5): `GET /dids/{did}/history` (paged, `?after=<seq>`), `/dids/{did}/head` (both
 * with a strong ETag naming the checkpoint and the DID's head, and 304 to a matching If-None-Match),
 * `/checkpoint`, `/proofs/inclusion`, `/proofs/consistency`, `/policy`, `/health`; and `POST /integrity/check` (admin
 * token) to run the node's check.
 */
import { DidCityError, parseDid } from '@did-city/method';
import express, { type Request, type Response, type Router } from 'express';
import type { LedgerNode } from '../node.ts';
import { requireBearer } from './auth.ts';
import { type HistoryRequest, headTag, type ProvenHead } from '../reader.ts';
import { route } from './middleware.ts';
import { parseIndex } from './params.ts';
import { sendPlainProblem } from './problem.ts';

/** The checkpoint changes with every batch: "SHOULD prevent caching beyond a few seconds" (tlog-tiles). */
const MUTABLE = 'no-cache';
/** A proof names both tree sizes, and the log is append-only: its answer never changes. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

function text(res: Response, body: string, cacheControl: string): void {
  res.setHeader('Cache-Control', cacheControl);
  res.type('text/plain; charset=utf-8').send(body);
}

/** RFC 9110 §13.1.2: If-None-Match with weak comparison; `*` matches any current representation. */
function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const strong = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === strong;
  });
}

/**
 * A conditional head or history read (spec §7.9): when If-None-Match names the tag of the DID's head under the
 * latest checkpoint, 304 with that tag, before anything is read or proven. Only for reads against the latest.
 */
async function notModified(req: Request, res: Response, node: LedgerNode, did: string): Promise<boolean> {
  const condition = req.headers['if-none-match'];
  if (condition === undefined) return false;
  const tag = await node.headTag(did);
  if (tag === undefined || !matchesIfNoneMatch(condition, tag)) return false;
  res.setHeader('ETag', tag);
  res.status(304).end();
  return true;
}

/** A proven answer with its ETag (when it names a checkpoint and a head), as JSON. */
function sendProven(res: Response, answer: Partial<ProvenHead> & { did: string }): void {
  if (answer.checkpoint !== undefined && answer.head !== undefined)
    res.setHeader('ETag', headTag(answer.checkpoint, answer.did, answer.head));
  res.json(answer);
}

function canonicalDid(value: string): string {
  const { did } = parseDid(value);
  if (did !== value) throw new DidCityError('INVALID_DID', `${value} is not in canonical form`);
  return did;
}

export function readRoutes(node: LedgerNode, options: { adminToken?: string | undefined } = {}): Router {
  const router = express.Router();
  // A whole-log replay: only the operator may start one, and one at a time.
  let running: Promise<unknown> | undefined;
  router.post(
    '/integrity/check',
    requireBearer(options.adminToken, 'the integrity check'),
    route(async (_req, res) => {
      running ??= node.integrityCheck().finally(() => {
        running = undefined;
      });
      await running;
      const { status, body } = await healthAnswer(node);
      res.setHeader('Cache-Control', 'no-store');
      res.status(status).json(body);
    }),
  );
  router.get(
    '/dids/:did/history',
    route(async (req, res) => {
      const did = canonicalDid(String(req.params['did']));
      // express parses the query string again on every `req.query` read: once here.
      const { after, size } = req.query;
      const request: HistoryRequest = {};
      if (after !== undefined) request.after = parseIndex(after, 'after');
      if (size !== undefined) request.size = parseIndex(size, 'size');
      res.setHeader('Cache-Control', MUTABLE);
      if (request.size === undefined && (await notModified(req, res, node, did))) return;
      sendProven(res, await node.history(did, request));
    }),
  );
  router.get(
    '/dids/:did/head',
    route(async (req, res) => {
      const did = canonicalDid(String(req.params['did']));
      res.setHeader('Cache-Control', MUTABLE);
      if (await notModified(req, res, node, did)) return;
      sendProven(res, await node.head(did));
    }),
  );
  router.get(
    '/checkpoint',
    route(async (_req, res) => {
      const note = await node.latestCheckpoint();
      if (note === undefined) return sendPlainProblem(res, 404, 'the log has no co-signed checkpoint yet');
      text(res, note, MUTABLE);
    }),
  );
  router.get(
    '/proofs/inclusion',
    route(async (req, res) => {
      const index = parseIndex(req.query['index'], 'index');
      const size = parseIndex(req.query['size'], 'size');
      res.setHeader('Cache-Control', IMMUTABLE);
      res.json({ index, size, proof: await node.inclusionProof(index, size) });
    }),
  );
  router.get(
    '/proofs/consistency',
    route(async (req, res) => {
      const from = parseIndex(req.query['from'], 'from');
      const to = parseIndex(req.query['to'], 'to');
      res.setHeader('Cache-Control', IMMUTABLE);
      res.json({ from, to, proof: await node.consistencyProof(from, to) });
    }),
  );
  router.get('/policy', (_req, res) => text(res, node.policyText, 'public, max-age=300'));
  router.get(
    '/health',
    route(async (_req, res) => {
      const { status, body } = await healthAnswer(node);
      res.setHeader('Cache-Control', 'no-store');
      res.status(status).json(body);
    }),
  );
  return router;
}

/**
 * `GET /health` (spec §7.5, R-NODE-1): 200 `ok`, or 503 `degraded` with the reasons (the store fails its
 * integrity check and the node refuses to sequence; the witnesses refuse checkpoints), and the detail of the last
 * check and of anchoring. Cheap: it reports what the node recorded, it never runs the check itself.
 */
export async function healthAnswer(node: LedgerNode): Promise<{ status: number; body: Record<string, unknown> }> {
  const checkpoint = node.sequencer ? node.sequencer.checkpoint : await node.store.latestCheckpoint();
  const { status, ...detail } = node.health();
  const body = { status, origin: node.origin, treeSize: checkpoint?.size ?? 0, ...detail };
  return { status: status === 'ok' ? 200 : 503, body };
}
