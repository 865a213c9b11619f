// C2SP tlog-checkpoint note text (c2sp.org/tlog-checkpoint).
import { describe, expect, it } from 'vitest';
import { formatCheckpoint, parseCheckpoint, parseNote, TlogError } from '../src/index.ts';
import { fromB64 } from './helpers.ts';

// The example in c2sp.org/tlog-checkpoint.
const SPEC_NOTE =
  'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n' +
  '— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n';

const codeOf = (text: string) => {
  try {
    parseCheckpoint(text);
    return undefined;
  } catch (error) {
    return (error as TlogError).code;
  }
};

describe('tlog-checkpoint', () => {
  it('parses the spec example and formats it back', () => {
    const { text, signatures } = parseNote(SPEC_NOTE);
    const cp = parseCheckpoint(text);
    expect(cp).toEqual({
      origin: 'example.com/behind-the-sofa',
      size: 20852163,
      rootHash: fromB64('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I='),
      extensions: [],
    });
    expect(formatCheckpoint(cp)).toBe(text);
    expect(signatures[0]!.name).toBe(cp.origin);
  });

  it('keeps extension lines', () => {
    const text = 'log.example\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nextension one\nsecond\n';
    const cp = parseCheckpoint(text);
    expect(cp.size).toBe(0);
    expect(cp.extensions).toEqual(['extension one', 'second']);
    expect(formatCheckpoint(cp)).toBe(text);
  });

  it.each([
    ['no final newline', 'o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I='],
    ['two lines', 'o\n1\n'],
    ['empty origin', '\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n'],
    ['leading zero', 'o\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n'],
    ['sign', 'o\n+1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n'],
    ['size beyond 2^53', 'o\n9007199254740992\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n'],
    ['short hash', 'o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2=\n'],
    ['unpadded hash', 'o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n'],
    ['empty extension line', 'o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\nx\n'],
  ])('rejects %s', (_, text) => {
    expect(codeOf(text)).toBe('MALFORMED_CHECKPOINT');
  });

  it('refuses to format a checkpoint that would not parse', () => {
    const rootHash = new Uint8Array(32);
    expect(() => formatCheckpoint({ origin: '', size: 1, rootHash, extensions: [] })).toThrow(TlogError);
    expect(() => formatCheckpoint({ origin: 'o', size: 1, rootHash, extensions: ['a\nb'] })).toThrow(TlogError);
    expect(() => formatCheckpoint({ origin: 'o', size: -1, rootHash, extensions: [] })).toThrow(RangeError);
    expect(() => formatCheckpoint({ origin: 'o', size: 1, rootHash: new Uint8Array(31), extensions: [] })).toThrow(
      RangeError,
    );
  });
});
