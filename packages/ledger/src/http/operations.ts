/**
 * The write side of the API: `POST /operations`, `POST /governance/operations` and `GET /operations/{hash}`.
 * A submission answers only once a quorum-cosigned checkpoint includes the operation (the node's contract): 201
 * with the receipt for a new entry, 200 with the same receipt for a resubmission of an operation already in the
 * log or in flight. Refusals write nothing and name what was wrong.
 */
import { DidCityError, isMultihashSha256, parseOperationWithHash } from '@did-city/method';
import express, { type Router } from 'express';
import type { LedgerNode } from '../node.ts';
import { buildReceipt, type Receipt } from '../receipt.ts';
import { requireBearer } from './auth.ts';
import { type Handler, jsonBody, requireJson, route } from './middleware.ts';
import { sendPlainProblem } from './problem.ts';

export interface OperationRoutesOptions {
  /** Bearer token of the governance path; without one that path answers 401. */
  adminToken?: string;
  /** Largest JSON body accepted, in bytes. */
  bodyLimit: number;
}

/** Hashes of operations submitted through this router and not yet answered: a second copy is a resubmission. */
class InFlight {
  readonly #counts = new Map<string, number>();

  has(hash: string): boolean {
    return this.#counts.has(hash);
  }

  async during<T>(hash: string, work: () => Promise<T>): Promise<T> {
    this.#counts.set(hash, (this.#counts.get(hash) ?? 0) + 1);
    try {
      return await work();
    } finally {
      const left = (this.#counts.get(hash) ?? 1) - 1;
      if (left === 0) this.#counts.delete(hash);
      else this.#counts.set(hash, left);
    }
  }
}

function submitHandler(node: LedgerNode, inFlight: InFlight, governance: boolean): Handler {
  return async (req, res) => {
    // Parsed here too (the sequencer parses again) to know the hash before deciding 200 or 201.
    const { operationHash } = parseOperationWithHash(req.body);
    const copyInFlight = inFlight.has(operationHash);
    // Registered before the store lookup, so a copy arriving while this one awaits the store is a resubmission.
    const { known, receipt } = await inFlight.during(operationHash, async () => {
      const stored = copyInFlight || (await node.store.entryByOperationHash(operationHash)) !== undefined;
      const submitted: Receipt = await (governance ? node.submitGovernance(req.body) : node.submit(req.body));
      return { known: stored, receipt: submitted };
    });
    res
      .status(known ? 200 : 201)
      .location(`/operations/${operationHash}`)
      .json(receipt);
  };
}

function receiptHandler(node: LedgerNode): Handler {
  return async (req, res) => {
    const hash = String(req.params['operationHash']);
    if (!isMultihashSha256(hash)) {
      throw new DidCityError('MALFORMED_REQUEST', 'operationHash must be a base58btc sha2-256 multihash (zQm…)');
    }
    const [entry, checkpoint] = await Promise.all([
      node.store.entryByOperationHash(hash),
      node.store.latestCheckpoint(),
    ]);
    if (entry === undefined || checkpoint === undefined || entry.index >= checkpoint.size) {
      return sendPlainProblem(res, 404, `no anchored operation with hash ${hash}`);
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.json(await buildReceipt(node.store, entry.index, checkpoint));
  };
}

export function operationRoutes(node: LedgerNode, options: OperationRoutesOptions): Router {
  const router = express.Router();
  const inFlight = new InFlight();
  const json = jsonBody(options.bodyLimit);
  router.post('/operations', requireJson, json, route(submitHandler(node, inFlight, false)));
  // The token is checked before the body is read: an anonymous client cannot make the node parse anything.
  const bearer = requireBearer(options.adminToken);
  router.post('/governance/operations', bearer, requireJson, json, route(submitHandler(node, inFlight, true)));
  router.get('/operations/:operationHash', route(receiptHandler(node)));
  return router;
}
