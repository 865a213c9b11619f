/**
 * Signer keys of a node (the log key, embedded witnesses' keys), generated on first start and kept in the data
 * directory with mode 0600. Key material never appears in logs or error messages: errors name the file only.
 */
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateKeyPair, parseVerifierKey, signerFromKey, verifierKeyOf } from '@did-city/tlog';

/** Reads the signer key in `file`, or creates one named `name` there. Returns the key string. */
export function loadOrCreateKey(options: { file: string; name: string }): string {
  const { file, name } = options;
  if (!exists(file)) writeNewKey(file, generateKeyPair(name).signerKey);
  // Tighten a key file someone made readable by others; the key is only ever for this process.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const key = readFileSync(file, 'utf8').trim();
  checkKey(key, file, name);
  return key;
}

/** The key name of a signer key string. */
export function keyName(signerKey: string): string {
  return parseVerifierKey(verifierKeyOf(signerKey)).name;
}

function checkKey(key: string, file: string, name: string): void {
  let actual: string;
  try {
    signerFromKey(key);
    actual = keyName(key);
  } catch {
    throw new Error(`${file} does not hold a signed-note signer key (PRIVATE+KEY+…)`);
  }
  if (actual !== name)
    throw new Error(`the key in ${file} is named ${JSON.stringify(actual)}, expected ${JSON.stringify(name)}`);
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}

// 'wx' so two processes starting at once cannot both write a key; fsync so a crash cannot leave an empty file
// that the next start would refuse.
function writeNewKey(file: string, key: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, `${key}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
