// The all-in-one as a real process: the README's example session over HTTP (apply → approve by two institutes →
// resolve → issue → verify → rotate → deactivate → 410), then kill -9 while operations are being submitted and a
// restart on the same data directory: every acknowledged operation is still there, the seeded cities resolve,
// nothing is seeded twice. A second data directory is killed in the middle of its first-start seeding.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cityIdentityCredential } from '@did-city/issuer';
import {
  deactivateOperation,
  generateKeyPair,
  type KeyPair,
  latestDivisionEdition,
  operationHash,
  updateOperation,
} from '@did-city/method';
import { afterAll, describe, expect, it } from 'vitest';
import { keyPairOf, readKeyFile } from '../src/keyfile.ts';
import {
  approval,
  createOf,
  freePort,
  http,
  keyDocument,
  sign,
  type Spawned,
  spawnAllInOne,
  tempDir,
  waitHealthy,
} from './serve-fixtures.ts';

const TANGSHAN = 'did:city:cn:130200';
const SEEDED = ['did:city:cn:110000', 'did:city:cn:120000', 'did:city:cn:130100'];
const LAIWU = 'did:city:cn:371200';
const JINAN = 'did:city:cn:370100';
/** Every application the seeding makes, in order: the three cities, then Laiwu (before its merger) and Jinan. */
const SEEDED_REGISTRATIONS = [...SEEDED, LAIWU, JINAN].map((did) => [did, 'anchored']);
/** Registry genesis, 3 cities, 2 edition updates of the registry, Laiwu, Jinan, Jinan's alsoKnownAs, Laiwu's deactivate, Beijing's data service, release and catalogue, the registry's 6 linked resources (4 schemas, the context, the division table). */
const SEEDED_LEAVES = 19;
const running: Spawned[] = [];
const temps: Array<() => void> = [];

afterAll(async () => {
  for (const process of running) await process.kill9();
  for (const cleanup of temps) cleanup();
});

async function started(dataDir: string): Promise<Spawned> {
  const server = spawnAllInOne({ port: await freePort(), dataDir });
  running.push(server);
  await waitHealthy(server.url);
  return server;
}

function keyIn(dataDir: string, file: string): KeyPair {
  const path = join(dataDir, 'keys', file);
  return keyPairOf(path, readKeyFile(path).keys[0]!);
}

function tokens(dataDir: string): { issuer: string; institutes: Record<string, string> } {
  return JSON.parse(readFileSync(join(dataDir, 'tokens.json'), 'utf8'));
}

function credentialFiles(dataDir: string): string[] {
  const dir = join(dataDir, 'credentials');
  return readdirSync(dir)
    .sort()
    .map((file) => readFileSync(join(dir, file), 'utf8'));
}

async function resolveStatus(url: string, did: string): Promise<number> {
  return (await http(`${url}/1.0/identifiers/${did}`)).status;
}

/** The registrations an institute sees, as [did, status]. */
async function registrations(url: string, dataDir: string): Promise<string[][]> {
  const answer = await http(`${url}/registrations`, { token: tokens(dataDir).institutes['institute-b'] });
  return (answer.body.registrations as Array<{ did: string; status: string }>).map((r) => [r.did, r.status]);
}

