// The registry uses DID-Linked Resources itself: a running all-in-one (loopback) publishes the credentials' JSON
// Schemas, the credentials JSON-LD context and the division table it allocates from as linked resources of
// did:city:cn; the printed `resource get` lines work as printed; a restart publishes nothing twice; a changed
// content (the registry states another edition) becomes a new version linked to the previous one. Credentials name
// their schema by DID URL; verifiers (the server's own, and a remote one resolving over HTTP) dereference it,
// check it against the anchored checksum and validate against it; an unreachable or tampered schema fails clearly.
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  BUNDLED_CONTEXTS,
  BUNDLED_SCHEMAS,
  CITY_CREDENTIALS_CONTEXT,
  type Credential,
  cityIdentityCredential,
  createDidResolver,
  createVerifier,
  issueDataIntegrityVc,
} from '@did-city/issuer';
import {
  createCityResolver,
  createSigner,
  currentContent,
  DIVISION_EDITION_SERVICE,
  describeResource,
  didKeyUrl,
  divisionEditions,
  generateKeyPair,
  type LinkedResourceMetadata,
  latestDivisionEdition,
  resourceOperation,
  updateOperation,
} from '@did-city/method';
import { HttpLedgerReader } from '@did-city/method/http';
import Database from 'better-sqlite3';
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
  return logs
    .join('\n')
    .split('\n')
    .filter((line) => line.startsWith(`  ${command} `))
    .map((line) => line.trim());
}

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function institutes() {
  return ['institute-a', 'institute-b'].map((name) => {
    const file = join(temp.dir, 'keys', `${name}.json`);
    return keyPairOf(file, readKeyFile(file).keys[0]!);
  });
}

/** A verifier elsewhere: its own resolver reading the server's ledger over HTTP, the registry genesis pinned. */
async function remoteVerifier() {
  const policy = (await http(`${running.url}/policy`)).body as string;
  const genesis = { [REGISTRY]: { updateKeys: readInstituteKeys() } };
  const city = createCityResolver({
    reader: new HttpLedgerReader({ url: `${running.url}/`, policy }),
    genesis,
    cache: false,
  });
  return createVerifier({ resolver: createDidResolver({ city }), checkStatus: false });
}

function readInstituteKeys(): string[] {
  return ['a', 'b', 'c'].map(
    (n) => readKeyFile(join(temp.dir, 'keys', `institute-${n}.json`)).keys[0]!.publicKeyMultibase,
  );
}

/** A city identity credential naming `schema`, signed by a did:key issuer (no issuer-side schema check). */
async function didKeyCredential(schema: string, subject: Record<string, unknown> = {}): Promise<Credential> {
  const key = generateKeyPair();
  const verificationMethod = didKeyUrl(key.publicKeyMultibase);
  const issuer = verificationMethod.split('#')[0]!;
  const credential = cityIdentityCredential({
    issuer: REGISTRY,
    city: 'did:city:cn:130100',
    nameEn: 'Shijiazhuang',
  }) as Credential;
  const unsigned = { ...credential, issuer, credentialSchema: { id: schema, type: 'JsonSchema' } } as Credential;
  Object.assign(unsigned.credentialSubject as object, subject);
  return issueDataIntegrityVc(unsigned, { key: { verificationMethod, signer: createSigner(key) } });
}

/** The registry's city identity schema with any issuer allowed (the tests sign with did:key) and the given levels. */
function testSchema(levels: string[]): object {
  const base = BUNDLED_SCHEMAS.CityIdentityCredential;
  const subject = base.properties.credentialSubject as { properties: Record<string, unknown> };
  const credentialSubject = { ...subject, properties: { ...subject.properties, level: { enum: levels } } };
  return { $schema: base.$schema, title: 'test levels', type: 'object', properties: { credentialSubject } };
}

/** Publishes `schema` as a JsonSchema resource of did:city:cn (institute quorum), as the seeding does. */
async function publishSchema(name: string, schema: object): Promise<string> {
  const content = Buffer.from(JSON.stringify(schema));
  const history = (await running.node.store.didState(REGISTRY))!;
  const resource = describeResource({
    content,
    resourceName: name,
    resourceType: 'JsonSchema',
    mediaType: 'application/schema+json',
  });
  await running.node.resources.put(resource.checksum, content);
  await running.node.submit(await sign(resourceOperation(history, resource), institutes()));
  return `${REGISTRY}/resources/${resource.resourceId}`;
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
    expect(
      resources.map((r) => [r.resourceType, r.resourceName, r.resourceVersion ?? null, r.previousVersionId]),
    ).toEqual([
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
    const schema = await fetch(
      `${running.url}/1.0/identifiers/${REGISTRY}?resourceName=CityIdentityCredential&resourceType=JsonSchema`,
    );
    expect(schema.status).toBe(200);
    expect(schema.headers.get('content-type')).toMatch(/^application\/schema\+json/);
    expect(await schema.json()).toEqual(BUNDLED_SCHEMAS.CityIdentityCredential);
    const context = await fetch(
      `${running.url}/1.0/identifiers/${REGISTRY}?resourceName=CityCredentials&resourceType=JsonLdContext`,
    );
    expect(await context.json()).toEqual(BUNDLED_CONTEXTS.get(CITY_CREDENTIALS_CONTEXT));
    const table = await fetch(
      `${running.url}/1.0/identifiers/${REGISTRY}?resourceType=DivisionCodeTable&resourceName=GBT2260`,
    );
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
    const run = (line: string) =>
      promisify(execFile)('bash', ['-c', line], { cwd: REPO, encoding: 'buffer', env, maxBuffer: 4 << 20 });
    // One line of each resource type (a CLI run takes seconds): the first pins the policy, the others then run side by side.
    const first = await run(lines[0]!);
    const rest = await Promise.all([4, 5].map((n) => run(lines[n]!)));
    for (const [n, { stdout }] of [
      [0, first],
      [4, rest[0]!],
      [5, rest[1]!],
    ] as const)
      expect(sha256(stdout), lines[n]).toBe(resources[n]!.checksum);
    const [list] = printed('pnpm --silent did-city resource list');
    const { stdout } = await promisify(execFile)('bash', ['-c', list!], { cwd: REPO, encoding: 'utf8', env });
    for (const resource of resources) expect(stdout).toContain(resource.resourceURI);
  }, 120_000);
});

