/**
 * Settings from `uniresolver_driver_did_city_*` environment variables, and the entry point as a plain process.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keyHash } from '@did-city/method';
import { testKey } from '@did-city/testing';
import { describe, expect, test } from 'vitest';
import { ConfigError, ENV_PREFIX, loadSettings, publicProperties, SETTINGS } from '../src/config.ts';

const env = (settings: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(settings).map(([name, value]) => [name === 'PORT' ? name : ENV_PREFIX + name, value]),
  );

const POLICY = 'log did-city-ledger+3b4f2e1a+AQ https://ledger.example/\nwitness a a+5c2d9e07+AQ\nquorum a\n';
const KEY = testKey('institute-a').publicKeyMultibase;
const PINS = { 'did:city:cn': { operationHash: keyHash(KEY) }, 'did:city:test:cn': { updateKeys: [KEY] } };

describe('loadSettings', () => {
  test('defaults: w3c profile, uri errors, port 8080, max-age 60, noCache allowed, 5 s freshness, no ledger', () => {
    expect(loadSettings({})).toEqual({
      profile: 'w3c',
      errorStyle: 'uri',
      port: 8080,
      cacheTtl: 60,
      refuseNoCache: false,
      freshness: 5,
      maxCheckpointAge: 0,
      checkpointStore: 'data/checkpoints.json',
    });
  });

  test('the universal-resolver profile makes short errors the default; an empty errorStyle (compose, no .env line) too', () => {
    expect(loadSettings(env({ profile: 'universal-resolver' })).errorStyle).toBe('short');
    expect(loadSettings(env({ profile: 'universal-resolver', errorStyle: '' })).errorStyle).toBe('short');
    expect(loadSettings(env({ errorStyle: '' })).errorStyle).toBe('uri');
  });

  test('profile=universal-resolver with errorStyle=uri is refused: uni-resolver-web would answer 500 to every error', () => {
    expect(() => loadSettings(env({ profile: 'universal-resolver', errorStyle: 'uri' }))).toThrow(
      /errorStyle=uri cannot be used with profile=universal-resolver/,
    );
    expect(() => loadSettings(env({ profile: 'uniresolver' }))).toThrow(
      /profile="uniresolver" must be one of: w3c, universal-resolver/,
    );
  });

  test('every setting read from its variable', () => {
    const settings = loadSettings(
      env({
        ledgerUrl: 'https://ledger.example/api/',
        trustPolicy: POLICY,
        genesis: JSON.stringify(PINS),
        profile: 'universal-resolver',
        errorStyle: 'short',
        port: '9000',
        cacheTtl: '0',
        refuseNoCache: 'true',
        freshness: '0',
        maxCheckpointAge: '600',
        checkpointStore: '/var/lib/driver/trust.json',
      }),
    );
    expect(settings).toEqual({
      ledgerUrl: [new URL('https://ledger.example/api/')],
      trustPolicy: { text: POLICY, source: 'inline' },
      genesis: { pins: PINS, source: 'inline' },
      profile: 'universal-resolver',
      errorStyle: 'short',
      port: 9000,
      cacheTtl: 0,
      refuseNoCache: true,
      freshness: 0,
      maxCheckpointAge: 600,
      checkpointStore: '/var/lib/driver/trust.json',
    });
  });

  test('PORT is used when the driver’s own port setting is unset; the own setting wins', () => {
    expect(loadSettings(env({ PORT: '8163' })).port).toBe(8163);
    expect(loadSettings(env({ PORT: '8163', port: '8164' })).port).toBe(8164);
  });

  test('trust policy: inline text (a literal \\n is a newline) or a path to a file', () => {
    const oneLine = loadSettings(env({ trustPolicy: 'log k+1+AQ\\nquorum none' })).trustPolicy;
    expect(oneLine).toEqual({ text: 'log k+1+AQ\nquorum none\n', source: 'inline' });
    const file = join(mkdtempSync(join(tmpdir(), 'did-city-policy-')), 'policy.txt');
    writeFileSync(file, POLICY);
    expect(loadSettings(env({ trustPolicy: file })).trustPolicy).toEqual({ text: POLICY, source: file });
  });

  test('ledger URL: one, or several comma-separated, in order (blanks around the commas ignored)', () => {
    const urls = loadSettings(
      env({ ledgerUrl: 'http://node-a:8080/, https://node-b.example/api/,http://10.0.0.3:8080' }),
    ).ledgerUrl;
    expect(urls?.map((url) => url.href)).toEqual([
      'http://node-a:8080/',
      'https://node-b.example/api/',
      'http://10.0.0.3:8080/',
    ]);
  });

  test('genesis pins: inline JSON or a path to a file holding it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'did-city-genesis-')), 'genesis.json');
    writeFileSync(file, JSON.stringify(PINS));
    expect(loadSettings(env({ genesis: file })).genesis).toEqual({ pins: PINS, source: file });
    expect(loadSettings(env({ genesis: ` ${JSON.stringify(PINS)}\n` })).genesis).toEqual({
      pins: PINS,
      source: 'inline',
    });
  });

  test.each([
    [
      { genesis: '{"did:city:cn":' },
      /genesis \(inline\) is not JSON .*expected \{"did:city:cn": \{"operationHash": "zQm…"\}\}/,
    ],
    [{ genesis: '/nonexistent/genesis.json' }, /genesis: cannot read the genesis file "\/nonexistent\/genesis.json"/],
    [{ genesis: '{}' }, /genesis \(inline\): it pins no registry/],
    [
      { genesis: '{"did:city:cn:130100":{"operationHash":"zQm"}}' },
      /"did:city:cn:130100" is not a country registry DID/,
    ],
    [{ genesis: '{"did:city:cn":"zQmabc"}' }, /the pin of did:city:cn is not an object/],
    [{ genesis: '{"did:city:cn":{}}' }, /the pin of did:city:cn is empty/],
    [{ genesis: '{"did:city:cn":{"hash":"zQm"}}' }, /the pin of did:city:cn has unknown members: hash/],
    [
      { genesis: '{"did:city:cn":{"operationHash":"Qm123"}}' },
      /the operationHash of did:city:cn is not an operation hash/,
    ],
    [
      { genesis: '{"did:city:cn":{"updateKeys":[]}}' },
      /the updateKeys of did:city:cn must be a non-empty list of Multikey/,
    ],
    [
      { genesis: '{"did:city:cn":{"updateKeys":["z6Mknot-a-key"]}}' },
      /the updateKeys of did:city:cn must be a non-empty list of Multikey/,
    ],
    [{ ledgerUrl: 'http://node-a:8080/,,http://node-b:8080/' }, /comma-separated list of them \(in the list, ""\)/],
    [
      { ledgerUrl: 'http://node-a:8080/, ftp://node-b/' },
      /must be an http\(s\) URL or a comma-separated list of them \(in the list, "ftp:\/\/node-b\/"\)/,
    ],
  ])('%o → ConfigError naming the variable and what it accepts', (settings, message) => {
    expect(() => loadSettings(env(settings as Record<string, string>))).toThrow(ConfigError);
    expect(() => loadSettings(env(settings as Record<string, string>))).toThrow(message);
  });

  test.each([
    [{ errorStyle: 'verbose' }, /errorStyle="verbose" must be one of: uri, short/],
    [{ port: 'http' }, /port="http" must be an integer/],
    [{ PORT: '70000' }, /PORT="70000" must be an integer from 0 to 65535/],
    [{ cacheTtl: '-1' }, /cacheTtl="-1"/],
    [{ refuseNoCache: 'yes' }, /refuseNoCache="yes" must be true or false/],
    [{ freshness: '2.5' }, /freshness="2.5" must be an integer from 0 to 3600/],
    [{ freshness: '3601' }, /freshness="3601"/],
    [{ maxCheckpointAge: '-5' }, /maxCheckpointAge="-5" must be an integer from 0 to 31536000/],
    [{ ledgerUrl: 'ftp://ledger.example/' }, /ledgerUrl="ftp:\/\/ledger.example\/" must be an http\(s\) URL/],
    [{ ledgerUrl: 'not a url' }, /must be an http\(s\) URL/],
    [{ trustPolicy: '/nonexistent/policy.txt' }, /cannot read the policy file "\/nonexistent\/policy.txt"/],
  ])('%o → ConfigError naming the variable', (settings, message) => {
    expect(() => loadSettings(env(settings as Record<string, string>))).toThrow(ConfigError);
    expect(() => loadSettings(env(settings as Record<string, string>))).toThrow(message);
  });

  test('SETTINGS documents every setting loadSettings reads', () => {
    expect(Object.keys(SETTINGS).sort()).toEqual([
      'cacheTtl',
      'checkpointStore',
      'errorStyle',
      'freshness',
      'genesis',
      'ledgerUrl',
      'maxCheckpointAge',
      'port',
      'profile',
      'refuseNoCache',
      'trustPolicy',
    ]);
  });

  test('public properties hide credentials in the ledger URL', () => {
    const settings = loadSettings(env({ ledgerUrl: 'https://driver:s3cret@ledger.example/', trustPolicy: POLICY }));
    const properties = publicProperties(settings);
    expect(properties).toEqual({ ledgerUrl: 'https://ledger.example/', trustPolicy: 'inline', refuseNoCache: false });
    expect(JSON.stringify(properties)).not.toContain('s3cret');
    const several = loadSettings(
      env({
        ledgerUrl: 'https://a:s3cret@node-a.example/,https://node-b.example/',
        trustPolicy: POLICY,
        genesis: JSON.stringify(PINS),
      }),
    );
    expect(publicProperties(several)).toEqual({
      ledgerUrl: 'https://node-a.example/,https://node-b.example/',
      trustPolicy: 'inline',
      genesis: 'inline',
      refuseNoCache: false,
    });
  });
});

const DRIVER_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Runs src/main.ts as the container would (through tsx, resolving workspace packages to their sources). */
function runMain(settings: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts'], {
      cwd: DRIVER_DIR,
      env: { PATH: process.env['PATH'] ?? '', ...env(settings) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('src/main.ts as a process fails fast with one clear line when no ledger can be used', () => {
  test('no ledger URL', async () => {
    const { code, stderr } = await runMain({ port: '0' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/uniresolver_driver_did_city_ledgerUrl is not set/);
  });

  test('no trust policy', async () => {
    const { code, stderr } = await runMain({ port: '0', ledgerUrl: 'http://127.0.0.1:9/' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/uniresolver_driver_did_city_trustPolicy is not set/);
  });

  test('a trust policy that is not a usable C2SP tlog-policy', async () => {
    const { code, stderr } = await runMain({ port: '0', ledgerUrl: 'http://127.0.0.1:9/', trustPolicy: POLICY });
    expect(code).toBe(1);
    expect(stderr).toMatch(/uniresolver_driver_did_city_trustPolicy \(inline\) is not a usable C2SP tlog-policy/);
  });

  test('genesis pins that are not JSON', async () => {
    const { code, stderr } = await runMain({
      port: '0',
      ledgerUrl: 'http://127.0.0.1:9/',
      trustPolicy: POLICY,
      genesis: '{"did:city:cn": ',
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/uniresolver_driver_did_city_genesis \(inline\) is not JSON/);
  });

  test('a checkpoint store that cannot be read: no trust on first use instead', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'did-city-store-')), 'checkpoints.json');
    writeFileSync(file, '{"format": "did-city-checkpoints/1", "checkpoints": ');
    const policy = readFileSync(new URL('../../../spec/vectors/ledger/world-checkpoint.json', import.meta.url), 'utf8');
    const trustPolicy = (JSON.parse(policy) as { policy: string }).policy;
    const { code, stderr } = await runMain({
      port: '0',
      ledgerUrl: 'http://127.0.0.1:9/',
      trustPolicy,
      checkpointStore: file,
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /uniresolver_driver_did_city_checkpointStore: the checkpoint store .* cannot be used \(not JSON\)/,
    );
    expect(readFileSync(file, 'utf8')).toContain('"checkpoints": ');
  });

  test('a bad setting', async () => {
    const { code, stderr } = await runMain({ errorStyle: 'loud' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/errorStyle="loud"/);
  });
});
