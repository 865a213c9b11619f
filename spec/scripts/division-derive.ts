/**
 * Builds the record of change from the editions, oldest first (pure: no I/O).
 *
 * - `since` is the first edition listing a code (for the oldest edition: "at or before"); `until` the first later
 *   edition covering its province that no longer lists it.
 * - Where a retired code went is read from the data, never typed in: a county-level code's towns (乡镇/街道, by
 *   name) are looked up in the next edition, and the counties now holding at least a fifth of them are its
 *   successors; a prefecture's successors are the divisions now holding its counties. Without towns to follow, a
 *   new code of the same province whose name has the same stem (莱城区 → 莱芜区 does not match; 繁昌县 → 繁昌区
 *   does) is taken. One successor that is new in that edition is a recode (same name) or a rename; one that
 *   existed before is a merger (unless the names share a stem: 沙县 → 沙县区 is a rename); several are a split; none is recorded as `retired` (the data does not say).
 */
import {
  type DivisionChange,
  type DivisionRecord,
  digestLines,
  editionLines,
  type RecordEntry,
} from '../../packages/method/src/division-record.ts';
import type { EditionSource, EditionTable } from './division-editions.ts';

export interface ReadEdition {
  source: EditionSource;
  table: EditionTable;
  integrity: string;
}

const PROVINCES_OUTSIDE_NBS = ['710000', '810000', '820000'];

function provinceOf(code: string): string {
  return `${code.slice(0, 2)}0000`;
}

function isCounty(code: string): boolean {
  return !code.endsWith('00');
}

function covers(edition: ReadEdition, code: string): boolean {
  return edition.table.divisions.has(provinceOf(code));
}

/** The division a code hangs under in one edition: its prefecture if listed, else its province. */
function parentIn(edition: ReadEdition, code: string): string {
  const city = `${code.slice(0, 4)}00`;
  return isCounty(code) && edition.table.divisions.has(city) ? city : provinceOf(code);
}

function stem(name: string): string {
  return name.replace(/(?:自治县|自治旗|特区|林区|区|县|市|旗)$/, '');
}

/** County codes of `edition` holding a town of each name, among the codes starting with `prefix`: name → counties. */
function townIndex(edition: ReadEdition, prefix: string): Map<string, Set<string>> {
  const index = new Map<string, Set<string>>();
  for (const [county, names] of edition.table.towns) {
    if (!county.startsWith(prefix)) continue;
    for (const name of names) {
      const holders = index.get(name) ?? new Set<string>();
      holders.add(county);
      index.set(name, holders);
    }
  }
  return index;
}

/**
 * Keeps the receivers holding at least a fifth of what was followed, most first; with several receivers, one
 * holding a single town is a coincidence of names (二龙山林场), not a share of a split.
 */
function majority(counts: Map<string, number>): string[] {
  const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
  return [...counts]
    .filter(([, count]) => count * 5 >= total && (count > 1 || counts.size === 1))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([code]) => code);
}

/**
 * The towns of a county in the latest edition before its retirement that lists them: the MCA list's package
 * carries statistical towns of a later year, where a retired county has none.
 */
function townsBefore(code: string, earlier: readonly ReadEdition[]): string[] {
  for (const edition of [...earlier].reverse()) {
    const towns = edition.table.towns.get(code);
    if (towns !== undefined && towns.length > 0) return towns;
  }
  return [];
}

/**
 * Town names repeat across a province (城关镇): a name held by several counties counts only when exactly one of them
 * lies in the retired county's own prefecture.
 */
function countyByTowns(code: string, earlier: readonly ReadEdition[], after: ReadEdition): string[] {
  const index = townIndex(after, code.slice(0, 2));
  const counts = new Map<string, number>();
  for (const name of townsBefore(code, earlier)) {
    const holders = [...(index.get(name) ?? [])];
    const near = holders.filter((county) => county.startsWith(code.slice(0, 4)));
    const holder = holders.length === 1 ? holders[0] : near.length === 1 ? near[0] : undefined;
    if (holder === undefined) continue;
    if (holder === code || !after.table.divisions.has(holder)) continue;
    counts.set(holder, (counts.get(holder) ?? 0) + 1);
  }
  return majority(counts);
}

/** 繁昌县 → 繁昌区 (same stem), 沙县 → 沙县区 (the new stem is the old name). */
function sameStem(old: string, now: string): boolean {
  return stem(old) === stem(now) || old === stem(now);
}

function countyByName(code: string, before: ReadEdition, after: ReadEdition): string[] {
  const name = before.table.divisions.get(code)!;
  return [...after.table.divisions]
    .filter(
      ([other, otherName]) =>
        other.slice(0, 2) === code.slice(0, 2) && !before.table.divisions.has(other) && sameStem(name, otherName),
    )
    .map(([other]) => other);
}

function prefectureByCounties(
  code: string,
  before: ReadEdition,
  after: ReadEdition,
  successors: Map<string, string[]>,
): string[] {
  const counts = new Map<string, number>();
  for (const county of before.table.divisions.keys()) {
    if (!isCounty(county) || county.slice(0, 4) !== code.slice(0, 4)) continue;
    const now = after.table.divisions.has(county) ? [county] : (successors.get(county) ?? []);
    for (const next of now.slice(0, 1)) {
      const parent = parentIn(after, next);
      if (parent !== code) counts.set(parent, (counts.get(parent) ?? 0) + 1);
    }
  }
  return majority(counts);
}

