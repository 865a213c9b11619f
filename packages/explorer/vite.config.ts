/**
 * The explorer's browser build. Workspace packages are bundled from their TypeScript sources (the "source" export
 * condition, as the tests do), and the few Node built-ins they import are replaced by browser modules chosen here at
 * build time: node:crypto by @noble (src/shims/node-crypto.ts), node:module by the bundled division record, and the
 * server-only ones by stand-ins that throw. Node itself never sees these aliases. Every asset is emitted into dist/
 * and served by the node: the page fetches nothing from elsewhere.
 */
import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';

const shim = (file: string) => fileURLToPath(new URL(`./src/shims/${file}`, import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('./src/web', import.meta.url)),
  base: '/explorer/',
  publicDir: false,
  resolve: {
    conditions: ['source', ...defaultClientConditions],
    alias: {
      'node:crypto': shim('node-crypto.ts'),
      'node:module': shim('node-module.ts'),
      'node:fs': shim('node-unavailable.ts'),
      'node:path': shim('node-unavailable.ts'),
      'node:dns': shim('node-unavailable.ts'),
      'node:http': shim('node-unavailable.ts'),
      'node:https': shim('node-unavailable.ts'),
    },
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2048,
    reportCompressedSize: false,
  },
});
