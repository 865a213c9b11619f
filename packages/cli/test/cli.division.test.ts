/** `did-city division show`: a code's history from the bundled record of change (spec §2.1), no ledger needed. */
import { describe, expect, it } from 'vitest';
import { cli } from './cli-fixtures.ts';

describe('did-city division show', () => {
  it('Laiwu 371200: retired in 2019, merged into Jinan, closed to new creates', async () => {
    const { code, stdout } = await cli(['division', 'show', '371200']);
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        '371200 莱芜市 (city, in 370000 山东省)',
        '  listed in   editions 2015 (the oldest edition of the record, or earlier) until 2019, retired in edition 2019',
        '  change      merged into 370100 济南市',
        '  DID         did:city:cn:371200: valid for existing DIDs and their history, closed to new creates (R-ALLOC-2)',
        '',
      ].join('\n'),
    );
  });

  it('Jinan by DID, as JSON: its predecessor; --edition 2018 still allocates Laiwu; unknown codes exit 1', async () => {
    const jinan = await cli(['division', 'show', 'did:city:cn:370100', '--json']);
    expect(JSON.parse(jinan.stdout)).toMatchObject({
      did: 'did:city:cn:370100',
      allocatable: true,
      predecessors: [{ code: '371200', change: 'merged', retired: '2019' }],
    });
    const before = await cli(['division', 'show', '371200', '--edition', '2018', '--json']);
    expect(JSON.parse(before.stdout)).toMatchObject({ retired: '2019', edition: '2018', allocatable: true });
    const unknown = await cli(['division', 'show', '130101']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('130101 is in no edition of the bundled GB/T 2260 record');
    expect((await cli(['division', 'show', 'laiwu'])).code).toBe(2);
  });
});
