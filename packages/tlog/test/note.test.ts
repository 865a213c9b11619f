// C2SP signed-note, checked against the vectors of Go's golang.org/x/mod/sumdb/note (note_test.go),
// reproduced case by case (test/vectors/go-sumdb-note.json).
import { describe, expect, it } from 'vitest';
import {
  formatNote,
  generateKeyPair,
  MAX_NOTE_SIGNATURES,
  type NoteSignature,
  type NoteVerifier,
  noteKeyId,
  openNote,
  parseNote,
  parseVerifierKey,
  signerFromKey,
  signNote,
  TlogError,
  verifierFromKey,
  verifierKeyOf,
} from '../src/index.ts';
import { fromB64, utf8, vector } from './helpers.ts';

interface GoNoteVectors {
  peterVerifierKey: string;
  peterSignerKey: string;
  enochVerifierKey: string;
  text: string;
  peterSignatureLine: string;
  enochSignatureLine: string;
  signed: string;
  badVerifierKeys: string[];
}

const go = vector<GoNoteVectors>('go-sumdb-note.json');
const peter = verifierFromKey(go.peterVerifierKey);
const enoch = verifierFromKey(go.enochVerifierKey);
const { text, peterSignatureLine: peterSig, enochSignatureLine: enochSig } = go;

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof TlogError) return error.code;
    throw error;
  }
  return undefined;
}

// Go slices these lines by byte offset; the em dash is three bytes in UTF-8.
const byteSplice = (line: string, at: number, insert: string) => {
  const bytes = Buffer.from(line);
  return Buffer.concat([bytes.subarray(0, at), Buffer.from(insert), bytes.subarray(at)]).toString();
};

const sigOf = (line: string): NoteSignature => parseNote(`x\n\n${line}`).signatures[0]!;

describe('keys (TestNewVerifier, TestNewSigner)', () => {
  it('parses the PeterNeumann verifier key', () => {
    const key = parseVerifierKey(go.peterVerifierKey);
    expect(key).toMatchObject({ name: 'PeterNeumann', keyId: 0xc74f20a3, type: 1 });
    expect(peter.keyId).toBe(noteKeyId('PeterNeumann', 1, key.publicKey));
  });

  it('rejects every substring and every single-byte increment of the verifier key', () => {
    const vkey = go.peterVerifierKey;
    for (let i = 0; i <= vkey.length; i++) {
      for (let j = i + 1; j <= vkey.length; j++) {
        if (i !== 0 || j !== vkey.length)
          expect(
            code(() => verifierFromKey(vkey.slice(i, j))),
            vkey.slice(i, j),
          ).toBeDefined();
      }
    }
    for (let i = 0; i < vkey.length; i++) {
      const mangled = vkey.slice(0, i) + String.fromCharCode(vkey.charCodeAt(i) + 1) + vkey.slice(i + 1);
      expect(
        code(() => verifierFromKey(mangled)),
        mangled,
      ).toBeDefined();
    }
  });

  it('rejects a wrong-length key and an unknown algorithm, each with a matching key hash', () => {
    expect(code(() => verifierFromKey(go.badVerifierKeys[0]!))).toBe('MALFORMED_KEY');
    expect(code(() => verifierFromKey(go.badVerifierKeys[1]!))).toBe('UNSUPPORTED_ALGORITHM');
  });

  it('accepts the PeterNeumann signer key and rejects every substring and increment of it', () => {
    const skey = go.peterSignerKey;
    expect(signerFromKey(skey)).toMatchObject({ name: 'PeterNeumann', keyId: 0xc74f20a3 });
    expect(verifierKeyOf(skey)).toBe(go.peterVerifierKey);
    for (let i = 0; i <= skey.length; i++) {
      for (let j = i + 1; j <= skey.length; j++) {
        if (i !== 0 || j !== skey.length)
          expect(
            code(() => signerFromKey(skey.slice(i, j))),
            skey.slice(i, j),
          ).toBeDefined();
      }
    }
    for (let i = 0; i < skey.length; i++) {
      const mangled = skey.slice(0, i) + String.fromCharCode(skey.charCodeAt(i) + 1) + skey.slice(i + 1);
      expect(
        code(() => signerFromKey(mangled)),
        mangled,
      ).toBeDefined();
    }
  });

  it('generates self-consistent key pairs (TestGenerateKey)', async () => {
    const { signerKey, verifierKey } = generateKeyPair('EnochRoot');
    const signer = signerFromKey(signerKey);
    const verifier = verifierFromKey(verifierKey);
    expect([signer.name, signer.keyId]).toEqual([verifier.name, verifier.keyId]);
    const msg = utf8('hi');
    const sig = await signer.sign(msg);
    expect(verifier.verify(msg, sig)).toBe(true);
    expect(
      verifier.verify(
        msg,
        Uint8Array.from(sig, (b, i) => (i === 0 ? b ^ 1 : b)),
      ),
    ).toBe(false);
    expect(verifier.verify(utf8('hj'), sig)).toBe(false);
    expect(code(() => generateKeyPair('bad name'))).toBe('MALFORMED_KEY');
  });
});

