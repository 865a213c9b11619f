/**
 * Deterministic test keys, one rule for every package: the secret of key `label` is
 * sha256(utf8(namespace + label)), Ed25519 secrets as RFC 8032 seeds, ECDSA and SM2 secrets as scalars. The default
 * namespace is the shared vectors' (spec/vectors/keys.json), so `testKey('institute-a')` is the published vector key
 * of that label. A namespace of its own is only for data committed before this rule (the ledger's schema-1
 * database files were signed with `ledger-test:` keys).
 */
import { createHash } from 'node:crypto';
import {
  createSigner,
  type KeyPair,
  type KeyType,
  keyPairFromSecret,
  multikeyToJwk,
  type Signer,
} from '@did-city/method';
import { noteKeyId, SIGNATURE_TYPE, verifierKeyOf } from '@did-city/tlog';

/** The namespace of the shared vectors' keys: spec/vectors/keys.json states the same rule. */
export const VECTOR_NAMESPACE = 'did:city vector key ';

/** The 32-byte secret of `label`: sha256(utf8(namespace + label)). */
export function seedOf(label: string, namespace: string = VECTOR_NAMESPACE): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`${namespace}${label}`, 'utf8').digest());
}

/** The key pair of `label` (the same on every run and in every package). */
export function testKey(label: string, keyType: KeyType = 'Ed25519', namespace: string = VECTOR_NAMESPACE): KeyPair {
  return keyPairFromSecret(keyType, seedOf(label, namespace));
}

/** A signer of `testKey(label, keyType, namespace)`. */
export function testSigner(label: string, keyType: KeyType = 'Ed25519', namespace: string = VECTOR_NAMESPACE): Signer {
  return createSigner(testKey(label, keyType, namespace));
}

/** Key lookups bound to one namespace: `const key = keyRing('ledger-test:'); key('sjz')`. */
export function keyRing(namespace: string = VECTOR_NAMESPACE): (label: string, keyType?: KeyType) => KeyPair {
  return (label, keyType = 'Ed25519') => testKey(label, keyType, namespace);
}

export interface NoteKey {
  name: string;
  /** Signer key in note format (`PRIVATE+KEY+name+id+…`). TEST KEY. */
  signerKey: string;
  /** Verifier key: type 0x01 for a log, 0x04 (cosignature/v1) for a witness. */
  verifierKey: string;
}

/**
 * A C2SP note key (a log's or a witness's) named `name`, its Ed25519 seed by the same rule with the name as label;
 * the vectors' log and witness keys are `noteKey('city.ledger/prod')`, `noteKey('witness-a', 0x04)`, ….
 */
export function noteKey(
  name: string,
  type: 0x01 | 0x04 = SIGNATURE_TYPE.ed25519,
  namespace: string = VECTOR_NAMESPACE,
): NoteKey {
  const seed = seedOf(name, namespace);
  const publicKey = new Uint8Array(
    Buffer.from(multikeyToJwk(keyPairFromSecret('Ed25519', seed).publicKeyMultibase).x, 'base64url'),
  );
  const keyId = noteKeyId(name, SIGNATURE_TYPE.ed25519, publicKey).toString(16).padStart(8, '0');
  const signerKey = `PRIVATE+KEY+${name}+${keyId}+${Buffer.from(Uint8Array.of(SIGNATURE_TYPE.ed25519, ...seed)).toString('base64')}`;
  return { name, signerKey, verifierKey: verifierKeyOf(signerKey, type) };
}
