/**
 * @did-city/method/settings — the settings tables of the did:city servers and the parsers they share.
 *
 * @example
 * import { port, readSettings } from '@did-city/method/settings';
 * const { values } = readSettings({ port: { env: 'PORT', default: '8080', doc: 'HTTP port', parse: port } }, { env: process.env });
 */
export {
  boolean,
  count,
  type FromText,
  type GenesisSetting,
  genesisPins,
  httpUrl,
  httpUrlList,
  integer,
  type Listen,
  listen,
  namedValue,
  namedValues,
  oneOf,
  policyText,
  port,
  positive,
  readSettingFile,
  text,
} from './parsers.ts';
export {
  ConfigError,
  type Env,
  envNames,
  envValue,
  type FlagOption,
  type FlagValues,
  flagDoc,
  flagOptions,
  NODE_IO,
  type ParseContext,
  type Parser,
  readSettings,
  type Setting,
  type SettingIo,
  type SettingSource,
  type SettingSources,
  type SettingsTable,
  type SettingValue,
  type SettingValues,
} from './table.ts';
