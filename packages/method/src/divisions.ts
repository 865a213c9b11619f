/**
 * The GB/T 2260 administrative divisions, read from the bundled record of change (packages/method/data/gbt2260.json,
 * spec §2.1): every code in force in one of the editions it covers, with the edition it appeared in and, for a
 * retired code, the edition that dropped it and where it went. A retired code stays a valid DID (R-SYN-5) but is
 * closed to new creates (R-ALLOC-2, allocatableIn).
 */
import {
  type DivisionChange,
  divisionRecord,
  editionLines,
  type RecordEdition,
  rebuildEdition,
} from './division-record.ts';

export type { DivisionChange } from './division-record.ts';

export interface Division {
  /** Six-digit GB/T 2260 code. */
  code: string;
  /** Official name (the latest one), e.g. 石家庄市. */
  name: string;
  level: 'province' | 'city' | 'county';
  /** Code of the enclosing division; absent for a province-level division. */
  parent?: string;
  /** The first edition of the record listing the code (for the oldest edition: at or before it). */
  since: string;
  /** For a retired code: the first edition no longer listing it. */
  retired?: string;
  /** For a retired code: how it went, and its successors (none when the record does not say). */
  change?: DivisionChange;
  successors?: string[];
}

export interface DivisionHistory extends Division {
  /** Earlier names of a code renamed in place, with the last edition that used each. */
  formerNames: Array<{ name: string; until: string }>;
  /** Codes retired into this one, with how. */
  predecessors: Array<{ code: string; name: string; retired: string; change: DivisionChange }>;
}

/** One edition of the table the record covers (which package, version and integrity it was read from). */
export type DivisionEdition = Readonly<RecordEdition>;

let table: ReadonlyMap<string, Readonly<Division>> | undefined;

function levelOf(code: string): Division['level'] {
  if (code.endsWith('0000')) return 'province';
  return code.endsWith('00') ? 'city' : 'county';
}

function buildTable(): Map<string, Readonly<Division>> {
  const entries = divisionRecord().divisions;
  const map = new Map<string, Readonly<Division>>();
  for (const [code, [name, since, retired, change, successors]] of Object.entries(entries)) {
    const division: Division = { code, name, level: levelOf(code), since };
    const level = division.level;
    // A county without a prefecture in the table (districts of a municipality, 济源市 under 河南省) hangs under
    // its province.
    const city = `${code.slice(0, 4)}00`;
    if (level === 'city') division.parent = `${code.slice(0, 2)}0000`;
    if (level === 'county') division.parent = Object.hasOwn(entries, city) ? city : `${code.slice(0, 2)}0000`;
    if (retired !== undefined) Object.assign(division, { retired, change, successors: [...(successors ?? [])] });
    map.set(code, Object.freeze(division));
  }
  return map;
}

function divisions(): ReadonlyMap<string, Readonly<Division>> {
  table ??= buildTable();
  return table;
}

function copy(division: Readonly<Division>): Division {
  return division.successors === undefined ? { ...division } : { ...division, successors: [...division.successors] };
}

/** The division with a GB/T 2260 code, in force or retired, or undefined if the record never listed it. */
export function lookupDivision(code: string): Division | undefined {
  const division = divisions().get(code);
  return division === undefined ? undefined : copy(division);
}

/** Every division of the record, in force and retired (province, city and county levels). */
export function listDivisions(): Division[] {
  return [...divisions().values()].map(copy);
}

/** The editions the bundled record covers, oldest first. */
export function divisionEditions(): DivisionEdition[] {
  return divisionRecord().editions.map((edition) => ({ ...edition }));
}

/** The newest edition of the bundled record: the table a registry allocates from unless it states another. */
export function latestDivisionEdition(): string {
  return divisionRecord().editions.at(-1)!.edition;
}

/**
 * One edition of the table as the record rebuilds it: its sorted `code name` lines, each ending in a newline (UTF-8
 * when encoded). Its SHA-256 is the edition's `digest` in the record, so a copy can be checked against
 * `divisionEditions()`. undefined for an edition the record does not cover.
 */
export function divisionEditionText(edition: string): string | undefined {
  const record = divisionRecord();
  const covered = record.editions.find((candidate) => candidate.edition === edition);
  return covered === undefined ? undefined : `${editionLines(rebuildEdition(record, covered)).join('\n')}\n`;
}

/**
 * Whether a new DID may be created for `code` under `edition` (default: the newest bundled one; spec R-ALLOC-2):
 * the code is in the record, first listed at or before that edition and not retired by it. An edition the record
 * does not cover is read as the newest one it covers.
 */
export function allocatableIn(code: string, edition = latestDivisionEdition()): boolean {
  const division = divisions().get(code);
  if (division === undefined) return false;
  const known = divisionRecord().editions.some((covered) => covered.edition === edition)
    ? edition
    : latestDivisionEdition();
  return division.since <= known && (division.retired === undefined || known < division.retired);
}

/** A division with its earlier names and the codes retired into it (for `did-city division show`). */
export function divisionHistory(code: string): DivisionHistory | undefined {
  const division = lookupDivision(code);
  if (division === undefined) return undefined;
  const formerNames = (divisionRecord().names[code] ?? []).map(([name, until]) => ({ name, until }));
  const predecessors = [...divisions().values()]
    .filter((other) => other.successors?.includes(code))
    .map((other) => ({ code: other.code, name: other.name, retired: other.retired!, change: other.change! }));
  return { ...division, formerNames, predecessors };
}
