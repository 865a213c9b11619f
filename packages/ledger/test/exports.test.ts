// The public API, pinned: adding or removing an export is a deliberate change to this list.
import { expect, it } from 'vitest';
import * as api from '../src/index.ts';

it('@did-city/ledger exports exactly the documented API', () => {
  expect(Object.keys(api).sort()).toEqual([
    'AppendConflictError', 'DataDirLockedError', 'HISTORY_PAGE_SIZE', 'HOLDS_SEQUENCER_LOCK', 'HttpWitnessClient',
    'LedgerNode', 'MemoryResourceStore', 'NO_RATE_LIMITS', 'NotLeaderError', 'PostgresLogStore', 'RATE_LIMIT_ENV', 'RegistrationStore',
    'Registrations', 'SEQUENCER_LOCK', 'Sequencer', 'SqliteLogStore', 'SqliteResourceStore', 'TRUST_PROXY_ENV', 'Witness', 'WriterLease',
    'applyTrustProxy', 'bulkRejectionPayload', 'createLedgerApp', 'createLedgerRouter', 'createLimiters',
    'createRegistrationRouter', 'createWitnessApp', 'createWitnessRouter', 'deskSettingsFromEnv', 'explorerRoutes',
    'healthAnswer', 'loadOrCreateKey', 'lockDataDir', 'parseRateLimit', 'parseTrustProxy', 'rateLimitsFromEnv',
    'registrationId', 'rejectionPayload', 'trustProxyFromEnv',
  ]);
});
