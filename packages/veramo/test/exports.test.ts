// The public API, pinned: adding or removing an export is a deliberate change to this list.
import { expect, it } from 'vitest';
import * as api from '../src/index.ts';

it('@did-city/veramo exports exactly the documented API', () => {
  expect(Object.keys(api).sort()).toEqual([
    'BitstringStatusListPlugin',
    'CityDIDProvider',
    'contentFromVeramoDocument',
    'getDidCityResolver',
    'kmsSigner',
    'multikeyOf',
    'toCityService',
    'veramoKeyType',
    'withStatusCheck',
  ]);
});
