/** The driver's entry point as the container runs it: `node --conditions=source --import tsx src/main.ts`. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ENV_PREFIX } from '../src/config.ts';

const DRIVER_DIR = fileURLToPath(new URL('..', import.meta.url));

/**
 * Starts src/main.ts with these settings (names without the `uniresolver_driver_did_city_` prefix; port 0 and an
 * in-memory checkpoint store unless given, so no test writes into the package) and resolves with its URL once it prints the port it bound. `children` collects the process for cleanup; `seen.stderr` collects what it writes to stderr.
 */
export function startDriverProcess(
  settings: Record<string, string>,
  children: ChildProcess[],
  seen: { stderr: string } = { stderr: '' },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = Object.fromEntries(
      Object.entries({ port: '0', checkpointStore: 'memory', ...settings }).map(([k, v]) => [ENV_PREFIX + k, v]),
    );
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts'], {
      cwd: DRIVER_DIR,
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the driver did not start: ${output}`)), 30_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const port = /listening on port (\d+)/.exec(output)?.[1];
      if (port !== undefined) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${port}`);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', (chunk: Buffer) => {
      seen.stderr += chunk.toString();
      read(chunk);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the driver exited with ${code}: ${output}`));
    });
  });
}
