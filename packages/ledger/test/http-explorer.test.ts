/**
 * explorerRoutes: the explorer's page at `/` for browsers only (a JSON client falls through to the next route), its
 * hashed assets under /explorer/assets/ cached for ever, nothing outside the build directory, and a plain page
 * saying how to build it when the build is missing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explorerRoutes } from '../src/index.ts';

function serve(dir: string): Promise<{ url: string; server: Server }> {
  const app = express();
  app.use(explorerRoutes(dir));
  app.get('/', (_req, res) => void res.json({ routes: ['/checkpoint'] }));
  app.use((_req, res) => void res.status(404).send('not found'));
  return new Promise((done) => {
    const server = app.listen(0, '127.0.0.1', () =>
      done({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server }),
    );
  });
}

describe('explorerRoutes', () => {
  const root = mkdtempSync(join(tmpdir(), 'did-city-explorer-routes-'));
  const dist = join(root, 'dist');
  let built: { url: string; server: Server };
  let missing: { url: string; server: Server };

  beforeAll(async () => {
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><script src="/explorer/assets/app-1.js"></script>');
    writeFileSync(join(dist, 'assets', 'app-1.js'), 'console.log(1)');
    writeFileSync(join(root, 'secret.txt'), 'outside the build');
    built = await serve(dist);
    missing = await serve(join(root, 'absent'));
  });

  afterAll(() => {
    built.server.close();
    missing.server.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('answers the page to a browser, with a same-origin-only Content-Security-Policy', async () => {
    const answer = await fetch(`${built.url}/`, { headers: { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
    expect(answer.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(answer.headers.get('vary')).toContain('Accept');
    expect(await answer.text()).toContain('/explorer/assets/app-1.js');
  });

  it('passes JSON clients and clients without Accept on to the route listing', async () => {
    for (const headers of [{ Accept: 'application/json' }, {}, { Accept: '*/*' }] as Record<string, string>[]) {
      const answer = await fetch(`${built.url}/`, { headers });
      expect(await answer.json()).toEqual({ routes: ['/checkpoint'] });
    }
  });

  it('serves the hashed assets for ever, and nothing outside the build', async () => {
    const asset = await fetch(`${built.url}/explorer/assets/app-1.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    for (const path of [
      '/explorer/assets/../../secret.txt',
      '/explorer/assets/%2e%2e/%2e%2e/secret.txt',
      '/explorer/assets/nope.js',
    ]) {
      const answer = await fetch(`${built.url}${path}`);
      expect(answer.status).toBe(404);
      expect(await answer.text()).not.toContain('outside the build');
    }
  });

  it('says how to build the explorer when its build is missing', async () => {
    const answer = await fetch(`${missing.url}/`, { headers: { Accept: 'text/html' } });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('pnpm --filter @did-city/explorer build');
  });
});
