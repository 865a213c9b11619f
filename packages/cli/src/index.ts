/**
 * @did-city/cli — the `did-city` command as a library: `run(argv)` executes one command line and resolves with
 * its exit code, so other tools (and tests) can embed it; `COMMANDS` lists every command with its options.
 *
 * @example
 * import { run } from '@did-city/cli';
 * process.exitCode = await run(['resolve', 'did:city:cn:130100', '--ledger', 'http://127.0.0.1:8080']);
 */
export {
  type CommandContext,
  type CommandResult,
  type CommandSpec,
  commandHelp,
  type OptionSpec,
  usageLine,
} from './args.ts';
export { mainHelp, type RunOptions, run } from './cli.ts';
export { COMMANDS } from './commands/index.ts';
export type { ExitCode } from './output.ts';
// The all-in-one server (`pnpm start`, `did-city serve`).
export { type AllInOne, type AllInOneOptions, startAllInOne } from './serve/server.ts';
