/**
 * `pnpm start`: the all-in-one from the environment. PORT (default 8080), HOST (default 127.0.0.1), DATA_DIR
 * (default ./data), PUBLIC_URL (default http://localhost:<port>). Stops cleanly on SIGINT/SIGTERM.
 */
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, startAllInOne } from './server.ts';

function portFrom(text: string | undefined): number {
  if (text === undefined || text.trim() === '') return DEFAULT_PORT;
  const port = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(port) || port > 65535) throw new Error(`PORT="${text}" must be an integer from 0 to 65535`);
  return port;
}

async function main(): Promise<void> {
  const env = process.env;
  const running = await startAllInOne({
    port: portFrom(env['PORT']),
    host: env['HOST'] || DEFAULT_HOST,
    dataDir: env['DATA_DIR'] || DEFAULT_DATA_DIR,
    ...(env['PUBLIC_URL'] ? { publicUrl: env['PUBLIC_URL'] } : {}),
  });
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
