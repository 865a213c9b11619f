/**
 * The driver's version, read from its package.json at start-up so that the image LABEL, `/health` and
 * `/1.0/properties` cannot disagree. `src/` and `dist/` both sit one level below the package root.
 */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    const manifest: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const version = (manifest as { version?: unknown }).version;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

export const DRIVER_VERSION = readVersion();
