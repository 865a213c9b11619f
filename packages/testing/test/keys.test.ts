// The one seed rule reproduces the published vector keys (spec/vectors/keys.json), note keys included.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyType } from '@did-city/method';
import { describe, expect, it } from 'vitest';
import { createWorld, keyRing, noteKey, seedOf, testKey, VECTOR_NAMESPACE } from '../src/index.ts';

const VECTORS = join(import.meta.dirname, '..', '..', '..', 'spec', 'vectors');
const keys = JSON.parse(readFileSync(join(VECTORS, 'keys.json'), 'utf8'));
const checkpoint = JSON.parse(readFileSync(join(VECTORS, 'ledger', 'world-checkpoint.json'), 'utf8'));

describe('keys', () => {
  it('the rule is the one keys.json states', () => {
    expect(keys.description).toContain(`secret = sha256(utf8("${VECTOR_NAMESPACE}" + label))`);
  });

  const published: Array<[string, KeyType, string]> = keys.keys.map(
    (k: { label: string; keyType: KeyType; publicKeyMultibase: string }) => [k.label, k.keyType, k.publicKeyMultibase],
  );
  it.each(published)('reproduces vector key %s (%s)', (label, keyType, publicKeyMultibase) => {
    expect(testKey(label, keyType).publicKeyMultibase).toBe(publicKeyMultibase);
  });

  it("reproduces the vectors' log and witness keys (their policy)", () => {
    const policy: string = checkpoint.policy;
    expect(policy).toContain(`log ${noteKey(checkpoint.origin).verifierKey}`);
    for (const name of ['witness-a', 'witness-b', 'witness-c'])
      expect(policy).toContain(`witness ${name} ${noteKey(name, 0x04).verifierKey}`);
  });

  it('namespaces keep data signed before the rule reproducible, and differ from each other', () => {
    expect(keyRing('ledger-test:')('sjz')).toEqual(testKey('sjz', 'Ed25519', 'ledger-test:'));
    expect(testKey('sjz', 'Ed25519', 'ledger-test:').publicKeyMultibase).not.toBe(testKey('sjz').publicKeyMultibase);
    expect(seedOf('a')).toEqual(seedOf('a'));
    expect(seedOf('a')).not.toEqual(seedOf('b'));
  });
});

describe('worlds', () => {
  it('are the same operations on every run', async () => {
    const [one, two] = [await createWorld(), await createWorld()];
    expect(one.operations).toEqual(two.operations);
    expect(one.operations.map((o) => o.did)).toEqual(['did:city:cn', 'did:city:cn:130100']);
    expect(one.pin['did:city:cn']!.operationHash).toMatch(/^zQm/);
  });
});
