// The all-in-one in process: the data directory layout and its modes, the curl lines working exactly as printed,
// tokens printed once and never again, and a second start (on another port) that changes nothing.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { divisionEditionOf, generateKeyPair, latestDivisionEdition, multikeyType } from '@did-city/method';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryLines } from '../src/serve/banner.ts';
import { keyPairOf, readKeyFile } from '../src/keyfile.ts';
import { type AllInOne, startAllInOne } from '../src/serve/server.ts';
import {
  credentialWithResource,
  DATASET,
  RIGHT_SRI,
  type ResourceServer,
  startResourceServer,
  WRONG_SRI,
} from './resource-fixtures.ts';
import { createOf, http, REPO, sign, tempDir } from './serve-fixtures.ts';

const LAIWU = 'did:city:cn:371200';
const JINAN = 'did:city:cn:370100';
/**
 * Registry genesis, 3 cities, and the division change: 2 edition updates, Laiwu and Jinan, Jinan's update, the
 * deactivate; then Beijing's update listing its data service, its first
 * release and its catalogue as linked resources; the registry's 6 linked resources (serve/seed-resources.ts).
 */
const SEEDED_LEAVES = 19;

let temp: ReturnType<typeof tempDir>;
let first: { running: AllInOne; logs: string[] };
// Related resources on loopback: the fetch policy (DID_CITY_FETCH_*, as `pnpm start` reads it) lets the server
// fetch `allowed` only; `forbidden` may be reached over http but is a loopback address it was not told to trust.
let allowed: ResourceServer;
let forbidden: ResourceServer;

async function start(): Promise<{ running: AllInOne; logs: string[] }> {
  const logs: string[] = [];
  const running = await startAllInOne({ port: 0, dataDir: temp.dir, log: (line) => logs.push(line) });
  return { running, logs };
}

function printedLines(logs: string[], command: string): string[] {
  return logs
    .join('\n')
    .split('\n')
    .filter((line) => line.startsWith(`  ${command} `))
    .map((line) => line.trim());
}

function mode(path: string): number {
  return statSync(join(temp.dir, path)).mode & 0o777;
}

function secrets(): string[] {
  const tokens = JSON.parse(readFileSync(join(temp.dir, 'tokens.json'), 'utf8')) as {
    admin: string;
    issuer: string;
    institutes: Record<string, string>;
  };
  const keyFiles = [
    'keys/institute-a.json',
    'keys/institute-b.json',
    'keys/institute-c.json',
    'keys/issuer.json',
    'keys/cities/130100.json',
  ];
  const keys = keyFiles.flatMap((file) => readKeyFile(join(temp.dir, file)).keys.map((k) => k.secretKey));
  return [tokens.admin, tokens.issuer, ...Object.values(tokens.institutes), ...keys];
}

beforeAll(async () => {
  temp = tempDir('did-city-serve-');
  allowed = await startResourceServer(DATASET);
  forbidden = await startResourceServer(DATASET);
  process.env['DID_CITY_FETCH_ALLOW_HTTP'] = `${allowed.host},${forbidden.host}`;
  process.env['DID_CITY_FETCH_ALLOW_PRIVATE'] = allowed.host;
  first = await start();
}, 60_000);
afterAll(async () => {
  await first.running.close().catch(() => {});
  await allowed?.close();
  await forbidden?.close();
  delete process.env['DID_CITY_FETCH_ALLOW_HTTP'];
  delete process.env['DID_CITY_FETCH_ALLOW_PRIVATE'];
  temp.cleanup();
});

