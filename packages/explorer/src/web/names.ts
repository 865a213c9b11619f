/**
 * English names of divisions. Province-level divisions have their conventional English names (i18n.ts); other
 * divisions are named as China's official English usage forms them: the Hanyu Pinyin of the proper name (GB/T
 * 16159, by pinyin-pro, which reads place-name polyphones such as 重庆, 六安, 蚌埠, 番禺) as one word, with an
 * apostrophe before a syllable starting with a, o or e (Xi'an), followed by the English of the generic suffix
 * (区 District, 县 County, 自治州 Autonomous Prefecture…; a city's 市 is dropped). The page labels these as
 * romanised.
 */
import { pinyin } from 'pinyin-pro';

/** Conventional English names of the province-level divisions (by the first two digits of the code). */
const PROVINCES_EN: Record<string, string> = {
  '11': 'Beijing',
  '12': 'Tianjin',
  '13': 'Hebei',
  '14': 'Shanxi',
  '15': 'Inner Mongolia',
  '21': 'Liaoning',
  '22': 'Jilin',
  '23': 'Heilongjiang',
  '31': 'Shanghai',
  '32': 'Jiangsu',
  '33': 'Zhejiang',
  '34': 'Anhui',
  '35': 'Fujian',
  '36': 'Jiangxi',
  '37': 'Shandong',
  '41': 'Henan',
  '42': 'Hubei',
  '43': 'Hunan',
  '44': 'Guangdong',
  '45': 'Guangxi',
  '46': 'Hainan',
  '50': 'Chongqing',
  '51': 'Sichuan',
  '52': 'Guizhou',
  '53': 'Yunnan',
  '54': 'Tibet',
  '61': 'Shaanxi',
  '62': 'Gansu',
  '63': 'Qinghai',
  '64': 'Ningxia',
  '65': 'Xinjiang',
  '71': 'Taiwan',
  '81': 'Hong Kong',
  '82': 'Macao',
};

export function provinceEnglish(code: string): string | undefined {
  return PROVINCES_EN[code.slice(0, 2)];
}

const SUFFIXES: ReadonlyArray<readonly [string, string]> = [
  ['特别行政区', 'SAR'],
  ['自治区', 'Autonomous Region'],
  ['自治州', 'Autonomous Prefecture'],
  ['自治县', 'Autonomous County'],
  ['自治旗', 'Autonomous Banner'],
  ['林区', 'Forestry District'],
  ['新区', 'New Area'],
  ['地区', 'Prefecture'],
  ['省', ''],
  ['市', ''],
  ['区', 'District'],
  ['县', 'County'],
  ['盟', 'League'],
  ['旗', 'Banner'],
];

export function romanise(proper: string): string {
  const syllables = pinyin(proper, { toneType: 'none', type: 'array', v: true }) as string[];
  const word = syllables.map((s, i) => (i > 0 && /^[aoe]/.test(s) ? `'${s}` : s)).join('');
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** The English name of a division: conventional for a province, romanised otherwise. */
export function englishName(code: string, name: string, level: string): string {
  if (level === 'province') return provinceEnglish(code) ?? romanise(name);
  const [suffix, english] = SUFFIXES.find(([s]) => name.endsWith(s) && name.length > s.length) ?? ['', ''];
  const proper = romanise(name.slice(0, name.length - suffix.length));
  return english === '' ? proper : `${proper} ${english}`;
}
