/**
 * What the server commands share: the listen address (flags, then a command's `…_LISTEN` setting, then HOST /
 * PORT), the data directory, keys and policies given inline or as files, and serving an app until SIGINT/SIGTERM.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Express } from 'express';
import { type OptionSpec, str, UsageError, type Values } from '../args.ts';
import type { Output } from '../output.ts';

export const PORT: OptionSpec = { type: 'string', value: 'PORT', doc: 'port to listen on (env PORT; default 8080, 0 picks one)' };
export const HOST: OptionSpec = { type: 'string', value: 'HOST', doc: 'interface to listen on (env HOST; default 127.0.0.1)' };
export const DATA_DIR: OptionSpec = { type: 'string', value: 'DIR', doc: 'data directory (env DATA_DIR; default ./data)' };

export interface Listen {
  host: string;
  port: number;
}

/** A key or policy given inline, or the path of a file holding it. */
export function readTextOrFile(value: string): string {
  try {
    return readFileSync(value, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENAMETOOLONG') return value;
    throw new UsageError(`cannot read ${value} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** A file that must exist (a secret, a policy named by a setting); `what` names the setting in the message. */
export function readSettingFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${what}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function portNumber(text: string, what: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(port) || port > 65535) throw new UsageError(`${what} "${text}" must be an integer from 0 to 65535`);
  return port;
}

export function portOf(values: Values, fallback = 8080): number {
  const text = str(values, 'port') ?? process.env['PORT'];
  if (text === undefined || text === '') return fallback;
  return portNumber(text, '--port');
}

/** `HOST:PORT` (`[::]:8443` for IPv6). */
function parseListen(text: string, what: string): Listen {
  const at = text.lastIndexOf(':');
  if (at <= 0) throw new UsageError(`${what} "${text}" must be HOST:PORT`);
  const host = text.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  return { host, port: portNumber(text.slice(at + 1), what) };
}

/**
 * Where to listen: `--host` / `--port`, else the command's listen setting (`DID_CITY_LEDGER_LISTEN=0.0.0.0:8443`),
 * else HOST / PORT, else 127.0.0.1:8080.
 */
export function listenOf(values: Values, setting?: { name: string; value: string | undefined }): Listen {
  const own = setting?.value ? parseListen(setting.value, setting.name) : undefined;
  const host = str(values, 'host') ?? own?.host ?? (process.env['HOST'] || '127.0.0.1');
  const flagPort = str(values, 'port');
  const port = flagPort !== undefined ? portNumber(flagPort, '--port') : (own?.port ?? portOf(values));
  return { host, port };
}

export function dataDirOf(values: Values, env?: string): string {
  return resolve(str(values, 'data-dir') ?? env ?? process.env['DATA_DIR'] ?? './data');
}

/** `NAME=VALUE`. */
/** A setting parsed from the environment; its RangeError becomes a usage error naming it. */
export function envSetting<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
}

export function pair(spec: string, what: string): [string, string] {
  const at = spec.indexOf('=');
  if (at <= 0 || at === spec.length - 1) throw new UsageError(`${what} "${spec}" must be NAME=VALUE`);
  return [spec.slice(0, at).trim(), spec.slice(at + 1).trim()];
}

/** Listens, prints the bound port (with port 0 the system picks it), and closes on a signal. */
export function serveApp(options: { app: Express; listen: Listen; out: Output; what: string; onClose?: () => Promise<void> | void }): Promise<'running'> {
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
