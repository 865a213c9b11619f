/**
 * The grant presented in a Verifiable Presentation (spec §12.4, R-XCH-10) on a running all-in-one on loopback:
 * Tianjin (SM2) holds the seeded grant from Beijing and presents it in a presentation it signs with its own
 * authentication key, bound to the request (challenge = the request signature's nonce, domain = Beijing's
 * endpoint). Refused: a presentation made for another request (replayed), one without a challenge, one for another
 * domain, one whose holder is not the city that signed the request, one carrying another city's grant, both fields
 * at once, and a presentation field the signature does not cover.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type AllInOne, startAllInOne } from '@did-city/cli';
import {
  encodeGrant,
  ExchangeClient,
  type ExchangeError,
  GRANT_FIELD,
  PRESENTATION_FIELD,
  presentGrant,
  type RequestKey,
  signCityRequest,
} from '@did-city/exchange';
import { envelope, provePresentation, VC_V2_CONTEXT } from '@did-city/issuer';
import { createCityResolver, createSigner, type KeyPair, keyPairFromSecret, type KeyType } from '@did-city/method';
import { HttpLedgerReader } from '@did-city/method/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './fixtures.ts';

const BEIJING = 'did:city:cn:110000';
const TIANJIN = 'did:city:cn:120000';
const SHIJIAZHUANG = 'did:city:cn:130100';

let temp: ReturnType<typeof tempDir>;
let running: AllInOne;
let endpoint: string;
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

const holderKey = (key: RequestKey) => ({ verificationMethod: key.keyid, signer: key.signer });
const nonce = () => randomBytes(16).toString('base64url');

/** A request for the release signed by `key` with `nonce`, carrying `fields`; the signature covers every field given. */
async function send(
  key: RequestKey,
  fields: Record<string, string>,
  signNonce: string,
): Promise<{ status: number; code?: string; detail?: string }> {
  const url = `${endpoint}/releases/${release}`;
  const headers = await signCityRequest({ method: 'GET', url, headers: fields }, key, { nonce: signNonce });
  const response = await fetch(url, { headers });
  if (response.ok) return { status: response.status };
  const problem = (await response.json()) as { code?: string; detail?: string };
  return { status: response.status, ...problem };
}

