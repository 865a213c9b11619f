/**
 * DID-Linked Resources over HTTP (spec §7.10): `POST /resources` takes `{operation, content}` (content in base64),
 * `GET /resources/{did}/{resourceId}` serves the anchored content with its media type and an RFC 9530 Repr-Digest,
 * `GET /resources/{did}/{resourceId}/proof` the resource and its operation's receipt. Content is served so that a
 * browser never runs it on the node's origin: no sniffing, a sandbox CSP.
 */
import { DidCityError, MAX_RESOURCE_BYTES, parseDid } from '@did-city/method';
import express, { type Request, type Router } from 'express';
import type { LedgerNode } from '../node.ts';
import { resourceContent, resourceProof, submitResource } from '../resources/service.ts';
import { jsonBody, requireJson, route } from './middleware.ts';
import { sendPlainProblem } from './problem.ts';

/** An operation's limit in JCS form (spec §3.1, R-OP-2); its JSON in a request body may be a little longer. */
const OPERATION_ALLOWANCE = 64 * 1024;
/** The largest POST /resources body: a full-size content in base64, a full-size operation and the JSON around them. */
export const RESOURCE_BODY_LIMIT = Math.ceil(MAX_RESOURCE_BYTES / 3) * 4 + OPERATION_ALLOWANCE + 1024;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The content of one resource id never changes: it is fixed by the anchored checksum. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

function malformed(detail: string): never {
  throw new DidCityError('MALFORMED_REQUEST', detail);
}

function readSubmission(body: unknown): { operation: unknown; content: Uint8Array } {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    malformed('the body must be {"operation": …, "content": "<base64>"}');
  const { operation, content, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) malformed(`unknown member "${unknown.slice(0, 40)}" (the body has operation and content)`);
  if (operation === undefined) malformed('operation is missing');
  if (typeof content !== 'string' || content.length % 4 !== 0 || !BASE64.test(content))
    malformed('content must be the bytes in base64 (RFC 4648 §4, padded)');
  return { operation, content: new Uint8Array(Buffer.from(content, 'base64')) };
}

function target(req: Request): { did: string; resourceId: string } {
  const value = String(req.params['did']);
  const { did } = parseDid(value);
  if (did !== value) throw new DidCityError('INVALID_DID', `${value} is not in canonical form`);
  const resourceId = String(req.params['resourceId']);
  if (!UUID.test(resourceId)) malformed('the resource id must be a lowercase UUID');
  return { did, resourceId };
}

export function resourceRoutes(node: LedgerNode): Router {
  const router = express.Router();
  router.post(
    '/resources',
    requireJson,
    jsonBody(RESOURCE_BODY_LIMIT),
    route(async (req, res) => {
      const { operation, content } = readSubmission(req.body);
      const receipt = await submitResource(node, operation, content);
      res.status(201).location(`/operations/${receipt.operationHash}`).json(receipt);
    }),
  );
  router.get(
    '/resources/:did/:resourceId',
    route(async (req, res) => {
      const { did, resourceId } = target(req);
      const found = await resourceContent(node, did, resourceId);
      if (found === undefined)
        return sendPlainProblem(res, 404, `no anchored resource ${resourceId} of ${did} with stored content`);
      res.setHeader('Cache-Control', IMMUTABLE);
      res.setHeader('Repr-Digest', `sha-256=:${Buffer.from(found.resource.checksum, 'hex').toString('base64')}:`);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
      res
        .type(found.resource.mediaType)
        .send(Buffer.from(found.content.buffer, found.content.byteOffset, found.content.byteLength));
    }),
  );
  router.get(
    '/resources/:did/:resourceId/proof',
    route(async (req, res) => {
      const { did, resourceId } = target(req);
      const found = await resourceProof(node, did, resourceId);
      if (found === undefined) return sendPlainProblem(res, 404, `no anchored resource ${resourceId} of ${did}`);
      res.setHeader('Cache-Control', 'no-cache');
      res.json(found);
    }),
  );
  return router;
}