describe("Beijing's data catalogue is a linked resource the ledger serves", () => {
  it('dereferences through the driver by name and type, and by the id /catalogue names, to the bytes the data service serves', async () => {
    const served = await fetch(`${running.url}/data/110000/catalogue`);
    const bytes = new Uint8Array(await served.arrayBuffer());
    const location = served.headers.get('content-location')!;
    expect(location).toMatch(/^did:city:cn:110000\/resources\/[0-9a-f-]{36}$/);
    for (const didUrl of ['did:city:cn:110000?resourceName=catalogue&resourceType=CityDataCatalogue', location]) {
      const answer = await fetch(`${running.url}/1.0/identifiers/${didUrl}`);
      expect(answer.status, didUrl).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^application\/ld\+json/);
      expect(sha256(new Uint8Array(await answer.arrayBuffer())), didUrl).toBe(sha256(bytes));
    }
    // A release stays with the data service (granted cities only): the ledger holds its checksum, not its bytes.
    const release = await http(
      `${running.url}/1.0/identifiers/did:city:cn:110000?resourceName=air-quality-hourly&resourceType=CityDatasetRelease`,
    );
    expect(release.status).not.toBe(200);
  });
});

describe('credentialSchema names a DID URL', () => {
  it("the seeded credentials name the registry's schema resource, and the server's verifier checks them against it", async () => {
    const identity = (await listed()).find((r) => r.resourceName === 'CityIdentityCredential')!;
    const body = JSON.parse(readFileSync(join(temp.dir, 'credentials', '130100.json'), 'utf8'));
    expect(body.verifiableCredential.credentialSchema).toEqual({ id: identity.resourceURI, type: 'JsonSchema' });
    expect((await http(`${running.url}/issuer/credentials/verify`, { body })).body).toMatchObject({
      verified: true,
      issuer: REGISTRY,
    });
  });

  it('a remote verifier dereferences the schema over HTTP (proofs checked) and validates against it', async () => {
    const verifier = await remoteVerifier();
    const { verifiableCredential } = JSON.parse(readFileSync(join(temp.dir, 'credentials', '110000.json'), 'utf8'));
    expect(await verifier.verify(verifiableCredential)).toMatchObject({ verified: true, errors: [] });
    // A credential the registry's schema refuses (a did:key issuer, not a did:city DID): the schema's content decides.
    const byName = `${REGISTRY}?resourceName=CityIdentityCredential&resourceType=JsonSchema`;
    const wrong = await verifier.verify(await didKeyCredential(byName));
    expect(wrong.errors).toEqual([
      expect.objectContaining({
        code: 'SCHEMA_INVALID',
        message: expect.stringContaining(`schema ${byName} at /issuer: must match pattern`),
      }),
    ]);
  });

  it('a schema named by id stays that version; one named by name and type follows the latest version', async () => {
    const v1 = await publishSchema('TestLevels', testSchema(['province', 'city', 'county', 'village']));
    const byName = `${REGISTRY}?resourceName=TestLevels&resourceType=JsonSchema`;
    const verifier = await remoteVerifier();
    for (const schema of [v1, byName])
      expect(await verifier.verify(await didKeyCredential(schema, { level: 'village' })), schema).toMatchObject({
        verified: true,
      });
    await publishSchema('TestLevels', testSchema(['province', 'city', 'county']));
    expect(await verifier.verify(await didKeyCredential(v1, { level: 'village' }))).toMatchObject({ verified: true });
    const latest = await verifier.verify(await didKeyCredential(byName, { level: 'village' }));
    expect(latest.errors).toEqual([
      expect.objectContaining({
        code: 'SCHEMA_INVALID',
        message: expect.stringContaining('at /credentialSubject/level'),
      }),
    ]);
  });

  it('an unreachable schema fails with SCHEMA_UNAVAILABLE, and the issuer refuses to sign a credential naming one', async () => {
    const missing = `${REGISTRY}/resources/${randomUUID()}`;
    const result = await (await remoteVerifier()).verify(await didKeyCredential(missing));
    expect(result.verified).toBe(false);
    expect(result.errors).toEqual([
      expect.objectContaining({
        code: 'SCHEMA_UNAVAILABLE',
        message: expect.stringMatching(
          new RegExp(`^schema ${missing}: it could not be dereferenced \\(DID not found: .*has no resource matching`),
        ),
      }),
    ]);
    // A ledger that does not answer: the verifier says so rather than skipping the schema.
    const closed = createVerifier({
      resolver: createDidResolver({
        city: createCityResolver({
          reader: new HttpLedgerReader({
            url: 'http://127.0.0.1:9/',
            policy: (await http(`${running.url}/policy`)).body,
            timeoutMs: 2000,
          }),
          cache: false,
        }),
      }),
      checkStatus: false,
    });
    const offline = await closed.verify(
      await didKeyCredential(`${REGISTRY}?resourceName=CityIdentityCredential&resourceType=JsonSchema`),
    );
    expect(offline.errors.map((e) => e.code)).toEqual(['SCHEMA_UNAVAILABLE']);
    const tokens = JSON.parse(readFileSync(join(temp.dir, 'tokens.json'), 'utf8')) as { issuer: string };
    const credential = {
      ...cityIdentityCredential({ issuer: REGISTRY, city: 'did:city:cn:130100', nameEn: 'Shijiazhuang' }),
      credentialSchema: { id: missing, type: 'JsonSchema' },
    };
    const refused = await http(`${running.url}/issuer/credentials/issue`, {
      body: { credential },
      token: tokens.issuer,
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain(`schema ${missing}: it could not be dereferenced`);
  });

  it("a schema whose stored bytes were edited on the node's disk fails: its content does not match the anchored checksum", async () => {
    const schema = testSchema(['province', 'city', 'county']);
    const url = await publishSchema('TamperTarget', schema);
    const credential = await didKeyCredential(url);
    expect(await (await remoteVerifier()).verify(credential)).toMatchObject({ verified: true });
    // An attacker with the node's disk loosens the schema (any level accepted): the checksum on the ledger still binds it.
    const checksum = (await listed()).find((r) => r.resourceURI === url)!.checksum;
    const loosened = JSON.stringify({ ...schema, title: 'tampered', properties: {} });
    const db = new Database(join(temp.dir, 'resources.db'));
    expect(
      db.prepare('UPDATE resource_content SET content = ? WHERE checksum = ?').run(Buffer.from(loosened), checksum)
        .changes,
    ).toBe(1);
    db.close();
    const result = await (await remoteVerifier()).verify(await didKeyCredential(url, { level: 'village' }));
    expect(result.verified).toBe(false);
    expect(result.errors).toEqual([
      expect.objectContaining({
        code: 'SCHEMA_UNAVAILABLE',
        message: expect.stringContaining(
          `schema ${url}: its content does not match the checksum anchored on the ledger`,
        ),
      }),
    ]);
  });
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
    expect(printed('pnpm --silent did-city resource get').map((line) => line.replace(/--ledger \S+/, ''))).toEqual(
      lines.map((line) => line.replace(/--ledger \S+/, '')),
    );
  }, 90_000);

  it('publish a new version of the division table, linked to the previous one, once the registry states another edition', async () => {
    const before = await listed();
    const history = (await running.node.store.didState(REGISTRY))!;
    const content = currentContent(history)!;
    const service = (content.service ?? []).map((s) =>
      s.type === DIVISION_EDITION_SERVICE ? { ...s, serviceEndpoint: { edition: '2018' } } : s,
    );
    await running.node.submit(
      await sign(updateOperation(history, { document: { ...content, service } }), institutes()),
    );
    await running.close();
    await start();
    const after = await listed();
    expect(after).toHaveLength(before.length + 1);
    const [previous, current] = after.filter((r) => r.resourceType === 'DivisionCodeTable');
    expect(previous!.resourceId).toBe(before.find((r) => r.resourceType === 'DivisionCodeTable')!.resourceId);
    expect(previous!.nextVersionId).toBe(current!.resourceId);
    expect(current).toMatchObject({
      resourceVersion: '2018',
      previousVersionId: previous!.resourceId,
      nextVersionId: null,
    });
    expect(`sha256:${current!.checksum}`).toBe(divisionEditions().find((e) => e.edition === '2018')!.digest);
    // The other resources are untouched; the by-name query now serves the 2018 table.
    expect(after.filter((r) => r.resourceType !== 'DivisionCodeTable')).toEqual(
      before.filter((r) => r.resourceType !== 'DivisionCodeTable'),
    );
    const table = await (
      await fetch(`${running.url}/1.0/identifiers/${REGISTRY}?resourceType=DivisionCodeTable&resourceName=GBT2260`)
    ).text();
    expect(table).toContain('\n371200 莱芜市\n');
    expect(logs.join('\n')).toContain(
      `published DivisionCodeTable GBT2260 2018 as ${REGISTRY}/resources/${current!.resourceId}`,
    );
  }, 90_000);
});