async function accessLog(): Promise<Array<{ decision: string; reason: string; consumer?: string }>> {
  const token = readFileSync(join(temp.dir, 'exchange', '110000', 'operator-token'), 'utf8').trim();
  const text = await (await fetch(`${endpoint}/access-log`, { headers: { authorization: `Bearer ${token}` } })).text();
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

beforeAll(async () => {
  temp = tempDir('did-city-exchange-vp-');
  running = await startAllInOne({ port: 0, dataDir: temp.dir, log: () => {} });
  endpoint = `${running.url}/data/110000`;
  grant = readFileSync(join(temp.dir, 'exchange', 'grants', '110000-120000.jwt'), 'utf8').trim();
  resolver = createCityResolver({
    reader: new HttpLedgerReader({ url: `${running.url}/`, policy: running.node.policyText }),
  });
  const catalogue = (await (await fetch(`${endpoint}/catalogue`)).json()) as {
    'dcat:dataset': Array<{ 'dcat:distribution': Array<{ 'dct:identifier': string }> }>;
  };
  release = catalogue['dcat:dataset'][0]!['dcat:distribution'][0]!['dct:identifier'];
}, 90_000);

afterAll(async () => {
  await running?.close();
  temp?.cleanup();
});

describe('a grant presented in a Verifiable Presentation', () => {
  it.each(['vp+jwt', 'data-integrity'] as const)(
    'Tianjin fetches with a %s presentation bound to the request, verified against the anchored checksum',
    async (format) => {
      const client = new ExchangeClient({ key: keyOf(TIANJIN, '120000'), resolver });
      const fetched = await client.fetchRelease({ provider: BEIJING, release, grant, presentation: format });
      expect(fetched.anchor).toBe('ledger');
      expect(JSON.parse(fetched.content.toString()).city).toBe(BEIJING);
      expect((await accessLog()).at(-1)).toMatchObject({ decision: 'allowed', reason: 'GRANTED', consumer: TIANJIN });
    },
  );

  it('the CLI fetches with --presentation', async () => {
    const repo = fileURLToPath(new URL('../../', import.meta.url));
    const args = [
      '--conditions=source',
      '--import',
      'tsx',
      'packages/cli/src/bin.ts',
      'data',
      'fetch',
      BEIJING,
      'air-quality-hourly',
      '--as',
      TIANJIN,
    ];
    const files = [
      '--keys',
      join(temp.dir, 'keys', 'cities', '120000.json'),
      '--grant',
      join(temp.dir, 'exchange', 'grants', '110000-120000.jwt'),
    ];
    const env = { ...process.env, DID_CITY_HOME: join(temp.dir, 'cli-home') };
    const run = promisify(execFile)(process.execPath, [...args, ...files, '--presentation', '--ledger', running.url], {
      cwd: repo,
      env,
      encoding: 'utf8',
    });
    const { stdout, stderr } = await run;
    expect(JSON.parse(stdout).city).toBe(BEIJING);
    expect(stderr).toMatch(/verified: \d+ bytes of did:city:cn:110000\/resources\/[0-9a-f-]{36}/);
    expect((await accessLog()).at(-1)).toMatchObject({ decision: 'allowed', reason: 'GRANTED', consumer: TIANJIN });
  }, 60_000);

  it('refuses a presentation replayed in another request (its challenge is the nonce of the request it was made for)', async () => {
    const key = keyOf(TIANJIN, '120000');
    const first = nonce();
    const presentation = await presentGrant(grant, holderKey(key), { challenge: first, domain: endpoint });
    expect((await send(key, { [PRESENTATION_FIELD]: presentation }, first)).status).toBe(200);
    // The same signed request again: the nonce is spent.
    expect(await send(key, { [PRESENTATION_FIELD]: presentation }, first)).toMatchObject({
      status: 401,
      code: 'SIGNATURE_REPLAYED',
    });
    // A fresh signature around the old presentation: the challenge names the first request.
    expect(await send(key, { [PRESENTATION_FIELD]: presentation }, nonce())).toMatchObject({
      status: 403,
      code: 'GRANT_INVALID',
      detail: expect.stringContaining('CHALLENGE_MISMATCH'),
    });
    expect((await accessLog()).at(-1)).toMatchObject({
      decision: 'denied',
      reason: 'GRANT_INVALID',
      consumer: TIANJIN,
    });
  });

  it('refuses a presentation without a challenge, and one made for another domain', async () => {
    const key = keyOf(TIANJIN, '120000');
    const unbound = encodeGrant(
      (await provePresentation(
        { '@context': [VC_V2_CONTEXT], type: ['VerifiablePresentation'], verifiableCredential: [envelope(grant)] },
        { key: holderKey(key), domain: endpoint, format: 'vp+jwt' },
      )) as string,
    );
    expect(await send(key, { [PRESENTATION_FIELD]: unbound }, nonce())).toMatchObject({
      status: 403,
      code: 'GRANT_INVALID',
      detail: expect.stringContaining('CHALLENGE_MISMATCH'),
    });
    const signNonce = nonce();
    const elsewhere = await presentGrant(grant, holderKey(key), {
      challenge: signNonce,
      domain: 'https://data.other-city.example/',
    });
    expect(await send(key, { [PRESENTATION_FIELD]: elsewhere }, signNonce)).toMatchObject({
      status: 403,
      code: 'GRANT_INVALID',
      detail: expect.stringContaining('DOMAIN_MISMATCH'),
    });
  });

  it("refuses a wrong holder: Shijiazhuang presenting Tianjin's grant, or signing a request around Tianjin's presentation", async () => {
    const sjz = keyOf(SHIJIAZHUANG, '130100');
    const tianjin = keyOf(TIANJIN, '120000');
    // Shijiazhuang signs the request and the presentation: the grant's subject is Tianjin.
    let signNonce = nonce();
    const borrowed = await presentGrant(grant, holderKey(sjz), { challenge: signNonce, domain: endpoint });
    expect(await send(sjz, { [PRESENTATION_FIELD]: borrowed }, signNonce)).toMatchObject({
      status: 403,
      code: 'GRANT_INVALID',
      detail: "the grant's subject must be the city that signed the request",
    });
    // Tianjin's own presentation (for the nonce Shijiazhuang then signs with): the holder is not the signer.
    signNonce = nonce();
    const theirs = await presentGrant(grant, holderKey(tianjin), { challenge: signNonce, domain: endpoint });
    expect(await send(sjz, { [PRESENTATION_FIELD]: theirs }, signNonce)).toMatchObject({
      status: 403,
      code: 'GRANT_INVALID',
      detail: "the presentation's holder must be the city that signed the request",
    });
    expect((await accessLog()).at(-1)).toMatchObject({
      decision: 'denied',
      reason: 'GRANT_INVALID',
      consumer: SHIJIAZHUANG,
    });
  });

  it('refuses a presentation that is not signed by its holder, both fields at once, and a field the signature does not cover', async () => {
    const key = keyOf(TIANJIN, '120000');
    // The presentation's proof edited after signing.
    let signNonce = nonce();
    const good = await presentGrant(grant, holderKey(key), { challenge: signNonce, domain: endpoint });
    const [header, payload, signature] = good.split('.');
    const forged = [header, payload, `${signature!.slice(0, -4)}AAAA`].join('.');
    expect(await send(key, { [PRESENTATION_FIELD]: forged }, signNonce)).toMatchObject({
      status: 403,
      code: 'GRANT_INVALID',
    });
    signNonce = nonce();
    const both = await presentGrant(grant, holderKey(key), { challenge: signNonce, domain: endpoint });
    expect(await send(key, { [PRESENTATION_FIELD]: both, [GRANT_FIELD]: encodeGrant(grant) }, signNonce)).toMatchObject(
      { status: 403, code: 'GRANT_INVALID', detail: expect.stringContaining('present the grant once') },
    );
    // Added after the request was signed: the signature must cover the field.
    signNonce = nonce();
    const url = `${endpoint}/releases/${release}`;
    const headers = await signCityRequest({ method: 'GET', url, headers: {} }, key, { nonce: signNonce });
    const added = await presentGrant(grant, holderKey(key), { challenge: signNonce, domain: endpoint });
    const response = await fetch(url, { headers: { ...headers, [PRESENTATION_FIELD]: added } });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { code: string }).code).toBe('SIGNATURE_INVALID');
  });

  it('refuses an oversize presentation field before verifying anything', async () => {
    const key = keyOf(TIANJIN, '120000');
    const signNonce = nonce();
    const huge = 'a'.repeat(13 * 1024);
    expect(await send(key, { [PRESENTATION_FIELD]: huge }, signNonce)).toMatchObject({
      status: 403,
      code: 'GRANT_INVALID',
      detail: expect.stringContaining('presentation exceeds'),
    });
  });
});

describe('the catalogue as a linked resource', () => {
  it('the client reads the catalogue the data service serves; its DID URL dereferences to the same bytes through the resolver', async () => {
    const served = await fetch(`${endpoint}/catalogue`);
    const bytes = Buffer.from(await served.arrayBuffer());
    const result = await resolver.dereference(`${BEIJING}?resourceName=catalogue&resourceType=CityDataCatalogue`);
    expect(result.dereferencingMetadata.error).toBeUndefined();
    expect(Buffer.from(result.content as Uint8Array).equals(bytes)).toBe(true);
    expect((result.contentMetadata as { resourceURI: string }).resourceURI).toBe(
      served.headers.get('content-location'),
    );
  });
});
