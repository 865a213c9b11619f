/**
 * The registrar's answer: a state object (DIF DID Registration §7–8, the Universal Registrar's OpenAPI
 * `CreateState` / `UpdateState` / `DeactivateState`) and its HTTP status. `jobId` is set exactly while the client
 * has something left to do (`action`, `wait`) and null once the job is `finished` or `failed`, as DID Registration
 * §7 "jobId" requires.
 */
import { type Problem, problemOf, type RegistrarCode } from './errors.ts';
import type { SigningRequestSet } from './signing.ts';

export type Operation = 'create' | 'update' | 'deactivate';

export interface RegistrarState {
  jobId: string | null;
  didState: Record<string, unknown> & { state: 'finished' | 'failed' | 'action' | 'wait' };
  didRegistrationMetadata: Record<string, unknown>;
  didDocumentMetadata: Record<string, unknown>;
}

export interface Answer {
  status: number;
  body: RegistrarState;
}

function answer(status: number, body: RegistrarState): Answer {
  return { status, body };
}

/** `action: signPayload`: the Signing Request Set (DID Registration §10) the client answers in `secret.signingResponse`. */
export function signPayload(input: {
  jobId: string;
  did: string;
  signingRequest: SigningRequestSet;
  description: string;
  metadata?: Record<string, unknown>;
}): Answer {
  return answer(200, {
    jobId: input.jobId,
    didState: {
      state: 'action',
      action: 'signPayload',
      did: input.did,
      description: input.description,
      signingRequest: input.signingRequest,
    },
    didRegistrationMetadata: input.metadata ?? {},
    didDocumentMetadata: {},
  });
}

/**
 * `wait`: the job goes on without the client (institutes reviewing, the ledger busy). The OpenAPI types
 * `waittime` as a string and DID Registration §8's example writes `waitTime` as a number of milliseconds; both
 * are sent, with the same value, so clients of either reading find it.
 */
export function wait(input: {
  jobId: string;
  did: string;
  wait: string;
  waitMs: number;
  metadata?: Record<string, unknown>;
}): Answer {
  return answer(200, {
    jobId: input.jobId,
    didState: {
      state: 'wait',
      did: input.did,
      wait: input.wait,
      waittime: String(input.waitMs),
      waitTime: input.waitMs,
    },
    didRegistrationMetadata: input.metadata ?? {},
    didDocumentMetadata: {},
  });
}

/** `finished`: 201 for a create (DID Registration §13), 200 for an update or deactivate. */
export function finished(input: {
  operation: Operation;
  did: string;
  didDocument: unknown;
  metadata: Record<string, unknown>;
  documentMetadata: Record<string, unknown>;
}): Answer {
  const didState: RegistrarState['didState'] = { state: 'finished', did: input.did };
  if (input.didDocument !== null && input.didDocument !== undefined) didState.didDocument = input.didDocument;
  return answer(input.operation === 'create' ? 201 : 200, {
    jobId: null,
    didState,
    didRegistrationMetadata: input.metadata,
    didDocumentMetadata: input.documentMetadata,
  });
}

/** `failed`: `error` is the code, `reason` the detail, the problem details ride in the registration metadata. */
export function failed(input: {
  did?: string;
  code: RegistrarCode;
  detail: string;
  metadata?: Record<string, unknown>;
}): Answer {
  const problem: Problem = problemOf(input.code, input.detail);
  const didState: RegistrarState['didState'] = { state: 'failed', error: input.code, reason: input.detail };
  if (input.did !== undefined) didState.did = input.did;
  return answer(problem.status, {
    jobId: null,
    didState,
    didRegistrationMetadata: { ...input.metadata, problem },
    didDocumentMetadata: {},
  });
}
