/**
 * One settings table per server, and one genesis-pin parser for all of them. Fails when a copy drifts: a command's
 * flags, a variable in deploy/, a README settings table, a documented default that the library no longer uses, or a
 * genesis file that one server accepts and another refuses.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RateLimitSetting } from '@did-city/ledger';
import { generateKeyPair, keyHash, parseGenesisPolicy } from '@did-city/method';
import { FETCH_DEFAULTS } from '@did-city/method/http';
import { ConfigError, envNames, flagOptions, readSettings, type SettingsTable } from '@did-city/method/settings';
import * as registrar from 'uni-registrar-driver-did-city';
import * as resolver from 'uni-resolver-driver-did-city';
import { describe, expect, test } from 'vitest';
import { run } from '../packages/cli/src/cli.ts';
// The defaults the ledger applies, which its public API does not export.
import { DEFAULT_RATE_LIMITS } from '../packages/ledger/src/http/rate-limit.ts';
import { DEFAULT_MAX_PENDING, DEFAULT_PENDING_TTL_MS } from '../packages/ledger/src/registration/registrations.ts';
import { COMMANDS } from '../packages/cli/src/commands/index.ts';
import { Config } from '../packages/cli/src/config.ts';
import { Output } from '../packages/cli/src/output.ts';
import { ALL_IN_ONE_SETTINGS } from '../packages/cli/src/serve/settings.ts';
import {
  DESK_SETTINGS,
  FETCH_SETTINGS,
  LISTEN_SETTINGS,
  RATE_LIMIT_SETTINGS,
} from '../packages/cli/src/settings/common.ts';
import { ISSUER_SETTINGS } from '../packages/cli/src/settings/issuer.ts';
import { LEDGER_SETTINGS } from '../packages/cli/src/settings/ledger-node.ts';
import { settingsMarkdown } from '../packages/cli/src/settings/markdown.ts';
import { WITNESS_SETTINGS } from '../packages/cli/src/settings/witness.ts';

const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));
const read = (path: string) => readFileSync(join(REPO, path), 'utf8');

const POLICY = 'log did-city-ledger+3b4f2e1a+AQ https://ledger.example/\nquorum none\n';

function commandOptions(name: string): string[] {
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) throw new Error(`no command ${name}`);
  return Object.keys(command.options).sort();
}

describe('every server command takes its flags from its settings table', () => {
  const servers: Array<[string, SettingsTable[]]> = [
    ['ledger', [LEDGER_SETTINGS]],
    ['witness', [WITNESS_SETTINGS]],
    ['issuer', [ISSUER_SETTINGS]],
    ['serve', [ALL_IN_ONE_SETTINGS]],
    // The driver listens where the CLI's servers do; the rest are the driver's own rows.
    ['driver', [LISTEN_SETTINGS, resolver.SETTINGS]],
  ];
  test.each(servers)('did-city %s', (name, tables) => {
    const options = Object.assign({}, ...tables.map((table) => flagOptions(table)));
    expect(commandOptions(name)).toEqual(Object.keys(options).sort());
    const command = COMMANDS.find((c) => c.name === name)!;
    for (const [flag, option] of Object.entries(options)) expect(command.options[flag], flag).toEqual(option);
  });

  test("did-city driver's flags reach the driver as its own settings (not re-encoded as variables)", () => {
    const settings = resolver.loadSettings({}, undefined, {
      'cache-ttl': '7',
      'refuse-no-cache': true,
      profile: 'universal-resolver',
    });
    expect(settings).toMatchObject({
      cacheTtl: 7,
      refuseNoCache: true,
      profile: 'universal-resolver',
      errorStyle: 'short',
    });
    expect(() => resolver.loadSettings({}, undefined, { freshness: '9999' })).toThrow(
      /^--freshness="9999" must be an integer from 0 to 3600$/,
    );
    // A flag wins over the variable.
    const env = { [resolver.SETTINGS.cacheTtl.env]: '30' };
    expect(resolver.loadSettings(env, undefined, { 'cache-ttl': '5' }).cacheTtl).toBe(5);
    expect(resolver.loadSettings(env).cacheTtl).toBe(30);
  });
});

describe('the deployment files name only settings the servers read', () => {
  const variables = (path: string) => [...read(path).matchAll(/^([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((m) => m[1]!);
  test.each(['institute-a', 'institute-b', 'institute-c'])('deploy/three-institutes/%s', (institute) => {
    const dir = `deploy/three-institutes/${institute}`;
    const cases: Array<[string, SettingsTable]> = [
      ['ledger-node.env', LEDGER_SETTINGS],
      ['witness.env', WITNESS_SETTINGS],
      ['driver.env', resolver.SETTINGS],
    ];
    for (const [file, table] of cases) {
      const names = variables(`${dir}/${file}`);
      expect(names.length, file).toBeGreaterThan(3);
      for (const name of names) expect(envNames(table), `${file}: ${name}`).toContain(name);
    }
  });

  test('every ledger-node.env reads as settings (the ledger table parses it)', () => {
    const text = read('deploy/three-institutes/institute-a/ledger-node.env');
    const env = Object.fromEntries([...text.matchAll(/^(\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
    // The files it names exist only on the institute's machine: give the genesis pins inline here.
    const pins = JSON.stringify({ 'did:city:cn': { updateKeys: [generateKeyPair().publicKeyMultibase] } });
    const { values, from } = readSettings(LEDGER_SETTINGS, { env: { ...env, DID_CITY_LEDGER_GENESIS_FILE: pins } });
    expect(values.listen).toEqual({ host: '0.0.0.0', port: 8443 });
    expect(values.witness?.map(([name]) => name)).toEqual(['institute-a', 'institute-b', 'institute-c']);
    expect(values).toMatchObject({
      batchIntervalMs: 100,
      maxBatch: 256,
      ackTimeoutMs: 30000,
      leadershipRetryMs: 500,
      allowUnpinnedGenesis: false,
    });
    expect(from.origin).toBe('env');
  });
});

describe('the README settings tables are the tables', () => {
  const cli = read('packages/cli/README.md');
  test.each([
    ['ledger', LEDGER_SETTINGS],
    ['witness', WITNESS_SETTINGS],
    ['issuer', ISSUER_SETTINGS],
    ['serve', ALL_IN_ONE_SETTINGS],
  ] as const)('packages/cli/README.md, %s', (name, table) => {
    const block = new RegExp(`<!-- settings:${name} -->\\n([\\s\\S]*?)\\n<!-- /settings:${name} -->`).exec(cli)?.[1];
    expect(block, `paste between the settings:${name} markers:\n${settingsMarkdown(table)}`).toBe(
      settingsMarkdown(table),
    );
  });

  /** `| \`name\` | default | meaning |` rows of a driver README's settings section. */
  function driverRows(path: string): Map<string, string> {
    const section = read(path).split('\n## Settings\n')[1]!.split('\n## ')[0]!;
    return new Map([...section.matchAll(/^\| `(\w+)` \| ([^|]+) \|/gm)].map((m) => [m[1]!, m[2]!]));
  }

  test.each([
    ['drivers/uni-resolver-driver-did-city/README.md', resolver.SETTINGS],
    ['drivers/uni-registrar-driver-did-city/README.md', registrar.SETTINGS],
  ] as const)('%s: one row per setting, with its default', (path, table) => {
    const rows = driverRows(path);
    expect([...rows.keys()].sort()).toEqual(Object.keys(table).sort());
    for (const [name, row] of Object.entries(table) as Array<[string, { default?: string }]>) {
      if (row.default !== undefined) expect(rows.get(name), name).toContain(`\`${row.default}\``);
    }
  });

  test('the README rows of the limits and outbound fetches name the variables of the tables, with their defaults', () => {
    for (const [, row] of Object.entries(RATE_LIMIT_SETTINGS)) {
      expect(cli).toMatch(new RegExp(`\\| \`${row.env}\` \\|[^\\n]*\\| \`${row.defaultDoc}\` \\|`));
    }
    for (const [, row] of Object.entries(FETCH_SETTINGS)) expect(cli).toContain(`\`${row.env}\``);
  });
});

