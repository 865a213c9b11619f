/**
 * The container rules of docs/conformance.md §1.4, checked by parsing the Dockerfile (there is no Docker engine here),
 * the Dockerfile linted with dockerfile-utils (the validator behind the Dockerfile language server), and the
 * Universal Resolver snippets.
 */
import { readFileSync } from 'node:fs';
import { parseDid } from '@did-city/method';
import { validate } from 'dockerfile-utils';
import { describe, expect, test } from 'vitest';
import { ENV_PREFIX, SETTINGS } from '../src/config.ts';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const manifest = JSON.parse(read('package.json')) as { version: string };

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions: comments dropped, backslash continuations joined, keywords upper-cased. */
function parseDockerfile(text: string): Instruction[] {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return logical
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

interface Image {
  name: string;
  /** The Dockerfile, relative to the driver's directory. */
  dockerfile: string;
  cmd: string;
}

const IMAGES: Image[] = [
  { name: 'the driver', dockerfile: 'Dockerfile', cmd: '["node", "dist/main.js"]' },
  { name: 'the all-in-one', dockerfile: '../../Dockerfile', cmd: '["node", "dist/serve/main.js"]' },
];

function stagesOf(text: string) {
  const instructions = parseDockerfile(text);
  const globalArgs = new Map(
    instructions
      .slice(
        0,
        instructions.findIndex((instruction) => instruction.keyword === 'FROM'),
      )
      .filter((instruction) => instruction.keyword === 'ARG')
      .map((instruction) => instruction.args.split('=') as [string, string]),
  );
  const stages = instructions.reduce<Instruction[][]>((all, instruction) => {
    if (instruction.keyword === 'FROM') all.push([]);
    all.at(-1)?.push(instruction);
    return all;
  }, []);
  const baseImage = (from: Instruction) =>
    from.args.split(/\s+/)[0]!.replace(/^\$\{(\w+)\}$/, (_m, name: string) => globalArgs.get(name) ?? '');
  return { stages, runtime: stages.at(-1)!, baseImage };
}

const find = (stage: Instruction[], keyword: string) => stage.filter((instruction) => instruction.keyword === keyword);

describe.each(IMAGES)(
  'Container, $name: multi-stage, Node 22 LTS, non-root user, EXPOSE 8080, HEALTHCHECK, versioned',
  (image) => {
    const text = read(image.dockerfile);
    const { stages, runtime, baseImage } = stagesOf(text);

    test('the Dockerfile lints clean with dockerfile-utils (and the linter does flag a broken one)', () => {
      expect(validate(text)).toEqual([]);
      const broken = validate('FROM node:22.23.3-bookworm-slim\nHEALTHCHECK CMD\nCOPY only-one-argument\n');
      expect(broken.map((diagnostic) => diagnostic.message)).toEqual([
        'Missing command after HEALTHCHECK CMD',
        'COPY requires at least two arguments',
      ]);
    });

    test('multi-stage: a builder stage, and a runtime stage that copies from it', () => {
      expect(stages.length).toBeGreaterThanOrEqual(2);
      expect(stages[0]![0]!.args).toMatch(/\bAS builder$/i);
      expect(find(runtime, 'COPY').some((copy) => copy.args.includes('--from=builder'))).toBe(true);
      expect(find(stages[0]!, 'RUN').some((run) => run.args.includes('--frozen-lockfile'))).toBe(true);
    });

    test('every base image is Node 22 (LTS) pinned to a patch release (no latest, no floating major)', () => {
      for (const stage of stages) expect(baseImage(stage[0]!)).toMatch(/^node:22\.\d+\.\d+-[a-z]+(-slim)?$/);
    });

    test('the runtime stage runs as a non-root user', () => {
      const users = find(runtime, 'USER');
      expect(users.length).toBeGreaterThan(0);
      expect(users.at(-1)!.args).not.toMatch(/^(root|0)(:|$)/);
    });

    test('EXPOSE 8080 and PORT 8080', () => {
      expect(find(runtime, 'EXPOSE').map((expose) => expose.args)).toContain('8080');
      expect(find(runtime, 'ENV').some((env) => /\bPORT=8080\b/.test(env.args))).toBe(true);
    });

    test('HEALTHCHECK runs node against GET /health (the slim image has no curl)', () => {
      const [healthcheck] = find(runtime, 'HEALTHCHECK');
      expect(healthcheck?.args).toMatch(/CMD \["node",/);
      expect(healthcheck?.args).toContain('/health');
    });

    test('versioned LABELs matching package.json, and the entry point', () => {
      const labels = find(runtime, 'LABEL')
        .map((label) => label.args)
        .join(' ');
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile build argument, not a template literal
      expect(labels).toContain('org.opencontainers.image.version="${VERSION}"');
      expect(find(runtime, 'ARG').map((arg) => arg.args)).toContain(`VERSION=${manifest.version}`);
      expect(find(runtime, 'CMD')[0]?.args).toBe(image.cmd);
    });
  },
);

describe('ignore files', () => {
  const patterns = (path: string) =>
    read(path)
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'));

  test('the root .dockerignore keeps node_modules, build output, git, data directories, keys and secrets out', () => {
    expect(patterns('../../.dockerignore')).toEqual(
      expect.arrayContaining([
        '**/node_modules',
        '**/dist',
        '**/data',
        '**/keys',
        '**/tokens.json',
        '.git',
        '**/.env',
        '**/*.key',
      ]),
    );
  });

  test("the driver's Dockerfile.dockerignore (BuildKit reads it first) has the same patterns", () => {
    expect(patterns('Dockerfile.dockerignore')).toEqual(patterns('../../.dockerignore'));
  });

  test('the all-in-one keeps its data in a volume owned by its non-root user', () => {
    const { runtime } = stagesOf(read('../../Dockerfile'));
    expect(find(runtime, 'VOLUME').map((volume) => volume.args)).toEqual(['["/data"]']);
    expect(find(runtime, 'ENV').some((env) => /\bDATA_DIR=\/data\b/.test(env.args))).toBe(true);
  });
});

describe('Universal Resolver pull request snippets', () => {
  const application = read('uni-resolver/application.yml');
  const compose = read('uni-resolver/docker-compose.yml');
  const dotEnv = read('uni-resolver/.env');
  const webEnvironment = read('uni-resolver/uni-resolver-web-environment.yml');
  const tableRow = read('uni-resolver/driver-table-row.md');

  test('application.yml: pattern, url, testIdentifiers, traits, supportsOptions', () => {
    expect(application).toContain('- pattern: "^(did:city:.+)$"');
    // Without $1 HttpDriver appends the DID to the URL (HttpDriver.java lines 100-119): it must end in the route.
    expect(application).toMatch(
      /url: \$\{uniresolver_web_driver_url_did_city:http:\/\/driver-did-city:8080\/1\.0\/identifiers\/\}/,
    );
    expect(application).toContain('supportsOptions: "true"');
    expect(application).toMatch(/traits:\n(\s+\w+: (true|false)\n)+/);
  });

  test('every test identifier matches the pattern and is a valid did:city DID', () => {
    const identifiers = [...application.matchAll(/^\s+- (did:\S+)$/gm)].map((match) => match[1]!);
    expect(identifiers.length).toBeGreaterThanOrEqual(3);
    for (const did of identifiers) {
      expect(did).toMatch(/^(did:city:.+)$/);
      expect(parseDid(did).did).toBe(did);
    }
  });

  test('docker-compose service: the versioned image, the driver host name, settings by their variables', () => {
    expect(compose).toContain(`image: didcity/uni-resolver-driver-did-city:${manifest.version}`);
    expect(compose).toMatch(/^ {2}driver-did-city:$/m);
    for (const [name] of compose.matchAll(/uniresolver_driver_did_city_(\w+)(?=:)/g)) {
      expect(Object.keys(SETTINGS)).toContain(name.slice(ENV_PREFIX.length));
    }
  });

  test('the compose service sets the universal-resolver profile itself, on host port 8169', () => {
    expect(compose).toMatch(/^ {6}uniresolver_driver_did_city_profile: universal-resolver$/m);
    expect(compose).not.toContain('errorStyle');
    expect(compose).toMatch(/^ {6}- "8169:8080"$/m);
  });

  test('the uni-resolver-web environment line and the driver table row', () => {
    expect(webEnvironment).toMatch(/^ {6}uniresolver_web_driver_url_did_city:$/m);
    const row = tableRow.split('\n').find((line) => line.startsWith('| [did-city]'));
    expect(row?.split(' | ')).toHaveLength(5);
    expect(row).toContain(`| ${manifest.version} |`);
  });

  test('.env lines name known settings', () => {
    const names = [...dotEnv.matchAll(/^uniresolver_driver_did_city_(\w+)=/gm)].map((match) => match[1]!);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(Object.keys(SETTINGS)).toContain(name);
  });
});
