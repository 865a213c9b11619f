// The schema the e2e tests validate every answer with must itself refuse what the registrar's OpenAPI and DID
// Registration refuse; otherwise "validated against the schema" would mean nothing.
import { describe, expect, it } from 'vitest';
import { expectRegistrarState } from './registrar-openapi.ts';

const signingRequest = { signingRequest0: { serializedPayload: 'AAEC', alg: 'EdDSA', kid: 'did:key:z6Mk#z6Mk' } };
const action = {
  jobId: 'j',
  didState: { state: 'action', action: 'signPayload', signingRequest },
  didRegistrationMetadata: {},
  didDocumentMetadata: {},
};

describe('the registrar state schema (openapi.yaml 1.0.1 and DID Registration §7–8)', () => {
  it('accepts the states the driver sends', () => {
    expectRegistrarState('create', 200, action);
    expectRegistrarState('create', 200, { jobId: 'j', didState: { state: 'wait', wait: 'review', waittime: '1000' } });
    expectRegistrarState('create', 201, {
      jobId: null,
      didState: { state: 'finished', did: 'did:city:cn:130200', didDocument: { id: 'did:city:cn:130200' } },
    });
    expectRegistrarState('update', 400, {
      jobId: null,
      didState: { state: 'failed', error: 'INVALID_OPTIONS', reason: 'why' },
    });
  });

  it.each([
    ['a failed state without reason', 'update', 400, { didState: { state: 'failed', error: 'X' } }],
    [
      'signPayload without signingRequest',
      'create',
      200,
      { jobId: 'j', didState: { state: 'action', action: 'signPayload' } },
    ],
    [
      'a signing request without alg',
      'create',
      200,
      { ...action, didState: { ...action.didState, signingRequest: { s: { serializedPayload: 'AA' } } } },
    ],
    [
      'a serializedPayload that is not base64',
      'create',
      200,
      { ...action, didState: { ...action.didState, signingRequest: { s: { serializedPayload: '*', alg: 'EdDSA' } } } },
    ],
    ['a wait state without wait', 'deactivate', 200, { jobId: 'j', didState: { state: 'wait' } }],
    ['a finished state that keeps its jobId', 'update', 200, { jobId: 'j', didState: { state: 'finished', did: 'd' } }],
    ['an open job without jobId', 'update', 200, { jobId: null, didState: { state: 'wait', wait: 'w' } }],
    ['a finished create without did', 'create', 201, { didState: { state: 'finished' } }],
    ['a 404 answer', 'create', 404, { didState: { state: 'failed', reason: 'r' } }],
    ['201 from update', 'update', 201, { didState: { state: 'finished', did: 'd' } }],
    ['an unknown state', 'create', 200, { jobId: 'j', didState: { state: 'pending' } }],
    [
      'a controller that is a number',
      'create',
      201,
      { didState: { state: 'finished', did: 'd', didDocument: { controller: 1 } } },
    ],
  ] as const)('refuses %s', (_what, operation, status, body) => {
    expect(() => expectRegistrarState(operation, status, body)).toThrow();
  });
});
