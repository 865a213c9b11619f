/**
 * The CLI as a user runs it, against a real ledger node over HTTP: keys, apply → approve ×2 → resolve → update
 * (add key, service) → pre-rotated rotation → history → a sub-identifier → deactivate → resolve shows deactivated,
 * with the exit codes of refused operations (1), usage errors (2) and an unreachable ledger (3).
 */
import { cpSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createOperation, createSigner, type KeyPair, signOperation } from '@did-city/method';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, keyPairIn, INSTITUTE_TOKEN, startLedger, type TestLedger, tempDir } from './cli-fixtures.ts';

const SJZ = 'did:city:cn:130100';
const BUREAU = `${SJZ}:transport-bureau`;

let temp: ReturnType<typeof tempDir>;
let ledger: TestLedger;
let env: Record<string, string>;
let keyFile: string;

function pairOf(name: string): KeyPair {
  return keyPairIn(keyFile, name);
}

async function ok(args: string[]) {
  const result = await cli(args, env);
  expect(result.stderr + result.stdout, args.join(' ')).not.toMatch(/^error:/m);
  expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(0);
  return result;
}

beforeAll(async () => {
  temp = tempDir('did-city-cli-');
  ledger = await startLedger(join(temp.dir, 'ledger'));
  keyFile = join(temp.dir, 'keys.json');
  env = {
    DID_CITY_LEDGER: ledger.url,
    DID_CITY_KEYS: keyFile,
    DID_CITY_HOME: join(temp.dir, 'home'),
    DID_CITY_TOKEN: '',
  };
});

afterAll(async () => {
  await ledger?.stop();
  temp?.cleanup();
});

