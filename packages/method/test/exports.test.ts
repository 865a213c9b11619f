// The public API, pinned: adding or removing an export is a deliberate change to these lists (README "API").
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import * as http from '../src/http.ts';
import * as method from '../src/index.ts';
import * as settings from '../src/settings/index.ts';

it('@did-city/method exports exactly the documented API', () => {
  expect(Object.keys(method).sort()).toEqual([
    'DEFAULT_HISTORY_LIMITS',
    'DIVISION_EDITION_SERVICE',
    'DidCityError',
    'DidIndex',
    'EMPTY_INDEX_ROOT',
    'ERRORS',
    'GENESIS_POLICY_SHAPE',
    'HISTORY_LIMITS_SERVICE',
    'HISTORY_LIMIT_CEILINGS',
    'InconsistentCheckpointError',
    'MAX_JSON_DEPTH',
    'MAX_RESOURCE_BYTES',
    'MemoryCheckpointStore',
    'MemoryLedger',
    'PROOF_PURPOSE',
    'RESOURCE_PARAMETERS',
    'SM2_DEFAULT_ID',
    'VERIFICATION_RELATIONSHIPS',
    'absoluteId',
    'addService',
    'addVerificationMethod',
    'allocatableIn',
    'applyOperation',
    'buildDocument',
    'canonicalBytes',
    'canonicalize',
    'checkAllocation',
    'checkGenesisPolicy',
    'checkResourceDescription',
    'checkResourceSize',
    'countryRegistryDid',
    'createCityResolver',
    'createOperation',
    'createProof',
    'createSigner',
    'cryptosuiteHash',
    'currentContent',
    'deactivateOperation',
    'decodeMultikey',
    'describeResource',
    'didIndexKey',
    'didKeyUrl',
    'didResolverErrorCode',
    'divisionEditionOf',
    'divisionEditionText',
    'divisionEditions',
    'divisionHistory',
    'encodeMultikey',
    'formatDid',
    'formatDidUrl',
    'formatIndexExtension',
    'generateKeyPair',
    'getResolver',
    'historyLimitsOf',
    'indexHeadValue',
    'indexRootOf',
    'isCityDid',
    'isErrorCode',
    'isMultihashSha256',
    'isRelationship',
    'isResourceUrl',
    'isXsdDateTime',
    'jsonTooDeep',
    'keyHash',
    'keyPairFromSecret',
    'keyStateAt',
    'lastLeafIndex',
    'latestDivisionEdition',
    'ledgerPolicyOf',
    'linkedResourceMetadata',
    'listDivisions',
    'loadHistory',
    'lookupDivision',
    'multihashSha256',
    'multikeyToJwk',
    'multikeyType',
    'nextKeyId',
    'operationHash',
    'parentDid',
    'parseCanonicalOperation',
    'parseDid',
    'parseDidUrl',
    'parseGenesisPolicy',
    'parseOperation',
    'parseOperationWithHash',
    'problem',
    'proofVerifier',
    'recoverOperation',
    'relativeId',
    'removeService',
    'removeVerificationMethod',
    'replayHistory',
    'resourceChecksum',
    'resourceOperation',
    'sha256',
    'signOperation',
    'sm2Sign',
    'sm2UncompressedKey',
    'sm2Verify',
    'sm2Z',
    'sm3',
    'steppingClock',
    'toDidResolverResult',
    'toResolutionProblem',
    'updateOperation',
    'validateNextOperation',
    'verifiedAt',
    'verifyIndexHead',
    'verifyOperation',
    'verifyProof',
    'verifyResourceContent',
    'verifySignature',
  ]);
});

it('@did-city/method/http exports exactly the documented network, disk and problem-details API', () => {
  expect(Object.keys(http).sort()).toEqual([
    'CHECKPOINT_FILE_FORMAT',
    'FETCH_DEFAULTS',
    'FileCheckpointStore',
    'HttpLedgerReader',
    'LedgerClient',
    'OutboundFetchError',
    'PROBLEM_JSON',
    'classifyAddress',
    'createOutboundFetch',
    'fetchPolicyFromEnv',
    'hostsOf',
    'plainProblem',
    'requestFailure',
    'sendProblem',
  ]);
});

it('@did-city/method/settings exports exactly the settings table reader and the shared parsers', () => {
  expect(Object.keys(settings).sort()).toEqual([
    'ConfigError',
    'NODE_IO',
    'boolean',
    'count',
    'envNames',
    'envValue',
    'flagDoc',
    'flagOptions',
    'genesisPins',
    'httpUrl',
    'httpUrlList',
    'integer',
    'listen',
    'namedValue',
    'namedValues',
    'oneOf',
    'policyText',
    'port',
    'positive',
    'readSettingFile',
    'readSettings',
    'text',
  ]);
});

/** Every module a source file reaches through its static imports, with the bare specifiers it imports. */
function importGraph(entry: string): { files: Set<string>; bare: Set<string> } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/^(?:import|export)\s[^'"]*?from\s+'([^']+)'/gms)) {
      const spec = match[1] as string;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else bare.add(spec);
    }
  };
  visit(entry);
  return { files, bare };
}

const src = (file: string): string => fileURLToPath(new URL(`../src/${file}`, import.meta.url));

it('the core entry point reaches no network or file-system module, so it bundles for a browser', () => {
  const core = importGraph(src('index.ts'));
  const io = ['node:dns', 'node:fs', 'node:http', 'node:https', 'node:net', 'node:path'];
  expect([...core.bare].filter((spec) => io.includes(spec))).toEqual([]);
  // The check sees imports at all: the subpath does reach them.
  const network = importGraph(src('http.ts'));
  expect(io.filter((spec) => network.bare.has(spec))).toEqual([
    'node:dns',
    'node:fs',
    'node:http',
    'node:https',
    'node:path',
  ]);
});
