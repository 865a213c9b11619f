/**
 * C2SP signed-note (c2sp.org/signed-note), wire-compatible with Go's golang.org/x/mod/sumdb/note:
 *
 *     <text ending in newline>
 *     <blank line>
 *     — <key name> base64(uint32 key ID || signature)
 *
 * Signers and verifiers are small objects with a function, so keys can live in an HSM, a KMS or another process.
 */
import { createHash } from 'node:crypto';
import {
  assertBytes,
  assertString,
  concatBytes,
  decodeBase64,
  decodeUtf8,
  encodeBase64,
  findControl,
  isKeyName,
  isWellFormed,
  readUint32BE,
  uint32BE,
  utf8,
} from './encoding.ts';
import { TlogError } from './errors.ts';

/** One signature line. `signature` excludes the 4-byte key ID prefix. */
export interface NoteSignature {
  name: string;
  keyId: number;
  signature: Uint8Array;
}

export interface Note {
  /** The signed text, including its final newline. */
  text: string;
  signatures: NoteSignature[];
}

export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  /** Whether `signature` is valid over `text` (the UTF-8 note text). */
  verify(text: Uint8Array, signature: Uint8Array): boolean;
}

export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  sign(text: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

export interface OpenedNote {
  text: string;
  /** Signatures by known keys, each verified (repeats by one key are dropped). */
  verified: NoteSignature[];
  /** Signatures by unknown keys, which the spec says to ignore (identical repeats are dropped). */
  unverified: NoteSignature[];
}

/** signed-note signature types this package implements. */
export const SIGNATURE_TYPE = { ed25519: 0x01, cosignatureV1: 0x04 } as const;

/** signed-note key ID: SHA-256(name || 0x0A || signature type || public key)[:4], big-endian. */
export function noteKeyId(name: string, type: number, publicKey: Uint8Array): number {
  assertString(name, 'name');
  assertBytes(publicKey, 'publicKey');
  const digest = createHash('sha256')
    .update(`${name}\n`, 'utf8')
    .update(Uint8Array.of(type))
    .update(publicKey)
    .digest();
  return readUint32BE(digest);
}

/**
 * Upper bound on signature lines. The spec asks verifiers to accept at least 16; Go's reference rejects more
 * than 100, and so do we.
 */
export const MAX_NOTE_SIGNATURES = 100;

const SIGNATURE_PREFIX = '\u2014 ';

function malformed(why: string): TlogError {
  return new TlogError('MALFORMED_NOTE', `malformed note: ${why}`);
}

function checkText(text: string): void {
  if (!isWellFormed(text)) throw malformed('not valid UTF-8');
  if (findControl(text, '\n') !== undefined) throw malformed('control character other than newline');
}

function isKeyId(keyId: unknown): keyId is number {
  return typeof keyId === 'number' && Number.isInteger(keyId) && keyId >= 0 && keyId <= 0xffffffff;
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(SIGNATURE_PREFIX)) throw malformed('signature line must start with an em dash and a space');
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  const name = space < 0 ? rest : rest.slice(0, space);
  const raw = space < 0 ? undefined : decodeBase64(rest.slice(space + 1));
  if (!isKeyName(name)) throw malformed(`invalid key name ${JSON.stringify(name)}`);
  if (!raw || raw.length < 5) throw malformed(`invalid signature encoding for ${name}`);
  return { name, keyId: readUint32BE(raw), signature: raw.subarray(4) };
}

/** Parses a signed note without verifying anything. Throws TlogError('MALFORMED_NOTE'). */
export function parseNote(message: string | Uint8Array): Note {
  if (typeof message !== 'string' && !(message instanceof Uint8Array)) {
    throw new TypeError('note must be a string or a Uint8Array');
  }
  const msg = typeof message === 'string' ? message : decodeUtf8(message);
  if (msg === undefined) throw malformed('not valid UTF-8');
  checkText(msg);
  // The text is separated from the signatures by the last blank line.
  const split = msg.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line before the signatures');
  const block = msg.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n')) throw malformed('signature block must end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw malformed(`more than ${MAX_NOTE_SIGNATURES} signatures`);
  return { text: msg.slice(0, split + 1), signatures: lines.map(parseSignatureLine) };
}

