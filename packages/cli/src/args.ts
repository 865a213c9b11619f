/**
 * Command specs and argument parsing on `node:util` parseArgs. A command declares its options once; the same
 * declaration drives parsing, `--help` and the usage line printed with a usage error, so help cannot drift
 * from what is accepted.
 */
import { parseArgs } from 'node:util';
import type { Config } from './config.ts';
import type { Output } from './output.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** May be given several times (values collected in order). */
  multiple?: boolean;
  short?: string;
  /** Placeholder in help, e.g. `DID`. */
  value?: string;
  doc: string;
  required?: boolean;
}

export interface PositionalSpec {
  name: string;
  doc: string;
  optional?: boolean;
}

export type Values = Record<string, string | boolean | string[] | undefined>;

export interface CommandContext {
  values: Values;
  positionals: string[];
  out: Output;
  config: Config;
}

/** A number is the exit code; `running` leaves a server process alive. */
export type CommandResult = number | 'running';

export interface CommandSpec {
  /** Words that select the command: `keys generate`. */
  name: string;
  summary: string;
  /** Paragraphs after the option list: defaults, what happens, examples. */
  details?: string;
  positionals?: PositionalSpec[];
  options: Record<string, OptionSpec>;
  run(context: CommandContext): Promise<CommandResult>;
}

/** A command line that does not fit the command; `usage` is the help line to show with it. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly usage: string | undefined;

  constructor(message: string, usage?: string) {
    super(message);
    this.usage = usage;
  }
}

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  ledger: { type: 'string', value: 'URL', doc: 'ledger node API (env DID_CITY_LEDGER; default http://127.0.0.1:8080)' },
  policy: {
    type: 'string',
    value: 'FILE',
    doc: 'trust policy (C2SP tlog-policy); default: pinned per ledger under ~/.did-city/policies/ (env DID_CITY_HOME)',
  },
  keys: { type: 'string', value: 'FILE', doc: 'key file (env DID_CITY_KEYS; default ~/.did-city/keys.json)' },
  json: { type: 'boolean', doc: 'machine-readable JSON on stdout' },
  help: { type: 'boolean', short: 'h', doc: 'show help for the command' },
};

function optionLine(name: string, spec: OptionSpec): string {
  const short = spec.short === undefined ? '    ' : `-${spec.short}, `;
  const value = spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : '';
  const repeat = spec.multiple === true ? ' (repeatable)' : '';
  const required = spec.required === true ? ' (required)' : '';
  return `  ${short}--${name}${value}`.padEnd(36) + ` ${spec.doc}${required}${repeat}`;
}

export function usageLine(command: CommandSpec): string {
  const positionals = (command.positionals ?? []).map((p) => (p.optional ? `[${p.name}]` : p.name));
  const required = Object.entries(command.options)
    .filter(([, spec]) => spec.required)
    .map(([name, spec]) => `--${name}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}`);
  return ['did-city', command.name, ...positionals, ...required, '[options]'].join(' ');
}

export function commandHelp(command: CommandSpec): string {
  const lines = [`Usage: ${usageLine(command)}`, '', command.summary];
  if (command.positionals?.length) {
    lines.push('', 'Arguments:', ...command.positionals.map((p) => `  ${p.name}`.padEnd(36) + ` ${p.doc}`));
  }
  const own = Object.entries(command.options);
  if (own.length > 0) lines.push('', 'Options:', ...own.map(([name, spec]) => optionLine(name, spec)));
  lines.push('', 'Global options:', ...Object.entries(GLOBAL_OPTIONS).map(([name, spec]) => optionLine(name, spec)));
  if (command.details !== undefined) lines.push('', command.details.trim());
  return `${lines.join('\n')}\n`;
}

/** Parses a command's arguments (after its name words); usage errors carry the command's usage line. */
export function parseCommandArgs(command: CommandSpec, args: string[]): { values: Values; positionals: string[] } {
  const options = { ...GLOBAL_OPTIONS, ...command.options };
  const usage = `usage: ${usageLine(command)}  (did-city ${command.name} --help for all options)`;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    const config = Object.fromEntries(
      Object.entries(options).map(([name, spec]) => [
        name,
        { type: spec.type, multiple: spec.multiple ?? false, ...(spec.short ? { short: spec.short } : {}) },
      ]),
    );
    parsed = parseArgs({ args, options: config, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message, usage);
  }
  const values = parsed.values as Values;
  if (values.help === true) return { values, positionals: parsed.positionals };
  const expected = command.positionals ?? [];
  const min = expected.filter((p) => !p.optional).length;
  if (parsed.positionals.length < min)
    throw new UsageError(`missing ${expected[parsed.positionals.length]!.name}`, usage);
  if (parsed.positionals.length > expected.length)
    throw new UsageError(`unexpected argument "${parsed.positionals[expected.length]}"`, usage);
  for (const [name, spec] of Object.entries(command.options)) {
    if (spec.required && values[name] === undefined) throw new UsageError(`missing --${name}`, usage);
  }
  return { values, positionals: parsed.positionals };
}

/** Typed reads of parsed values. */
export function str(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function need(values: Values, name: string): string {
  const value = str(values, name);
  if (value === undefined) throw new UsageError(`missing --${name}`);
  return value;
}

export function list(values: Values, name: string): string[] {
  const value = values[name];
  if (Array.isArray(value)) return value;
  return typeof value === 'string' ? [value] : [];
}

export function flag(values: Values, name: string): boolean {
  return values[name] === true;
}