describe('documented defaults are the ones the libraries apply', () => {
  const asText = (setting: RateLimitSetting) =>
    setting === false
      ? 'off'
      : `${setting.limit}/${setting.windowMs % 3_600_000 === 0 ? `${setting.windowMs / 3_600_000}h` : setting.windowMs / 1000}`;
  test('rate limits, registration desk, outbound fetches', () => {
    expect(RATE_LIMIT_SETTINGS.rateWrites.defaultDoc).toBe(asText(DEFAULT_RATE_LIMITS.writes));
    expect(RATE_LIMIT_SETTINGS.rateReads.defaultDoc).toBe(asText(DEFAULT_RATE_LIMITS.reads));
    expect(RATE_LIMIT_SETTINGS.rateApplications.defaultDoc).toBe(asText(DEFAULT_RATE_LIMITS.applications));
    expect(RATE_LIMIT_SETTINGS.rateApplicationsTotal.defaultDoc).toBe(asText(DEFAULT_RATE_LIMITS.applicationsTotal));
    expect(DESK_SETTINGS.pendingTtl.defaultDoc).toMatch(new RegExp(`^${DEFAULT_PENDING_TTL_MS / 1000}\\b`));
    expect(DESK_SETTINGS.maxPending.defaultDoc).toBe(String(DEFAULT_MAX_PENDING));
    expect(FETCH_SETTINGS.fetchTimeoutMs.defaultDoc).toBe(String(FETCH_DEFAULTS.timeoutMs));
    expect(FETCH_SETTINGS.fetchMaxBytes.defaultDoc).toBe(String(FETCH_DEFAULTS.maxBytes));
    expect(FETCH_SETTINGS.fetchMaxRedirects.defaultDoc).toBe(String(FETCH_DEFAULTS.maxRedirects));
  });
});