describe('the README session against a real all-in-one process', () => {
  const temp = tempDir('did-city-e2e-');
  temps.push(temp.cleanup);
  const dataDir = temp.dir;
  let server: Spawned;
  const acknowledged: Array<{ did: string; operationHash: string }> = [];

  it('apply → approve → resolve → issue → verify → rotate → deactivate → 410', async () => {
    server = await started(dataDir);
    const { url } = server;
    const city = generateKeyPair('Ed25519');
    const unsigned = createOf(TANGSHAN, city);
    const contact = { organisation: 'Tangshan Municipal Government', email: 'did@tangshan.example' };
    const applied = await http(`${url}/registrations`, { body: { operation: await sign(unsigned, [city]), contact } });
    expect(applied.status).toBe(201);
    const { id } = applied.body as { id: string };
    const first = await http(`${url}/registrations/${id}/approve`, {
      body: { proof: await approval(unsigned, keyIn(dataDir, 'institute-a.json')) },
    });
    expect(first.body.status).toBe('pending');
    const second = await http(`${url}/registrations/${id}/approve`, {
      body: { proof: await approval(unsigned, keyIn(dataDir, 'institute-c.json')) },
    });
    expect(second.body.status).toBe('anchored');
    const createHash: string = second.body.receipt.operationHash;

    const resolved = await http(`${url}/1.0/identifiers/${TANGSHAN}`);
    expect(resolved.status).toBe(200);
    expect(resolved.body.didDocument.id).toBe(TANGSHAN);

    const credential = cityIdentityCredential({ issuer: 'did:city:cn', city: TANGSHAN, nameEn: 'Tangshan' });
    const issued = await http(`${url}/issuer/credentials/issue`, {
      body: { credential, options: { format: 'vc-jwt' } },
      token: tokens(dataDir).issuer,
    });
    expect(issued.status).toBe(201);
    const verified = await http(`${url}/issuer/credentials/verify`, {
      body: { verifiableCredential: issued.body.verifiableCredential },
    });
    expect(verified.body).toMatchObject({ verified: true, issuer: 'did:city:cn' });

    const next = generateKeyPair('Ed25519');
    const rotation = await sign(
      updateOperation(
        { did: TANGSHAN, seq: 0, operationHash: createHash },
        { updateKeys: [next.publicKeyMultibase], document: keyDocument(next) },
      ),
      [city],
    );
    expect((await http(`${url}/operations`, { body: rotation })).status).toBe(201);
    const rotated = await http(`${url}/1.0/identifiers/${TANGSHAN}`);
    expect(rotated.body.didDocument.verificationMethod[0].publicKeyMultibase).toBe(next.publicKeyMultibase);

    const end = await sign(deactivateOperation({ did: TANGSHAN, seq: 1, operationHash: operationHash(rotation) }), [
      next,
    ]);
    expect((await http(`${url}/operations`, { body: end })).status).toBe(201);
    const gone = await http(`${url}/1.0/identifiers/${TANGSHAN}`);
    expect(gone.status).toBe(410);
    expect(gone.body.didDocumentMetadata.deactivated).toBe(true);
  });

  it('keeps every acknowledged operation through a kill -9 during submissions, without seeding twice', async () => {
    const credentialsBefore = credentialFiles(dataDir);
    const tokensBefore = readFileSync(join(dataDir, 'tokens.json'), 'utf8');
    const sjz = keyIn(dataDir, 'cities/130100.json');
    const pending: Array<Promise<void>> = [];
    for (let n = 0; n < 40; n++) {
      const did = `did:city:cn:130100:dept-${n}`;
      const own = generateKeyPair('Ed25519');
      const operation = await sign(createOf(did, own), [own, sjz]);
      pending.push(
        http(`${server.url}/operations`, { body: operation }).then(
          (answer) =>
            void (answer.status === 201 && acknowledged.push({ did, operationHash: answer.body.operationHash })),
          () => {},
        ),
      );
      await new Promise((r) => setTimeout(r, 15));
      if (acknowledged.length >= 5) break;
    }
    await server.kill9();
    await Promise.all(pending);
    expect(acknowledged.length).toBeGreaterThan(0);

    server = await started(dataDir);
    for (const { did, operationHash: hash } of acknowledged) {
      expect((await http(`${server.url}/operations/${hash}`)).status, hash).toBe(200);
      expect(await resolveStatus(server.url, did), did).toBe(200);
    }
    for (const did of SEEDED) expect(await resolveStatus(server.url, did), did).toBe(200);
    expect(await resolveStatus(server.url, TANGSHAN)).toBe(410);
    expect(await registrations(server.url, dataDir)).toEqual([...SEEDED_REGISTRATIONS, [TANGSHAN, 'anchored']]);
    expect(credentialFiles(dataDir)).toEqual(credentialsBefore);
    expect(readFileSync(join(dataDir, 'tokens.json'), 'utf8')).toBe(tokensBefore);
    expect(server.output()).not.toMatch(
      /Operator tokens were created|created the national registry|registered did:city/,
    );
  });
});

/** A first start killed (-9) once its output shows `line`, then a second start on the same data directory. */
async function restartedAfterKillAt(line: string): Promise<{ server: Spawned; dataDir: string }> {
  const temp = tempDir('did-city-e2e-seed-');
  temps.push(temp.cleanup);
  const interrupted = spawnAllInOne({ port: await freePort(), dataDir: temp.dir });
  running.push(interrupted);
  await interrupted.waitFor(line);
  await interrupted.kill9();
  return { server: await started(temp.dir), dataDir: temp.dir };
}

describe('kill -9 in the middle of the first-start seeding', () => {
  it('completes the seeding on the next start, with one application per city', async () => {
    const { server, dataDir } = await restartedAfterKillAt('registered did:city:cn:110000');
    for (const did of SEEDED) expect(await resolveStatus(server.url, did), did).toBe(200);
    expect(await registrations(server.url, dataDir)).toEqual(SEEDED_REGISTRATIONS);
    expect(readdirSync(join(dataDir, 'credentials')).sort()).toEqual(['110000.json', '120000.json', '130100.json']);
    const body = JSON.parse(credentialFiles(dataDir)[1]!);
    expect((await http(`${server.url}/issuer/credentials/verify`, { body })).body).toMatchObject({ verified: true });
    expect(server.output()).not.toContain('created the national registry');
  }, 90_000);

  it('completes the change of divisions when killed while the registry states edition 2018, doing nothing twice', async () => {
    const { server, dataDir } = await restartedAfterKillAt('did:city:cn allocates from edition 2018');
    const laiwu = await http(`${server.url}/1.0/identifiers/${LAIWU}`);
    expect(laiwu.status).toBe(410);
    expect(laiwu.body.didDocumentMetadata).toMatchObject({
      successor: JINAN,
      canonicalId: JINAN,
      equivalentId: [JINAN],
    });
    const registry = await http(`${server.url}/1.0/identifiers/did:city:cn`);
    const editions = (
      registry.body.didDocument.service as Array<{ type: string; serviceEndpoint: { edition: string } }>
    ).filter((s) => s.type === 'CityDivisionEdition');
    expect(editions.map((s) => s.serviceEndpoint.edition)).toEqual([latestDivisionEdition()]);
    expect(await registrations(server.url, dataDir)).toEqual(SEEDED_REGISTRATIONS);
    expect((await http(`${server.url}/health`)).body.treeSize).toBe(SEEDED_LEAVES);
  }, 90_000);
});
