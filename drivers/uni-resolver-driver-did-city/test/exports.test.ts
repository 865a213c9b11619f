// The public API, pinned: adding or removing an export is a deliberate change to this list.
import { expect, it } from 'vitest';
import * as api from '../src/index.ts';

it('uni-resolver-driver-did-city exports exactly the documented API', () => {
  expect(Object.keys(api).sort()).toEqual([
    'ConfigError',
    'ENV_PREFIX',
    'SETTINGS',
    'createDriverApp',
    'createDriverRouter',
    'createLedgerReader',
    'guardReader',
    'loadSettings',
    'publicProperties',
  ]);
});
