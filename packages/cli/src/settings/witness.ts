/**
 * `did-city witness`: every setting of a witness, its flag and its `DID_CITY_WITNESS_*` variable
 * (deploy/three-institutes/institute-X/witness.env). Flags win over variables, variables over defaults.
 */
import { listen, type Parser, type SettingsTable, text } from '@did-city/method/settings';
import { dataDirSetting, LISTEN_SETTINGS } from './common.ts';

/** Each value as given (a key or a file of keys, read by the command). */
const each: Parser<string[]> = (value) => [value];

export const WITNESS_SETTINGS = {
  dataDir: dataDirSetting('DID_CITY_WITNESS_DATA_DIR'),
  logKey: {
    flag: 'log-key',
    value: 'K',
    multiple: true,
    doc: 'a log verifier key, or a file of them, one per line',
    parse: each,
  },
  logKeysFile: {
    env: 'DID_CITY_WITNESS_LOG_KEYS_FILE',
    doc: 'file of the log verifier keys this witness trusts, one per line',
    parse: text,
  },
  name: {
    env: 'DID_CITY_WITNESS_NAME',
    flag: 'name',
    value: 'N',
    default: 'witness',
    doc: 'witness name in the trust policy',
    parse: text,
  },
  keyFile: {
    env: 'DID_CITY_WITNESS_KEY_FILE',
    flag: 'key-file',
    value: 'FILE',
    defaultDoc: '<data-dir>/witness.key',
    doc: 'witness signer key, created if missing',
    parse: text,
  },
  state: {
    env: 'DID_CITY_WITNESS_STATE',
    flag: 'state',
    value: 'FILE',
    defaultDoc: '<data-dir>/state.db',
    doc: 'witness state database',
    parse: text,
  },
  ...LISTEN_SETTINGS,
  listen: {
    env: 'DID_CITY_WITNESS_LISTEN',
    doc: 'HOST:PORT to listen on, below --host/--port, above HOST/PORT',
    parse: listen,
  },
} satisfies SettingsTable;
