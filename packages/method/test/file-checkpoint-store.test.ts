/**
 * FileCheckpointStore: what a resolver trusts survives a restart (a new store and trust on the same file), a fork
 * refused before is refused after with its evidence kept, and a damaged file fails closed instead of trusting on
 * first use again.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, leafHash, MerkleTree, parseCheckpoint, signerFromKey, signNote } from '@did-city/tlog';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointTrust, InconsistentCheckpointError } from '../src/checkpoint-trust.ts';
import { DidCityError } from '../src/errors.ts';
import { CHECKPOINT_FILE_FORMAT, FileCheckpointStore } from '../src/file-checkpoint-store.ts';

const ORIGIN = 'city.ledger/test';
const logKey = generateKeyPair(ORIGIN).signerKey;
const tree = (leaves: string[]) => MerkleTree.fromLeafHashes(leaves.map((l) => leafHash(new TextEncoder().encode(l))));
const textOf = (t: MerkleTree, size: number) => `${ORIGIN}\n${size}\n${Buffer.from(t.root(size)).toString('base64')}\n`;
const signed = async (t: MerkleTree, size = t.size) => {
  const note = await signNote({ text: textOf(t, size) }, [signerFromKey(logKey)]);
  return [note, parseCheckpoint(textOf(t, size))] as const;
};
const proofs = (t: MerkleTree) => async (from: number, to: number) => t.consistencyProof(from, to);
const honest = tree(['a', 'b', 'c', 'd', 'e']);
const forked = tree(['a', 'b', 'X', 'd', 'e', 'f']);

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'did-city-trust-'));
  file = join(dir, 'state', 'checkpoints.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function errorOf(run: () => unknown): DidCityError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DidCityError);
    return error as DidCityError;
  }
  throw new Error('expected an error');
}

describe('FileCheckpointStore', () => {
  it('keeps the trusted checkpoint across a restart, in a 0600 file written without leftovers', async () => {
    const n3 = await signed(honest, 3);
    await new CheckpointTrust(new FileCheckpointStore(file)).accept(...n3, proofs(honest));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'state'))).toEqual(['checkpoints.json']);
    const restarted = new FileCheckpointStore(file);
    expect(restarted.load(ORIGIN)).toBe(n3[0]);
    expect(restarted.load('constructor')).toBeUndefined();
    expect(await new CheckpointTrust(restarted).has(ORIGIN)).toBe(true);
  });

  it('a fork refused before a restart is refused after it, and the evidence is kept once', async () => {
    const before = new CheckpointTrust(new FileCheckpointStore(file));
    const trusted = await signed(honest, 5);
    await before.accept(...trusted, proofs(honest));
    const fork = await signed(forked);
    await expect(before.accept(...fork, proofs(forked))).rejects.toBeInstanceOf(InconsistentCheckpointError);

    const after = new CheckpointTrust(new FileCheckpointStore(file));
    expect(after.evidence).toEqual(before.evidence);
    const error = await after.accept(...fork, proofs(forked)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InconsistentCheckpointError);
    expect((error as InconsistentCheckpointError).evidence).toMatchObject({
      trusted: trusted[0],
      conflicting: fork[0],
    });
    const onDisk = JSON.parse(readFileSync(file, 'utf8')) as {
      evidence: unknown[];
      checkpoints: Record<string, string>;
    };
    expect(onDisk.evidence).toHaveLength(1);
    expect(onDisk.checkpoints[ORIGIN]).toBe(trusted[0]);
    // The honest log keeps working (at the trusted size: a smaller checkpoint is a rollback, R-LED-6).
    await expect(after.accept(...(await signed(honest, 5)), proofs(honest))).resolves.toBeUndefined();
  });

  it('keeps evidence another process added to the same file meanwhile', async () => {
    const one = new FileCheckpointStore(file);
    const two = new FileCheckpointStore(file);
    const evidence = (reason: string) => ({
      origin: ORIGIN,
      trusted: 't',
      conflicting: reason,
      reason,
      detectedAt: '2026-12-03T00:00:00Z',
    });
    one.saveEvidence(evidence('first'));
    two.saveEvidence(evidence('second'));
    two.saveEvidence(evidence('second'));
    expect(new FileCheckpointStore(file).loadEvidence().map((e) => e.reason)).toEqual(['first', 'second']);
  });

  it.each([
    ['not JSON', '{"format":', /not JSON/],
    [
      'another format',
      JSON.stringify({ format: 'other', checkpoints: {}, evidence: [] }),
      /not a did-city-checkpoints\/1 file/,
    ],
    [
      'a note that is not a checkpoint',
      JSON.stringify({ format: CHECKPOINT_FILE_FORMAT, checkpoints: { [ORIGIN]: 'x' }, evidence: [] }),
      /not a signed checkpoint/,
    ],
    [
      'evidence of the wrong shape',
      JSON.stringify({ format: CHECKPOINT_FILE_FORMAT, checkpoints: {}, evidence: [{ origin: 1 }] }),
      /evidence 0/,
    ],
  ])('a file holding %s fails closed with UNTRUSTED_CHECKPOINT naming the file', (_what, text, reason) => {
    writeFileSync(join(dir, 'bad.json'), text);
    const error = errorOf(() => new FileCheckpointStore(join(dir, 'bad.json')));
    expect(error.code).toBe('UNTRUSTED_CHECKPOINT');
    expect(error.message).toMatch(reason);
    expect(error.message).toContain(join(dir, 'bad.json'));
    expect(readFileSync(join(dir, 'bad.json'), 'utf8')).toBe(text); // never overwritten
  });

  it('a checkpoint filed under another origin is refused (it would make the trusted one look absent)', async () => {
    const [note] = await signed(honest, 2);
    const text = JSON.stringify({
      format: CHECKPOINT_FILE_FORMAT,
      checkpoints: { 'other.ledger/x': note },
      evidence: [],
    });
    writeFileSync(join(dir, 'moved.json'), text);
    expect(errorOf(() => new FileCheckpointStore(join(dir, 'moved.json'))).message).toMatch(/names another origin/);
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable file fails closed', () => {
    const blocked = join(dir, 'blocked.json');
    writeFileSync(blocked, JSON.stringify({ format: CHECKPOINT_FILE_FORMAT, checkpoints: {}, evidence: [] }), {
      mode: 0o000,
    });
    expect(errorOf(() => new FileCheckpointStore(blocked)).message).toMatch(/cannot be read: EACCES/);
  });

  it('a store that cannot be written fails the acceptance and remembers nothing', async () => {
    const store = new FileCheckpointStore(join(dir, 'locked', 'checkpoints.json'));
    writeFileSync(join(dir, 'locked'), ''); // a file where the directory should be
    const error = await new CheckpointTrust(store).accept(...(await signed(honest, 2)), proofs(honest)).catch((e) => e);
    expect(error).toBeInstanceOf(DidCityError);
    expect((error as DidCityError).message).toContain(join(dir, 'locked', 'checkpoints.json'));
    expect(store.load(ORIGIN)).toBeUndefined();
  });
});
