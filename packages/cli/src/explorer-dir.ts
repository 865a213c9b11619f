import { fileURLToPath } from 'node:url';

/**
 * Where a node serves the explorer from: DID_CITY_EXPLORER_DIR, else the explorer's build output beside this
 * package in the repository (packages/explorer/dist, built by `pnpm start` and `pnpm test`).
 */
export function defaultExplorerDir(): string {
  return process.env['DID_CITY_EXPLORER_DIR'] ?? fileURLToPath(new URL('../../explorer/dist/', import.meta.url));
}
