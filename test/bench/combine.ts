/**
 * Gathers the reports the benchmarks of one `pnpm bench` run wrote (`bench-results/<name>.json`) into one
 * machine-readable report, `bench-results/report.json`, and the Markdown table the README quotes,
 * `bench-results/report.md`. With `--readme` it instead copies the committed report.md into the README between
 * its bench-table markers (test/bench-report.test.ts checks that every row there is in report.json).
 *
 *     tsx test/bench/combine.ts            # after the benchmarks (pnpm bench runs it)
 *     tsx test/bench/combine.ts --readme   # regenerate the README's table from the committed report
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchRow, machine, RESULTS_DIR } from './report.ts';

/** The benchmarks of `pnpm bench`, in the order of the table. */
export const BENCHES = [
  'method',
  'webvh',
  'ledger',
  'trust',
  'driver',
  'postgres',
  'standby',
  'issuer',
  'exchange',
  'resources',
] as const;

export const README_BEGIN =
  '<!-- bench-table:begin (generated from bench-results/report.json by test/bench/combine.ts --readme) -->';
export const README_END = '<!-- bench-table:end -->';

interface BenchFile {
  name: string;
  machine: string;
  startedAt: string;
  endedAt?: string;
  loadAverage: { start: string; end: string };
  rows?: BenchRow[];
  figures: Record<string, unknown>;
}

export interface CombinedReport {
  machine: string;
  commit: string;
  startedAt: string;
  endedAt: string;
  /** Every benchmark's 1-, 5- and 15-minute load averages at its start and end, lowest and highest 1-minute. */
  loadAverage: { min: number; max: number };
  missing: string[];
  benches: BenchFile[];
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function combine(): CombinedReport {
  const benches: BenchFile[] = [];
  const missing: string[] = [];
  for (const name of BENCHES) {
    const file = join(RESULTS_DIR, `${name}.json`);
    if (existsSync(file)) benches.push(JSON.parse(readFileSync(file, 'utf8')) as BenchFile);
    else missing.push(name);
  }
  if (benches.length === 0) throw new Error('no benchmark reports in bench-results/: run the benchmarks first');
  const loads = benches.flatMap((b) => [b.loadAverage.start, b.loadAverage.end].map((l) => Number(l.split(' ')[0])));
  const times = benches.flatMap((b) => [b.startedAt, b.endedAt ?? b.startedAt]).sort();
  return {
    machine: benches[0]!.machine ?? machine(),
    commit: commit(),
    startedAt: times[0]!,
    endedAt: times.at(-1)!,
    loadAverage: { min: Math.min(...loads), max: Math.max(...loads) },
    missing,
    benches,
  };
}

/** A row's cells as the table shows them: bench name first, cells trimmed, absent ones empty. */
export function tableCells(bench: string, row: BenchRow): string[] {
  return [bench, row.what, row.figure, row.baseline ?? '', row.ratio ?? ''].map((cell) => cell.trim());
}

/** The Markdown the README quotes: where and when it ran, then one table of every benchmark's rows. */
export function markdown(report: CombinedReport): string {
  const lines = [
    `From one \`pnpm bench\` run at commit ${report.commit}, ${report.startedAt.slice(0, 16).replace('T', ' ')}–${report.endedAt.slice(11, 16)} UTC, on ${report.machine}; 1-minute load average ${report.loadAverage.min.toFixed(2)}–${report.loadAverage.max.toFixed(2)} at the benchmarks' starts and ends.`,
  ];
  if (report.missing.length > 0) lines.push(`Not in this run: ${report.missing.join(', ')}.`);
  lines.push('', '| bench | what | figure | baseline (same run) | ratio |', '|---|---|---|---|---|');
  for (const bench of report.benches) {
    for (const row of bench.rows ?? []) lines.push(`| ${tableCells(bench.name, row).join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

function writeReadme(): void {
  const report = JSON.parse(readFileSync(join(RESULTS_DIR, 'report.json'), 'utf8')) as CombinedReport;
  const file = join(ROOT, 'README.md');
  const readme = readFileSync(file, 'utf8');
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (begin < 0 || end < begin) throw new Error('README.md has no bench-table markers');
  writeFileSync(file, `${readme.slice(0, begin + README_BEGIN.length)}\n${markdown(report)}${readme.slice(end)}`);
  console.log('README.md: benchmark table regenerated from bench-results/report.json');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--readme')) writeReadme();
  else {
    const report = combine();
    writeFileSync(join(RESULTS_DIR, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(RESULTS_DIR, 'report.md'), markdown(report));
    console.log(
      `report: bench-results/report.json and report.md (${report.benches.length} benchmarks${report.missing.length ? `; missing ${report.missing.join(', ')}` : ''})`,
    );
  }
}
