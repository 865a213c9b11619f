/**
 * Key files as the issue #6 contract defines them (the CLI reads and writes the same format):
 * `{ "version": 1, "keys": [{ "name", "keyType", "publicKeyMultibase", "secretKey": base64url }] }`, mode 0600.
 * Errors name the file, never its content.
 */
import { generateKeyPair, type KeyPair, type KeyType, keyPairFromSecret } from '@did-city/method';
import { createFileOnce, exists, readSecret } from './files.ts';

export interface KeyFileEntry {
  name: string;
  keyType: KeyType;
  publicKeyMultibase: string;
  secretKey: string;
}

export interface KeyFile {
  version: 1;
  keys: KeyFileEntry[];
}

export interface NamedKey extends KeyPair {
  name: string;
}

function entryOf(name: string, pair: KeyPair): KeyFileEntry {
  const secretKey = Buffer.from(pair.secretKey).toString('base64url');
  return { name, keyType: pair.keyType, publicKeyMultibase: pair.publicKeyMultibase, secretKey };
}

function keyOf(entry: KeyFileEntry, file: string): NamedKey {
  const pair = keyPairFromSecret(entry.keyType, new Uint8Array(Buffer.from(entry.secretKey, 'base64url')));
  if (pair.publicKeyMultibase !== entry.publicKeyMultibase) {
    throw new Error(`${file}: key "${entry.name}" does not match its publicKeyMultibase`);
  }
  return { ...pair, name: entry.name };
}

/** Reads every key of a key file. */
export function readKeyFile(file: string): NamedKey[] {
  let parsed: KeyFile;
  try {
    parsed = JSON.parse(readSecret(file)) as KeyFile;
  } catch {
    throw new Error(`${file} is not a did:city key file (JSON { version: 1, keys: [...] })`);
  }
  if (parsed?.version !== 1 || !Array.isArray(parsed.keys)) throw new Error(`${file} is not a version 1 did:city key file`);
  return parsed.keys.map((entry) => keyOf(entry, file));
}

/** The key named `name` in `file`, generating the file with one new Ed25519 key on first use. */
export function loadOrCreateKey(file: string, name: string): NamedKey {
  if (!exists(file)) {
    const file1: KeyFile = { version: 1, keys: [entryOf(name, generateKeyPair('Ed25519'))] };
    createFileOnce(file, `${JSON.stringify(file1, null, 2)}\n`, 0o600);
  }
  const key = readKeyFile(file).find((entry) => entry.name === name);
  if (key === undefined) throw new Error(`${file} has no key named "${name}"`);
  return key;
}
