/**
 * The key file (issue #6 contract): `{ "version": 1, "keys": [{ "name", "keyType", "publicKeyMultibase",
 * "secretKey": base64url }] }`, mode 0600. Writes go to a temporary file created 0600 and renamed over the old
 * one, so a crash never leaves a half-written file and the secret is never readable by others, not even briefly.
 * Errors name the file and the key, never key material.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { createSigner, type KeyPair, type KeyType, keyPairFromSecret, type Signer } from '@did-city/method';
import { CliError, EXIT } from './output.ts';

export interface StoredKey {
  name: string;
  keyType: KeyType;
  publicKeyMultibase: string;
  secretKey: string;
}

export interface KeyFile {
  version: 1;
  keys: StoredKey[];
}

const KEY_TYPES: readonly KeyType[] = ['Ed25519', 'P-256', 'secp256k1', 'SM2'];
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function isKeyType(value: string): value is KeyType {
  return (KEY_TYPES as readonly string[]).includes(value);
}

export function checkKeyName(name: string): string {
  if (!NAME.test(name)) {
    throw new CliError({
      exit: EXIT.usage,
      title: 'Usage error',
      detail: `key name "${name}" must be 1-64 letters, digits, ".", "_" or "-"`,
    });
  }
  return name;
}

function broken(file: string, detail: string): CliError {
  return new CliError({ exit: EXIT.refused, title: 'Key file unusable', detail: `${file}: ${detail}` });
}

/** The key file's content; an absent file is an empty one. */
export function readKeyFile(file: string): KeyFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, keys: [] };
    throw broken(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseKeyFile(file, text);
}

/** The content of `text`, read from `file` (named in errors). */
export function parseKeyFile(file: string, text: string): KeyFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw broken(file, 'is not JSON');
  }
  const body = parsed as Partial<KeyFile> | null;
  if (body?.version !== 1 || !Array.isArray(body.keys)) throw broken(file, 'is not a version 1 did:city key file');
  return { version: 1, keys: body.keys };
}

/** Group- or world-accessible: a key file that others on the machine can read. */
export function exposedMode(file: string): number | undefined {
  try {
    const mode = statSync(file).mode & 0o777;
    return (mode & 0o077) === 0 ? undefined : mode;
  } catch {
    return undefined;
  }
}

/** The file's text: pretty-printed JSON with a final newline. */
export function keyFileText(content: KeyFile): string {
  return `${JSON.stringify(content, null, 2)}\n`;
}

export function writeKeyFile(file: string, content: KeyFile): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, keyFileText(content));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
}

/** The key named `name`, from `content` (default: the file as it is now). */
export function findKey(file: string, name: string, content: KeyFile = readKeyFile(file)): StoredKey {
  const key = content.keys.find((k) => k.name === name);
  if (key === undefined && !existsSync(file)) {
    throw new CliError({
      exit: EXIT.refused,
      title: 'Key file not found',
      detail: `the key file ${file} does not exist`,
      hint: `create a key in it with: did-city keys generate --name ${name}, or name another file with --keys FILE (env DID_CITY_KEYS)`,
    });
  }
  if (key === undefined) {
    throw new CliError({
      exit: EXIT.refused,
      title: 'No such key',
      detail: `${file} has no key named "${name}"`,
      hint: `create it with: did-city keys generate --name ${name}`,
    });
  }
  return key;
}

export function keyPairOf(file: string, key: StoredKey): KeyPair {
  try {
    const pair = keyPairFromSecret(key.keyType, new Uint8Array(Buffer.from(key.secretKey, 'base64url')));
    if (pair.publicKeyMultibase !== key.publicKeyMultibase) throw new RangeError('public key mismatch');
    return pair;
  } catch {
    throw broken(file, `key "${key.name}" does not hold a valid ${key.keyType} secret for its public key`);
  }
}

/** A key pair that keeps its name in the file. */
export interface NamedKey extends KeyPair {
  name: string;
}

export function namedKeyOf(file: string, key: StoredKey): NamedKey {
  return { ...keyPairOf(file, key), name: key.name };
}

/** A Signer for a named key of the file. */
export function signerOf(file: string, name: string): Signer {
  return createSigner(keyPairOf(file, findKey(file, name)));
}

export function storedKey(name: string, pair: KeyPair): StoredKey {
  const secretKey = Buffer.from(pair.secretKey).toString('base64url');
  return { name, keyType: pair.keyType, publicKeyMultibase: pair.publicKeyMultibase, secretKey };
}