/** One signature line, with its final newline. */
export function formatSignature(sig: NoteSignature): string {
  if (!isKeyName(sig.name)) throw malformed(`invalid key name ${JSON.stringify(sig.name)}`);
  if (!isKeyId(sig.keyId)) throw new RangeError('keyId must be a uint32');
  return `${SIGNATURE_PREFIX}${sig.name} ${encodeBase64(concatBytes(uint32BE(sig.keyId), sig.signature))}\n`;
}

/** Serialises a note as it was parsed (no signing, no verification). */
export function formatNote(note: Note): string {
  assertString(note.text, 'note.text');
  if (!note.text.endsWith('\n')) throw malformed('text must end with a newline');
  checkText(note.text);
  if (note.signatures.length === 0 || note.signatures.length > MAX_NOTE_SIGNATURES) {
    throw malformed(`a note carries 1 to ${MAX_NOTE_SIGNATURES} signatures`);
  }
  return `${note.text}\n${note.signatures.map(formatSignature).join('')}`;
}

const keyOf = (name: string, keyId: number): string => `${name} ${keyId}`;

function verifierIndex(verifiers: readonly NoteVerifier[]): Map<string, NoteVerifier[]> {
  if (!Array.isArray(verifiers)) throw new TypeError('verifiers must be an array');
  const index = new Map<string, NoteVerifier[]>();
  for (const v of verifiers) {
    const key = keyOf(v.name, v.keyId);
    index.set(key, [...(index.get(key) ?? []), v]);
  }
  return index;
}

/**
 * Parses a note and verifies its signatures against known verifiers, as Go's note.Open does: signatures by
 * unknown keys are ignored, a signature by a known key that fails rejects the whole note
 * (TlogError 'INVALID_SIGNATURE'), and at least one known key must have signed ('UNVERIFIED_NOTE').
 */
export function openNote(message: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const note = parseNote(message);
  const known = verifierIndex(verifiers);
  const text = utf8(note.text);
  const opened: OpenedNote = { text: note.text, verified: [], unverified: [] };
  const seen = new Set<string>();
  for (const sig of note.signatures) {
    const key = keyOf(sig.name, sig.keyId);
    const matches = known.get(key) ?? [];
    if (matches.length > 1) throw new TlogError('AMBIGUOUS_KEY', `ambiguous key ${sig.name}+${hex8(sig.keyId)}`);
    const dedupe = matches.length === 0 ? `${key} ${encodeBase64(sig.signature)}` : key;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    if (matches.length === 0) {
      opened.unverified.push(sig);
    } else if (matches[0]!.verify(text, sig.signature)) {
      opened.verified.push(sig);
    } else {
      throw new TlogError('INVALID_SIGNATURE', `invalid signature for key ${sig.name}+${hex8(sig.keyId)}`);
    }
  }
  if (opened.verified.length === 0) throw new TlogError('UNVERIFIED_NOTE', 'note has no verifiable signatures');
  return opened;
}

export function hex8(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}

/**
 * Signs a note text, keeping existing signatures except those by the same keys as `signers`, which are
 * replaced. New signatures come last, as in Go's note.Sign.
 */
export async function signNote(
  note: { text: string; signatures?: readonly NoteSignature[] },
  signers: readonly NoteSigner[],
): Promise<string> {
  assertString(note.text, 'note.text');
  if (!note.text.endsWith('\n')) throw malformed('text must end with a newline');
  checkText(note.text);
  const text = utf8(note.text);
  const fresh: NoteSignature[] = [];
  for (const signer of signers) {
    if (!isKeyName(signer.name) || !isKeyId(signer.keyId)) throw new TlogError('MALFORMED_KEY', 'invalid signer');
    fresh.push({ name: signer.name, keyId: signer.keyId, signature: await signer.sign(text) });
  }
  const replaced = new Set(fresh.map((s) => keyOf(s.name, s.keyId)));
  const kept = (note.signatures ?? []).filter((s) => !replaced.has(keyOf(s.name, s.keyId)));
  return formatNote({ text: note.text, signatures: [...kept, ...fresh] });
}
