// The registry's linked resources survive a kill -9 in the middle of publishing them: the all-in-one as a real
// process is killed right after it printed that it published the second schema, and the next start completes the
// set without a second copy of any (one version per name and type, the same ids, the seeded tree size), and the
// credentials it then issues name the schemas by DID URL and verify.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LinkedResourceMetadata } from '@did-city/method';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, http, type Spawned, spawnAllInOne, tempDir, waitHealthy } from './serve-fixtures.ts';

/** As serve.e2e.test.ts counts them: the seeding's leaves, the registry's 6 linked resources included. */
const SEEDED_LEAVES = 19;
const running: Spawned[] = [];
const temps: Array<() => void> = [];

afterAll(async () => {
  for (const server of running) await server.kill9();
  for (const cleanup of temps) cleanup();
});

describe('kill -9 while the registry publishes its linked resources', () => {
  it('the next start completes them with one version of each, none twice', async () => {
    const temp = tempDir('did-city-e2e-resources-');
    temps.push(temp.cleanup);
    const interrupted = spawnAllInOne({ port: await freePort(), dataDir: temp.dir });
    running.push(interrupted);
    await interrupted.waitFor('did:city:cn published JsonSchema SmartCityPilotCredential', 60_000);
    await interrupted.kill9();
    const before = interrupted.output().match(/did:city:cn published \w+ \w+/g) ?? [];
    expect(before.length).toBeGreaterThanOrEqual(2);
    const server = spawnAllInOne({ port: await freePort(), dataDir: temp.dir });
    running.push(server);
    await waitHealthy(server.url, 60_000);
    const resolved = await http(`${server.url}/1.0/identifiers/did:city:cn`);
    const listed = resolved.body.didDocumentMetadata.linkedResourceMetadata as LinkedResourceMetadata[];
    expect(listed.map((r) => [r.resourceType, r.resourceName, r.previousVersionId])).toEqual([
      ['JsonSchema', 'CityIdentityCredential', null],
      ['JsonSchema', 'SmartCityPilotCredential', null],
      ['JsonSchema', 'AuthorityAccreditationCredential', null],
      ['JsonSchema', 'CityDataSharingCredential', null],
      ['JsonLdContext', 'CityCredentials', null],
      ['DivisionCodeTable', 'GBT2260', null],
    ]);
    expect((await http(`${server.url}/health`)).body.treeSize).toBe(SEEDED_LEAVES);
    // What the first start printed as published is what the ledger holds (ids derived, not drawn again).
    for (const line of interrupted.output().match(/did:city:cn\/resources\/[0-9a-f-]{36}/g) ?? [])
      expect(listed.map((r) => r.resourceURI)).toContain(line);
    const body = JSON.parse(readFileSync(join(temp.dir, 'credentials', '130100.json'), 'utf8'));
    expect(body.verifiableCredential.credentialSchema.id).toBe(listed[0]!.resourceURI);
    expect((await http(`${server.url}/issuer/credentials/verify`, { body })).body).toMatchObject({ verified: true });
  }, 120_000);
});
