/**
 * Serialisation and key derivation shared by the vector generator: one stable JSON form (object members sorted,
 * two-space indent, final newline) so that regenerating from the same library gives the same bytes.
 */
import { createSigner, type KeyPair, type KeyType, type Signer } from '../../packages/method/src/index.ts';
import { testKey, VECTOR_NAMESPACE } from '../../packages/testing/src/index.ts';

/** Every vector and every proof uses this `created`: proofs are deterministic only with a fixed time. */
export const PROOF_CREATED = '2026-11-21T08:00:00Z';

/**
 * Seed label prefix: the secret of key `label` is sha256("did:city vector key <label>"), @did-city/testing's rule
 * (every package's tests derive their keys the same way).
 */
export const SEED_PREFIX = VECTOR_NAMESPACE;

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined) sorted[key] = sortKeys(member);
  }
  return sorted;
}

/** The one text form of every vector file. */
export function stableJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

export interface VectorKey {
  label: string;
  pair: KeyPair;
  signer: Signer;
  /** The Multikey (publicKeyMultibase). */
  mk: string;
}

/** A key pair derived from its label, so every run signs with the same keys. */
export function vectorKey(label: string, keyType: KeyType = 'Ed25519'): VectorKey {
  const pair = testKey(label, keyType);
  return { label, pair, signer: createSigner(pair), mk: pair.publicKeyMultibase };
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** A JSON copy: vectors hold plain data, never objects the library might still reference. */
export function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
