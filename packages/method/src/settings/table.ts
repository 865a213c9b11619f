/**
 * A server's settings as one table: each row names the environment variable, the command-line flag (when the
 * server has one), the default, the parser and what it means. The server reads its settings through
 * `readSettings`, the CLI builds its flags from the same rows (`flagOptions`), and tests check the deployment's
 * env files and the README tables against them, so a setting is added in one place.
 *
 * @example
 * const TABLE = { port: { env: 'MY_PORT', flag: 'port', value: 'PORT', default: '8080', doc: 'HTTP port', parse: port } };
 * const { values } = readSettings(TABLE, { env: process.env });
 * values.port; // number
 */
import { readFileSync } from 'node:fs';

/** A setting that cannot be used; the message names the variable or flag and what it accepts. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** File access for settings that name a file (injected in tests). */
export interface SettingIo {
  readFile(path: string): string;
}

export const NODE_IO: SettingIo = { readFile: (path) => readFileSync(path, 'utf8') };

export interface ParseContext {
  /** How the value was given: the environment variable or `--flag`, for messages. */
  name: string;
  io: SettingIo;
}

/** Turns the text of a setting into its value; throws ConfigError naming `context.name`. */
export type Parser<T> = (text: string, context: ParseContext) => T;

export interface Setting<T = unknown> {
  /** The environment variable. */
  env?: string;
  /** Read, in order, when `env` is unset (PORT for a server's own port variable). */
  alsoEnv?: readonly string[];
  /** The command-line flag, without `--`. */
  flag?: string;
  /** Placeholder of the flag's value in `--help`; a flag without one is a switch (given: `true`). */
  value?: string;
  /** The flag may be repeated; the parser's results (arrays) are concatenated. */
  multiple?: boolean;
  /** The command refuses to run without the flag. */
  required?: boolean;
  /** Applied through the parser when nothing sets the value. */
  default?: string;
  /** What the documentation says of a default the server computes (`<data-dir>/keys/log.key`). */
  defaultDoc?: string;
  doc: string;
  parse: Parser<T>;
}

export type SettingsTable = Readonly<Record<string, Setting>>;

/** The value of one row: defined when the row has a default. */
export type SettingValue<S> = S extends { parse: Parser<infer T>; default: string }
  ? T
  : S extends Setting<infer T>
    ? T | undefined
    : never;

export type SettingValues<Table extends SettingsTable> = { -readonly [K in keyof Table]: SettingValue<Table[K]> };

/** Where each value came from: its flag, its variable (or one of `alsoEnv`), or the default. */
export type SettingSource = 'flag' | 'env' | 'default';

export type Env = Readonly<Record<string, string | undefined>>;

/** Parsed flags as the CLI holds them. */
export type FlagValues = Readonly<Record<string, string | boolean | readonly string[] | undefined>>;

export interface SettingSources {
  env: Env;
  flags?: FlagValues;
  io?: SettingIo;
}

/** A variable's value, blanks trimmed; empty counts as unset (compose passes "" for a variable missing from .env). */
export function envValue(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function flagTexts(value: FlagValues[string]): string[] {
  if (value === undefined || value === false) return [];
  if (value === true) return ['true'];
  return typeof value === 'string' ? [value] : [...value];
}

function readOne(setting: Setting, sources: SettingSources, io: SettingIo): { value: unknown; source?: SettingSource } {
  const given = setting.flag === undefined ? [] : flagTexts(sources.flags?.[setting.flag]);
  if (given.length > 0) {
    const context = { name: `--${setting.flag}`, io };
    const value = setting.multiple
      ? given.flatMap((text) => setting.parse(text, context) as unknown[])
      : setting.parse(given[0]!, context);
    return { value, source: 'flag' };
  }
  for (const name of [setting.env, ...(setting.alsoEnv ?? [])]) {
    const text = name === undefined ? undefined : envValue(sources.env, name);
    if (name !== undefined && text !== undefined) return { value: setting.parse(text, { name, io }), source: 'env' };
  }
  if (setting.default === undefined) return { value: undefined };
  return { value: setting.parse(setting.default, { name: setting.env ?? `--${setting.flag}`, io }), source: 'default' };
}

/** Reads every row: flag, else variable, else default. Throws ConfigError naming the first unusable one. */
export function readSettings<Table extends SettingsTable>(
  table: Table,
  sources: SettingSources,
): { values: SettingValues<Table>; from: Partial<Record<keyof Table, SettingSource>> } {
  const io = sources.io ?? NODE_IO;
  const values: Record<string, unknown> = {};
  const from: Record<string, SettingSource> = {};
  for (const [key, setting] of Object.entries(table)) {
    const { value, source } = readOne(setting, sources, io);
    values[key] = value;
    if (source !== undefined) from[key] = source;
  }
  return { values: values as SettingValues<Table>, from: from as Partial<Record<keyof Table, SettingSource>> };
}

/** A command-line option as the CLI declares it (the CLI's OptionSpec has this shape). */
export interface FlagOption {
  type: 'string' | 'boolean';
  value?: string;
  multiple?: boolean;
  required?: boolean;
  doc: string;
}

/** What `--help` says of a row: its meaning, its variable and its default. */
export function flagDoc(setting: Setting): string {
  const notes = [
    ...(setting.env === undefined ? [] : [`env ${[setting.env, ...(setting.alsoEnv ?? [])].join(', ')}`]),
    ...(setting.default === undefined && setting.defaultDoc === undefined
      ? []
      : [`default ${setting.defaultDoc ?? setting.default}`]),
  ];
  return notes.length === 0 ? setting.doc : `${setting.doc} (${notes.join('; ')})`;
}

/** The flags of a table, by flag name, for a CLI command's options. */
export function flagOptions(table: SettingsTable): Record<string, FlagOption> {
  const options: Record<string, FlagOption> = {};
  for (const setting of Object.values(table)) {
    if (setting.flag === undefined) continue;
    options[setting.flag] = {
      type: setting.value === undefined ? 'boolean' : 'string',
      ...(setting.value === undefined ? {} : { value: setting.value }),
      ...(setting.multiple ? { multiple: true } : {}),
      ...(setting.required ? { required: true } : {}),
      doc: flagDoc(setting),
    };
  }
  return options;
}

/** Every environment variable a table reads (its own and the `alsoEnv` ones). */
export function envNames(table: SettingsTable): string[] {
  return Object.values(table).flatMap((setting) => [
    ...(setting.env === undefined ? [] : [setting.env]),
    ...(setting.alsoEnv ?? []),
  ]);
}
