/**
 * Veramo keys as did:city Multikeys and Signers. A Signer here asks the agent's key manager to sign
 * (`keyManagerSign`), so private keys never leave the KMS: the method library only ever sees signatures.
 */
import { encodeMultikey, type KeyType, type Signer } from '@did-city/method';
import type { IAgentContext, IKey, IKeyManager, TKeyType } from '@veramo/core-types';

/** Veramo key type → did:city key type, and the JOSE algorithm Veramo's KMS signs that type with. */
const KEY_TYPES: Readonly<Record<string, { keyType: KeyType; algorithm: string }>> = {
  Ed25519: { keyType: 'Ed25519', algorithm: 'EdDSA' },
  Secp256r1: { keyType: 'P-256', algorithm: 'ES256' },
  Secp256k1: { keyType: 'secp256k1', algorithm: 'ES256K' },
};

/** The Veramo key type of a did:city key type. */
export function veramoKeyType(keyType: KeyType): TKeyType {
  const entry = Object.entries(KEY_TYPES).find(([, value]) => value.keyType === keyType);
  return entry![0];
}

function typeOf(key: Pick<IKey, 'type' | 'kid'>) {
  const entry = KEY_TYPES[key.type];
  if (entry === undefined)
    throw new TypeError(`key ${key.kid} is a ${key.type} key; did:city accepts Ed25519, Secp256r1 and Secp256k1`);
  return entry;
}

/** EC public keys as Multikey are compressed points; Veramo's secp256k1 keys come uncompressed (04 || x || y). */
function compressed(publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== 65 || publicKey[0] !== 0x04) return publicKey;
  const prefix = 0x02 | (publicKey[64]! & 1);
  return Uint8Array.of(prefix, ...publicKey.subarray(1, 33));
}

/** The Multikey (`publicKeyMultibase`) of a Veramo key. */
export function multikeyOf(key: Pick<IKey, 'type' | 'kid' | 'publicKeyHex'>): string {
  const { keyType } = typeOf(key);
  const publicKey = new Uint8Array(Buffer.from(key.publicKeyHex.replace(/^0x/, ''), 'hex'));
  return encodeMultikey(keyType, keyType === 'Ed25519' ? publicKey : compressed(publicKey));
}

/**
 * A did:city Signer backed by the agent's key manager. The method library hands it the 64 bytes of Data
 * Integrity hash data; Veramo's KMS signs them as EdDSA, or as ES256/ES256K over SHA-256 with r||s output, which
 * is exactly what eddsa-jcs-2022 and ecdsa-jcs-2019 need.
 */
export function kmsSigner(context: IAgentContext<IKeyManager>, key: IKey): Signer {
  const { keyType, algorithm } = typeOf(key);
  const sign = async (data: Uint8Array): Promise<Uint8Array> => {
    const hex = Buffer.from(data).toString('hex');
    const signature = await context.agent.keyManagerSign({ keyRef: key.kid, data: hex, encoding: 'base16', algorithm });
    return new Uint8Array(Buffer.from(signature, 'base64url'));
  };
  return Object.freeze(Object.assign(sign, { publicKeyMultibase: multikeyOf(key), keyType }));
}
