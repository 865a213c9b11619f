// GET /registrations over real HTTP: pages of `limit` (default 100, at most 1000) oldest first, `next` while more
// remain (passed back as `after`), the status filter within pages, and 400 on any malformed query.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistrationListing } from '../src/registration/types.ts';
import { INSTITUTES, tempDir } from './fixtures.ts';
import { call, problemCode } from './http-fixtures.ts';
import {
  application,
  apply,
  INSTITUTE_TOKENS,
  object,
  type RegistrationServer,
  startRegistrationServer,
} from './registration-fixtures.ts';

// Hebei's prefecture-level cities, applied for in this order.
const CITIES = ['130200', '130300', '130400', '130500', '130600', '130700', '130800'].map(
  (code) => `did:city:cn:${code}`,
);
const REJECTED = new Set([CITIES[1], CITIES[4], CITIES[5]]);
const headers = { Authorization: `Bearer ${INSTITUTE_TOKENS['institute-a']}` };

let temp: ReturnType<typeof tempDir>;
let server: RegistrationServer;
const ids: string[] = [];

beforeAll(async () => {
  temp = tempDir('registration-pages-');
  server = await startRegistrationServer(temp.dir);
  for (const did of CITIES) {
    const applied = await apply(server, await application(did));
    expect(applied.status).toBe(201);
    const { id } = applied.json() as { id: string };
    ids.push(id);
    if (REJECTED.has(did)) {
      const reason = 'not this round';
      // A rejection needs the registry's 2 of 3 objections.
      expect((await object(server, id, reason, INSTITUTES[2])).status).toBe(200);
      expect(((await object(server, id, reason, INSTITUTES[1])).json() as { status: string }).status).toBe('rejected');
    }
  }
}, 60_000);

afterAll(async () => {
  await server?.stop();
  temp?.cleanup();
});

interface Page {
  registrations: RegistrationListing[];
  next?: string;
}

async function page(query: string): Promise<Page> {
  const answer = await call(`${server.url}registrations${query}`, { headers });
  expect(answer.status, answer.text).toBe(200);
  return answer.json() as Page;
}

/** Every page from `query`, following `next`. */
async function walk(query: string, limit: number): Promise<Page[]> {
  const pages: Page[] = [];
  let after: string | undefined;
  do {
    const params = new URLSearchParams(query);
    params.set('limit', String(limit));
    if (after !== undefined) params.set('after', after);
    const current = await page(`?${params}`);
    pages.push(current);
    after = current.next;
  } while (after !== undefined);
  return pages;
}

describe('GET /registrations pagination', () => {
  it('answers everything on one page without next when it fits the default limit', async () => {
    const all = await page('');
    expect(all.registrations.map((r) => r.id)).toEqual(ids);
    expect(all).not.toHaveProperty('next');
  });

  it('pages oldest first with next = the last id listed, until nothing remains', async () => {
    const pages = await walk('', 3);
    expect(pages.map((p) => p.registrations.length)).toEqual([3, 3, 1]);
    expect(pages.flatMap((p) => p.registrations.map((r) => r.id))).toEqual(ids);
    expect(pages[0]!.next).toBe(ids[2]);
    expect(pages[1]!.next).toBe(ids[5]);
    expect(pages[2]).not.toHaveProperty('next');
    // An exact fit: the last full page has no next.
    const exact = await walk('', 7);
    expect(exact).toHaveLength(1);
    expect(exact[0]).not.toHaveProperty('next');
  });

  it('pages within a status filter', async () => {
    const pending = await walk('status=pending', 2);
    expect(pending.flatMap((p) => p.registrations.map((r) => r.did))).toEqual(
      CITIES.filter((did) => !REJECTED.has(did)),
    );
    expect(pending.map((p) => p.registrations.length)).toEqual([2, 2]);
    const rejected = await walk('status=rejected', 1);
    expect(rejected.flatMap((p) => p.registrations.map((r) => r.did))).toEqual(
      CITIES.filter((did) => REJECTED.has(did)),
    );
    // `after` may name an application of another status: paging continues after its position.
    const after = await page(`?status=rejected&after=${ids[0]}&limit=1`);
    expect(after.registrations.map((r) => r.did)).toEqual([CITIES[1]]);
    expect(after.next).toBe(ids[1]);
    expect((await page(`?after=${ids.at(-1)}`)).registrations).toEqual([]);
  });

  it('accepts limit from 1 to 1000', async () => {
    expect((await page('?limit=1')).registrations).toHaveLength(1);
    expect((await page('?limit=1000')).registrations).toHaveLength(ids.length);
  });

  it('answers 400 MALFORMED_REQUEST on a malformed query', async () => {
    const unknownId = 'zQmUnknownUnknownUnknownUnknownUnknownUnknownUnk';
    const junk = [
      '?limit=0',
      '?limit=1001',
      '?limit=-1',
      '?limit=1.5',
      '?limit=01',
      '?limit=%201',
      '?limit=ten',
      '?limit=',
      '?limit=1&limit=2',
      '?limit[x]=1',
      '?after=',
      '?after=not-an-id',
      `?after=${ids[0]}&after=${ids[1]}`,
      `?after=${ids[0]!.slice(0, -1)}X`,
      `?after=${unknownId}`,
      '?cursor=abc',
      '?status=pending&status=rejected',
    ];
    for (const query of junk) {
      const answer = await call(`${server.url}registrations${query}`, { headers });
      expect([query, answer.status]).toEqual([query, 400]);
      expect(problemCode(answer)).toBe('MALFORMED_REQUEST');
    }
  });

  it('checks the token before the query', async () => {
    const answer = await call(`${server.url}registrations?limit=junk`);
    expect(answer.status).toBe(401);
  });
});