describe('signNote (TestSign)', () => {
  const signer = signerFromKey(go.peterSignerKey);

  it('produces the reference signature byte for byte', async () => {
    expect(await signNote({ text }, [signer])).toBe(go.signed);
  });

  it('replaces an existing signature by the same key', async () => {
    const bad = { name: 'PeterNeumann', keyId: 0xc74f20a3, signature: fromB64('BADSIGN=') };
    expect(await signNote({ text, signatures: [bad] }, [signer])).toBe(go.signed);
  });

  it('adds a second signature after the existing ones', async () => {
    const opened = openNote(go.signed, [peter]);
    const { signerKey, verifierKey } = generateKeyPair('EnochRoot');
    const both = await signNote({ text: opened.text, signatures: opened.verified }, [signerFromKey(signerKey)]);
    expect(both.startsWith(go.signed)).toBe(true);
    expect(openNote(both, [peter, verifierFromKey(verifierKey)]).verified.map((s) => s.name)).toEqual([
      'PeterNeumann',
      'EnochRoot',
    ]);
  });

  it('rejects bad inputs', async () => {
    await expect(signNote({ text: 'abc' }, [signer])).rejects.toMatchObject({ code: 'MALFORMED_NOTE' });
    await expect(
      signNote({ text, signatures: [{ name: 'a+b', keyId: 0, signature: fromB64('ABCD') }] }, []),
    ).rejects.toMatchObject({
      code: 'MALFORMED_NOTE',
    });
    await expect(signNote({ text }, [{ ...signer, name: 'bad name' }])).rejects.toMatchObject({
      code: 'MALFORMED_KEY',
    });
    const surprise = new Error('surprise!');
    await expect(signNote({ text }, [{ ...signer, sign: () => Promise.reject(surprise) }])).rejects.toBe(surprise);
  });
});

