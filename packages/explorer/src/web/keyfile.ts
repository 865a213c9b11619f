/**
 * Key files in the browser (the CLI's format: `{ "version": 1, "keys": [{ name, keyType, publicKeyMultibase,
 * secretKey (base64url) }] }`). A key is read from a file the user picks, or generated here, and kept in the page's
 * memory only: it is never sent anywhere, never written to storage; a generated one leaves the browser only as the
 * file the user downloads.
 */
import { generateKeyPair, type KeyPair, type KeyType, keyPairFromSecret } from '@did-city/method';

export interface NamedKey extends KeyPair {
  name: string;
}

const KEY_TYPES: readonly KeyType[] = ['Ed25519', 'P-256', 'secp256k1', 'SM2'];

/** The keys of a key file, each checked: its secret must give the public key the file names. */
export function parseKeyFile(text: string): NamedKey[] {
  const file = JSON.parse(text) as { version?: unknown; keys?: unknown };
  if (file.version !== 1 || !Array.isArray(file.keys)) throw new Error('not a did:city key file (version 1, keys)');
  return file.keys.map((stored: Record<string, unknown>, i: number) => {
    const { name, keyType, publicKeyMultibase, secretKey } = stored;
    if (typeof secretKey !== 'string' || !(KEY_TYPES as readonly unknown[]).includes(keyType))
      throw new Error(`key ${i}: no usable secret key`);
    const pair = keyPairFromSecret(keyType as KeyType, new Uint8Array(Buffer.from(secretKey, 'base64url')));
    if (pair.publicKeyMultibase !== publicKeyMultibase)
      throw new Error(`key ${i}: the secret key does not match its publicKeyMultibase`);
    return { ...pair, name: typeof name === 'string' ? name : `key-${i}` };
  });
}

export function newKey(name: string, keyType: KeyType = 'Ed25519'): NamedKey {
  return { ...generateKeyPair(keyType), name };
}

export function keyFileText(keys: readonly NamedKey[]): string {
  const stored = keys.map((key) => ({
    name: key.name,
    keyType: key.keyType,
    publicKeyMultibase: key.publicKeyMultibase,
    secretKey: Buffer.from(key.secretKey).toString('base64url'),
  }));
  return `${JSON.stringify({ version: 1, keys: stored }, null, 2)}\n`;
}

/** Offers `text` as a file download (made in the page: nothing is uploaded). */
export function download(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const link = Object.assign(document.createElement('a'), { href: url, download: fileName });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
