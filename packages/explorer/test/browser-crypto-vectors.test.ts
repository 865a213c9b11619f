/**
 * The spec's shared vectors (test/vectors.test.ts, unchanged) with `node:crypto` replaced by the browser build's
 * module (src/shims/node-crypto.ts, @noble): every hash, signature, proof and resolution the vectors check must come
 * out the same as on Node's OpenSSL. The browser test (explorer.browser.test.ts) then runs the built bundle in
 * Chromium against a live ledger.
 */
import { vi } from 'vitest';

vi.mock('node:crypto', async () => await import('../src/shims/node-crypto.ts'));

await import('../../../test/vectors.test.ts');
