/**
 * The all-in-one server (`pnpm start`, `did-city serve`): ledger node, registration desk, driver and issuer on
 * one port, seeded on first start.
 *
 * @example
 * const running = await startAllInOne({ port: 8080, dataDir: './data' });
 */
export { startAllInOne } from './server.ts';
