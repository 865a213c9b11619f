import { describe, expect, test } from 'vitest';
import {
  allocatableIn,
  divisionEditions,
  divisionEditionText,
  divisionHistory,
  latestDivisionEdition,
  listDivisions,
  lookupDivision,
} from '../src/divisions.ts';

describe('lookupDivision (GB/T 2260 from the bundled record of change)', () => {
  test.each([
    ['110000', { code: '110000', name: '北京市', level: 'province', since: '2015' }],
    ['130000', { code: '130000', name: '河北省', level: 'province', since: '2015' }],
    ['130100', { code: '130100', name: '石家庄市', level: 'city', parent: '130000', since: '2015' }],
    ['130102', { code: '130102', name: '长安区', level: 'county', parent: '130100', since: '2015' }],
    // Districts of a municipality hang directly under the province-level entry.
    ['110101', { code: '110101', name: '东城区', level: 'county', parent: '110000', since: '2015' }],
    // So do county-level cities directly under a province: the table's grouping code 419000 is no division.
    ['419001', { code: '419001', name: '济源市', level: 'county', parent: '410000', since: '2015' }],
    // Created in 2019 from Laiwu's districts.
    ['370116', { code: '370116', name: '莱芜区', level: 'county', parent: '370100', since: '2019' }],
  ])('%s', (code, expected) => {
    expect(lookupDivision(code)).toStrictEqual(expected);
  });

  test('Laiwu (371200) is retired in the 2019 edition, merged into Jinan (370100); its districts were re-coded', () => {
    expect(lookupDivision('371200')).toStrictEqual({
      code: '371200',
      name: '莱芜市',
      level: 'city',
      parent: '370000',
      since: '2015',
      retired: '2019',
      change: 'merged',
      successors: ['370100'],
    });
    expect(lookupDivision('371202')).toMatchObject({
      name: '莱城区',
      retired: '2019',
      change: 'renamed',
      successors: ['370116'],
    });
    expect(lookupDivision('371203')).toMatchObject({
      name: '钢城区',
      retired: '2019',
      change: 'recoded',
      successors: ['370117'],
    });
  });

  test('Jinan lists Laiwu among its predecessors', () => {
    expect(divisionHistory('370100')).toMatchObject({
      code: '370100',
      name: '济南市',
      formerNames: [],
      predecessors: [{ code: '371200', name: '莱芜市', retired: '2019', change: 'merged' }],
    });
    expect(divisionHistory('999999')).toBeUndefined();
  });

  test('a split names several successors', () => {
    expect(lookupDivision('330104')).toMatchObject({
      name: '江干区',
      retired: '2021',
      change: 'split',
      successors: ['330102', '330114'],
    });
    // Two of 汤旺河区's 19 towns match a name elsewhere, one each: a coincidence, not a split.
    expect(lookupDivision('230712')).toMatchObject({
      name: '汤旺河区',
      retired: '2019',
      change: 'retired',
      successors: [],
    });
  });

  test('a code renamed in place keeps its earlier names', () => {
    expect(divisionHistory('360402')?.formerNames).toStrictEqual([{ name: '庐山区', until: '2015' }]);
  });

  test.each(['999999', '110100', '419000', '130101', '000000', '13010', '', '130100 '])(
    '%j is not in the record',
    (code) => {
      expect(lookupDivision(code)).toBeUndefined();
    },
  );

  test('returned objects are copies: changing one does not change the table', () => {
    const division = lookupDivision('371200')!;
    division.name = 'changed';
    division.successors!.push('110000');
    expect(lookupDivision('371200')).toMatchObject({ name: '莱芜市', successors: ['370100'] });
  });

  test('every entry has a 6-digit code, a name, and a parent that is in the table one level up', () => {
    const divisions = listDivisions();
    expect(divisions.length).toBeGreaterThan(3000);
    const levels = new Map(divisions.map((division) => [division.code, division.level]));
    for (const division of divisions) {
      expect(division.code).toMatch(/^\d{6}$/);
      expect(division.name.length).toBeGreaterThan(0);
      for (const successor of division.successors ?? []) expect(levels.has(successor)).toBe(true);
      if (division.level === 'province') {
        expect(division.parent).toBeUndefined();
        continue;
      }
      expect(levels.get(division.parent!)).toMatch(division.level === 'city' ? /^province$/ : /^(city|province)$/);
      expect(division.parent!.slice(0, 2)).toBe(division.code.slice(0, 2));
    }
  });
});

describe('allocatableIn (R-ALLOC-2: retired codes are closed to new creates)', () => {
  test('the record covers the editions 2015 to 2023, the newest is the default', () => {
    expect(divisionEditions().map((edition) => edition.edition)).toStrictEqual([
      '2015',
      '2016',
      '2017',
      '2018',
      '2019',
      '2020',
      '2021',
      '2022',
      '2023',
    ]);
    expect(latestDivisionEdition()).toBe('2023');
  });

  test.each([
    ['370100', undefined, true],
    ['371200', undefined, false],
    ['371200', '2018', true],
    ['371200', '2019', false],
    ['370116', '2018', false],
    ['370116', '2019', true],
    ['999999', undefined, false],
    // An edition the record does not cover is read as the newest.
    ['371200', '2030', false],
    ['371200', '1999', false],
  ])('%s under %s: %s', (code, edition, expected) => {
    expect(allocatableIn(code, edition)).toBe(expected);
  });
});

describe('divisionEditionText', () => {
  test('every covered edition rebuilds to the digest the record took of it, so a published copy can be checked', async () => {
    const { createHash } = await import('node:crypto');
    for (const edition of divisionEditions()) {
      const text = divisionEditionText(edition.edition)!;
      expect(`sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`, edition.edition).toBe(edition.digest);
      expect(text.split('\n').length - 1, edition.edition).toBe(edition.divisions);
    }
  });

  test('Laiwu is in the 2018 table and not in the newest; an edition the record does not cover has none', () => {
    expect(divisionEditionText('2018')).toContain('\n371200 莱芜市\n');
    expect(divisionEditionText(latestDivisionEdition())).not.toContain('371200 ');
    expect(divisionEditionText('1999')).toBeUndefined();
  });
});
