/**
 * @did-city/testing — what the did:city packages' tests share (private, never published): deterministic keys by one
 * seed rule (the shared vectors' own), worlds (a registry genesis, its institutes and cities) and the shared vector
 * table. The running-node helper is `@did-city/testing/node` (it imports the ledger).
 */
export { keyRing, type NoteKey, noteKey, seedOf, testKey, testSigner, VECTOR_NAMESPACE } from './keys.ts';
export {
  CREATED,
  createWorld,
  keyDocument,
  REGISTRY,
  SJZ,
  signWith,
  type World,
  type WorldCity,
  type WorldOptions,
} from './world.ts';
export {
  type AppendCase,
  type AppendOutcome,
  type DereferenceCase,
  type ResolveCase,
  type ResolverConfig,
  type VectorCase,
  type VectorTable,
  VECTORS_DIR,
  vectorTable,
} from './vectors.ts';
