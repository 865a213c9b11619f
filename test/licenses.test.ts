/**
 * Every publishable package carries the repository's licence (Apache-2.0, as each package.json's `license` says) in
 * its own directory and lists it in `files`, so its tarball holds the licence text: a copy that drifts from the root
 * LICENSE, or a package without one, fails here (`.ci/pack-smoke.mjs` checks the packed tarballs themselves).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));
const LICENSE = readFileSync(join(REPO, 'LICENSE'), 'utf8');

const publishable = ['packages', 'drivers'].flatMap((group) =>
  readdirSync(join(REPO, group))
    .map((name) => join(group, name))
    .filter((dir) => existsSync(join(REPO, dir, 'package.json')))
    .filter((dir) => JSON.parse(readFileSync(join(REPO, dir, 'package.json'), 'utf8')).private !== true),
);

describe('per-package LICENSE', () => {
  it('finds the publishable packages', () => {
    expect(publishable.length).toBeGreaterThanOrEqual(8);
    expect(LICENSE).toMatch(/Apache License\s+Version 2\.0, January 2004/);
  });

  it.each(publishable)('%s has the root LICENSE, lists it in files and says Apache-2.0', (dir) => {
    const manifest = JSON.parse(readFileSync(join(REPO, dir, 'package.json'), 'utf8')) as {
      license: string;
      files: string[];
    };
    expect(manifest.license).toBe('Apache-2.0');
    expect(manifest.files).toContain('LICENSE');
    const copy = join(REPO, dir, 'LICENSE');
    expect(existsSync(copy), `${dir}/LICENSE is missing: copy the root LICENSE there`).toBe(true);
    expect(readFileSync(copy, 'utf8') === LICENSE, `${dir}/LICENSE differs from the root LICENSE`).toBe(true);
  });
});
