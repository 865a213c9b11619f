/**
 * The parsers every server's settings table uses, so that a port, a duration, a switch or a genesis pin file is
 * accepted (and refused, with the same message) by all of them alike. Each throws ConfigError naming the variable
 * or flag the text came from.
 */
import { GENESIS_POLICY_SHAPE, parseGenesisPolicy } from '../genesis-policy.ts';
import type { GenesisPolicy } from '../validate.ts';
import { ConfigError, NODE_IO, type Parser, type SettingIo } from './table.ts';

/** Any non-empty text (a name, a path, a token). */
export const text: Parser<string> = (value) => value;

/** An integer in a range; `what` says what it counts when a plain range would not (`a positive number of milliseconds`). */
export function integer(range: { min: number; max: number }, what?: string): Parser<number> {
  return (value, { name }) => {
    const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < range.min || parsed > range.max) {
      throw new ConfigError(
        `${name}="${value.slice(0, 40)}" must be ${what ?? `an integer from ${range.min} to ${range.max}`}`,
      );
    }
    return parsed;
  };
}

/** A duration or a size: a whole number of the unit the setting's name carries (`…_MS`, `…_S`, `maxBytes`). */
export const count: Parser<number> = integer({ min: 0, max: Number.MAX_SAFE_INTEGER }, 'a non-negative integer');
export const positive: Parser<number> = integer({ min: 1, max: Number.MAX_SAFE_INTEGER }, 'a positive integer');

/** A TCP port; 0 lets the system pick one. */
export const port: Parser<number> = integer({ min: 0, max: 65535 });

/** `true` or `false`, nothing else (a typo must not silently mean either). */
export const boolean: Parser<boolean> = (value, { name }) => {
  if (value !== 'true' && value !== 'false')
    throw new ConfigError(`${name}="${value.slice(0, 20)}" must be true or false`);
  return value === 'true';
};

export function oneOf<T extends string>(allowed: readonly T[]): Parser<T> {
  return (value, { name }) => {
    if (!(allowed as readonly string[]).includes(value))
      throw new ConfigError(`${name}="${value.slice(0, 40)}" must be one of: ${allowed.join(', ')}`);
    return value as T;
  };
}

function isHttpUrl(value: string): boolean {
  return URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);
}

/** One http(s) URL. */
export const httpUrl: Parser<URL> = (value, { name }) => {
  if (!isHttpUrl(value)) throw new ConfigError(`${name}="${value.slice(0, 200)}" must be an http(s) URL`);
  return new URL(value);
};

/** One http(s) URL or several, comma-separated (blanks around the commas ignored), in order. */
export const httpUrlList: Parser<URL[]> = (value, { name }) =>
  value.split(',').map((part) => {
    const item = part.trim();
    if (!isHttpUrl(item)) {
      const which = item === value ? '' : ` (in the list, "${item.slice(0, 200)}")`;
      throw new ConfigError(
        `${name}="${value.slice(0, 400)}" must be an http(s) URL or a comma-separated list of them${which}`,
      );
    }
    return new URL(item);
  });

export interface Listen {
  host: string;
  port: number;
}

/** `HOST:PORT` (`[::]:8443` for IPv6). */
export const listen: Parser<Listen> = (value, context) => {
  const at = value.lastIndexOf(':');
  if (at <= 0) throw new ConfigError(`${context.name} "${value.slice(0, 100)}" must be HOST:PORT`);
  const host = value.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  return { host, port: port(value.slice(at + 1), { ...context, name: context.name }) };
};

/** `NAME=VALUE`. */
export function namedValue(value: string, name: string): [string, string] {
  const at = value.indexOf('=');
  if (at <= 0 || at === value.length - 1) throw new ConfigError(`${name} "${value.slice(0, 100)}" must be NAME=VALUE`);
  return [value.slice(0, at).trim(), value.slice(at + 1).trim()];
}

/** `NAME=VALUE` pairs, comma-separated (a repeated flag gives one each). */
export const namedValues: Parser<Array<[string, string]>> = (value, { name }) =>
  value
    .split(',')
    .filter((part) => part.trim() !== '')
    .map((part) => namedValue(part.trim(), name));

/** The text of a file that must exist (a secret, a key list); the message names the setting and the file. */
export function readSettingFile(file: string, name: string, io: SettingIo = NODE_IO): string {
  try {
    return io.readFile(file);
  } catch (error) {
    throw new ConfigError(`${name}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Where a setting given inline or as a file came from. */
export interface FromText<T> {
  value: T;
  /** `inline`, or the file it was read from. */
  source: string;
}

export interface GenesisSetting {
  pins: GenesisPolicy;
  /** `inline`, or the file it was read from. */
  source: string;
}

/**
 * Registry genesis pins (spec §3.5): inline JSON (a value starting with `{`) or the path of a file holding it,
 * checked by the method library's one parser, the same for every server.
 */
export const genesisPins: Parser<GenesisSetting> = (value, { name, io }) => {
  let content = value;
  let source = 'inline';
  if (!value.startsWith('{')) {
    source = value;
    try {
      content = io.readFile(value);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConfigError(`${name}: cannot read the genesis file "${value}" (${reason})`);
    }
  }
  const parsed = parseGenesisPolicy(content);
  if (parsed.ok) return { pins: parsed.policy, source };
  if (parsed.kind === 'syntax')
    throw new ConfigError(`${name} (${source}) is not JSON (${parsed.problem}); expected ${GENESIS_POLICY_SHAPE}`);
  throw new ConfigError(`${name} (${source}): ${parsed.problem}; expected ${GENESIS_POLICY_SHAPE}`);
};

/** Policy text has a newline or starts with a tlog-policy keyword; anything else is a file path. */
function isPolicyText(value: string): boolean {
  return value.includes('\n') || /^(?:log|witness|group|quorum)\s/.test(value);
}

/**
 * A C2SP tlog-policy given inline or as a file. `.env` files and compose cannot always carry newlines, so a
 * literal `\n` in inline text is one.
 */
export const policyText: Parser<{ text: string; source: string }> = (value, { name, io }) => {
  if (isPolicyText(value)) {
    const inline = value.replaceAll('\\n', '\n');
    return { text: inline.endsWith('\n') ? inline : `${inline}\n`, source: 'inline' };
  }
  try {
    return { text: io.readFile(value), source: value };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`${name}: cannot read the policy file "${value}" (${reason})`);
  }
};
