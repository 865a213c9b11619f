/**
 * The generated parts of spec/did-city.md: the error registry table (§8), rendered from spec/errors.json, and
 * the check that Appendix A lists exactly the rules the text defines.
 */
import type { Rule } from './vector-rules.ts';

export interface RegistryEntry {
  code: string;
  type: string;
  title: string;
  status: number;
  resolutionError?: string;
}

const BEGIN = /<!-- errors-table:begin[^>]*-->\n/;
const END = '<!-- errors-table:end -->';

export function renderErrorsTable(errors: readonly RegistryEntry[]): string {
  const rows = errors.map(
    (e) =>
      `| \`${e.code}\` | \`${e.type}\` | ${e.title} | ${e.status} | ${e.resolutionError === undefined ? '(as is)' : `\`${e.resolutionError}\``} |`,
  );
  return ['| code | type URI | title | HTTP status | resolution error |', '|---|---|---|---|---|', ...rows, ''].join(
    '\n',
  );
}

/** The spec with its errors table regenerated. */
export function syncSpec(markdown: string, errors: readonly RegistryEntry[]): string {
  const begin = BEGIN.exec(markdown);
  const end = markdown.indexOf(END);
  if (begin === null || end < begin.index) throw new Error('spec: errors-table markers are missing');
  const start = begin.index + begin[0].length;
  return `${markdown.slice(0, start)}${renderErrorsTable(errors)}${markdown.slice(end)}`;
}

/** Problems with Appendix A: rules it lists that the text does not define, and the reverse. */
export function appendixProblems(markdown: string, rules: readonly Rule[]): string[] {
  const at = markdown.indexOf('## Appendix A');
  const next = markdown.indexOf('\n## ', at + 1);
  if (at < 0) return ['spec: Appendix A is missing'];
  const listed = [...markdown.slice(at, next < 0 ? undefined : next).matchAll(/^\| (R-[A-Z]+-\d+) \|/gm)].map(
    (m) => m[1]!,
  );
  const defined = rules.map((r) => r.id);
  const problems = [
    ...defined.filter((id) => !listed.includes(id)).map((id) => `spec: ${id} is defined but not in Appendix A`),
    ...listed
      .filter((id) => !defined.includes(id))
      .map((id) => `spec: Appendix A lists ${id}, which the text does not define`),
  ];
  return problems;
}
