/**
 * The standalone servers as processes, against a real ledger node on loopback: `did-city driver --port 0` (it
 * prints the port the system picked) resolves a city (200), an unknown code (404) and a deactivated DID (410);
 * `did-city issuer` with a key file and a token issues a credential over the VC API (201), verifies it, and refuses
 * an issue without the token (401). The processes are stopped in afterAll even when a test fails.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cityIdentityCredential } from '@did-city/issuer';
import {
  createOperation,
  createSigner,
  type DocumentContent,
  deactivateOperation,
  type KeyPair,
  keyPairFromSecret,
  operationHash,
  sha256,
  signOperation,
} from '@did-city/method';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliServer, cli, freePort, spawnCli, startLedger, type TestLedger, tempDir } from './cli-fixtures.ts';
import {
  credentialWithResource,
  DATASET,
  RIGHT_SRI,
  type ResourceServer,
  startResourceServer,
  WRONG_SRI,
} from './resource-fixtures.ts';

const REGISTRY = 'did:city:cn';
const SJZ = 'did:city:cn:130100';
const TIANJIN = 'did:city:cn:120000';
const UNKNOWN = 'did:city:cn:130200';
const ISSUER_TOKEN = 'issuer-token-for-cli-server-tests';

const key = (name: string): KeyPair =>
  keyPairFromSecret('Ed25519', sha256(new TextEncoder().encode(`cli-servers:${name}`)));
const INSTITUTES = [key('institute-a'), key('institute-b'), key('institute-c')];
const ISSUER_KEY = key('issuer');
const CITY_KEYS = { [SJZ]: key('sjz'), [TIANJIN]: key('tianjin') };

function withKey1(pair: KeyPair): DocumentContent {
  return {
    verificationMethod: [{ id: '#key-1', type: 'Multikey', publicKeyMultibase: pair.publicKeyMultibase }],
    authentication: ['#key-1'],
    assertionMethod: ['#key-1'],
  };
}

let temp: ReturnType<typeof tempDir>;
let ledger: TestLedger;
let env: Record<string, string>;
let policyFile: string;
const running: CliServer[] = [];

beforeAll(async () => {
  temp = tempDir('did-city-cli-servers-');
  ledger = await startLedger(join(temp.dir, 'ledger'));
  // The registry (2 of 3 institutes) publishes the issuer key as #key-1 in assertionMethod.
  const genesis = createOperation({
    did: REGISTRY,
    updateKeys: INSTITUTES.map((k) => k.publicKeyMultibase),
    threshold: 2,
    document: withKey1(ISSUER_KEY),
  });
  await ledger.node.submitGovernance(await signOperation(genesis, INSTITUTES.slice(0, 2).map(createSigner)));
  for (const [did, city] of Object.entries(CITY_KEYS)) {
    const create = await signOperation(
      createOperation({ did, updateKeys: [city.publicKeyMultibase], document: withKey1(city) }),
      [city, INSTITUTES[0]!, INSTITUTES[1]!].map(createSigner),
    );
    await ledger.node.submit(create);
    if (did === TIANJIN) {
      const head = { did, seq: 0, operationHash: operationHash(create) };
      await ledger.node.submit(await signOperation(deactivateOperation(head), [createSigner(city)]));
    }
  }

  policyFile = join(temp.dir, 'policy.txt');
  writeFileSync(policyFile, ledger.node.policyText);
  const keys = join(temp.dir, 'keys.json');
  const entry = {
    name: 'issuer',
    keyType: 'Ed25519',
    publicKeyMultibase: ISSUER_KEY.publicKeyMultibase,
    secretKey: Buffer.from(ISSUER_KEY.secretKey).toString('base64url'),
  };
  writeFileSync(keys, JSON.stringify({ version: 1, keys: [entry] }), { mode: 0o600 });
  // No trust on first use: every server verifies against the ledger's policy, given as a file.
  env = {
    DID_CITY_LEDGER: ledger.url,
    DID_CITY_KEYS: keys,
    DID_CITY_HOME: join(temp.dir, 'home'),
    DID_CITY_ISSUER_TOKEN: '',
  };
}, 30_000);

afterAll(async () => {
  await Promise.all(running.map((server) => server.stop()));
  await ledger?.stop();
  temp?.cleanup();
});

function start(args: string[], extraEnv: Record<string, string> = {}): CliServer {
  const server = spawnCli([...args, '--policy', policyFile], { ...env, ...extraEnv });
  running.push(server);
  return server;
}

describe('did-city driver as a process', { timeout: 30_000 }, () => {
  let base: string;

  beforeAll(async () => {
    // Its checkpoint store defaults to data/ in the working directory (the repository here): keep it in the temp dir,
    // or a later run against a new ledger (same size, other root) would be a split view.
    const checkpointStore = { uniresolver_driver_did_city_checkpointStore: join(temp.dir, 'driver-checkpoints.json') };
    const driver = start(['driver', '--port', '0', '--cache-ttl', '0'], checkpointStore);
    const [, port] = await driver.waitFor(/did:city driver listening on http:\/\/127\.0\.0\.1:(\d+)\//);
    expect(Number(port)).toBeGreaterThan(0);
    base = `http://127.0.0.1:${port}/1.0/identifiers/`;
  }, 30_000);

  it('warns on stderr that no registry genesis is pinned', () => {
    expect(running[0]!.output()).toMatch(
      /warning: NO REGISTRY GENESIS IS PINNED \(uniresolver_driver_did_city_genesis\)/,
    );
  });

  it('resolves a city (200) with its verified document', async () => {
    const response = await fetch(`${base}${SJZ}`);
    const body = (await response.json()) as {
      didDocument: { id: string; assertionMethod: string[] };
      didDocumentMetadata: Record<string, unknown>;
    };
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body.didDocument.id).toBe(SJZ);
    expect(body.didDocument.assertionMethod).toEqual([`${SJZ}#key-1`]);
    expect(response.headers.get('cache-control')).toMatch(/no-cache|max-age=0/);
  });

  it('answers 404 for a code that is not on the ledger', async () => {
    const response = await fetch(`${base}${UNKNOWN}`);
    expect(response.status).toBe(404);
    expect(JSON.stringify(await response.json())).toMatch(/notFound|NOT_FOUND/);
  });

  it('answers 410 for a deactivated DID, with deactivated metadata', async () => {
    const response = await fetch(`${base}${TIANJIN}`);
    expect(response.status).toBe(410);
    const body = (await response.json()) as { didDocument: unknown; didDocumentMetadata: { deactivated?: boolean } };
    expect(body.didDocumentMetadata.deactivated).toBe(true);
  });
});

describe('did-city issuer as a process', { timeout: 30_000 }, () => {
  let base: string;
  // Related resources: one on a loopback host the fetch policy allows, one on a loopback host it does not.
  let allowed: ResourceServer;
  let forbidden: ResourceServer;

  beforeAll(async () => {
    allowed = await startResourceServer(DATASET);
    forbidden = await startResourceServer(DATASET);
    // The issuer names its own URL in the status entries it issues, so it gets a known port (and --public-url).
    // Its data directory does not exist yet: the command creates it, as on a first start.
    const port = await freePort();
    base = `http://127.0.0.1:${port}/`;
    // Plain http is allowed to both; only `allowed` may be a loopback address.
    const policy = {
      DID_CITY_FETCH_ALLOW_HTTP: `${allowed.host},${forbidden.host}`,
      DID_CITY_FETCH_ALLOW_PRIVATE: allowed.host,
    };
    const args = [
      'issuer',
      '--key',
      'issuer',
      '--token',
      ISSUER_TOKEN,
      '--data-dir',
      join(temp.dir, 'issuer'),
      '--port',
      String(port),
      '--public-url',
      base,
    ];
    const issuer = start(args, policy);
    await issuer.waitFor(new RegExp(`did:city issuer ${REGISTRY} listening on http://127\\.0\\.0\\.1:${port}/`));
  }, 30_000);

  it('refuses --port 0 without --public-url (exit 2): credentials would name an unreachable status list', async () => {
    const result = await cli(
      [
        'issuer',
        '--key',
        'issuer',
        '--token',
        ISSUER_TOKEN,
        '--port',
        '0',
        '--data-dir',
        join(temp.dir, 'issuer-0'),
        '--policy',
        policyFile,
      ],
      env,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--port 0 needs --public-url/);
  });

  const issue = (token: string | undefined) =>
    fetch(`${base}credentials/issue`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify({
        credential: cityIdentityCredential({ issuer: REGISTRY, city: SJZ, nameEn: 'Shijiazhuang' }),
        options: { format: 'data-integrity' },
      }),
    });

  it('issues a credential with the token (201), and verifies it against the ledger', async () => {
    const issued = await issue(ISSUER_TOKEN);
    const body = (await issued.json()) as {
      verifiableCredential: { issuer: unknown; proof: { verificationMethod: string }; credentialStatus?: unknown };
    };
    expect(issued.status, JSON.stringify(body)).toBe(201);
    expect(body.verifiableCredential.proof.verificationMethod).toBe(`${REGISTRY}#key-1`);
    expect(JSON.stringify(body.verifiableCredential.credentialStatus)).toContain(`${base}status-lists/`);

    const verified = await fetch(`${base}credentials/verify`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ verifiableCredential: body.verifiableCredential }),
    });
    const result = (await verified.json()) as { verified: boolean; errors: unknown[]; issuer: string };
    expect(verified.status, JSON.stringify(result)).toBe(200);
    expect(result).toMatchObject({ verified: true, errors: [], issuer: REGISTRY });
  });

  const issueWith = (resource: { id: string; digestSRI: string }) =>
    fetch(`${base}credentials/issue`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ISSUER_TOKEN}` },
      body: JSON.stringify({
        credential: credentialWithResource(REGISTRY, SJZ, resource),
        options: { format: 'data-integrity' },
      }),
    });

  const verify = async (verifiableCredential: unknown) => {
    const response = await fetch(`${base}credentials/verify`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ verifiableCredential }),
    });
    return (await response.json()) as {
      verified: boolean;
      errors: Array<{ code: string; message: string }>;
      warnings?: Array<{ code: string; message: string }>;
      relatedResources?: unknown[];
    };
  };

  it('checks a relatedResource digest before signing and when verifying, under the outbound-fetch policy (VC 2.0 §5.3)', async () => {
    const id = `${allowed.origin}/datasets/air.csv`;
    const wrong = await issueWith({ id, digestSRI: WRONG_SRI });
    const problem = (await wrong.json()) as { detail: string };
    expect(wrong.status).toBe(400);
    expect(problem.detail).toContain(`${id} does not match its digest`);

    const right = await issueWith({ id, digestSRI: RIGHT_SRI });
    const { verifiableCredential } = (await right.json()) as { verifiableCredential: unknown };
    expect(right.status).toBe(201);
    expect(await verify(verifiableCredential)).toMatchObject({
      verified: true,
      errors: [],
      relatedResources: [{ id, digest: 'matched' }],
    });
    expect(allowed.requests()).toBe(3);

    // The dataset changes after issuance: the credential no longer verifies, and the error names the resource.
    allowed.setBody(`${DATASET}tampered\n`);
    const changed = await verify(verifiableCredential);
    allowed.setBody(DATASET);
    expect(changed.verified).toBe(false);
    expect(changed.errors).toContainEqual(
      expect.objectContaining({ code: 'RELATED_RESOURCE_MISMATCH', message: `${id} does not match its digest` }),
    );
  });

  it('never contacts a loopback address the policy does not allow, at issuance or verification (R-FETCH-2)', async () => {
    const id = `${forbidden.origin}/datasets/air.csv`;
    const issued = await issueWith({ id, digestSRI: WRONG_SRI });
    // The issuer could not check the digest, so it signs the resource as given (issuer README, §5.3).
    expect(issued.status).toBe(201);
    const result = await verify(((await issued.json()) as { verifiableCredential: unknown }).verifiableCredential);
    expect(result.relatedResources).toEqual([expect.objectContaining({ id, digest: 'not-fetched' })]);
    expect(result.warnings).toContainEqual(
      expect.objectContaining({
        code: 'RELATED_RESOURCE_UNAVAILABLE',
        message: expect.stringMatching(new RegExp(`^${id} was not fetched.*R-FETCH-2`)),
      }),
    );
    expect(forbidden.connections()).toBe(0);
  });

  afterAll(async () => {
    await allowed?.close();
    await forbidden?.close();
  });

  it('refuses an issue without the token (401) or with a wrong one', async () => {
    const missing = await issue(undefined);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await issue('not-the-token')).status).toBe(401);
  });
});

describe('did-city ledger as a process: genesis pins (R-GEN-4) and rate limits (§9.7)', { timeout: 30_000 }, () => {
  const ADMIN = 'admin-token-for-the-ledger-process';
  const genesis = async () =>
    signOperation(
      createOperation({
        did: REGISTRY,
        updateKeys: INSTITUTES.map((k) => k.publicKeyMultibase),
        threshold: 2,
        document: withKey1(ISSUER_KEY),
      }),
      INSTITUTES.slice(0, 2).map(createSigner),
    );
  const post = (base: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  async function startLedgerProcess(name: string, extraArgs: string[], extraEnv: Record<string, string>) {
    const port = await freePort();
    const args = [
      'ledger',
      '--port',
      String(port),
      '--data-dir',
      join(temp.dir, name),
      '--admin-token',
      ADMIN,
      ...extraArgs,
    ];
    const server = spawnCli(args, extraEnv);
    running.push(server);
    await server.waitFor(/did:city ledger node listening on/);
    return { server, base: `http://127.0.0.1:${port}/` };
  }

  it('without pins: a loud warning, every registry genesis refused with the admin token, writes limited per client', async () => {
    const { server, base } = await startLedgerProcess('ledger-unpinned', [], { DID_CITY_RATE_WRITES: '3/60' });
    expect(server.output()).toMatch(
      /warning: NO REGISTRY GENESIS IS PINNED \(--genesis\): the governance path refuses every country registry genesis/,
    );
    const refused = await post(base, 'governance/operations', await genesis(), { Authorization: `Bearer ${ADMIN}` });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { detail: string }).detail).toContain('R-GEN-4');
    expect((await post(base, 'operations', {})).status).toBe(400);
    expect((await post(base, 'operations', {})).status).toBe(400);
    const limited = await post(base, 'operations', {});
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('with --genesis the pinned registry is taken; --allow-unpinned-genesis is warned about', async () => {
    const pins = join(temp.dir, 'genesis.json');
    writeFileSync(pins, JSON.stringify({ [REGISTRY]: { updateKeys: INSTITUTES.map((k) => k.publicKeyMultibase) } }));
    const { server, base } = await startLedgerProcess(
      'ledger-pinned',
      ['--genesis', pins, '--allow-unpinned-genesis'],
      {},
    );
    expect(server.output()).toMatch(
      /warning: --allow-unpinned-genesis: besides the pinned did:city:cn, the admin token alone can create/,
    );
    expect(
      (await post(base, 'governance/operations', await genesis(), { Authorization: `Bearer ${ADMIN}` })).status,
    ).toBe(201);
  });

  it('a bad proxy or rate setting stops the start, naming the setting (exit 2)', async () => {
    const env = { DID_CITY_TRUST_PROXY: 'true', DID_CITY_RATE_APPLICATIONS: 'lots' };
    const result = await cli(['ledger', '--port', '0', '--data-dir', join(temp.dir, 'bad-settings')], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/DID_CITY_RATE_APPLICATIONS="lots"|DID_CITY_TRUST_PROXY=true/);
  });
});

describe('resolution from the command line (R-GEN-4)', { timeout: 30_000 }, () => {
  it('warns on stderr when no genesis is pinned, and not with DID_CITY_GENESIS', async () => {
    const unpinned = await cli(['resolve', SJZ, '--policy', policyFile], env);
    expect(unpinned.code).toBe(0);
    expect(unpinned.stderr).toMatch(/warning: NO REGISTRY GENESIS IS PINNED \(DID_CITY_GENESIS\)/);
    const pin = JSON.stringify({ [REGISTRY]: { updateKeys: INSTITUTES.map((k) => k.publicKeyMultibase) } });
    const pinned = await cli(['resolve', SJZ, '--policy', policyFile], { ...env, DID_CITY_GENESIS: pin });
    expect(pinned.code).toBe(0);
    expect(pinned.stderr).not.toMatch(/NO REGISTRY GENESIS/);
  });
});
