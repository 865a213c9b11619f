/**
 * Generates the shared test vectors of spec/vectors/ (see spec/README.md).
 *
 *     pnpm vectors          # (re)write spec/vectors/, removing files no longer generated
 *     pnpm vectors:check    # regenerate in memory; exit 1 listing every file that differs
 *
 * The workspace packages are imported from their TypeScript sources, which they reach through the "source" export
 * condition; the root scripts run plain `tsx`, so this entry point re-runs itself with that condition when it is
 * missing.
 */
import { spawnSync } from 'node:child_process';

const SOURCE_CONDITION = /(?:^|\s)(?:--conditions[= ]source|-C ?source)(?=\s|$)/;

function hasSourceCondition(): boolean {
  return SOURCE_CONDITION.test(process.execArgv.join(' ')) || SOURCE_CONDITION.test(process.env.NODE_OPTIONS ?? '');
}

if (hasSourceCondition()) {
  const { main } = await import('./vectors.ts');
  await main();
} else {
  const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --conditions=source`.trim() };
  const args = [...process.execArgv, process.argv[1]!, ...process.argv.slice(2)];
  const child = spawnSync(process.execPath, args, { stdio: 'inherit', env });
  process.exitCode = child.status ?? 1;
}
