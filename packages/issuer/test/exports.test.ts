// The public API, pinned: adding or removing an export is a deliberate change to this list.
import { expect, it } from 'vitest';
import * as api from '../src/index.ts';

it('@did-city/issuer exports exactly the documented API', () => {
  expect(Object.keys(api).sort()).toEqual([
    'BUNDLED_CONTEXTS', 'BUNDLED_SCHEMAS', 'CITY_CREDENTIALS_CONTEXT', 'ISSUER_ERRORS', 'IssuerError',
    'MIN_STATUS_LIST_LENGTH', 'STATUS_STORE_SCHEMA_VERSION', 'SchemaRegistry', 'SqliteStatusStore', 'StatusChecker',
    'StatusLists', 'VC_V2_CONTEXT', 'assertionKeys', 'authorityAccreditationCredential', 'canonizeRdfc',
    'checkRelatedResources', 'cityDataSharingCredential', 'cityIdentityCredential', 'createCheckStatus',
    'createDidResolver', 'createIssuer', 'createIssuerApp', 'createIssuerRouter', 'createVerifier',
    'decodeBitstring', 'didCityDocumentLoader', 'didJwtVcWithStatus', 'digestSri', 'encodeBitstring', 'envelope',
    'getBit', 'httpCredentialFetcher', 'httpResourceFetcher', 'issueDataIntegrityVc', 'issueJoseVc', 'issueJwtVc',
    'jsonLdIssues', 'memoizeResolver', 'provePresentation', 'relatedResourceIssues', 'resolveDidKey', 'schemaUrl',
    'setBit', 'smartCityPilotCredential', 'unwrapEnvelope', 'verifyCredential', 'verifyDataIntegrityVc',
    'verifyJoseVc', 'verifyJwtVc', 'verifyPresentation',
  ]);
});
