/**
 * `pnpm start`: the all-in-one from the environment, the variables of `did-city serve`'s settings table
 * (settings.ts): PORT (default 8080), HOST (default 127.0.0.1), DATA_DIR (default ./data), PUBLIC_URL (default
 * http://localhost:<port>), DID_CITY_LEDGER_RECOSIGN_INTERVAL_MS, DID_CITY_MAX_CHECKPOINT_AGE. Stops cleanly on
 * SIGINT/SIGTERM.
 */
import { startAllInOne } from './server.ts';
import { allInOneOptions } from './settings.ts';

async function main(): Promise<void> {
  const running = await startAllInOne(allInOneOptions(process.env));
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`did:city all-in-one: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