describe('openNote (TestOpen)', () => {
  const peterSignature = sigOf(peterSig);
  const enochSignature = sigOf(enochSig);

  it('verifies one signature and reports the other as unverified', () => {
    const n = openNote(`${text}\n${peterSig}${enochSig}`, [peter]);
    expect(n.text).toBe(text);
    expect(n.verified).toEqual([peterSignature]);
    expect(n.unverified).toEqual([enochSignature]);
  });

  it('verifies both', () => {
    const n = openNote(`${text}\n${peterSig}${enochSig}`, [peter, enoch]);
    expect(n.verified).toEqual([peterSignature, enochSignature]);
    expect(n.unverified).toEqual([]);
  });

  it('rejects a note no known key signed', () => {
    expect(code(() => openNote(`${text}\n${peterSig}${enochSig}`, []))).toBe('UNVERIFIED_NOTE');
    expect(parseNote(`${text}\n${peterSig}${enochSig}`).signatures).toEqual([peterSignature, enochSignature]);
  });

  it('rejects a duplicated verifier only when it is needed', () => {
    expect(code(() => openNote(`${text}\n${enochSig}`, [enoch, peter, enoch]))).toBe('AMBIGUOUS_KEY');
    expect(openNote(`${text}\n${peterSig}`, [enoch, peter, enoch]).verified).toEqual([peterSignature]);
  });

  it('rejects more than 100 signatures', () => {
    expect(MAX_NOTE_SIGNATURES).toBe(100);
    expect(code(() => openNote(`${text}\n${peterSig.repeat(101)}`, [peter]))).toBe('MALFORMED_NOTE');
    expect(code(() => openNote(`${text}\n${peterSig.repeat(101)}`, []))).toBe('MALFORMED_NOTE');
    expect(openNote(`${text}\n${peterSig.repeat(100)}`, [peter]).verified).toHaveLength(1);
  });

  it('rejects an invalid signature by a known key', () => {
    expect(code(() => openNote(`${text}\n${byteSplice(peterSig, 60, 'ABCD')}`, [peter]))).toBe('INVALID_SIGNATURE');
  });

  it('drops duplicated verified and unverified signatures', () => {
    const enochABCD = byteSplice(enochSig, 60, 'ABCD');
    const n = openNote(`${text}\n${peterSig}${peterSig}${enochSig}${enochSig}${enochABCD}`, [peter]);
    expect(n.verified).toEqual([peterSignature]);
    expect(n.unverified).toEqual([enochSignature, sigOf(enochABCD)]);
  });

  it('rejects malformed encodings', () => {
    const bad: (string | Uint8Array)[] = [
      text,
      `${text}\n`,
      `${text}\n${peterSig.slice(0, -1)}`,
      `\x01${text}\n${peterSig}`,
      Buffer.concat([Buffer.from([0xff]), Buffer.from(`${text}\n${peterSig}`)]),
      `${text}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
      `${text}\n${peterSig}Unexpected line.\n`,
    ];
    for (const msg of bad) expect(code(() => openNote(msg, [peter]))).toBe('MALFORMED_NOTE');
  });

  it('accepts bytes as well as strings', () => {
    expect(openNote(Buffer.from(go.signed), [peter]).verified).toEqual([peterSignature]);
  });
});

describe('format details (c2sp.org/signed-note)', () => {
  it('parses the spec example: the last blank line separates text and signatures', () => {
    const example =
      'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n\n' +
      '— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n';
    const note = parseNote(example);
    expect(note.text).toBe(
      'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n',
    );
    expect(note.signatures[0]!.name).toBe('quasimodo.example/salvatore');
    expect(note.signatures[0]!.keyId).toBe(0x367ba04b);
    expect(formatNote(note)).toBe(example);
  });

  it('rejects non-canonical base64, names with Unicode spaces, and signatures shorter than 5 bytes', () => {
    const line = peterSig.trimEnd();
    expect(code(() => parseNote(`${text}\n${line.slice(0, -1)}\n`))).toBe('MALFORMED_NOTE');
    expect(code(() => parseNote(`${text}\n— Peter\u00a0Neumann AAAAAAA=\n`))).toBe('MALFORMED_NOTE');
    expect(code(() => parseNote(`${text}\n— PeterNeumann AAAAAA==\n`))).toBe('MALFORMED_NOTE');
    expect(code(() => parseNote(`${text}\n— PeterNeumann AAAAAAB=\n`))).toBe('MALFORMED_NOTE');
    expect(parseNote(`${text}\n— PeterNeumann AAAAAAA=\n`).signatures[0]!.signature).toEqual(new Uint8Array(1));
  });

  it('verifiers are plain objects, so keys can live anywhere', () => {
    const always: NoteVerifier = { name: 'PeterNeumann', keyId: 0xc74f20a3, verify: () => true };
    expect(openNote(`${text}\n${byteSplice(peterSig, 60, 'ABCD')}`, [always]).verified).toHaveLength(1);
  });
});
