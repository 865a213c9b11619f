// C2SP tlog-cosignature, Ed25519 cosignature/v1 (test/vectors/c2sp-tlog-cosignature.json).
import { createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  cosignatureMessage,
  cosignerFromKey,
  encodeCosignature,
  noteKeyId,
  openNote,
  parseCosignature,
  parseNote,
  parseVerifierKey,
  SIGNATURE_TYPE,
  signNote,
  verifierFromKey,
  verifierKeyOf,
} from '../src/index.ts';
import { fromB64, utf8, vector } from './helpers.ts';

interface CosigVectors {
  specExample: { note: string; witnessTimestamp: number; message: string };
  cosignatureVerifierKey: { vkey: string };
  timestamp: { signature: string; timestamp: number; notACosignature: string };
}
interface PolicyVectors {
  witnesses: { name: string; ed25519VerifierKey: string; signerKey: string }[];
}

const v = vector<CosigVectors>('c2sp-tlog-cosignature.json');
const wit1 = vector<PolicyVectors>('transparency-dev-formats-policy.json').witnesses[0]!;
const CHECKPOINT = 'example.com/log\n42\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';

describe('tlog-cosignature vectors', () => {
  it('reads the timestamp of the witness cosignature in the spec example', () => {
    const note = parseNote(v.specExample.note);
    const witness = note.signatures[1]!;
    expect(witness.name).toBe('witness.example.com/w1');
    expect(witness.keyId).toBe(0x8d66cf3f);
    expect(parseCosignature(witness.signature)?.timestamp).toBe(v.specExample.witnessTimestamp);
    // The log's own signature is a plain 64-byte Ed25519 signature, not a cosignature.
    expect(parseCosignature(note.signatures[0]!.signature)).toBeUndefined();
  });

  it('builds the signed message of the spec example byte for byte', () => {
    const text = parseNote(v.specExample.note).text;
    expect(Buffer.from(cosignatureMessage(text, v.specExample.witnessTimestamp)).toString()).toBe(
      v.specExample.message,
    );
  });

  it('computes key IDs of type 0x04 keys with the 0x04 byte (transparency-dev/formats vector)', () => {
    const key = parseVerifierKey(v.cosignatureVerifierKey.vkey);
    expect(key).toMatchObject({ name: 'remora.n621.de', keyId: 0xda77ade7, type: SIGNATURE_TYPE.cosignatureV1 });
    expect(verifierFromKey(key).keyId).toBe(0xda77ade7);
    expect(noteKeyId(key.name, SIGNATURE_TYPE.ed25519, key.publicKey)).not.toBe(0xda77ade7);
  });

  it('parses the timestamp of a transparency-dev/formats cosignature, and refuses a plain signature', () => {
    const raw = fromB64(v.timestamp.signature);
    expect(parseCosignature(raw.subarray(4))?.timestamp).toBe(v.timestamp.timestamp);
    expect(parseCosignature(fromB64(v.timestamp.notACosignature).subarray(4))).toBeUndefined();
  });
});

describe('cosigning and verifying', () => {
  const now = () => 1_700_000_000_000;
  const cosigner = cosignerFromKey(wit1.signerKey, { now });
  const verifier = verifierFromKey(verifierKeyOf(wit1.signerKey, SIGNATURE_TYPE.cosignatureV1));

  it('derives the type 0x04 key ID from the same Ed25519 key', () => {
    const publicKey = parseVerifierKey(wit1.ed25519VerifierKey).publicKey;
    expect(cosigner.keyId).toBe(noteKeyId('Wit1', 0x04, publicKey));
    expect(verifier.keyId).toBe(cosigner.keyId);
    expect(cosigner.keyId).not.toBe(0x55ee4561);
  });

  it('signs exactly "cosignature/v1\\ntime <t>\\n" + checkpoint, as an independent node:crypto check confirms', async () => {
    const note = await signNote({ text: CHECKPOINT }, [cosigner]);
    const sig = parseNote(note).signatures[0]!;
    const { timestamp, signature } = parseCosignature(sig.signature)!;
    expect(timestamp).toBe(1_700_000_000);
    expect(Buffer.from(sig.signature.subarray(0, 8)).toString('hex')).toBe('000000006553f100');
    const seed = fromB64(wit1.signerKey.split('+')[4]!).subarray(1);
    const key = createPrivateKey({
      key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
      format: 'der',
      type: 'pkcs8',
    });
    const message = utf8(`cosignature/v1\ntime 1700000000\n${CHECKPOINT}`);
    expect(cryptoVerify(null, message, createPublicKey(key), signature)).toBe(true);
    expect(new Uint8Array(cryptoSign(null, message, key))).toEqual(signature);
    expect(openNote(note, [verifier]).verified).toHaveLength(1);
  });

  it('covers extension lines and the timestamp', async () => {
    const withExtension = `${CHECKPOINT}Extendo\n`;
    const note = await signNote({ text: withExtension }, [cosigner]);
    const sig = parseNote(note).signatures[0]!;
    expect(verifier.verify(utf8(withExtension), sig.signature)).toBe(true);
    expect(verifier.verify(utf8(`${CHECKPOINT}Extendo!\n`), sig.signature)).toBe(false);
    const parsed = parseCosignature(sig.signature)!;
    const shifted = encodeCosignature({ timestamp: parsed.timestamp + 1, signature: parsed.signature });
    expect(verifier.verify(utf8(withExtension), shifted)).toBe(false);
  });

  it('is not a plain Ed25519 note signature (different key ID, different message)', async () => {
    const note = await signNote({ text: CHECKPOINT }, [cosigner]);
    expect(() => openNote(note, [verifierFromKey(wit1.ed25519VerifierKey)])).toThrow(
      expect.objectContaining({ code: 'UNVERIFIED_NOTE' }),
    );
  });

  it('refuses timestamps beyond 2^53 − 1 and signatures of the wrong length', () => {
    const huge = new Uint8Array(72);
    huge.fill(0xff, 0, 8);
    expect(parseCosignature(huge)).toBeUndefined();
    expect(parseCosignature(new Uint8Array(71))).toBeUndefined();
    expect(() => encodeCosignature({ timestamp: 1, signature: new Uint8Array(63) })).toThrow(RangeError);
  });
});
