/**
 * The explorer in a real browser against one all-in-one (seeded: the registry, Beijing, Tianjin, Shijiazhuang):
 * the page verifies what it shows with the method library built for the browser, and fails closed, naming the leaf,
 * once a stored operation is edited in the ledger's SQLite database.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { keyPairFromSecret } from '@did-city/method';
import { generateKeyPair } from '@did-city/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type Spawned, spawnAllInOne, tempDir, waitHealthy } from '../../cli/test/serve-fixtures.ts';
import { checkDid, type ServedHistory } from '../src/web/verify.ts';
import { ensureBuilt, launch, sameOriginOnly, screenshot, verdict } from './browser.ts';

const SHIJIAZHUANG = 'did:city:cn:130100';
const didPage = (did: string) => `/#/did/${encodeURIComponent(did)}`;

describe('the explorer in Chromium', () => {
  const data = tempDir('did-city-explorer-');
  let server: Spawned;
  let browser: Browser;
  let page: Page;
  let foreign: string[];

  beforeAll(async () => {
    ensureBuilt();
    server = spawnAllInOne({ port: await freePort(), dataDir: data.dir });
    [browser] = await Promise.all([launch(), waitHealthy(server.url)]);
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    foreign = sameOriginOnly(page, server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.kill9();
    data.cleanup();
  });

  it('GET / is the explorer for a browser and still the JSON route listing for a JSON client', async () => {
    expect(server.output()).toContain(`Open ${server.url.replace('127.0.0.1', 'localhost')}/ in a browser`);
    const html = await fetch(`${server.url}/`, { headers: { Accept: 'text/html' } });
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await html.text()).toContain('/explorer/assets/');
    const json = await fetch(`${server.url}/`, { headers: { Accept: 'application/json' } });
    expect(((await json.json()) as { routes: string[] }).routes).toContain('/checkpoint');
  });

  it('lists the registered cities, searchable by name and code', async () => {
    await page.goto(`${server.url}/`);
    expect(await verdict(page)).toBe(true);
    const rows = page.locator('table.cities tbody tr');
    const db = new Database(join(data.dir, 'ledger.db'), { readonly: true });
    const { dids } = db.prepare('SELECT COUNT(DISTINCT did) AS dids FROM entries').get() as { dids: number };
    db.close();
    await expect.poll(() => rows.count()).toBe(dids);
    await page.getByRole('searchbox').fill('石家庄');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain(SHIJIAZHUANG);
    await page.getByRole('searchbox').fill('120000');
    await expect.poll(async () => (await rows.allTextContents()).join()).toContain('天津市');
    await page.getByRole('searchbox').fill('Hebei');
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByRole('searchbox').fill('shijiazhuang');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('石家庄市 Shijiazhuang');
    await page.getByRole('searchbox').fill('');
    await screenshot(page, 'cities');
  });

  it('verifies every entry of Shijiazhuang in the browser, with its parent registry', async () => {
    await page.goto(`${server.url}${didPage(SHIJIAZHUANG)}`);
    expect(await verdict(page)).toBe(true);
    const entries = page.locator('[data-testid^="entry-"]');
    expect(await entries.count()).toBeGreaterThan(0);
    expect(await entries.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-ok')))).not.toContain('false');
    expect(await page.getByTestId('parent').getAttribute('data-ok')).toBe('true');
    expect(await page.getByTestId('checkpoint').getAttribute('data-ok')).toBe('true');
    expect(await page.locator('main').textContent()).toContain('z6Mk');
    await screenshot(page, 'did-shijiazhuang');
  });

  it('shows the ledger: tree size, the checkpoint, each witness cosignature, the whole log against the root', async () => {
    await page.goto(`${server.url}/#/ledger`);
    expect(await verdict(page)).toBe(true);
    const note = await (await fetch(`${server.url}/checkpoint`)).text();
    expect(await page.getByTestId('tree-size').textContent()).toBe(note.split('\n')[1]);
    expect(await page.getByTestId('cosigner').count()).toBeGreaterThanOrEqual(2);
    expect(await page.getByTestId('log-index').getAttribute('data-ok')).toBe('true');
    await screenshot(page, 'ledger');
  });

  it('switches to Chinese and stays usable at phone width', async () => {
    const phone = await browser.newPage({ viewport: { width: 375, height: 740 } });
    await phone.goto(`${server.url}${didPage(SHIJIAZHUANG)}`);
    await phone.getByRole('button', { name: '中文' }).click();
    expect(await verdict(phone)).toBe(true);
    expect(await phone.getByTestId('verdict').textContent()).toContain('全部条目已在浏览器中验证');
    // A string, evaluated in the page: this file is type-checked without the DOM library.
    const overflow = await phone.evaluate(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(phone, 'did-shijiazhuang-phone-zh');
    await phone.getByRole('button', { name: 'English' }).click();
    await phone.close();
  });

  async function checkCredential(file: string): Promise<{ ok: string | null; status: string | null }> {
    await page.goto(`${server.url}/#/credential`);
    await page.locator('#credential-input').fill(readFileSync(join(data.dir, 'credentials', file), 'utf8'));
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    const result = page.getByTestId('credential-verdict');
    await result.waitFor();
    return {
      ok: await result.getAttribute('data-ok'),
      status: await page.getByTestId('credential-status').textContent(),
    };
  }

  it('checks a seeded credential, and one the issuer revoked', async () => {
    // Revoked before any check: the node's verifier caches a status list for its ttl (Bitstring Status List §3.2).
    const beijing = JSON.parse(readFileSync(join(data.dir, 'credentials', '110000.json'), 'utf8')).verifiableCredential;
    const tokens = JSON.parse(readFileSync(join(data.dir, 'tokens.json'), 'utf8'));
    const revoke = await fetch(`${server.url}/issuer/credentials/status`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tokens.issuer}` },
      body: JSON.stringify({ credentialId: beijing.id, credentialStatus: [{ status: 'revoked' }] }),
    });
    expect(revoke.status).toBe(200);
    expect(await checkCredential('130100.json')).toEqual({ ok: 'true', status: 'active' });
    expect(await page.locator('main').textContent()).toContain(SHIJIAZHUANG);
    await screenshot(page, 'credential-verified');
    expect(await checkCredential('110000.json')).toEqual({ ok: 'false', status: 'revoked' });
    expect(await page.locator('main').textContent()).toContain('REVOKED');
    await screenshot(page, 'credential-revoked');
  });

  it('a city applies with a key made in the browser, two institutes approve in the console, the DID page shows it', async () => {
    const bodies: string[] = [];
    const record = (p: Page) => p.on('request', (request) => bodies.push(request.postData() ?? ''));
    record(page);
    await page.goto(`${server.url}/#/apply`);
    await page.locator('#code').fill('130200');
    expect(await page.getByTestId('division').textContent()).toContain('唐山市');
    await page.getByRole('button', { name: 'Generate a key in this browser' }).click();
    const publicKey = await page.getByTestId('city-key').textContent();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download the key file' }).click(),
    ]);
    const cityKey = JSON.parse(readFileSync((await download.path())!, 'utf8')).keys[0];
    expect(keyPairFromSecret('Ed25519', Buffer.from(cityKey.secretKey, 'base64url')).publicKeyMultibase).toBe(
      publicKey,
    );
    await page.locator('#organisation').fill('Tangshan Municipal Government');
    await page.locator('#email').fill('did@tangshan.example');
    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    await page.waitForURL(/#\/apply\/z/);
    expect(await page.getByTestId('application-status').getAttribute('data-status')).toBe('pending');
    await screenshot(page, 'apply-pending');

    const tokens = JSON.parse(readFileSync(join(data.dir, 'tokens.json'), 'utf8'));
    const secrets = [cityKey.secretKey as string];
    for (const institute of ['institute-a', 'institute-b']) {
      const desk = await browser.newPage();
      record(desk);
      await desk.goto(`${server.url}/#/console`);
      await desk.locator('#token').fill(tokens.institutes[institute]);
      await desk.getByRole('button', { name: 'Sign in' }).click();
      const keyFile = join(data.dir, 'keys', `${institute}.json`);
      secrets.push(JSON.parse(readFileSync(keyFile, 'utf8')).keys[0].secretKey);
      await desk.locator('#keyfile').setInputFiles(keyFile);
      await desk.getByTestId('institute-key').waitFor();
      const application = desk.getByTestId('application-130200');
      if (institute === 'institute-a') await screenshot(desk, 'console');
      await application.getByRole('button', { name: 'Approve' }).click();
      await desk.getByTestId('console-message').filter({ hasText: 'did:city:cn:130200' }).waitFor();
      await desk.close();
    }
    await expect
      .poll(() => page.getByTestId('application-status').getAttribute('data-status'), { timeout: 20_000 })
      .toBe('anchored');
    await page.getByRole('link', { name: 'did:city:cn:130200' }).click();
    expect(await verdict(page)).toBe(true);
    expect(await page.locator('main').textContent()).toContain(publicKey);
    expect(await page.getByTestId('division-name').textContent()).toContain('唐山市 · Tangshan');
    await screenshot(page, 'did-anchored-by-console');
    // The keys stayed in the browsers: no request carried a secret key.
    for (const secret of secrets) expect(bodies.join('\n')).not.toContain(secret);
    expect(bodies.some((body) => body.includes('"proof"'))).toBe(true);
  });

  it('verifies against the policy pinned in the browser: a checkpoint the pinned log did not sign is red', async () => {
    const served = await (await fetch(`${server.url}/policy`)).text();
    const origin = /^log ([^+\s]+)\+/m.exec(served)![1]!;
    const pinned = served.replace(/^log \S+/m, `log ${generateKeyPair(origin).verifierKey}`);
    expect(pinned).not.toBe(served);
    const context = await browser.newContext();
    // A string, run in the page before its scripts: this file is type-checked without the DOM library.
    await context.addInitScript(`localStorage.setItem('did-city-explorer/trust-policy', ${JSON.stringify(pinned)})`);
    const other = await context.newPage();
    await other.goto(`${server.url}${didPage(SHIJIAZHUANG)}`);
    expect(await verdict(other)).toBe(false);
    expect(await other.getByTestId('verdict').textContent()).toContain('not signed by a log of the trust policy');
    expect(await other.getByRole('alert').first().textContent()).toContain('other than the one pinned');
    await context.close();
  });

  it('names what is wrong with a history cut short, reordered or another DID’s (the browser code, run in Node)', async () => {
    const policy = await (await fetch(`${server.url}/policy`)).text();
    const history = (await (
      await fetch(`${server.url}/dids/${encodeURIComponent('did:city:cn')}/history`)
    ).json()) as ServedHistory;
    expect(history.entries.length).toBeGreaterThan(1);
    expect(checkDid(history, policy).ok).toBe(true);
    const cut = checkDid({ ...history, entries: history.entries.slice(0, -1) }, policy);
    expect(cut.ok).toBe(false);
    expect(cut.head.problem).toMatch(/not at the proven head/);
    const swapped = checkDid(
      { ...history, entries: [history.entries[1]!, history.entries[0]!, ...history.entries.slice(2)] },
      policy,
    );
    expect(swapped.ok).toBe(false);
    expect(swapped.entries[0]!.chain.ok).toBe(false);
    const stranger = checkDid({ ...history, did: SHIJIAZHUANG }, policy);
    expect(stranger.ok).toBe(false);
    expect(stranger.entries[0]!.chain.problem).toContain(`not ${SHIJIAZHUANG}`);
  });

  it('is usable from the keyboard: search, then follow a link', async () => {
    await page.goto(`${server.url}/`);
    await verdict(page);
    for (let i = 0; i < 12 && !(await page.evaluate('document.activeElement?.type === "search"')); i++)
      await page.keyboard.press('Tab');
    await page.keyboard.type('130100');
    await page.keyboard.press('Tab'); // the level filter
    await page.keyboard.press('Tab'); // the first link of the table: Shijiazhuang's DID
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/did\//);
    expect(decodeURIComponent(page.url())).toContain(SHIJIAZHUANG);
    expect(await verdict(page)).toBe(true);
  });

  it('fails closed, naming the leaf, when a stored operation is edited in ledger.db', async () => {
    const db = new Database(join(data.dir, 'ledger.db'));
    try {
      const row = db.prepare('SELECT leaf_index, leaf FROM entries WHERE did = ? AND seq = 0').get(SHIJIAZHUANG) as {
        leaf_index: number;
        leaf: Buffer;
      };
      const edited = Buffer.from(row.leaf.toString('utf8').replace('"assertionMethod":["#key-1"],', ''));
      expect(edited.equals(row.leaf)).toBe(false);
      db.prepare('UPDATE entries SET leaf = ? WHERE leaf_index = ?').run(edited, row.leaf_index);
      await page.goto(`${server.url}${didPage(SHIJIAZHUANG)}`);
      await page.reload(); // the page may already show this DID: load it afresh
      expect(await verdict(page)).toBe(false);
      expect(await page.getByTestId(`entry-${row.leaf_index}`).getAttribute('data-ok')).toBe('false');
      expect(await page.getByTestId('verdict').textContent()).toContain(
        `leaf ${row.leaf_index}: not included in checkpoint`,
      );
      await screenshot(page, 'did-tampered');
      await page.goto(`${server.url}/#/ledger`);
      expect(await verdict(page)).toBe(false);
    } finally {
      db.close();
    }
  });

  it('fetched nothing from outside the node', () => {
    expect(foreign).toEqual([]);
  });
});
