// The public API, pinned: adding or removing an export is a deliberate change to this list (README "API").
import { expect, it } from 'vitest';
import * as exchange from '../src/index.ts';

it('@did-city/exchange exports exactly the documented API', () => {
  expect(Object.keys(exchange).sort()).toEqual([
    'AccessLog', 'CATALOGUE_CONTEXT', 'CATALOGUE_RESOURCE', 'DATA_SERVICE_TYPE', 'DEFAULT_SKEW_SECONDS',
    'DEFAULT_WINDOW_SECONDS', 'DatasetStore', 'EXCHANGE_ERRORS', 'ExchangeClient', 'ExchangeError', 'GRANT_FIELD',
    'GRANT_TYPE', 'GrantCache', 'MAX_GRANT_LENGTH', 'MAX_RELEASE_BYTES', 'NonceStore', 'PRESENTATION_FIELD', 'Publisher',
    'RELEASE_RESOURCE_TYPE', 'buildCatalogue', 'checkGrant', 'checkGrantPresentation', 'checkMediaType', 'checksumMatches', 'contentDigest',
    'contentDigestMatches', 'createProvider', 'createSignature', 'datasetId', 'decodeGrant', 'didOfKeyid',
    'encodeGrant', 'grantCredential', 'ledgerAnchor', 'parseSignatureInput', 'presentGrant', 'releaseId', 'resolveSignerKey',
    'sha256Hex', 'signCityRequest', 'signatureBase', 'verifyCityRequest', 'verifySignature',
  ]);
});
