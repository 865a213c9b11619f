// `did-city registrations list` follows the ledger's `next` cursor: every page is fetched, oldest first, with the
// status filter and the token kept on each request.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './cli-fixtures.ts';

const TOKEN = 'pages-token';
const IDS = ['zQmA', 'zQmB', 'zQmC', 'zQmD', 'zQmE'];
const requests: string[] = [];
let server: Server;
let url: string;

/** A fake ledger listing: pages of two, `next` = the last id of a page while more remain. */
function listing(req: IncomingMessage): { status: number; body: unknown } {
  const query = new URL(req.url ?? '/', 'http://x').searchParams;
  if (req.headers.authorization !== `Bearer ${TOKEN}`)
    return { status: 401, body: { title: 'Unauthorized', status: 401 } };
  const after = query.get('after');
  const start = after === null ? 0 : IDS.indexOf(after) + 1;
  const ids = IDS.slice(start, start + 2);
  const registrations = ids.map((id, n) => ({
    id,
    did: `did:city:cn:13${String(start + n + 1).padStart(2, '0')}00`,
    status: query.get('status') ?? 'pending',
  }));
  return { status: 200, body: start + 2 < IDS.length ? { registrations, next: ids.at(-1) } : { registrations } };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const { status, body } = listing(req);
    res
      .writeHead(status, { 'content-type': status === 200 ? 'application/json' : 'application/problem+json' })
      .end(JSON.stringify(body));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(() => new Promise<void>((done) => server.close(() => done())));

describe('registrations list across pages', () => {
  it('fetches every page, following next', async () => {
    const result = await cli(['registrations', 'list', '--status', 'pending', '--json', '--ledger', url], {
      DID_CITY_TOKEN: TOKEN,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.json<Array<{ id: string }>>().map((o) => o.id)).toEqual(IDS);
    expect(requests).toEqual([
      '/registrations?status=pending&limit=1000',
      '/registrations?status=pending&limit=1000&after=zQmB',
      '/registrations?status=pending&limit=1000&after=zQmD',
    ]);
  }, 60_000);
});
