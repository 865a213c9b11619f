/**
 * The browser side of the explorer tests: Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH) driven by
 * playwright-core, never a browser Playwright downloads; the explorer built once if its dist/ is missing; page
 * screenshots written to packages/explorer/screenshots/ (git-ignored).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

export const EXPLORER = fileURLToPath(new URL('..', import.meta.url));
export const SCREENSHOTS = fileURLToPath(new URL('../screenshots/', import.meta.url));

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function ensureBuilt(): void {
  if (existsSync(`${EXPLORER}dist/index.html`)) return;
  execFileSync('pnpm', ['run', 'build'], { cwd: EXPLORER, stdio: 'inherit' });
}

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: FLAGS });
}

/** Every request the page makes must go to the node it came from (no asset or API fetched from elsewhere). */
export function sameOriginOnly(page: Page, origin: string): string[] {
  const foreign: string[] = [];
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(`${origin}/`) && !url.startsWith('data:')) foreign.push(url);
  });
  return foreign;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

/** Waits for the page's verdict (the verification finished) and returns whether it is green. */
export async function verdict(page: Page): Promise<boolean> {
  const banner = page.getByTestId('verdict').first();
  await banner.waitFor({ timeout: 20_000 });
  return (await banner.getAttribute('data-ok')) === 'true';
}
