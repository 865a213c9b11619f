// Settings: every message names this driver's variable, defaults are the documented ones, and what
// /1.0/properties shows carries no credentials.
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_PORT, ENV_PREFIX, loadSettings, publicProperties, SETTINGS } from '../src/config.ts';

const policy =
  'log did-city-ledger+3b4f2e1a+AbcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS https://ledger.example/\nquorum none\n';
const env = (settings: Record<string, string>) =>
  Object.fromEntries(Object.entries(settings).map(([k, v]) => [ENV_PREFIX + k, v]));

function refusal(settings: Record<string, string>): string {
  try {
    loadSettings(env(settings));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

describe('registrar driver settings', () => {
  it('names its own variables when a setting is missing or unusable', () => {
    expect(refusal({})).toMatch(/^uniregistrar_driver_did_city_ledgerUrl is not set/);
    expect(refusal({ ledgerUrl: 'ftp://x' })).toMatch(
      /^uniregistrar_driver_did_city_ledgerUrl="ftp:\/\/x" must be an http\(s\) URL/,
    );
    expect(refusal({ ledgerUrl: 'http://ledger:8080' })).toMatch(
      /^uniregistrar_driver_did_city_trustPolicy is not set/,
    );
    expect(refusal({ ledgerUrl: 'http://ledger:8080', trustPolicy: policy, maxJobs: '0' })).toBe(
      `${ENV_PREFIX}maxJobs="0" must be an integer from 1 to 1000000`,
    );
    expect(refusal({ ledgerUrl: 'http://ledger:8080', trustPolicy: policy, signTtl: '5' })).toMatch(
      /signTtl="5" must be an integer from 10/,
    );
    expect(refusal({ ledgerUrl: 'http://ledger:8080', trustPolicy: policy, genesis: '{"did:city:cn": {}}' })).toMatch(
      /^uniregistrar_driver_did_city_genesis/,
    );
  });

  it('has the documented defaults, and hides credentials from the properties', () => {
    const settings = loadSettings(env({ ledgerUrl: 'http://user:secret@ledger:8080/', trustPolicy: policy }));
    expect(settings).toMatchObject({
      port: DEFAULT_PORT,
      dataDir: SETTINGS.dataDir.default,
      maxJobs: 1000,
      signTtl: 900,
      jobTtl: 2_592_000,
      resultTtl: 86_400,
      pollInterval: 30,
    });
    expect(settings.jobsFile).toMatch(/jobs\.db$/);
    const shown = JSON.stringify(publicProperties(settings));
    expect(shown).not.toContain('secret');
    expect(publicProperties(settings)).toMatchObject({
      ledgerUrl: 'http://ledger:8080/',
      trustPolicy: 'inline',
      clientSecretMode: true,
    });
    expect(loadSettings({ ...env({ ledgerUrl: 'http://ledger:8080/', trustPolicy: policy }), PORT: '7000' }).port).toBe(
      7000,
    );
  });
});
