/**
 * Registrar-held keys, off unless the operator configures them: a did:city key file (the CLI's format, mode 0600)
 * whose keys the driver signs with itself, for example the keys of a city that runs its own registrar to allocate
 * its departments. A held key signs only for a request whose `secret.heldKeysToken` is the configured token
 * (compared as SHA-256 digests in constant time): without it, whoever reaches the driver would control every DID
 * those keys control. Keys are never taken from requests, generated, returned or logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createSigner, type KeyType, keyPairFromSecret, type Signer } from '@did-city/method';
import { RegistrarError } from './errors.ts';

export interface HeldKeys {
  /** The signer of a held key, when the token is right; undefined for keys the driver does not hold. */
  signerFor(key: string): Signer | undefined;
  /** Throws UNAUTHORIZED unless `token` is the configured one. */
  authorise(token: unknown): void;
  readonly count: number;
}

interface StoredKey {
  keyType: KeyType;
  publicKeyMultibase: string;
  secretKey: string;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Reads the key file; throws (with the file's name, never key material) when it cannot be used. */
export function loadHeldKeys(file: string, token: string): HeldKeys {
  if ((statSync(file).mode & 0o077) !== 0) throw new Error(`${file} is readable by other users: make it mode 0600`);
  if (token.length < 16) throw new Error('the held keys token must be at least 16 characters');
  let parsed: { keys?: StoredKey[] };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // Not the parser's message: recent engines quote the text around the error, which is key material here.
    throw new Error(`${file} is not a did:city key file (JSON)`);
  }
  const { keys } = parsed;
  if (!Array.isArray(keys) || keys.length === 0) throw new Error(`${file} holds no keys`);
  const signers = new Map<string, Signer>();
  for (const [index, key] of keys.entries()) {
    let pair: ReturnType<typeof keyPairFromSecret> | undefined;
    try {
      pair = keyPairFromSecret(key.keyType, new Uint8Array(Buffer.from(key.secretKey, 'base64url')));
    } catch {
      pair = undefined;
    }
    if (pair?.publicKeyMultibase !== key.publicKeyMultibase)
      throw new Error(`${file}: key ${index} is not a valid key for its public key`);
    signers.set(pair.publicKeyMultibase, createSigner(pair));
  }
  const expected = digest(token);
  return {
    count: signers.size,
    signerFor: (key) => signers.get(key),
    authorise(given) {
      if (typeof given !== 'string' || !timingSafeEqual(digest(given), expected)) {
        throw new RegistrarError(
          'UNAUTHORIZED',
          "secret.heldKeysToken is not this driver's: the keys it holds sign only for their operator",
        );
      }
    },
  };
}
