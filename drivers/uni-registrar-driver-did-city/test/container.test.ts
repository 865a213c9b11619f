/**
 * The image and the Universal Registrar snippets, checked by parsing them (there is no Docker engine here): the
 * Dockerfile lints clean with dockerfile-utils and parses with dockerfile-ast (the parser behind it), is multi-stage
 * on Node 22 LTS, runs as a non-root user, exposes the port the driver listens on, checks its health and carries the
 * package version; the compose service, .env lines and application.yml entry name only settings the driver reads.
 */
import { readFileSync } from 'node:fs';
import { DockerfileParser } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { describe, expect, test } from 'vitest';
import { DEFAULT_PORT, ENV_PREFIX, SETTINGS } from '../src/config.ts';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const { version } = JSON.parse(read('package.json')) as { version: string };
const dockerfile = read('Dockerfile');
const instructions = DockerfileParser.parse(dockerfile).getInstructions();
const stages = instructions.filter((i) => i.getKeyword() === 'FROM').length;
const lastFrom = instructions.findLastIndex((i) => i.getKeyword() === 'FROM');
const runtime = instructions.slice(lastFrom);
const args = (keyword: string, within = runtime) =>
  within.filter((i) => i.getKeyword() === keyword).map((i) => i.getArgumentsContent() ?? '');

describe('the Dockerfile', () => {
  test('lints clean with dockerfile-utils', () => {
    expect(validate(dockerfile)).toEqual([]);
  });

  test('builds in one stage and runs from a second, on a pinned Node 22 LTS image', () => {
    expect(stages).toBe(2);
    const pin = args('ARG', instructions.slice(0, 2)).find((arg) => arg.startsWith('NODE_IMAGE='));
    expect(pin).toMatch(/^NODE_IMAGE=node:22\.\d+\.\d+-[a-z]+(-slim)?$/);
    // One Node release for every image of the repository.
    expect(read('../uni-resolver-driver-did-city/Dockerfile')).toContain(`ARG ${pin}\n`);
    expect(args('FROM', instructions)).toEqual(['${NODE_IMAGE} AS builder', '${NODE_IMAGE} AS runtime']);
  });

  test('runs as a non-root user, exposes the driver port, checks /health, keeps jobs in a volume', () => {
    expect(args('USER')).toEqual(['1000:1000']);
    expect(args('EXPOSE')).toEqual([String(DEFAULT_PORT)]);
    expect(args('HEALTHCHECK').join(' ')).toContain('/health');
    expect(args('VOLUME')).toEqual(['["/data"]']);
    expect(args('ENV').join(' ')).toContain(`${ENV_PREFIX}dataDir=/data`);
    expect(args('ARG')).toContain(`VERSION=${version}`);
    expect(args('CMD')).toEqual(['["node", "dist/main.js"]']);
  });
});

test("the Dockerfile.dockerignore (BuildKit reads it first) has the root .dockerignore's patterns", () => {
  const patterns = (path: string) =>
    read(path)
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'));
  expect(patterns('Dockerfile.dockerignore')).toEqual(patterns('../../.dockerignore'));
  expect(patterns('Dockerfile.dockerignore')).toEqual(
    expect.arrayContaining(['**/data', '**/keys', '**/tokens.json', '**/*.key']),
  );
  // The GB/T 2260 record is the method library's data, read at run time: it must reach the build.
  const data = patterns('Dockerfile.dockerignore');
  expect(data.indexOf('!packages/method/data')).toBeGreaterThan(data.indexOf('**/data'));
});

describe('the Universal Registrar snippets', () => {
  const known = new Set(Object.keys(SETTINGS).map((name) => ENV_PREFIX + name));

  test('the compose service runs this version and passes only settings the driver reads', () => {
    const compose = read('uni-registrar/docker-compose.yml');
    expect(compose).toContain(`image: didcity/uni-registrar-driver-did-city:${version}`);
    expect(compose).toContain(`:${DEFAULT_PORT}"`);
    const passed = [...compose.matchAll(/^\s+(uniregistrar_driver_did_city_\w+):/gm)].map((m) => m[1]!);
    expect(passed.length).toBeGreaterThan(2);
    for (const name of passed) expect(known, name).toContain(name);
    expect(compose).toContain('/data');
  });

  test('the .env lines name known settings, the required ones included', () => {
    const names = [...read('uni-registrar/env.txt').matchAll(/^(\w+)=/gm)].map((m) => m[1]!);
    for (const name of names) expect(known, name).toContain(name);
    expect(names).toEqual(expect.arrayContaining([`${ENV_PREFIX}ledgerUrl`, `${ENV_PREFIX}trustPolicy`]));
  });

  test('the application.yml entry is method city at the driver port, and the README row names the version', () => {
    const entry = read('uni-registrar/application.yml');
    expect(entry).toMatch(/- method: city\n\s+url: http:\/\/driver-did-city:(\d+)\//);
    expect(entry).toContain(`:${DEFAULT_PORT}/`);
    expect(entry).toMatch(/updatable: true[\s\S]*deactivatable: true/);
    expect(read('uni-registrar/README-row.md')).toContain(`| ${version} |`);
  });
});
