/**
 * `did-city issuer`: every setting of an issuer service. Flags win over variables, variables over defaults; the
 * request limits, trusted proxies and outbound fetches are read from the variables of their rows.
 */
import { type SettingsTable, text } from '@did-city/method/settings';
import {
  dataDirSetting,
  FETCH_SETTINGS,
  LISTEN_SETTINGS,
  RATE_LIMIT_SETTINGS,
  TRUST_PROXY_SETTINGS,
} from './common.ts';

export const ISSUER_SETTINGS = {
  did: { flag: 'did', value: 'DID', default: 'did:city:cn', doc: 'the issuer DID', parse: text },
  key: { flag: 'key', value: 'N', required: true, doc: 'signing key (from the key file)', parse: text },
  keyId: {
    flag: 'key-id',
    value: 'ID',
    default: '#key-1',
    doc: 'its verification method id in the DID document',
    parse: text,
  },
  token: { env: 'DID_CITY_ISSUER_TOKEN', flag: 'token', value: 'T', doc: 'token for the write endpoints', parse: text },
  dataDir: dataDirSetting(),
  publicUrl: {
    flag: 'public-url',
    value: 'URL',
    defaultDoc: 'http://localhost:<port>',
    doc: 'base URL status lists are published at',
    parse: text,
  },
  ...LISTEN_SETTINGS,
  ...RATE_LIMIT_SETTINGS,
  ...TRUST_PROXY_SETTINGS,
  ...FETCH_SETTINGS,
} satisfies SettingsTable;
