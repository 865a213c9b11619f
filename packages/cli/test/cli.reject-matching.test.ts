/**
 * Institutes against a flood, as a user runs the CLI against a real ledger node: `registrations list` by contact,
 * `registrations reject-matching` (one institute objects, the second of 2-of-3 rejects), and `registrations show`
 * with the objection and the rejection's cause. The real city's application is not matched.
 */
import { join } from 'node:path';
import { createOperation, createSigner, generateKeyPair, type KeyPair, signOperation } from '@did-city/method';
import { storedKey, writeKeyFile } from '../src/keyfile.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, INSTITUTE_TOKEN, startLedger, type TestLedger, tempDir } from './cli-fixtures.ts';

const SQUAT = 'squat@flood.example';
let temp: ReturnType<typeof tempDir>;
let ledger: TestLedger;
let env: Record<string, string>;

/** An application sent over HTTP (the apply command has its own tests). */
async function apply(did: string, own: KeyPair, email: string): Promise<string> {
  const operation = await signOperation(createOperation({ did, updateKeys: [own.publicKeyMultibase], document: {} }), [
    createSigner(own),
  ]);
  const answer = await fetch(new URL('registrations', ledger.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ operation, contact: { organisation: 'Applicant', email } }),
  });
  expect(answer.status).toBe(201);
  return ((await answer.json()) as { id: string }).id;
}

async function status(id: string): Promise<string> {
  return ((await (await fetch(new URL(`registrations/${id}`, ledger.url))).json()) as { status: string }).status;
}

async function ok(args: string[]) {
  const result = await cli(args, env);
  expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(0);
  return result;
}

beforeAll(async () => {
  temp = tempDir('did-city-cli-flood-');
  ledger = await startLedger(join(temp.dir, 'ledger'));
  const keyFile = join(temp.dir, 'keys.json');
  env = {
    DID_CITY_LEDGER: ledger.url,
    DID_CITY_KEYS: keyFile,
    DID_CITY_HOME: join(temp.dir, 'home'),
    DID_CITY_TOKEN: INSTITUTE_TOKEN,
  };
  // Keys written directly (keys generate has its own tests): three institutes and a stranger.
  const institutes = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
  const names = ['institute-a', 'institute-b', 'institute-c'];
  writeKeyFile(keyFile, {
    version: 1,
    keys: [...institutes.map((k, n) => storedKey(names[n]!, k)), storedKey('stranger', generateKeyPair())],
  });
  const genesis = createOperation({
    did: 'did:city:cn',
    updateKeys: institutes.map((k) => k.publicKeyMultibase),
    threshold: 2,
    document: {},
  });
  await ledger.node.submitGovernance(await signOperation(genesis, institutes.slice(0, 2).map(createSigner)));
}, 60_000);

afterAll(async () => {
  await ledger?.stop();
  temp?.cleanup();
});

describe('registrations reject-matching', { timeout: 120_000 }, () => {
  it('one institute objects to the squats, the second rejects them; the city is untouched', async () => {
    const squats = [
      await apply('did:city:cn:130200', generateKeyPair(), SQUAT),
      await apply('did:city:cn:130300', generateKeyPair(), SQUAT),
    ];
    const city = await apply('did:city:cn:130200', generateKeyPair(), 'did@tangshan.example');
    const listed = await ok(['registrations', 'list', '--email', SQUAT, '--json']);
    expect(listed.json<Array<{ id: string }>>().map((o) => o.id)).toEqual(squats);

    const first = await ok([
      'registrations',
      'reject-matching',
      '--email',
      SQUAT,
      '--reason',
      'mass applications',
      '--key',
      'institute-a',
      '--json',
    ]);
    expect(first.json()).toEqual({ matched: 2, rejected: [], objected: squats, more: false });
    expect((await ok(['registrations', 'show', squats[0]!])).stdout).toMatch(
      /status\s+pending[\s\S]*objections 1 of 2[\s\S]*"mass applications"/,
    );

    const second = await ok([
      'registrations',
      'reject-matching',
      '--email',
      SQUAT,
      '--reason',
      'confirmed',
      '--key',
      'institute-b',
    ]);
    expect(second.stdout).toMatch(/rejected\s+2 /);
    expect((await ok(['registrations', 'show', squats[1]!])).stdout).toMatch(
      /rejected\s+\(objections\) "mass applications \/ confirmed" by z/,
    );
    expect(await status(city)).toBe('pending');

    const outsider = await cli(
      ['registrations', 'reject-matching', '--reason', 'everything', '--key', 'stranger'],
      env,
    );
    expect(outsider.code).toBe(1);
    expect(outsider.stderr).toMatch(/not a current update key/);
  });
});
