/**
 * City-to-city exchange end to end (spec §12) on a running all-in-one on loopback, with three cities: Beijing
 * provides (the seeded data service and dataset), Tianjin holds the seeded grant (an SM2 key), Shijiazhuang has no
 * grant until one is issued for the revocation case. Every request goes over HTTP to the real server; the
 * consumers resolve through a verifying HttpLedgerReader as a remote city would.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAllInOne, type AllInOne } from '@did-city/cli';
import {
  datasetId,
  encodeGrant,
  ExchangeClient,
  type ExchangeError,
  grantCredential,
  GRANT_FIELD,
  type RequestKey,
  signCityRequest,
} from '@did-city/exchange';
import { createCityResolver, createSigner, type KeyPair, keyPairFromSecret, type KeyType } from '@did-city/method';
import { HttpLedgerReader } from '@did-city/method/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './fixtures.ts';

const BEIJING = 'did:city:cn:110000';
const TIANJIN = 'did:city:cn:120000';
const SHIJIAZHUANG = 'did:city:cn:130100';
const DATASET = datasetId(BEIJING, 'air-quality-hourly');

let temp: ReturnType<typeof tempDir>;
let running: AllInOne;
let endpoint: string;
let token: string;
let grant: string;
let release: string;
let resolver: ReturnType<typeof createCityResolver>;

function cityKey(code: string): KeyPair {
  const file = JSON.parse(readFileSync(join(temp.dir, 'keys', 'cities', `${code}.json`), 'utf8')) as {
    keys: Array<{ keyType: KeyType; secretKey: string }>;
  };
  const stored = file.keys[0]!;
  return keyPairFromSecret(stored.keyType, Buffer.from(stored.secretKey, 'base64url'));
}

function keyOf(did: string, code: string): RequestKey {
  return { keyid: `${did}#key-1`, signer: createSigner(cityKey(code)) };
}

function client(did: string, code: string, options: { allowCatalogueChecksum?: boolean } = {}): ExchangeClient {
  return new ExchangeClient({
    key: keyOf(did, code),
    resolver,
    allowCatalogueChecksum: options.allowCatalogueChecksum ?? false,
  });
}

async function refusal(
  promise: Promise<unknown>,
): Promise<{ code: string; status?: number; problem?: { code?: string; status?: number; detail?: string } }> {
  try {
    await promise;
  } catch (error) {
    const { code, problem } = error as ExchangeError & {
      problem?: { code?: string; status?: number; detail?: string };
    };
    return { code, ...(problem === undefined ? {} : { problem, status: problem.status }) };
  }
  throw new Error('expected a refusal');
}

async function issueGrant(
  consumer: string,
  extra: { validFrom?: string; validUntil?: string } = {},
): Promise<{ jwt: string; id: string }> {
  const credential = grantCredential({
    provider: BEIJING,
    consumer,
    dataset: DATASET,
    datasetName: 'air quality',
    purpose: 'tests',
    ...extra,
  });
  const response = await fetch(`${endpoint}/grants/credentials/issue`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ credential, options: { format: 'vc+jwt', envelope: false } }),
  });
  expect(response.status).toBe(201);
  const { verifiableCredential } = (await response.json()) as { verifiableCredential: string };
  const payload = JSON.parse(Buffer.from(verifiableCredential.split('.')[1]!, 'base64url').toString()) as {
    id: string;
  };
  return { jwt: verifiableCredential, id: payload.id };
}

async function signedGet(key: RequestKey, url: string, headers: Record<string, string>, now?: number) {
  const signed = await signCityRequest(
    { method: 'GET', url, headers },
    key,
    now === undefined ? {} : { now: () => now },
  );
  return { signed, send: () => fetch(url, { headers: signed }) };
}

beforeAll(async () => {
  temp = tempDir('did-city-exchange-');
  running = await startAllInOne({ port: 0, dataDir: temp.dir, publicUrl: undefined, log: () => {} });
  endpoint = `${running.url}/data/110000`;
  token = readFileSync(join(temp.dir, 'exchange', '110000', 'operator-token'), 'utf8').trim();
  grant = readFileSync(join(temp.dir, 'exchange', 'grants', '110000-120000.jwt'), 'utf8').trim();
  const reader = new HttpLedgerReader({ url: `${running.url}/`, policy: running.node.policyText });
  resolver = createCityResolver({ reader });
  const catalogue = (await (await fetch(`${endpoint}/catalogue`)).json()) as {
    'dcat:dataset': Array<{ 'dcat:distribution': Array<{ 'dct:identifier': string }> }>;
  };
  release = catalogue['dcat:dataset'][0]!['dcat:distribution'][0]!['dct:identifier'];
}, 90_000);

afterAll(async () => {
  await running?.close();
  temp?.cleanup();
});

describe('the provider city publishes', () => {
  it('lists its data service in its DID document and a DCAT catalogue with the release checksum', async () => {
    const { didDocument } = await resolver.resolve(BEIJING);
    expect(didDocument?.service).toContainEqual({
      id: `${BEIJING}#data`,
      type: 'CityDataService',
      serviceEndpoint: endpoint,
    });
    // biome-ignore lint/suspicious/noExplicitAny: the test reads the JSON-LD as served
    const catalogue = (await (await fetch(`${endpoint}/catalogue`)).json()) as Record<string, any>;
    expect(catalogue['@type']).toBe('dcat:Catalog');
    const dataset = catalogue['dcat:dataset'][0];
    expect(dataset['@id']).toBe(DATASET);
    expect(dataset['dcat:distribution'][0]['@id']).toBe(`${BEIJING}/resources/${release}`);
    expect(dataset['dcat:distribution'][0]['spdx:checksum']['spdx:checksumValue']).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('publishing', () => {
  it("anchors a new release and a new catalogue version as Beijing's linked resources before serving them", async () => {
    const body = Buffer.from('{"hour":"2026-12-04T03:00:00Z","pm25":41}\n');
    const post = (auth: boolean) =>
      fetch(`${endpoint}/datasets/air-quality-hourly/releases`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
        body,
      });
    expect((await post(false)).status).toBe(401);
    const answer = await post(true);
    expect(answer.status).toBe(201);
    const published = (await answer.json()) as { id: string; checksum: string; release: string };
    const { didDocumentMetadata } = await resolver.resolve(BEIJING);
    const listed = didDocumentMetadata.linkedResourceMetadata ?? [];
    expect(listed.find((r) => r.resourceId === published.id)).toMatchObject({
      resourceName: 'air-quality-hourly',
      resourceType: 'CityDatasetRelease',
      checksum: published.checksum,
    });
    const catalogue = await fetch(`${endpoint}/catalogue`);
    const catalogueId = catalogue.headers.get('content-location')!.split('/resources/')[1];
    const versions = listed.filter((r) => r.resourceName === 'catalogue' && r.resourceType === 'CityDataCatalogue');
    expect(versions.length).toBeGreaterThanOrEqual(2);
    expect(versions.at(-1)?.resourceId).toBe(catalogueId);
    expect(versions.at(-1)?.previousVersionId).toBe(versions.at(-2)?.resourceId);
    const fetched = await client(TIANJIN, '120000').fetchRelease({
      provider: BEIJING,
      release: published.release,
      grant,
    });
    expect(fetched.content.equals(body)).toBe(true);
  });

  it('refuses a release for an undefined dataset or of a malformed media type, anchoring nothing', async () => {
    const before = (await resolver.resolve(BEIJING)).didDocumentMetadata.linkedResourceMetadata?.length;
    const post = (path: string, type: string) =>
      fetch(`${endpoint}/datasets/${path}/releases`, {
        method: 'POST',
        headers: { 'content-type': type, authorization: `Bearer ${token}` },
        body: 'x',
      });
    const unknown = await post('no-such-dataset', 'application/json');
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { code: string }).code).toBe('INVALID_INPUT');
    expect((await post('air-quality-hourly', 'Text/Weird Type')).status).toBe(400);
    expect((await resolver.resolve(BEIJING)).didDocumentMetadata.linkedResourceMetadata?.length).toBe(before);
  });
});

describe('a granted city', () => {
  it('fetches a release with its grant and an SM2-signed request, and verifies it against its checksum', async () => {
    const fetched = await client(TIANJIN, '120000').fetchRelease({ provider: BEIJING, release, grant });
    const sample = JSON.parse(fetched.content.toString()) as { city: string; readings: unknown[] };
    expect(sample.city).toBe(BEIJING);
    expect(sample.readings).toHaveLength(24);
    expect(fetched.mediaType).toMatch(/^application\/json/);
    expect(fetched.anchor).toBe('ledger');
  });

  it("refuses a payload no checksum is anchored for, unless told to take the catalogue's", async () => {
    const unanchored = new ExchangeClient({ key: keyOf(TIANJIN, '120000'), resolver, anchor: async () => undefined });
    expect((await refusal(unanchored.fetchRelease({ provider: BEIJING, release, grant }))).code).toBe(
      'ANCHOR_UNAVAILABLE',
    );
    const lenient = new ExchangeClient({
      key: keyOf(TIANJIN, '120000'),
      resolver,
      anchor: async () => undefined,
      allowCatalogueChecksum: true,
    });
    expect((await lenient.fetchRelease({ provider: BEIJING, release, grant })).anchor).toBe('catalogue');
  });

  it("is refused a payload edited on the provider's disk (the checksum was taken at publication)", async () => {
    const file = join(temp.dir, 'exchange', '110000', 'datasets', 'content', release);
    const original = readFileSync(file);
    writeFileSync(file, Buffer.from(original.toString().replace('"pm25": ', '"pm25": 1')));
    try {
      const refused = await refusal(client(TIANJIN, '120000').fetchRelease({ provider: BEIJING, release, grant }));
      expect(refused.code).toBe('DIGEST_MISMATCH');
    } finally {
      writeFileSync(file, original);
    }
  });
});

describe('the provider refuses', () => {
  it("a city without a grant (403), and one presenting another city's grant (403)", async () => {
    const none = await signedGet(keyOf(SHIJIAZHUANG, '130100'), `${endpoint}/releases/${release}`, {});
    const answer = await none.send();
    expect(answer.status).toBe(403);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await answer.json()) as { code: string }).code).toBe('GRANT_MISSING');
    const borrowed = await refusal(client(SHIJIAZHUANG, '130100').fetchRelease({ provider: BEIJING, release, grant }));
    expect(borrowed.problem).toMatchObject({ status: 403, code: 'GRANT_INVALID' });
  });

  it('a grant once revoked (403), after it worked; and a suspended one until reinstated', async () => {
    const issued = await issueGrant(SHIJIAZHUANG);
    const sjz = client(SHIJIAZHUANG, '130100');
    await expect(sjz.fetchRelease({ provider: BEIJING, release, grant: issued.jwt })).resolves.toMatchObject({
      provider: BEIJING,
    });
    const status = (statusPurpose: string, value: boolean) =>
      fetch(`${endpoint}/grants/credentials/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ credentialId: issued.id, credentialStatus: [{ statusPurpose, status: value }] }),
      });
    expect((await status('suspension', true)).status).toBe(200);
    const suspended = await refusal(sjz.fetchRelease({ provider: BEIJING, release, grant: issued.jwt }));
    expect(suspended.problem).toMatchObject({ status: 403, code: 'GRANT_INVALID' });
    expect(suspended.problem?.detail).toContain('SUSPENDED');
    expect((await status('suspension', false)).status).toBe(200);
    await expect(sjz.fetchRelease({ provider: BEIJING, release, grant: issued.jwt })).resolves.toMatchObject({
      provider: BEIJING,
    });
    expect((await status('revocation', true)).status).toBe(200);
    const revoked = await refusal(sjz.fetchRelease({ provider: BEIJING, release, grant: issued.jwt }));
    expect(revoked.problem).toMatchObject({ status: 403, code: 'GRANT_INVALID' });
    expect(revoked.problem?.detail).toContain('REVOKED');
  });

  it('an expired grant (403)', async () => {
    const expired = await issueGrant(SHIJIAZHUANG, {
      validFrom: '2025-01-01T00:00:00Z',
      validUntil: '2025-06-30T00:00:00Z',
    });
    const refused = await refusal(
      client(SHIJIAZHUANG, '130100').fetchRelease({ provider: BEIJING, release, grant: expired.jwt }),
    );
    expect(refused.problem).toMatchObject({ status: 403, code: 'GRANT_INVALID' });
    expect(refused.problem?.detail).toContain('EXPIRED');
  });

  it('a replayed request (401), though the first one was served', async () => {
    const request = await signedGet(keyOf(TIANJIN, '120000'), `${endpoint}/releases/${release}`, {
      [GRANT_FIELD]: encodeGrant(grant),
    });
    expect((await request.send()).status).toBe(200);
    const replay = await request.send();
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { code: string }).code).toBe('SIGNATURE_REPLAYED');
  });

  it('a stale signature (401) and one from the future (401)', async () => {
    for (const offset of [-10 * 60_000, 10 * 60_000]) {
      const request = await signedGet(
        keyOf(TIANJIN, '120000'),
        `${endpoint}/releases/${release}`,
        { [GRANT_FIELD]: encodeGrant(grant) },
        Date.now() + offset,
      );
      const answer = await request.send();
      expect(answer.status).toBe(401);
      expect(((await answer.json()) as { code: string }).code).toBe('SIGNATURE_STALE');
    }
  });

  it("a signature over another target, or by a key not in the signer's authentication (401)", async () => {
    const other = await signedGet(
      keyOf(TIANJIN, '120000'),
      `${endpoint}/releases/00000000-0000-4000-8000-000000000000`,
      { [GRANT_FIELD]: encodeGrant(grant) },
    );
    const moved = await fetch(`${endpoint}/releases/${release}`, { headers: other.signed });
    expect(moved.status).toBe(401);
    expect(((await moved.json()) as { code: string }).code).toBe('SIGNATURE_INVALID');
    // Shijiazhuang's key claiming to be Tianjin's #key-1: the signature does not verify under Tianjin's key.
    const impostor = { keyid: `${TIANJIN}#key-1`, signer: createSigner(cityKey('130100')) };
    const forged = await signedGet(impostor, `${endpoint}/releases/${release}`, { [GRANT_FIELD]: encodeGrant(grant) });
    expect((await forged.send()).status).toBe(401);
    const unknown = await signedGet(
      { keyid: `${TIANJIN}#key-9`, signer: createSigner(cityKey('120000')) },
      `${endpoint}/releases/${release}`,
      {},
    );
    const answer = await unknown.send();
    expect(answer.status).toBe(401);
    expect(((await answer.json()) as { code: string }).code).toBe('SIGNER_NOT_AUTHORISED');
  });

  it('an unsigned request (401), naming the scheme', async () => {
    const answer = await fetch(`${endpoint}/releases/${release}`);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Signature');
    expect(((await answer.json()) as { code: string }).code).toBe('SIGNATURE_MISSING');
  });
});

describe('the access log', () => {
  it('records every decision, allowed and denied with the reason, and exports as JSON lines to the operator only', async () => {
    expect((await fetch(`${endpoint}/access-log`)).status).toBe(401);
    const answer = await fetch(`${endpoint}/access-log`, { headers: { authorization: `Bearer ${token}` } });
    expect(answer.status).toBe(200);
    const lines = (await answer.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, string>);
    expect(lines.find((l) => l.decision === 'allowed' && l.consumer === TIANJIN)).toMatchObject({
      reason: 'GRANTED',
      dataset: DATASET,
    });
    const reasons = new Set(lines.filter((l) => l.decision === 'denied').map((l) => l.reason));
    for (const reason of [
      'GRANT_MISSING',
      'GRANT_INVALID',
      'SIGNATURE_REPLAYED',
      'SIGNATURE_STALE',
      'SIGNATURE_INVALID',
      'SIGNATURE_MISSING',
      'SIGNER_NOT_AUTHORISED',
    ]) {
      expect(reasons, reason).toContain(reason);
    }
    for (const line of lines) expect(Date.parse(line.time!)).not.toBeNaN();
  });
});
