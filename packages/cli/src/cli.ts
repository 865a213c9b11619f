/**
 * The `did-city` dispatcher: picks the command from the leading words, parses its options, runs it, and turns
 * any failure into a message on stderr and an exit code (see output.ts).
 */
import { createRequire } from 'node:module';
import { ConfigError } from '@did-city/method/settings';
import {
  type CommandResult,
  type CommandSpec,
  commandHelp,
  GLOBAL_OPTIONS,
  parseCommandArgs,
  UsageError,
  usageLine,
} from './args.ts';
import { COMMANDS } from './commands/index.ts';
import { Config } from './config.ts';
import { EXIT, Output } from './output.ts';

const NAME_WIDTH = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;

/** The package's version: package.json is one level above both src/ and dist/. */
export const CLI_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

export function mainHelp(commands: readonly CommandSpec[] = COMMANDS): string {
  const lines = [
    'Usage: did-city <command> [arguments] [options]',
    '',
    'Manage did:city identifiers: keys, city registration, DID operations, resolution, credentials, and the servers.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(NAME_WIDTH)}${c.summary}`),
    '',
    'Global options:',
    '  --version'.padEnd(NAME_WIDTH + 2) + 'print the version and exit',
    ...Object.entries(GLOBAL_OPTIONS).map(
      ([name, spec]) =>
        `  --${name}${spec.type === 'string' ? ` ${spec.value}` : ''}`.padEnd(NAME_WIDTH + 2) + spec.doc,
    ),
    '',
    'Exit codes: 0 success, 1 refused or verification failed, 2 usage error, 3 ledger or issuer unreachable.',
    'Trust policy: without --policy, the policy of a new ledger is fetched from <ledger>/policy once, pinned under',
    '~/.did-city/policies/ and its fingerprint printed as a warning; compare it with the one the operator publishes.',
    'Run "did-city <command> --help" for the options of a command.',
  ];
  return `${lines.join('\n')}\n`;
}

/** The command the leading words name (two words before one: `keys generate` before a bare `keys`). */
function findCommand(argv: string[]): { command?: CommandSpec; rest: string[]; group?: string } {
  const two = `${argv[0]} ${argv[1]}`;
  const byTwo = COMMANDS.find((c) => c.name === two);
  if (byTwo) return { command: byTwo, rest: argv.slice(2) };
  const byOne = COMMANDS.find((c) => c.name === argv[0]);
  if (byOne) return { command: byOne, rest: argv.slice(1) };
  const group = COMMANDS.some((c) => c.name.startsWith(`${argv[0]} `)) ? argv[0] : undefined;
  return { rest: argv.slice(1), ...(group ? { group } : {}) };
}

function groupHelp(group: string): string {
  const members = COMMANDS.filter((c) => c.name.startsWith(`${group} `));
  return `Usage: did-city ${group} <${members.map((c) => c.name.split(' ')[1]).join('|')}> [options]\n\n${members
    .map((c) => `  ${c.name.padEnd(NAME_WIDTH)}${c.summary}`)
    .join('\n')}\n`;
}

export interface RunOptions {
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  env?: Readonly<Record<string, string | undefined>>;
}

/** Runs one command line; resolves with the exit code, or `running` when a server keeps the process alive. */
export async function run(argv: string[], options: RunOptions = {}): Promise<CommandResult> {
  const json = argv.includes('--json');
  const out = new Output({
    json,
    ...(options.stdout ? { stdout: options.stdout } : {}),
    ...(options.stderr ? { stderr: options.stderr } : {}),
  });
  const first = argv[0];
  if (first === '--version' || first === '-V') {
    out.result(`did-city ${CLI_VERSION}`, { name: '@did-city/cli', version: CLI_VERSION });
    return EXIT.ok;
  }
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    out.print(mainHelp());
    return first === undefined ? EXIT.usage : EXIT.ok;
  }
  const { command, rest, group } = findCommand(argv);
  if (command === undefined) {
    if (group !== undefined && (rest.length === 0 || rest.includes('--help') || rest.includes('-h'))) {
      out.print(groupHelp(group));
      return rest.length === 0 ? EXIT.usage : EXIT.ok;
    }
    return out.fail(
      new UsageError(`unknown command "${group ? `${group} ${rest[0] ?? ''}`.trim() : first}"`, 'see did-city --help'),
    );
  }
  try {
    const { values, positionals } = parseCommandArgs(command, rest);
    if (values.help === true) {
      out.print(commandHelp(command));
      return EXIT.ok;
    }
    const config = new Config(values, out, options.env ?? process.env);
    return await command.run({ values, positionals, out, config });
  } catch (thrown) {
    // A setting that cannot be used is a usage error (exit 2), whether it came from a flag or a variable.
    const error = thrown instanceof ConfigError ? new UsageError(thrown.message) : thrown;
    // A usage error raised inside a command still shows that command's usage line.
    if (error instanceof UsageError && error.usage === undefined) {
      return out.fail(
        new UsageError(
          error.message,
          `usage: ${usageLine(command)}  (did-city ${command.name} --help for all options)`,
        ),
      );
    }
    return out.fail(error);
  }
}
