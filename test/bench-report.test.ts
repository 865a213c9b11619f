/**
 * Figures that hold: the README's benchmark table is generated from the committed report of one `pnpm bench` run
 * (bench-results/report.json, written by test/bench/combine.ts). Every row of the table must be a row some
 * benchmark wrote into that report, with the same cells, and the table must be exactly what the report renders, so
 * a figure edited by hand, or left over from another run, fails here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CombinedReport, markdown, README_BEGIN, README_END, tableCells } from './bench/combine.ts';

const root = new URL('../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');
const report = JSON.parse(readFileSync(new URL('bench-results/report.json', root), 'utf8')) as CombinedReport;

function readmeTable(): string {
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  expect(begin, 'README.md has the bench-table markers').toBeGreaterThan(0);
  expect(end).toBeGreaterThan(begin);
  return readme.slice(begin + README_BEGIN.length, end);
}

/** The table's body rows as cells (header and separator left out). */
function rows(table: string): string[][] {
  return table
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| bench |'))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
}

describe('the README benchmark table', () => {
  it('has rows, each one a row of the committed report with the same cells', () => {
    const table = rows(readmeTable());
    expect(table.length).toBeGreaterThan(10);
    for (const cells of table) {
      const written = report.benches.find((b) => b.name === cells[0])?.rows ?? [];
      const match = written.find((row) => JSON.stringify(tableCells(cells[0]!, row)) === JSON.stringify(cells));
      expect(match, `README row "${cells.join(' | ')}" is in bench-results/report.json`).toBeDefined();
    }
  });

  it('is exactly what the report renders, machine and load included', () => {
    expect(readmeTable().trim()).toBe(markdown(report).trim());
    expect(readmeTable()).toContain(report.machine);
  });

  it('every number in the table appears in the report', () => {
    const json = JSON.stringify(report.benches.map((b) => b.rows));
    for (const number of readmeTable().match(/\d[\d,]*(\.\d+)?/g) ?? []) {
      if (!json.includes(number) && !JSON.stringify(report).includes(number))
        throw new Error(`${number} in the README table is not in the report`);
    }
  });
});