describe('did-city CLI against a ledger node', { timeout: 120_000 }, () => {
  it('keys generate writes a 0600 key file and never prints the secret; keys show needs --secret', async () => {
    for (const name of [
      'institute-a',
      'institute-b',
      'institute-c',
      'sjz',
      'sjz-2',
      'sjz-next',
      'sjz-after',
      'bureau',
    ]) {
      const generated = await ok(['keys', 'generate', '--name', name]);
      expect(generated.stdout).toContain('public key');
    }
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const secret = JSON.parse(readFileSync(keyFile, 'utf8')).keys[3].secretKey as string;
    const shown = await ok(['keys', 'show']);
    expect(shown.stdout).toContain('sjz (Ed25519)');
    expect(shown.stdout + shown.stderr).not.toContain(secret);
    expect((await ok(['keys', 'show', '--name', 'sjz', '--secret'])).stdout).toContain(secret);
    const again = await cli(['keys', 'generate', '--name', 'sjz'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds a key named "sjz"/);
  });

  it('apply → approve ×2 anchors the city, and resolve shows it', async () => {
    const institutes = ['institute-a', 'institute-b', 'institute-c'].map(pairOf);
    const genesis = createOperation({
      did: 'did:city:cn',
      updateKeys: institutes.map((k) => k.publicKeyMultibase),
      threshold: 2,
      document: {},
    });
    await ledger.node.submitGovernance(await signOperation(genesis, institutes.slice(0, 2).map(createSigner)));

    const applied = await ok([
      'apply',
      '--did',
      SJZ,
      '--key',
      'sjz',
      '--organisation',
      'Shijiazhuang Data Bureau',
      '--email',
      'data@sjz.example',
      '--json',
    ]);
    const { id, status } = applied.json<{ id: string; status: string }>();
    expect(status).toBe('pending');

    const listed = await ok(['registrations', 'list', '--status', 'pending', '--token', INSTITUTE_TOKEN]);
    expect(listed.stdout).toContain('data@sjz.example');
    const first = await ok(['approve', id, '--key', 'institute-a', '--json']);
    expect(first.json<{ status: string }>().status).toBe('pending');
    const second = await ok(['approve', id, '--key', 'institute-b']);
    expect(second.stdout).toMatch(/status\s+anchored/);
    // The receipt is verified against the trust policy, pinned on this first use with a visible fingerprint.
    expect(second.stderr).toMatch(/trusting the ledger's own trust policy on first use: fingerprint SHA256:/);
    expect((await ok(['registrations', 'show', id])).stdout).toMatch(/anchored\s+leaf index \d+/);

    const resolved = await ok(['resolve', SJZ]);
    expect(resolved.stdout).toMatch(/status\s+active/);
    expect(resolved.stdout).toContain('石家庄市 (130100, city)');
    expect(resolved.stdout).toContain(`${SJZ}#key-1`);
  });

  it('keeps the trusted checkpoint per ledger in a 0600 file; a damaged one fails closed naming it (exit 1)', async () => {
    const slug = new URL(ledger.url).host.replace(':', '_');
    const file = join(temp.dir, 'home', 'checkpoints', `${slug}.json`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { checkpoints: Record<string, string> };
    expect(Object.values(stored.checkpoints)).toEqual([await ledger.node.latestCheckpoint()]);

    const damagedHome = join(temp.dir, 'damaged-home');
    mkdirSync(join(damagedHome, 'checkpoints'), { recursive: true });
    cpSync(join(temp.dir, 'home', 'policies'), join(damagedHome, 'policies'), { recursive: true });
    writeFileSync(join(damagedHome, 'checkpoints', `${slug}.json`), '{"format": "did-city-checkpoints/1"');
    const refused = await cli(['resolve', SJZ], { ...env, DID_CITY_HOME: damagedHome });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/checkpoint store .*checkpoints.*\.json cannot be used \(not JSON\)/);
    expect(refused.stdout).not.toContain(SJZ);
  });

  it('refuses a second application for an allocated DID (exit 1)', async () => {
    const again = await cli(
      ['apply', '--did', SJZ, '--key', 'sjz-2', '--organisation', 'X', '--email', 'x@example.org'],
      env,
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: Stale operation/m);
    expect(again.stderr).toMatch(/^next: /m);
  });

  it('update adds a key and a service', async () => {
    const updated = await ok([
      'update',
      '--did',
      SJZ,
      '--key',
      'sjz',
      '--add-key',
      'sjz-2',
      '--relationship',
      'assertionMethod',
      '--add-service',
      'catalog,DataCatalog,https://data.sjz.example/catalog/',
      '--json',
    ]);
    expect(updated.json()).toMatchObject({
      did: SJZ,
      type: 'update',
      checkpointSize: expect.any(Number),
      leafIndex: expect.any(Number),
    });
    expect(updated.stderr).toMatch(/waiting for witness quorum/);
    const { didDocument } = (await ok(['resolve', SJZ, '--json'])).json<{ didDocument: Record<string, unknown> }>();
    expect(didDocument['assertionMethod']).toEqual([`${SJZ}#key-1`, `${SJZ}#key-2`]);
    expect(didDocument['service']).toEqual([
      { id: `${SJZ}#catalog`, type: 'DataCatalog', serviceEndpoint: 'https://data.sjz.example/catalog/' },
    ]);
    const old = await ok(['resolve', SJZ, '--version-id', '0', '--json']);
    expect(old.json<{ didDocument: { service?: unknown } }>().didDocument.service).toBeUndefined();
  });

  it('refuses an operation signed by a key without authority (exit 1)', async () => {
    const refused = await cli(['deactivate', '--did', SJZ, '--key', 'institute-c'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: Operation not authorised/m);
  });

  it('rotates with pre-rotation: the committed key signs the next update', async () => {
    await ok(['update', '--did', SJZ, '--key', 'sjz', '--rotate-to', 'sjz-next', '--pre-rotate', 'sjz-after']);
    const stale = await cli(['update', '--did', SJZ, '--key', 'sjz-next', '--remove-service', 'catalog'], env);
    expect(stale.code).toBe(2);
    expect(stale.stderr).toMatch(/pre-rotated/);
    await ok(['update', '--did', SJZ, '--rotate-to', 'sjz-after', '--remove-service', 'catalog']);
    const history = await ok(['history', SJZ]);
    expect(history.stdout).toMatch(/checkpoint signature \+ witness quorum\s+OK/);
    expect(history.stdout).toMatch(/every inclusion proof\s+OK \(4 entries\)/);
    expect(history.stdout).toMatch(/operation chain\s+OK/);
    expect(history.stdout).toContain(pairOf('sjz-after').publicKeyMultibase);
  });

  it('creates a sub-identifier with the parent key, then deactivates it', async () => {
    await ok(['create', '--did', BUREAU, '--key', 'bureau', '--parent-key', 'sjz-after']);
    expect((await ok(['resolve', BUREAU])).stdout).toMatch(/status\s+active/);
    await ok(['deactivate', '--did', BUREAU, '--key', 'bureau', '--successor', `${SJZ}:transport`]);
    const gone = await ok(['resolve', BUREAU]);
    expect(gone.stdout).toMatch(/status\s+deactivated/);
    expect(gone.stdout).toMatch(/successor did:city:cn:130100:transport/);
  });

  it('resource publish (two versions), list by type, get verified by name, time and id; a stranger is refused', async () => {
    const v1 = join(temp.dir, 'aq-1.json');
    const v2 = join(temp.dir, 'aq-2.json');
    writeFileSync(v1, '{"release":1}');
    writeFileSync(v2, '{"release":2}');
    const publish = [
      'resource',
      'publish',
      '--did',
      SJZ,
      '--key',
      'sjz-after',
      '--name',
      'air-quality',
      '--type',
      'DatasetRelease',
      '--media-type',
      'application/json',
    ];
    const first = await ok([...publish, '--file', v1]);
    const firstUrl = first.stdout.match(/did:city:cn:130100\/resources\/[0-9a-f-]{36}/)![0];
    await ok([...publish, '--file', v2, '--version', '2']);
    const listed = await ok(['resource', 'list', '--did', SJZ, '--type', 'DatasetRelease', '--json']);
    expect(listed.json<Array<{ resourceName: string }>>().map((r) => r.resourceName)).toEqual([
      'air-quality',
      'air-quality',
    ]);
    const latest = await ok(['resource', 'get', '--did', SJZ, '--name', 'air-quality', '--type', 'DatasetRelease']);
    expect(latest.stdout).toBe('{"release":2}');
    const out = join(temp.dir, 'got.json');
    const byId = await ok(['resource', 'get', '--url', firstUrl, '--out', out]);
    expect(byId.stdout).toMatch(/\(verified\)/);
    expect(readFileSync(out, 'utf8')).toBe('{"release":1}');
    const stranger = await cli([...publish.map((a) => (a === 'sjz-after' ? 'bureau' : a)), '--file', v1], env);
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toMatch(/^error: Operation not authorised/m);
  });

  it('deactivates the city; resolve shows it deactivated and updates are refused', async () => {
    await ok(['deactivate', '--did', SJZ, '--key', 'sjz-after']);
    const resolved = await ok(['resolve', SJZ, '--json']);
    expect(resolved.json()).toMatchObject({ didDocument: null, didDocumentMetadata: { deactivated: true } });
    const refused = await cli(['update', '--did', SJZ, '--key', 'sjz-after', '--remove-key', '#key-2'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: DID is deactivated/m);
  });

  it('exit codes: usage error 2 with the usage line, unreachable ledger 3', async () => {
    const usage = await cli(['update', '--did', SJZ, '--frobnicate'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/usage: did-city update --did DID/);
    const missing = await cli(['apply', '--did', SJZ], env);
    expect(missing.code).toBe(2);
    const unreachable = await cli(['resolve', SJZ, '--ledger', 'http://127.0.0.1:9/'], env);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(/could not be reached/);
  });
});
