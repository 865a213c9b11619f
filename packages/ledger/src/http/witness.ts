/**
 * A witness over HTTP (C2SP tlog-witness): `createWitnessRouter(witness)` serves `POST /add-checkpoint` so a
 * witness can run as its own process, and `HttpWitnessClient` is the sequencer's side of it. Requests and
 * responses are the spec's wire text; statuses are the Witness's own (200, 400, 403, 404, 409 with
 * `text/x.tlog.size`, 422), plus 413 for an oversized body.
 */
import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import type { WitnessClient, WitnessResponse } from '../witness/witness.ts';

/** What the router needs of a witness: the add-checkpoint decision on the raw body. */
export interface AddCheckpointHandler {
  addCheckpoint(body: string | Uint8Array): Promise<WitnessResponse>;
}

/** A checkpoint plus 63 proof lines and a few hundred signatures fit easily. */
const DEFAULT_BODY_LIMIT = 64 * 1024;

function sendText(res: Response, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.setHeader('Cache-Control', 'no-store');
  // A Buffer, so express does not append "; charset=utf-8" to text/x.tlog.size (the spec names the exact type).
  res.status(status).setHeader('Content-Type', contentType);
  res.send(Buffer.from(body, 'utf8'));
}

export function createWitnessRouter(witness: AddCheckpointHandler, options: { bodyLimit?: number } = {}): Router {
  const router = express.Router();
  const raw = express.raw({ type: () => true, limit: options.bodyLimit ?? DEFAULT_BODY_LIMIT });
  router.post('/add-checkpoint', raw, (req: Request, res: Response, next: NextFunction) => {
    const body = Buffer.isBuffer(req.body) ? new Uint8Array(req.body) : new Uint8Array();
    witness
      .addCheckpoint(body)
      .then((answer) => sendText(res, answer.status, answer.body, answer.contentType))
      .catch(next);
  });
  router.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const status = (error as { status?: unknown } | null)?.status;
    if (status === 413) return sendText(res, 413, 'request body too large\n');
    if (typeof status === 'number' && status >= 400 && status < 500) return sendText(res, 400, 'malformed request\n');
    sendText(res, 500, 'witness failed\n');
  });
  return router;
}

/** A standalone witness process: the router plus `GET /health`. */
export function createWitnessApp(witness: AddCheckpointHandler & { name?: string }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(createWitnessRouter(witness));
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', witness: witness.name });
  });
  return app;
}

export interface HttpWitnessClientOptions {
  /** The witness's name in the trust policy. */
  name: string;
  /** Submission prefix: `add-checkpoint` is appended (`https://witness.example/` → `…/add-checkpoint`). */
  url: string;
  fetch?: typeof fetch;
  /** Abort a request after this long. Default 5 s (the sequencer applies its own witness timeout too). */
  timeoutMs?: number;
}

/** The sequencer's client of a remote witness. Network failures reject; the sequencer counts them as no answer. */
export class HttpWitnessClient implements WitnessClient {
  readonly name: string;
  readonly #endpoint: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;

  constructor(options: HttpWitnessClientOptions) {
    this.name = options.name;
    this.#endpoint = new URL('add-checkpoint', options.url.endsWith('/') ? options.url : `${options.url}/`).href;
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMs = options.timeoutMs ?? 5000;
  }

  async addCheckpoint(body: string): Promise<WitnessResponse> {
    const response = await this.#fetch(this.#endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      body,
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      body: await response.text(),
    };
  }
}
