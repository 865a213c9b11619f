// The public API, pinned: adding or removing an export is a deliberate change to this list.
import { expect, it } from 'vitest';
import * as api from '../src/index.ts';

it('uni-registrar-driver-did-city exports exactly the documented API', () => {
  expect(Object.keys(api).sort()).toEqual([
    'ConfigError',
    'DEFAULT_BODY_LIMIT',
    'DEFAULT_MAX_JOBS',
    'ENV_PREFIX',
    'JobStore',
    'LedgerGateway',
    'REGISTRAR_ERRORS',
    'Registrar',
    'RegistrarError',
    'SETTINGS',
    'classify',
    'createRegistrarApp',
    'loadSettings',
    'problemOf',
    'publicProperties',
  ]);
});
