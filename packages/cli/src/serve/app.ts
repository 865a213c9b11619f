/**
 * The one express app of the all-in-one, all on one port:
 *
 *   /                    the explorer to a browser (Accept: text/html), else this route listing as JSON;
 *                        the explorer's assets under /explorer/
 *   /health              the ledger's health (200 ok, 503 degraded with reasons) once the first-start seeding is
 *                        complete, 503 starting before
 *   /1.0/identifiers/…   the Universal Resolver driver (createDriverRouter), /1.0/properties
 *   /issuer/…            the VC API of the registry's issuer (createIssuerRouter)
 *   /registrations…      the registration workflow (createRegistrationRouter)
 *   /data/110000/…       Beijing's data service (@did-city/exchange, serve/exchange.ts)
 *   everything else      the ledger node API at the root (createLedgerRouter: /operations, /dids/{did}/history,
 *                        /checkpoint, /proofs/…, /tile/…, /policy, /governance/operations), so a client's ledger
 *                        URL is the server's URL, the CLI's default
 */
import type { LedgerNode, Limiters, RegistrationRouter, TrustProxy } from '@did-city/ledger';
import { applyTrustProxy, createLedgerRouter, explorerRoutes, healthAnswer } from '@did-city/ledger';
import type { CityResolver } from '@did-city/method';
import { plainProblem, sendProblem } from '@did-city/method/http';
import express, { type Express, type Request, type Response, type Router } from 'express';
import { createDriverRouter } from 'uni-resolver-driver-did-city';
import { defaultExplorerDir } from '../explorer-dir.ts';
import { mountLimits } from './limits.ts';

export interface AppParts {
  node: LedgerNode;
  registrations: RegistrationRouter;
  issuer: Router;
  resolver: Pick<CityResolver, 'resolve' | 'dereference'>;
  adminToken: string;
  publicUrl: string;
  isReady: () => boolean;
  log: (line: string) => void;
  /** The server's rate limits, the same set the registration router was built with (spec §9.7). */
  limiters: Limiters;
  /** Whose X-Forwarded-For names the client (express `trust proxy`); false: the socket's address. */
  trustProxy: TrustProxy;
  /** Further routers by path, before the driver and the ledger (the example data service, serve/exchange.ts). */
  mounts?: ReadonlyArray<readonly [string, Router]>;
  /** The explorer's build output, served at `/` to browsers; default packages/explorer/dist of this repository. */
  explorerDir?: string;
}

const ROUTES = [
  '/1.0/identifiers/{did}',
  '/1.0/properties',
  '/registrations',
  '/operations',
  '/dids/{did}/history',
  '/checkpoint',
  '/policy',
  '/issuer/credentials/{issue,verify,status}',
  '/health',
  '/data/110000/{catalogue,releases/{id},access-log,grants/…}',
];

function health(parts: AppParts) {
  return async (_req: Request, res: Response): Promise<void> => {
    res.setHeader('Cache-Control', 'no-store');
    if (!parts.isReady()) {
      res.status(503).json({ status: 'starting' });
      return;
    }
    const { status, body } = await healthAnswer(parts.node);
    res.status(status).json(body);
  };
}

export function buildApp(parts: AppParts): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  applyTrustProxy(app, parts.trustProxy);
  app.get('/health', health(parts));
  app.use(explorerRoutes(parts.explorerDir ?? defaultExplorerDir()));
  app.get('/', (_req, res) => void res.vary('Accept').json({ name: 'did:city all-in-one', routes: ROUTES }));
  for (const [path, router] of parts.mounts ?? []) app.use(path, router);
  mountLimits(app, parts.limiters, '/issuer');
  app.use('/issuer', parts.issuer);
  const properties = { ledgerUrl: `${parts.publicUrl}/`, trustPolicy: `${parts.publicUrl}/policy` };
  app.use(
    createDriverRouter({
      resolver: parts.resolver,
      properties,
      onError: (error) => parts.log(`driver error: ${String(error)}`),
    }),
  );
  app.use(parts.registrations);
  // Last: its request log and error handler then see only the ledger's own routes.
  app.use(createLedgerRouter(parts.node, { adminToken: parts.adminToken, log: parts.log, limiters: parts.limiters }));
  app.use((req: Request, res: Response) => {
    const detail = `no route ${req.method} ${req.path.slice(0, 200)}; see GET /`;
    sendProblem(res, plainProblem(404, detail));
  });
  return app;
}
