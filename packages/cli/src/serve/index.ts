/**
 * The all-in-one server (`pnpm start`, `did-city serve`): ledger node, registration desk, driver and issuer on
 * one port, seeded on first start.
 *
 * @example
 * const running = await startAllInOne({ port: 8080, dataDir: './data' });
 */
export { type AllInOne, type AllInOneOptions, DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, startAllInOne } from './server.ts';
export { INSTITUTE_NAMES, type Layout, layoutOf, type Tokens } from './layout.ts';
export { REGISTRY_DID, SEED_CITIES, type SeedCity } from './seed.ts';
export { tryLines } from './banner.ts';
