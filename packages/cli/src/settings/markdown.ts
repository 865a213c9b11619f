/**
 * A settings table as the Markdown table the README shows, so the README is derived from the table
 * (test/settings.test.ts fails when they differ and prints the table to paste).
 */
import type { SettingsTable } from '@did-city/method/settings';

function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

export function settingsMarkdown(table: SettingsTable): string {
  const rows = Object.values(table).map((row) => {
    const names = [row.env, ...(row.alsoEnv ?? [])].filter((name) => name !== undefined).map((name) => `\`${name}\``);
    const flag = row.flag === undefined ? '—' : `\`--${row.flag}\``;
    const fallback = row.defaultDoc ?? row.default;
    return `| ${names.join(', ') || '—'} | ${flag} | ${fallback === undefined ? '—' : cell(`\`${fallback}\``)} | ${cell(row.doc)} |`;
  });
  return ['| Variable | Flag | Default | Meaning |', '|---|---|---|---|', ...rows].join('\n');
}
