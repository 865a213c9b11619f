// The public API, pinned: adding or removing an export is a deliberate change to this list.
import { expect, it } from 'vitest';
import * as tlog from '../src/index.ts';

it('exports exactly the documented API', () => {
  expect(Object.keys(tlog).sort()).toEqual([
    'EMPTY_PREFIX_ROOT', 'HASH_SIZE', 'MAX_NOTE_SIGNATURES', 'MAX_PREFIX_DEPTH', 'MAX_PROOF_LINES', 'MerkleTree', 'PREFIX_KEY_SIZE', 'PrefixTree', 'SIGNATURE_TYPE', 'TILE_HEIGHT', 'TILE_WIDTH',
    'TlogError', 'appendToFrontier', 'assertConsistency', 'assertInclusion', 'consistencyProof', 'consistencyProofNodes',
    'cosignatureMessage', 'cosignatureVerifier', 'cosignerFromKey', 'createCosigner', 'decideAddCheckpoint',
    'decodeEntryBundle', 'ed25519Verifier', 'emptyFrontier', 'emptyRoot', 'encodeCosignature', 'encodeEntryBundle',
    'encodeTileIndex', 'evaluateCheckpoint', 'formatAddCheckpointRequest', 'formatCheckpoint', 'formatNote',
    'formatSignature', 'formatVerifierKey', 'frontierFromReader', 'frontierRoot', 'generateKeyPair', 'inclusionProof',
    'inclusionProofNodes', 'keyBit', 'leafHash', 'newTiles', 'nodeHash', 'noteKeyId', 'openNote', 'parseAddCheckpointRequest',
    'parseCheckpoint', 'parseCosignature', 'parseNote', 'parsePolicy', 'parseTilePath', 'parseVerifierKey', 'prefixLeafHash', 'prefixNodeHash',
    'quorumSatisfied', 'quorumTime', 'readerFromNodes', 'rootFromLeafHashes', 'rootNodes', 'signNote', 'signerFromKey', 'subtreeHash',
    'tileData', 'tilePath', 'treeRoot', 'verifierFromKey', 'verifierKeyOf', 'verifyCheckpoint', 'verifyConsistency',
    'verifyInclusion', 'verifyPrefixProof',
  ]);
});