describe('first start', () => {
  it('lays out the data directory with secrets readable by the owner only', () => {
    for (const path of [
      'tokens.json',
      'keys/log.key',
      'keys/institute-a.json',
      'keys/issuer.json',
      'keys/cities/110000.json',
      'witnesses/witness-b/witness.key',
      'ledger.db',
      'registrations.db',
      'issuer.db',
    ]) {
      expect(mode(path), path).toBe(0o600);
    }
    for (const path of ['ledger.db', 'registrations.db', 'issuer.db', 'policy.txt', 'server.json'])
      expect(statSync(join(temp.dir, path)).isFile()).toBe(true);
    expect(readdirSync(join(temp.dir, 'keys', 'cities')).sort()).toEqual([
      '110000.json',
      '120000.json',
      '130100.json',
      '370100.json',
      '371200.json',
    ]);
    expect(readdirSync(join(temp.dir, 'credentials')).sort()).toEqual(['110000.json', '120000.json', '130100.json']);
  });

  it('prints where the tokens are kept, never a token or key material', () => {
    const text = first.logs.join('\n');
    expect(text).toContain('Operator tokens were created in');
    expect(text).toContain(join(temp.dir, 'tokens.json'));
    for (const secret of secrets()) expect(text).not.toContain(secret);
  });

  it('seeds the registry, three cities, Laiwu and Jinan through the registration workflow', async () => {
    const tokens = JSON.parse(readFileSync(join(temp.dir, 'tokens.json'), 'utf8')) as {
      institutes: Record<string, string>;
    };
    const listed = await http(`${first.running.url}/registrations`, { token: tokens.institutes['institute-c'] });
    const registrations = listed.body.registrations as Array<{ did: string; status: string; approvals: unknown[] }>;
    expect(registrations.map((r) => [r.did, r.status, r.approvals.length])).toEqual([
      ['did:city:cn:110000', 'anchored', 2],
      ['did:city:cn:120000', 'anchored', 2],
      ['did:city:cn:130100', 'anchored', 2],
      [LAIWU, 'anchored', 2],
      [JINAN, 'anchored', 2],
    ]);
    expect((await http(`${first.running.url}/health`)).body).toMatchObject({ status: 'ok', treeSize: SEEDED_LEAVES });
  });

  it('seeds Tianjin with an SM2 key: its create carries an sm2-jcs-2026 proof and its document an SM2 Multikey', async () => {
    const history = await http(`${first.running.url}/dids/did:city:cn:120000/history`);
    const [create] = history.body.entries as Array<{ operation: { proof: Array<{ cryptosuite: string }> } }>;
    expect(create!.operation.proof.map((p) => p.cryptosuite)).toContain('sm2-jcs-2026');
    const resolved = await http(`${first.running.url}/1.0/identifiers/did:city:cn:120000`);
    const [method] = resolved.body.didDocument.verificationMethod as Array<{ publicKeyMultibase: string }>;
    expect(multikeyType(method!.publicKeyMultibase)).toBe('SM2');
  });

  it('prints curl lines that work exactly as printed', async () => {
    const lines = printedLines(first.logs, 'curl');
    expect(lines).toHaveLength(7);
    // Run by a shell as a user would paste them (async: this process serves the requests).
    const run = (line: string) => promisify(execFile)('bash', ['-c', `${line} -sS`], { cwd: REPO, encoding: 'utf8' });
    const [resolveLine, laiwuLine, checkpointLine, listLine, verifyLine, schemaLine, catalogueLine] = (
      await Promise.all(lines.map(run))
    ).map((r) => r.stdout);
    expect(JSON.parse(resolveLine!).didDocument.id).toBe('did:city:cn:130100');
    expect(JSON.parse(laiwuLine!).didDocumentMetadata).toMatchObject({
      deactivated: true,
      successor: JINAN,
      canonicalId: JINAN,
    });
    expect(checkpointLine!.split('\n')[0]).toBe('city.ledger/prod');
    expect(JSON.parse(listLine!).registrations).toHaveLength(5);
    expect(JSON.parse(verifyLine!)).toMatchObject({ verified: true, issuer: 'did:city:cn' });
    expect(JSON.parse(schemaLine!).title).toBe('City identity');
    expect(JSON.parse(catalogueLine!)['dcat:dataset'][0]['dct:identifier']).toBe('air-quality-hourly');
  });

  it("prints a data fetch line that works as printed: Tianjin gets Beijing's release, verified", async () => {
    const [line] = printedLines(first.logs, 'pnpm did-city data fetch');
    expect(line).toContain('--as did:city:cn:120000');
    // A fresh CLI home: the CLI pins the ledger's policy there on first use, as it would for a new user.
    const env = { ...process.env, DID_CITY_HOME: join(temp.dir, 'cli-home') };
    const { stdout, stderr } = await promisify(execFile)('bash', ['-c', line!], { cwd: REPO, encoding: 'utf8', env });
    expect(JSON.parse(stdout.slice(stdout.indexOf('{'))).city).toBe('did:city:cn:110000');
    expect(stderr).toMatch(
      /verified: \d+ bytes of did:city:cn:110000\/resources\/[0-9a-f-]{36}, sha-256 [0-9a-f]{64} matches the \w+ checksum/,
    );
  });

  it('resolves every test identifier of the Universal Resolver snippet (drivers/…/uni-resolver/application.yml)', async () => {
    const application = readFileSync(
      join(REPO, 'drivers/uni-resolver-driver-did-city/uni-resolver/application.yml'),
      'utf8',
    );
    const identifiers = [...application.matchAll(/^\s+- (did:\S+)$/gm)].map((match) => match[1]!);
    expect(identifiers.length).toBeGreaterThanOrEqual(3);
    for (const did of identifiers) {
      const response = await fetch(`${first.running.url}/1.0/identifiers/${did}`, {
        headers: { accept: 'application/did-resolution' },
      });
      expect(response.status, did).toBe(200);
      expect(((await response.json()) as { didDocument: { id: string } }).didDocument.id).toBe(did);
    }
  });

  it('keeps what its resolver trusts in checkpoints.json (0600), the last checkpoint it verified', async () => {
    expect(mode('checkpoints.json')).toBe(0o600);
    const stored = JSON.parse(readFileSync(join(temp.dir, 'checkpoints.json'), 'utf8')) as {
      checkpoints: Record<string, string>;
      evidence: unknown[];
    };
    expect(Object.keys(stored.checkpoints)).toEqual(['city.ledger/prod']);
    expect(stored.checkpoints['city.ledger/prod']).toBe(await first.running.node.latestCheckpoint());
    expect(stored.evidence).toEqual([]);
  });
});

