/**
 * What the server commands share: keys and policies given inline or as files, and serving an app until
 * SIGINT/SIGTERM. Where to listen and the data directory are rows of each server's settings table (settings/).
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Listen } from '@did-city/method/settings';
import type { Express } from 'express';
import { UsageError } from '../args.ts';
import type { Output } from '../output.ts';

export type { Listen };

/** A key or policy given inline, or the path of a file holding it. */
export function readTextOrFile(value: string): string {
  try {
    return readFileSync(value, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENAMETOOLONG')
      return value;
    throw new UsageError(`cannot read ${value} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** A setting parsed from the environment; its RangeError becomes a usage error naming it. */
export function envSetting<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
}

/** Listens, prints the bound port (with port 0 the system picks it), and closes on a signal. */
export function serveApp(options: {
  app: Express;
  listen: Listen;
  out: Output;
  what: string;
  onClose?: () => Promise<void> | void;
}): Promise<'running'> {
  const { host, port } = options.listen;
  return new Promise((done, fail) => {
    const server: Server = options.app.listen(port, host, () => {
      const bound = (server.address() as AddressInfo).port;
      options.out.print(`${options.what} listening on http://${host.includes(':') ? `[${host}]` : host}:${bound}/`);
      done('running');
    });
    server.once('error', fail);
    onSignal(async () => {
      server.close();
      server.closeAllConnections();
      await options.onClose?.();
    });
  });
}

export function onSignal(close: () => Promise<void>): void {
  const stop = () => {
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
