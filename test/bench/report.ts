/**
 * What every benchmark prints about where it ran, and its JSON report: `bench-results/<name>.json` at the
 * repository root (git-ignored), holding the machine, the load average at the start and end, the figures, and the
 * rows it contributes to the README's benchmark table. After the last benchmark, `combine.ts` gathers them into
 * `bench-results/report.json` and `report.md` (both committed); the README's table is that Markdown, and a test
 * checks that every row of it is in the JSON. The load average is there because a figure measured on a shared
 * machine means little without it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RESULTS = fileURLToPath(new URL('../../bench-results/', import.meta.url));

export function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${cpus().length} cores, node ${process.version}, ${process.platform}/${process.arch}`;
}

/** The 1-, 5- and 15-minute load averages, two decimals. */
export function loadAverage(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
}

/**
 * One row of the README's benchmark table, as the benchmark formats it: what was measured, the figure, the
 * baseline measured in the same run (when there is one) and the ratio to it.
 */
export interface BenchRow {
  what: string;
  figure: string;
  baseline?: string;
  ratio?: string;
}

/** Where the benchmarks write their reports: `bench-results/` at the repository root. */
export const RESULTS_DIR = RESULTS;

/** Starts a report: add table rows with `row`, call `write` at the end with the figures. */
export function benchReport(name: string) {
  const startedAt = new Date().toISOString();
  const loadAtStart = loadAverage();
  const rows: BenchRow[] = [];
  return {
    /** Adds a row to the README's table (cells are kept as given; `|` is not allowed in them). */
    row(row: BenchRow): void {
      for (const cell of Object.values(row))
        if (String(cell).includes('|')) throw new Error(`bench row cell "${cell}" contains |`);
      rows.push(row);
    },
    /** Writes `bench-results/<name>.json` and prints where. */
    write(figures: Record<string, unknown>): void {
      mkdirSync(RESULTS, { recursive: true });
      const file = join(RESULTS, `${name}.json`);
      const loadAtEnd = loadAverage();
      const report = {
        name,
        machine: machine(),
        startedAt,
        endedAt: new Date().toISOString(),
        loadAverage: { start: loadAtStart, end: loadAtEnd },
        rows,
        figures,
      };
      writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
      console.log(
        `report: bench-results/${name}.json (load average ${loadAtStart} at the start, ${loadAtEnd} at the end)`,
      );
    },
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** en-US grouping, fixed decimals: how the table writes figures. */
export function fmt(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