describe('the seeded change of divisions (spec §2): Laiwu registered under edition 2018, then merged into Jinan', () => {
  const resolve = async (did: string) => (await http(`${first.running.url}/1.0/identifiers/${did}`)).body;

  it('the registry stated edition 2018 when Laiwu was created, and states the newest bundled edition now', async () => {
    const registry = (await first.running.node.store.didState('did:city:cn'))!;
    const editions = registry.versions.map((version) => divisionEditionOf(version.document) ?? 'none');
    expect(editions).toEqual(['none', '2018', latestDivisionEdition()]);
    const laiwu = (await first.running.node.store.didState(LAIWU))!;
    // Laiwu's create sits between the two registry updates in the log.
    expect(registry.versions[1]!.leafIndex).toBeLessThan(laiwu.versions[0]!.leafIndex);
    expect(laiwu.versions[0]!.leafIndex).toBeLessThan(registry.versions[2]!.leafIndex);
    const service = (await resolve('did:city:cn')).didDocument.service as Array<{
      type: string;
      serviceEndpoint: unknown;
    }>;
    expect(service).toContainEqual({
      id: 'did:city:cn#division-table',
      type: 'CityDivisionEdition',
      serviceEndpoint: { edition: latestDivisionEdition() },
    });
  });

  it('the driver tells where Laiwu went, and Jinan states the equivalence (R-SUCC-1)', async () => {
    const laiwu = await resolve(LAIWU);
    expect(laiwu.didDocument).toBeNull();
    expect(laiwu.didDocumentMetadata).toMatchObject({
      deactivated: true,
      successor: JINAN,
      canonicalId: JINAN,
      equivalentId: [JINAN],
    });
    expect(laiwu.didDocumentMetadata.city).toMatchObject({ divisionCode: '371200', name: '莱芜市' });
    const jinan = await resolve(JINAN);
    expect(jinan.didDocument.alsoKnownAs).toEqual([LAIWU]);
    expect(jinan.didDocumentMetadata).toMatchObject({ canonicalId: JINAN, equivalentId: [LAIWU] });
    // Laiwu's document before the merger stays resolvable.
    const before = await resolve(`${encodeURIComponent(LAIWU)}?versionId=0`);
    expect(before.didDocument.id).toBe(LAIWU);
    expect(before.didDocumentMetadata).toMatchObject({ versionId: '0', deactivated: true, successor: JINAN });
  });

  it('a code retired in 2019 is refused now that the registry allocates from the newest edition (R-ALLOC-2)', async () => {
    const institutes = ['institute-a.json', 'institute-b.json'].map((file) => {
      const path = join(temp.dir, 'keys', file);
      return keyPairOf(path, readKeyFile(path).keys[0]!);
    });
    const own = generateKeyPair('Ed25519');
    // 莱城区 (371202), a district of Laiwu renamed 莱芜区 (370116) in 2019.
    const create = await sign(createOf('did:city:cn:371202', own), [own, ...institutes]);
    const before = (await first.running.node.store.head()).size;
    const error = (await first.running.node.submit(create).catch((e: unknown) => e)) as {
      code: string;
      detail: string;
    };
    expect(error.code).toBe('INVALID_OPERATION');
    expect(error.detail).toContain(`371202 (莱城区) was retired in edition 2019`);
    expect(error.detail).toContain(`allocates from edition ${latestDivisionEdition()}`);
    expect((await first.running.node.store.head()).size).toBe(before);
  });
});

