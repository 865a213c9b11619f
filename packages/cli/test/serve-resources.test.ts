// The registry uses DID-Linked Resources itself: a running all-in-one (loopback) publishes the credentials' JSON
// Schemas, the credentials JSON-LD context and the division table it allocates from as linked resources of
// did:city:cn; the printed `resource get` lines work as printed; a restart publishes nothing twice; a changed
// content (the registry states another edition) becomes a new version linked to the previous one.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BUNDLED_CONTEXTS, BUNDLED_SCHEMAS, CITY_CREDENTIALS_CONTEXT } from '@did-city/issuer';
import {
  currentContent,
  DIVISION_EDITION_SERVICE,
  divisionEditions,
  type LinkedResourceMetadata,
  latestDivisionEdition,
  updateOperation,
} from '@did-city/method';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyPairOf, readKeyFile } from '../src/keyfile.ts';
import { type AllInOne, startAllInOne } from '../src/serve/server.ts';
import { http, REPO, sign, tempDir } from './serve-fixtures.ts';

const REGISTRY = 'did:city:cn';
let temp: ReturnType<typeof tempDir>;
let running: AllInOne;
let logs: string[];

async function start(): Promise<void> {
  logs = [];
  running = await startAllInOne({ port: 0, dataDir: temp.dir, log: (line) => logs.push(line) });
}

async function listed(): Promise<LinkedResourceMetadata[]> {
  const resolved = await http(`${running.url}/1.0/identifiers/${REGISTRY}`);
  expect(resolved.status).toBe(200);
  return resolved.body.didDocumentMetadata.linkedResourceMetadata as LinkedResourceMetadata[];
}

function printed(command: string): string[] {
  return logs.join('\n').split('\n').filter((line) => line.startsWith(`  ${command} `)).map((line) => line.trim());
}

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

beforeAll(async () => {
  temp = tempDir('did-city-serve-resources-');
  await start();
}, 90_000);
afterAll(async () => {
  await running?.close().catch(() => {});
  temp.cleanup();
});

describe('the registry publishes its own linked resources', () => {
  it('lists the four schemas, the context and the division table of its edition under did:city:cn', async () => {
    const resources = await listed();
    expect(resources.map((r) => [r.resourceType, r.resourceName, r.resourceVersion ?? null, r.previousVersionId])).toEqual([
      ['JsonSchema', 'CityIdentityCredential', null, null],
      ['JsonSchema', 'SmartCityPilotCredential', null, null],
      ['JsonSchema', 'AuthorityAccreditationCredential', null, null],
      ['JsonSchema', 'CityDataSharingCredential', null, null],
      ['JsonLdContext', 'CityCredentials', 'v1', null],
      ['DivisionCodeTable', 'GBT2260', latestDivisionEdition(), null],
    ]);
    // The division table's checksum is the digest the bundled record took of that edition.
    const edition = divisionEditions().find((e) => e.edition === latestDivisionEdition())!;
    expect(`sha256:${resources[5]!.checksum}`).toBe(edition.digest);
    expect(resources[5]!.mediaType).toBe('text/plain');
  });

  it('serves each content through the driver, the same bytes as bundled, checked against the anchored checksum', async () => {
    const schema = await fetch(`${running.url}/1.0/identifiers/${REGISTRY}?resourceName=CityIdentityCredential&resourceType=JsonSchema`);
    expect(schema.status).toBe(200);
    expect(schema.headers.get('content-type')).toMatch(/^application\/schema\+json/);
    expect(await schema.json()).toEqual(BUNDLED_SCHEMAS.CityIdentityCredential);
    const context = await fetch(`${running.url}/1.0/identifiers/${REGISTRY}?resourceName=CityCredentials&resourceType=JsonLdContext`);
    expect(await context.json()).toEqual(BUNDLED_CONTEXTS.get(CITY_CREDENTIALS_CONTEXT));
    const table = await fetch(`${running.url}/1.0/identifiers/${REGISTRY}?resourceType=DivisionCodeTable&resourceName=GBT2260`);
    const text = await table.text();
    expect(text).toContain('\n130100 石家庄市\n');
    expect(`sha256:${sha256(text)}`).toBe(divisionEditions().at(-1)!.digest);
  });

  it('prints one `resource get` line per DID URL, and each works as printed', async () => {
    const lines = printed('pnpm --silent did-city resource get');
    const resources = await listed();
    expect(lines).toHaveLength(resources.length);
    for (const [n, resource] of resources.entries()) expect(lines[n]).toContain(`--url ${resource.resourceURI} `);
    // A fresh CLI home: the CLI pins the server's trust policy on first use, as for a new user.
    const env = { ...process.env, DID_CITY_HOME: join(temp.dir, 'cli-home') };
    const run = (line: string) => promisify(execFile)('bash', ['-c', line], { cwd: REPO, encoding: 'buffer', env, maxBuffer: 4 << 20 });
    // One line of each resource type (a CLI run takes seconds): the first pins the policy, the others then run side by side.
    const first = await run(lines[0]!);
    const rest = await Promise.all([4, 5].map((n) => run(lines[n]!)));
    for (const [n, { stdout }] of [[0, first], [4, rest[0]!], [5, rest[1]!]] as const) expect(sha256(stdout), lines[n]).toBe(resources[n]!.checksum);
    const [list] = printed('pnpm --silent did-city resource list');
    const { stdout } = await promisify(execFile)('bash', ['-c', list!], { cwd: REPO, encoding: 'utf8', env });
    for (const resource of resources) expect(stdout).toContain(resource.resourceURI);
  }, 120_000);
});

