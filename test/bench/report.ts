/**
 * What every benchmark prints about where it ran, and its JSON report: `bench-results/<name>.json` at the
 * repository root (git-ignored), holding the machine, the load average at the start and end, and the figures.
 * The load average is there because a figure measured on a shared machine means little without it.
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

/** Starts a report: call `write` at the end with the figures. */
export function benchReport(name: string) {
  const startedAt = new Date().toISOString();
  const loadAtStart = loadAverage();
  return {
    /** Writes `bench-results/<name>.json` and prints where. */
    write(figures: Record<string, unknown>): void {
      mkdirSync(RESULTS, { recursive: true });
      const file = join(RESULTS, `${name}.json`);
      const report = { name, machine: machine(), startedAt, loadAverage: { start: loadAtStart, end: loadAverage() }, figures };
      writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
      console.log(`report: bench-results/${name}.json (load average ${loadAtStart} at the start, ${loadAverage()} at the end)`);
    },
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
