/**
 * Bitstring Status List 1.0 on the issuer side: list size, random allocation, the signed list credential with ttl,
 * and status entries kept in a real SQLite file that survive closing and reopening the store.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeBitstring, encodeBitstring, getBit, MIN_STATUS_LIST_LENGTH, setBit } from '../src/bitstring.ts';
import { SqliteStatusStore } from '../src/status-store.ts';
import { REGISTRY } from './fixtures/world.ts';
import { listsFor, type Setup, setup, sjzIdentity } from './fixtures/issuing.ts';
import type { BitstringStatusListEntry } from '../src/types.ts';

let s: Setup;
beforeEach(async () => {
  s = await setup();
});
afterEach(() => s.cleanup());

describe('bitstring', () => {
  it('index 0 is the most significant bit of the first byte; round-trips through GZIP + base64url multibase', () => {
    const bits = new Uint8Array(MIN_STATUS_LIST_LENGTH / 8);
    setBit(bits, 0, true);
    setBit(bits, 131071, true);
    expect(bits[0]).toBe(0x80);
    expect(bits[16383]).toBe(0x01);
    const encoded = encodeBitstring(bits);
    expect(encoded.startsWith('u')).toBe(true);
    const decoded = decodeBitstring(encoded);
    expect([getBit(decoded, 0), getBit(decoded, 1), getBit(decoded, 131071)]).toStrictEqual([true, false, true]);
  });

  it('a list shorter than 131,072 entries is refused', () => {
    expect(() => decodeBitstring(encodeBitstring(new Uint8Array(1024)))).toThrow(/fewer than 131072/);
  });
});

describe('status lists', () => {
  it('each credential gets a revocation and a suspension entry, at random indexes, in separate lists', async () => {
    const entries: BitstringStatusListEntry[][] = [];
    for (let i = 0; i < 20; i++) entries.push((await s.registry.issue(sjzIdentity())).credential.credentialStatus as BitstringStatusListEntry[]);
    expect(entries.every((pair) => pair.map((entry) => entry.statusPurpose).join() === 'revocation,suspension')).toBe(true);
    const [revocation, suspension] = entries[0]!;
    expect(revocation!.statusListCredential).not.toBe(suspension!.statusListCredential);
    const indexes = entries.map((pair) => Number(pair[0]!.statusListIndex));
    expect(new Set(indexes).size).toBe(20);
    // Random allocation: issuance order is not index order.
    expect(indexes).not.toStrictEqual([...indexes].sort((a, b) => a - b));
    expect(revocation).toStrictEqual({
      id: `${revocation!.statusListCredential}#${revocation!.statusListIndex}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: expect.stringMatching(/^\d+$/),
      statusListCredential: expect.stringMatching(/^https:\/\/issuer\.example\/did%3Acity%3Acn\/status-lists\/[0-9a-f-]{36}$/),
    });
  });

  it('the list credential is signed by the issuer, holds 131,072 entries and carries a ttl', async () => {
    const issued = await s.registry.issue(sjzIdentity());
    const entry = (issued.credential.credentialStatus as BitstringStatusListEntry[])[0]!;
    s.lists.update(issued.id, 'revocation', true);
    const list = await s.lists.listCredential(entry.statusListCredential.split('/').pop()!);
    expect(list).toMatchObject({
      id: entry.statusListCredential,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: REGISTRY,
      credentialSubject: { type: 'BitstringStatusList', statusPurpose: 'revocation', ttl: 300000 },
      proof: { type: 'DataIntegrityProof', cryptosuite: 'eddsa-jcs-2022', proofPurpose: 'assertionMethod' },
    });
    const bits = decodeBitstring((list!.credentialSubject as { encodedList: string }).encodedList);
    expect(bits.length * 8).toBe(131072);
    expect(getBit(bits, Number(entry.statusListIndex))).toBe(true);
    expect(await s.verifier().verify(list)).toMatchObject({ verified: true });
  });

  it('status survives closing and reopening the SQLite store', async () => {
    const issued = await s.registry.issue(sjzIdentity());
    s.lists.update(issued.id, 'suspension', true);
    s.store.close();
    const reopened = new SqliteStatusStore(join(s.dir, 'status.db'));
    const lists = listsFor(reopened, s.world.registryKey);
    expect(lists.statusOf(issued.id)).toStrictEqual({ credentialId: issued.id, revoked: false, suspended: true });
    const next = lists.allocate('urn:uuid:after-restart');
    expect(next[0]!.statusListCredential).toBe((issued.credential.credentialStatus as BitstringStatusListEntry[])[0]!.statusListCredential);
    reopened.close();
  });

  it('unknown credentials and lists are reported', async () => {
    expect(() => s.lists.update('urn:uuid:nope', 'revocation', true)).toThrow(expect.objectContaining({ code: 'CREDENTIAL_NOT_FOUND' }));
    expect(await s.lists.listCredential('nope')).toBeUndefined();
  });
});
