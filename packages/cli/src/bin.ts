#!/usr/bin/env node
/**
 * The `did-city` command. Exit codes: 0 success, 1 refused or verification failed, 2 usage error, 3 ledger or
 * issuer unreachable. Servers (`serve`, `ledger`, …) keep running until SIGINT/SIGTERM.
 */
import { run } from './cli.ts';

const result = await run(process.argv.slice(2));
if (result !== 'running') process.exitCode = result;
