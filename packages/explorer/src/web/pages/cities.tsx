/**
 * Registered cities by province and level, from the verified log index: every DID with a create in the log,
 * named from the GB/T 2260 record bundled with the method library. Search by name (中文 or English province
 * name), division code or DID.
 */
import { lookupDivision } from '@did-city/method';
import { useState } from 'preact/hooks';
import { type Key, t } from '../i18n.ts';
import type { IndexedEntry } from '../ledger-index.ts';
import { englishName, provinceEnglish } from '../names.ts';
import { loadLedger } from '../ledger-load.ts';
import { useLoad } from '../state.ts';
import { Banner, Loading, PolicyNotice } from '../ui.tsx';

export interface CityRow {
  did: string;
  code: string;
  name: string;
  nameEn: string;
  level: 'province' | 'city' | 'county' | 'registry';
  province: string;
  deactivated: boolean;
  operations: number;
}

export function cityRows(entries: readonly IndexedEntry[]): CityRow[] {
  const rows = new Map<string, CityRow>();
  for (const { operation } of entries) {
    const did = operation.did;
    let row = rows.get(did);
    if (row === undefined) {
      const code = /^did:city:cn:(\d{6})$/.exec(did)?.[1] ?? '';
      const division = code === '' ? undefined : lookupDivision(code);
      const province = code === '' ? '' : (lookupDivision(`${code.slice(0, 2)}0000`)?.name ?? '');
      row = {
        did,
        code,
        name: division?.name ?? (code === '' ? '国家登记处' : code),
        nameEn:
          code === ''
            ? 'National registry'
            : division === undefined
              ? ''
              : englishName(code, division.name, division.level),
        level: division?.level ?? 'registry',
        province,
        deactivated: false,
        operations: 0,
      };
      rows.set(did, row);
    }
    row.operations += 1;
    if (operation.type === 'deactivate') row.deactivated = true;
  }
  return [...rows.values()].sort((a, b) => a.code.localeCompare(b.code));
}

const LEVELS: Array<[string, Key]> = [
  ['', 'allLevels'],
  ['province', 'province'],
  ['city', 'city'],
  ['county', 'county'],
];

function matches(row: CityRow, query: string, level: string): boolean {
  if (level !== '' && row.level !== level) return false;
  const q = query.trim().toLowerCase();
  const provinceEn = provinceEnglish(row.code) ?? '';
  return (
    q === '' ||
    [row.did, row.code, row.name, row.nameEn, row.province, provinceEn].some((field) => field.toLowerCase().includes(q))
  );
}

export function CitiesPage() {
  const [query, setQuery] = useState('');
  const [level, setLevel] = useState('');
  const { value, error } = useLoad(loadLedger, 'cities');
  if (value === undefined) return <Loading error={error} />;
  const problems = [value.checkpoint.problem, value.log.problem].filter((p): p is string => p !== undefined);
  const rows = cityRows(value.log.entries).filter((row) => matches(row, query, level));
  const byProvince = new Map<string, CityRow[]>();
  for (const row of rows) byProvince.set(row.province || '—', [...(byProvince.get(row.province || '—') ?? []), row]);
  return (
    <>
      <PolicyNotice policy={value.policy} />
      <Banner ok={value.checkpoint.ok && value.log.ok} problems={problems} />
      <h1>{t('registered')}</h1>
      <search class="filters">
        <input
          type="search"
          aria-label={t('search')}
          placeholder={t('search')}
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
        <select aria-label={t('level')} value={level} onChange={(e) => setLevel(e.currentTarget.value)}>
          {LEVELS.map(([v, key]) => (
            <option value={v} key={v}>
              {t(key)}
            </option>
          ))}
        </select>
      </search>
      {rows.length === 0 && <p>{t('noCities')}</p>}
      {[...byProvince].map(([province, list]) => (
        <section key={province}>
          <h2>
            {province} {list[0]?.code ? `· ${provinceEnglish(list[0].code) ?? ''}` : ''}
          </h2>
          <table class="cities">
            <thead>
              <tr>
                <th>{t('name')}</th>
                <th>{t('code')}</th>
                <th>{t('level')}</th>
                <th>{t('did')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((row) => (
                <tr key={row.did} class={row.deactivated ? 'deactivated' : undefined}>
                  <td>
                    {row.name}
                    {row.nameEn !== '' && <span class="en"> {row.nameEn}</span>}
                  </td>
                  <td>{row.code}</td>
                  <td>{row.level === 'registry' ? '—' : t(row.level)}</td>
                  <td>
                    <a href={`#/did/${encodeURIComponent(row.did)}`}>{row.did}</a>
                    {row.deactivated && <span class="tag"> {t('deactivated')}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </>
  );
}