describe('restarts', () => {
  it('publish nothing twice when nothing changed, and print the same DID URLs', async () => {
    const before = await listed();
    const size = (await http(`${running.url}/health`)).body.treeSize as number;
    const lines = printed('pnpm --silent did-city resource get');
    await running.close();
    await start();
    expect(await listed()).toEqual(before);
    expect((await http(`${running.url}/health`)).body.treeSize).toBe(size);
    expect(printed('pnpm --silent did-city resource get').map((line) => line.replace(/--ledger \S+/, ''))).toEqual(lines.map((line) => line.replace(/--ledger \S+/, '')));
  }, 90_000);

  it('publish a new version of the division table, linked to the previous one, once the registry states another edition', async () => {
    const before = await listed();
    const history = (await running.node.store.didState(REGISTRY))!;
    const content = currentContent(history)!;
    const service = (content.service ?? []).map((s) => (s.type === DIVISION_EDITION_SERVICE ? { ...s, serviceEndpoint: { edition: '2018' } } : s));
    const institutes = ['institute-a', 'institute-b'].map((name) => {
      const file = join(temp.dir, 'keys', `${name}.json`);
      return keyPairOf(file, readKeyFile(file).keys[0]!);
    });
    await running.node.submit(await sign(updateOperation(history, { document: { ...content, service } }), institutes));
    await running.close();
    await start();
    const after = await listed();
    expect(after).toHaveLength(before.length + 1);
    const [previous, current] = after.filter((r) => r.resourceType === 'DivisionCodeTable');
    expect(previous!.resourceId).toBe(before[5]!.resourceId);
    expect(previous!.nextVersionId).toBe(current!.resourceId);
    expect(current).toMatchObject({ resourceVersion: '2018', previousVersionId: previous!.resourceId, nextVersionId: null });
    expect(`sha256:${current!.checksum}`).toBe(divisionEditions().find((e) => e.edition === '2018')!.digest);
    // The other resources are untouched; the by-name query now serves the 2018 table.
    expect(after.filter((r) => r.resourceType !== 'DivisionCodeTable')).toEqual(before.slice(0, 5));
    const table = await (await fetch(`${running.url}/1.0/identifiers/${REGISTRY}?resourceType=DivisionCodeTable&resourceName=GBT2260`)).text();
    expect(table).toContain('\n371200 莱芜市\n');
    expect(logs.join('\n')).toContain(`published DivisionCodeTable GBT2260 2018 as ${REGISTRY}/resources/${current!.resourceId}`);
  }, 90_000);
});
