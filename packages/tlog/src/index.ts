/**
 * @did-city/tlog — the transparency-log primitives of did:city, pure and without I/O:
 * RFC 6962 / 9162 Merkle trees and proofs, C2SP signed notes, checkpoints, cosignatures, witness policies,
 * the add-checkpoint decision of a witness, tlog-tiles paths, and a prefix tree (verifiable map) with proofs.
 *
 * @example
 * ```ts
 * import { MerkleTree, leafHash, verifyInclusion, formatCheckpoint, signNote, signerFromKey } from '@did-city/tlog';
 *
 * const tree = new MerkleTree();
 * const index = tree.append(leafHash(new TextEncoder().encode('operation')));
 * const proof = tree.inclusionProof(index);
 * verifyInclusion({ leafIndex: index, treeSize: tree.size, leafHash: tree.leafHash(index), proof, rootHash: tree.root() }); // true
 *
 * const text = formatCheckpoint({ origin: 'ledger.example/cn', size: tree.size, rootHash: tree.root(), extensions: [] });
 * const note = await signNote({ text }, [signerFromKey(process.env.LOG_KEY!)]);
 *
 * // A verifiable map (prefix tree): proofs of a key's value, or of its absence, against one root.
 * const map = PrefixTree.from([[key, value]]);
 * verifyPrefixProof({ root: map.root(), key, proof: map.prove(key) }); // { ok: true, value }
 * ```
 */
export { type Checkpoint, formatCheckpoint, parseCheckpoint } from './checkpoint.ts';
export type { Clock } from './clock.ts';
export {
  type Cosignature,
  type CosignerOptions,
  cosignatureMessage,
  cosignatureVerifier,
  createCosigner,
  encodeCosignature,
  parseCosignature,
} from './cosignature.ts';
export { TlogError, type TlogErrorCode } from './errors.ts';
export { appendToFrontier, emptyFrontier, type Frontier, frontierFromReader, frontierRoot } from './frontier.ts';
export {
  cosignerFromKey,
  ed25519Verifier,
  formatVerifierKey,
  generateKeyPair,
  parseVerifierKey,
  signerFromKey,
  type VerifierKey,
  verifierFromKey,
  verifierKeyOf,
} from './keys.ts';
export {
  consistencyProof,
  consistencyProofNodes,
  emptyRoot,
  HASH_SIZE,
  type HashReader,
  inclusionProof,
  inclusionProofNodes,
  leafHash,
  type NodeHash,
  type NodeId,
  nodeHash,
  readerFromNodes,
  rootFromLeafHashes,
  rootNodes,
  subtreeHash,
  treeRoot,
} from './merkle.ts';
export {
  formatNote,
  formatSignature,
  MAX_NOTE_SIGNATURES,
  type Note,
  type NoteSignature,
  type NoteSigner,
  type NoteVerifier,
  noteKeyId,
  type OpenedNote,
  openNote,
  parseNote,
  SIGNATURE_TYPE,
  signNote,
} from './note.ts';
export {
  type CheckpointVerdict,
  evaluateCheckpoint,
  type PolicyGroup,
  type PolicyLog,
  type PolicyWitness,
  parsePolicy,
  quorumSatisfied,
  quorumTime,
  type TlogPolicy,
  verifyCheckpoint,
} from './policy.ts';
export {
  EMPTY_PREFIX_ROOT,
  keyBit,
  MAX_PREFIX_DEPTH,
  type PrefixEntry,
  type PrefixTextEntry,
  PREFIX_KEY_SIZE,
  type PrefixProof,
  type PrefixProofResult,
  PrefixTree,
  prefixLeafHash,
  prefixNodeHash,
  verifyPrefixProof,
} from './prefix-tree.ts';
export {
  decodeEntryBundle,
  encodeEntryBundle,
  encodeTileIndex,
  newTiles,
  parseTilePath,
  TILE_HEIGHT,
  TILE_WIDTH,
  type Tile,
  tileData,
  tilePath,
} from './tiles.ts';
export { MerkleTree } from './tree.ts';
export {
  assertConsistency,
  assertInclusion,
  type ConsistencyCheck,
  type InclusionCheck,
  verifyConsistency,
  verifyInclusion,
} from './verify.ts';
export {
  type AddCheckpointInput,
  type AddCheckpointOutcome,
  type AddCheckpointRequest,
  decideAddCheckpoint,
  formatAddCheckpointRequest,
  MAX_PROOF_LINES,
  parseAddCheckpointRequest,
  type WitnessState,
} from './witness.ts';