function changeOf(code: string, next: string[], before: ReadEdition, after: ReadEdition): DivisionChange {
  if (next.length === 0) return 'retired';
  if (next.length > 1) return 'split';
  const [name, now] = [before.table.divisions.get(code)!, after.table.divisions.get(next[0]!)!];
  if (now === name) return 'recoded';
  return sameStem(name, now) || !before.table.divisions.has(next[0]!) ? 'renamed' : 'merged';
}

interface Retirement {
  code: string;
  /** The last edition listing the code, and the editions up to it. */
  before: ReadEdition;
  earlier: readonly ReadEdition[];
  after: ReadEdition;
}

/**
 * The editions where each code was retired: listed in the previous covering edition, absent from this one and all
 * later ones. A code listed again after an edition without it is no retirement: the two publishers disagreed
 * (620201 嘉峪关市 is missing from the MCA list only); the editions without it are its gaps.
 */
function retirements(editions: readonly ReadEdition[]): { found: Retirement[]; gaps: Map<string, string[]> } {
  const found: Retirement[] = [];
  const gaps = new Map<string, string[]>();
  const last = new Map<string, ReadEdition>();
  editions.forEach((edition, index) => {
    for (const [code, before] of last) {
      if (covers(edition, code) && !edition.table.divisions.has(code)) {
        found.push({ code, before, earlier: editions.slice(0, index), after: edition });
        last.delete(code);
      }
    }
    for (const code of edition.table.divisions.keys()) {
      const spurious = found.findIndex((retired) => retired.code === code);
      if (spurious >= 0) {
        const missing = editions
          .slice(editions.indexOf(found[spurious]!.after), index)
          .filter((other) => covers(other, code));
        gaps.set(code, [...(gaps.get(code) ?? []), ...missing.map((other) => other.source.edition)]);
        found.splice(spurious, 1);
      }
      last.set(code, edition);
    }
  });
  return { found, gaps };
}

function successorsOf(found: readonly Retirement[]): Map<string, string[]> {
  const successors = new Map<string, string[]>();
  // Counties first: a prefecture follows its counties.
  const ordered = [...found].sort((a, b) => Number(isCounty(b.code)) - Number(isCounty(a.code)));
  for (const { code, before, earlier, after } of ordered) {
    let next: string[];
    if (isCounty(code)) {
      next = countyByTowns(code, earlier, after);
      if (next.length === 0) next = countyByName(code, before, after);
    } else {
      next = prefectureByCounties(code, before, after, successors);
    }
    successors.set(code, next);
  }
  return successors;
}

function buildEntries(editions: readonly ReadEdition[]) {
  const divisions: Record<string, RecordEntry> = {};
  const names: Record<string, Array<[string, string]>> = {};
  const lastName = new Map<string, [string, string]>();
  for (const edition of editions) {
    for (const [code, name] of edition.table.divisions) {
      const previous = lastName.get(code);
      if (previous === undefined) divisions[code] = [name, edition.source.edition];
      else if (previous[0] !== name) names[code] = [...(names[code] ?? []), previous];
      divisions[code]![0] = name;
      lastName.set(code, [name, edition.source.edition]);
    }
  }
  return { divisions, names };
}

export function deriveRecord(editions: readonly ReadEdition[], notUsed: readonly string[]): DivisionRecord {
  const { found, gaps } = retirements(editions);
  const successors = successorsOf(found);
  const { divisions, names } = buildEntries(editions);
  for (const { code, before, after } of found) {
    const next = successors.get(code)!;
    divisions[code] = [
      divisions[code]![0],
      divisions[code]![1],
      after.source.edition,
      changeOf(code, next, before, after),
      next,
    ];
  }
  return {
    format: 'did-city/gbt2260-record/1',
    about:
      'GB/T 2260 division codes (province, prefecture and county level) of every edition listed, when each first appears and which edition no longer lists it; generated by spec/scripts/divisions.ts, see spec/did-city.md §2.1',
    editions: editions.map(({ source, table, integrity }) => {
      const notCovering = PROVINCES_OUTSIDE_NBS.filter((province) => !table.divisions.has(province));
      return {
        edition: source.edition,
        cutoff: source.cutoff,
        publisher: source.publisher,
        package: source.package,
        version: source.version,
        integrity,
        divisions: table.divisions.size,
        digest: digestLines(editionLines(table.divisions)),
        ...(notCovering.length > 0 ? { notCovering } : {}),
        ...(source.sameEditionIn === undefined ? {} : { sameEditionIn: source.sameEditionIn }),
      };
    }),
    notUsed: [...notUsed],
    divisions: Object.fromEntries(Object.entries(divisions).sort(([a], [b]) => a.localeCompare(b))),
    names: Object.fromEntries(Object.entries(names).sort(([a], [b]) => a.localeCompare(b))),
    gaps: Object.fromEntries([...gaps].sort(([a], [b]) => a.localeCompare(b))),
  };
}
