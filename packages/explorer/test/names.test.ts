/** English names of divisions (src/web/names.ts): conventional for provinces, Hanyu Pinyin plus the suffix otherwise. */
import { lookupDivision } from '@did-city/method';
import { describe, expect, it } from 'vitest';
import { englishName } from '../src/web/names.ts';

const english = (code: string) => {
  const division = lookupDivision(code)!;
  return englishName(code, division.name, division.level);
};

describe('englishName', () => {
  it.each([
    ['110000', 'Beijing'],
    ['150000', 'Inner Mongolia'],
    ['130100', 'Shijiazhuang'],
    ['610100', "Xi'an"],
    ['500000', 'Chongqing'],
    ['341500', "Lu'an"],
    ['340300', 'Bengbu'],
    ['130102', "Chang'an District"],
    ['440113', 'Panyu District'],
    ['222400', 'Yanbianchaoxianzu Autonomous Prefecture'],
    ['130121', 'Jingxing County'],
  ])('%s is %s', (code, name) => {
    expect(english(code)).toBe(name);
  });
});
