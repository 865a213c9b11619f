import { join } from 'node:path';
import {
  createOperation,
  createSigner,
  generateKeyPair,
  type KeyPair,
  type KeyType,
  multikeyType,
  type Operation,
  signOperation,
} from '@did-city/method';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKeyFile, storedKey, writeKeyFile } from '../src/keyfile.ts';
import { cli, keyPairIn, startLedger, type TestLedger, tempDir } from './cli-fixtures.ts';

const TIANJIN = 'did:city:cn:120000';

let temp: ReturnType<typeof tempDir>;
let ledger: TestLedger;
let env: Record<string, string>;
let keyFile: string;

function pairOf(name: string): KeyPair {
  return keyPairIn(keyFile, name);
}

async function ok(args: string[]) {
  const result = await cli(args, env);
  expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(0);
  return result;
}

/** The anchored operations of a DID, as the ledger serves them. */
async function anchored(did: string): Promise<Operation[]> {
  const response = await fetch(`${ledger.url}dids/${did}/history`);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { entries: Array<{ operation: Operation }> };
  return body.entries.map((entry) => entry.operation);
}

const suites = (op: Operation) => op.proof.map((proof) => proof.cryptosuite).sort();

beforeAll(async () => {
  temp = tempDir('did-city-cli-sm2-');
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

describe('an SM2-keyed city through its life (CLI against a ledger node)', { timeout: 120_000 }, () => {
  it('keys generate --type SM2 writes an SM2 key (Multikey zEPJ…, multicodec sm2-pub); other types are refused', async () => {
    const generated = await ok(['keys', 'generate', '--type', 'SM2', '--name', 'tj', '--json']);
    expect(generated.json<{ publicKeyMultibase: string }>().publicKeyMultibase).toMatch(/^zEPJ/);
    expect(multikeyType(pairOf('tj').publicKeyMultibase)).toBe('SM2');
    const wrong = await cli(['keys', 'generate', '--type', 'SM9', '--name', 'x'], env);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--type must be Ed25519, P-256, secp256k1 or SM2/);
    // The other keys go straight into the same file (one process per key would only repeat the test above).
    const more: Array<[string, KeyType]> = [
      ['institute-a', 'SM2'],
      ['institute-b', 'Ed25519'],
      ['institute-c', 'SM2'],
      ['tj-2', 'SM2'],
      ['tj-new', 'SM2'],
      ['tj-recovered', 'SM2'],
    ];
    const content = readKeyFile(keyFile);
    writeKeyFile(keyFile, {
      version: 1,
      keys: [...content.keys, ...more.map(([name, type]) => storedKey(name, generateKeyPair(type)))],
    });
  });

  it('a registry of SM2 and Ed25519 institute keys (2 of 3) allocates Tianjin to its SM2 key', async () => {
    const institutes = ['institute-a', 'institute-b', 'institute-c'].map(pairOf);
    const genesis = createOperation({
      did: 'did:city:cn',
      updateKeys: institutes.map((k) => k.publicKeyMultibase),
      threshold: 2,
      document: {},
    });
    await ledger.node.submitGovernance(
      await signOperation(genesis, [institutes[0]!, institutes[1]!].map(createSigner)),
    );

    const applied = await ok([
      'apply',
      '--did',
      TIANJIN,
      '--key',
      'tj',
      '--organisation',
      'Tianjin Data Bureau',
      '--email',
      'data@tj.example',
      '--json',
    ]);
    const { id } = applied.json<{ id: string }>();
    await ok(['approve', id, '--key', 'institute-a']);
    expect((await ok(['approve', id, '--key', 'institute-b'])).stdout).toMatch(/status\s+anchored/);

    const [create] = await anchored(TIANJIN);
    expect(suites(create!)).toEqual(['eddsa-jcs-2022', 'sm2-jcs-2026', 'sm2-jcs-2026']);
    const { didDocument } = (await ok(['resolve', TIANJIN, '--json'])).json<{
      didDocument: { verificationMethod: Array<{ publicKeyMultibase: string }> };
    }>();
    expect(didDocument.verificationMethod[0]!.publicKeyMultibase).toBe(pairOf('tj').publicKeyMultibase);
  });

  it('update (add an SM2 assertion key) and rotation are signed by the SM2 update key', async () => {
    await ok(['update', '--did', TIANJIN, '--key', 'tj', '--add-key', 'tj-2', '--relationship', 'assertionMethod']);
    await ok(['update', '--did', TIANJIN, '--key', 'tj', '--rotate-to', 'tj-new']);
    const refused = await cli(['update', '--did', TIANJIN, '--key', 'tj', '--remove-key', '#key-2'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: Operation not authorised/m);
    const operations = await anchored(TIANJIN);
    expect(operations.map((op) => op.type)).toEqual(['create', 'update', 'update']);
    expect(suites(operations[2]!)).toEqual(['sm2-jcs-2026']);
    expect((operations[2] as { updateKeys: string[] }).updateKeys).toEqual([pairOf('tj-new').publicKeyMultibase]);
  });

  it('recover: two SM2 institute keys replace the city key with a new SM2 key', async () => {
    await ok([
      'recover',
      '--did',
      TIANJIN,
      '--parent-key',
      'institute-a',
      '--parent-key',
      'institute-c',
      '--new-key',
      'tj-recovered',
    ]);
    const recovered = (await anchored(TIANJIN)).at(-1)!;
    expect(recovered.type).toBe('recover');
    expect(suites(recovered)).toEqual(['sm2-jcs-2026', 'sm2-jcs-2026']);
    const stale = await cli(['update', '--did', TIANJIN, '--key', 'tj-new', '--remove-key', '#key-2'], env);
    expect(stale.code).toBe(1);
  });

  it('the history verifies (checkpoints, inclusion, chain); deactivation by the recovered SM2 key ends it', async () => {
    const history = await ok(['history', TIANJIN]);
    expect(history.stdout).toMatch(/every inclusion proof\s+OK \(4 entries\)/);
    expect(history.stdout).toMatch(/operation chain\s+OK/);
    await ok(['deactivate', '--did', TIANJIN, '--key', 'tj-recovered']);
    const resolved = await ok(['resolve', TIANJIN, '--json']);
    expect(resolved.json()).toMatchObject({ didDocument: null, didDocumentMetadata: { deactivated: true } });
    expect(suites((await anchored(TIANJIN)).at(-1)!)).toEqual(['sm2-jcs-2026']);
  });
});