describe('related resources (VC 2.0 §5.3) under the outbound-fetch policy (spec §9.15)', () => {
  const issuerToken = () =>
    (JSON.parse(readFileSync(join(temp.dir, 'tokens.json'), 'utf8')) as { issuer: string }).issuer;
  const issue = (resource: { id: string; digestSRI: string }) =>
    http(`${first.running.url}/issuer/credentials/issue`, {
      token: issuerToken(),
      body: {
        credential: credentialWithResource('did:city:cn', 'did:city:cn:130100', resource),
        options: { format: 'vc+jwt', envelope: true },
      },
    });
  const verify = (verifiableCredential: unknown) =>
    http(`${first.running.url}/issuer/credentials/verify`, { body: { verifiableCredential } });

  it('issues and verifies a resource whose digest matches; refuses a wrong digest naming the resource', async () => {
    const id = `${allowed.origin}/air.csv`;
    const refused = await issue({ id, digestSRI: WRONG_SRI });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toContain(`${id} does not match its digest`);
    const issued = await issue({ id, digestSRI: RIGHT_SRI });
    expect(issued.status).toBe(201);
    const verified = await verify(issued.body.verifiableCredential);
    expect(verified.body).toMatchObject({ verified: true, errors: [], relatedResources: [{ id, digest: 'matched' }] });
    allowed.setBody('station,pm25\nchang-an,4\n');
    const changed = await verify(issued.body.verifiableCredential);
    allowed.setBody(DATASET);
    expect(changed.body.verified).toBe(false);
    expect(changed.body.errors).toContainEqual(
      expect.objectContaining({ code: 'RELATED_RESOURCE_MISMATCH', message: `${id} does not match its digest` }),
    );
  });

  it('never contacts a loopback address it was not allowed: the digest is reported unchecked (R-FETCH-2)', async () => {
    const id = `${forbidden.origin}/air.csv`;
    const issued = await issue({ id, digestSRI: WRONG_SRI });
    expect(issued.status).toBe(201);
    const verified = await verify(issued.body.verifiableCredential);
    expect(verified.body.relatedResources).toEqual([expect.objectContaining({ id, digest: 'not-fetched' })]);
    expect(verified.body.warnings).toContainEqual(
      expect.objectContaining({ code: 'RELATED_RESOURCE_UNAVAILABLE', message: expect.stringContaining('R-FETCH-2') }),
    );
    expect(forbidden.connections()).toBe(0);
  });
});

describe('second start on the same data directory', () => {
  it('changes nothing, prints no tokens, and still verifies the stored credentials on another port', async () => {
    const before = readdirSync(join(temp.dir, 'credentials')).map((f) =>
      readFileSync(join(temp.dir, 'credentials', f), 'utf8'),
    );
    const oldPort = first.running.port;
    await first.running.close();
    first = await start();
    expect(first.running.port).not.toBe(oldPort);
    const text = first.logs.join('\n');
    expect(text).not.toContain('Operator tokens were created in');
    for (const secret of secrets()) expect(text).not.toContain(secret);
    expect(text).not.toMatch(
      /created the national registry|registered did:city|allocates from edition|alsoKnownAs|deactivated by/,
    );
    const after = readdirSync(join(temp.dir, 'credentials')).map((f) =>
      readFileSync(join(temp.dir, 'credentials', f), 'utf8'),
    );
    expect(after).toEqual(before);
    expect((await http(`${first.running.url}/health`)).body).toMatchObject({ treeSize: SEEDED_LEAVES });
    const body = JSON.parse(before[2]!);
    expect((await http(`${first.running.url}/issuer/credentials/verify`, { body })).body).toMatchObject({
      verified: true,
    });
  }, 60_000);
});

describe('the root README', () => {
  it('shows the curl lines exactly as the server prints them with the defaults', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    expect(readme).toContain('npx -y pnpm@10 install && npx -y pnpm@10 start');
    const lines = tryLines({ publicUrl: 'http://localhost:8080', dataDir: resolve(process.cwd(), 'data') });
    for (const line of lines) expect(readme).toContain(`\n${line}\n`);
  });
});