describe('one genesis file works for every server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'did-city-genesis-'));
  const key = generateKeyPair().publicKeyMultibase;
  const pins = { 'did:city:cn': { updateKeys: [key] }, 'did:city:test:cn': { operationHash: keyHash(key) } };

  /** The pins as each server reads a file (or inline text) holding them, or its error message. */
  function everyServer(value: string): Record<string, unknown> {
    const outcome = (read: () => unknown) => {
      try {
        return read();
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
    };
    const silent = new Output({ json: false, stderr: { write: () => true } as unknown as NodeJS.WritableStream });
    return {
      ledger: outcome(() => readSettings(LEDGER_SETTINGS, { env: {}, flags: { genesis: value } }).values.genesis?.pins),
      ledgerEnv: outcome(
        () => readSettings(LEDGER_SETTINGS, { env: { DID_CITY_LEDGER_GENESIS_FILE: value } }).values.genesis?.pins,
      ),
      cli: outcome(() => new Config({}, silent, { DID_CITY_GENESIS: value }).genesis()),
      resolverDriver: outcome(() => resolver.loadSettings({ [resolver.SETTINGS.genesis.env]: value }).genesis?.pins),
      registrarDriver: outcome(
        () =>
          registrar.loadSettings({
            [registrar.SETTINGS.ledgerUrl.env]: 'http://127.0.0.1:9/',
            [registrar.SETTINGS.trustPolicy.env]: POLICY,
            [registrar.SETTINGS.genesis.env]: value,
          }).genesis?.pins,
      ),
    };
  }

  test('the same file, and the same JSON inline, gives the same pins everywhere', () => {
    const file = join(dir, 'genesis.json');
    writeFileSync(file, `${JSON.stringify(pins, null, 2)}\n`);
    for (const value of [file, JSON.stringify(pins)]) {
      for (const [server, read] of Object.entries(everyServer(value))) expect(read, server).toEqual(pins);
    }
  });

  // Each of these was accepted by `did-city ledger --genesis` and refused by the driver before the one parser.
  test.each([
    ['{}', 'it pins no registry'],
    ['{"did:city:cn": {}}', 'the pin of did:city:cn is empty'],
    ['{"did:city:cn:130100": {"operationHash": "zQm"}}', '"did:city:cn:130100" is not a country registry DID'],
    [
      '{"did:city:cn": {"updateKeys": []}}',
      'the updateKeys of did:city:cn must be a non-empty list of Multikey public keys (z6Mk…)',
    ],
    ['{"did:city:cn": {"updateKeys": ["z6Mknot-a-key"]}}', 'the updateKeys of did:city:cn must be a non-empty list'],
    ['{"did:city:cn": {"operationHash": "Qm123"}}', 'the operationHash of did:city:cn is not an operation hash'],
    ['{"did:city:cn": {"operationhash": "zQm"}}', 'the pin of did:city:cn has unknown members: operationhash'],
    ['{"did:city:cn": ', 'is not JSON'],
  ])('%s is refused by every server with the same clear message', (json, problem) => {
    const file = join(dir, `bad-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, json);
    const results = everyServer(file);
    for (const [server, message] of Object.entries(results)) {
      expect(typeof message, server).toBe('string');
      expect(message, server).toContain(problem);
      expect(message, server).toContain(file);
      expect(message, server).toContain('expected {"did:city:cn": {"operationHash": "zQm…"}}');
    }
    const parsed = parseGenesisPolicy(json);
    expect(parsed.ok).toBe(false);
  });

  test('did-city ledger stops at start, exit 2, naming --genesis and the problem', async () => {
    const file = join(dir, 'empty.json');
    writeFileSync(file, '{}');
    let stderr = '';
    const write = (text: string) => {
      stderr += text;
      return true;
    };
    const sink = { write } as unknown as NodeJS.WritableStream;
    const code = await run(['ledger', '--genesis', file, '--data-dir', join(dir, 'data'), '--port', '0'], {
      stdout: sink,
      stderr: sink,
      env: {},
    });
    expect(code).toBe(2);
    expect(stderr).toContain(`--genesis (${file}): it pins no registry`);
  });
});
