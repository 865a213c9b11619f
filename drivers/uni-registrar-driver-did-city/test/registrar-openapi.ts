/**
 * The registrar's answer schema, for validating every answer the driver gives in the tests.
 *
 * Schema facts transcribed (not copied) from the Universal Registrar's OpenAPI, `openapi/openapi.yaml`,
 * `info.version: 1.0.1` (decentralized-identity/universal-registrar, commit 356e6ec9, 2026-04-15):
 * `components.schemas` RegistrarState, CreateState / UpdateState / DeactivateState (= RegistrarState), DidState
 * with its discriminator on `state` (finished, failed, action, wait), StateFailed, StateAction, StateWait,
 * SigningRequest, DidDocument, DidDocumentController; and the response codes of `/create` (200, 201, 400, 500) and
 * `/update`, `/deactivate` (200, 400, 500).
 *
 * Rules the OpenAPI leaves to the prose of DID Registration (decentralized-identity/did-registration, commit
 * ec1bf38, spec/07_output_fields.md and spec/08_states.md): `jobId` is null or absent when the state is finished or
 * failed and not null otherwise (§7 jobId); a failed state has `reason`, an action state `action`, a wait state
 * `wait` (§8); `action: signPayload` carries `signingRequest` (§8); a finished create names its `did` (§7
 * didState.did); `serializedPayload` is base64 (§10).
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'vitest';

const string = { type: 'string' };
/** JSON Schema `if`/`then`, built from entries: an object literal with a `then` member reads as a thenable to linters. */
const when = (condition: object, consequence: object) =>
  Object.fromEntries([
    ['if', condition],
    ['then', consequence],
  ]);
const object = { type: 'object' };

const SCHEMA = {
  $id: 'registrar-state',
  type: 'object',
  required: ['didState'],
  properties: {
    jobId: { oneOf: [{ type: 'null' }, string, object] },
    didState: { $ref: '#/$defs/DidState' },
    didRegistrationMetadata: { type: 'object', additionalProperties: {} },
    didDocumentMetadata: { type: 'object', additionalProperties: {} },
  },
  $defs: {
    DidState: {
      type: 'object',
      required: ['state'],
      properties: {
        state: { enum: ['finished', 'failed', 'action', 'wait'] },
        did: string,
        secret: { type: 'object', properties: { verificationMethod: { type: 'array' } }, additionalProperties: {} },
        didDocument: { $ref: '#/$defs/DidDocument' },
      },
      additionalProperties: {},
      allOf: [
        when({ properties: { state: { const: 'failed' } } }, { $ref: '#/$defs/StateFailed' }),
        when({ properties: { state: { const: 'action' } } }, { $ref: '#/$defs/StateAction' }),
        when({ properties: { state: { const: 'wait' } } }, { $ref: '#/$defs/StateWait' }),
      ],
    },
    StateFailed: { type: 'object', required: ['reason'], properties: { error: string, reason: string } },
    StateAction: {
      type: 'object',
      required: ['action'],
      properties: {
        action: string,
        verificationMethodTemplate: { type: 'array', items: object },
        signingRequest: { type: ['object', 'null'], additionalProperties: { $ref: '#/$defs/SigningRequest' } },
      },
      ...when({ properties: { action: { const: 'signPayload' } } }, { type: 'object', required: ['signingRequest'] }),
    },
    StateWait: { type: 'object', required: ['wait'], properties: { wait: string, waittime: string } },
    SigningRequest: {
      type: 'object',
      required: ['serializedPayload', 'alg'],
      properties: {
        payload: object,
        serializedPayload: { type: 'string', pattern: '^[A-Za-z0-9+/]*={0,2}$' },
        kid: string,
        alg: string,
        purpose: string,
      },
      additionalProperties: {},
    },
    DidDocument: {
      type: 'object',
      properties: {
        id: string,
        controller: { oneOf: [{ type: 'null' }, string, { type: 'array', items: string }] },
        verificationMethod: { type: 'array', items: { type: 'object', additionalProperties: {} } },
        service: { type: 'array', items: { type: 'object', additionalProperties: {} } },
      },
      additionalProperties: {},
    },
  },
};

const validate = new Ajv2020({ allErrors: true, strict: true, strictRequired: false }).compile(SCHEMA);

const STATUSES = { create: [200, 201, 400, 500], update: [200, 400, 500], deactivate: [200, 400, 500] } as const;

/** Fails the test unless `body` is a state the registrar's OpenAPI and DID Registration allow for this endpoint. */
export function expectRegistrarState(operation: keyof typeof STATUSES, status: number, body: unknown): void {
  expect(STATUSES[operation], `HTTP ${status} from /1.0/${operation}`).toContain(status);
  const valid = validate(body);
  expect(validate.errors ?? [], JSON.stringify(body).slice(0, 2000)).toEqual([]);
  expect(valid).toBe(true);
  const { jobId, didState } = body as { jobId?: unknown; didState: { state: string; did?: unknown } };
  const open = didState.state === 'action' || didState.state === 'wait';
  if (open) expect(typeof jobId, 'jobId of an open job').toBe('string');
  else expect(jobId ?? null, 'jobId of a closed job').toBeNull();
  if (operation === 'create' && didState.state === 'finished') expect(typeof didState.did).toBe('string');
  // 201 is the create's "finished" (DID Registration §13); failures are 400 or 500, everything else 200.
  if (status === 201) expect(didState.state).toBe('finished');
  if (didState.state === 'failed') expect([400, 500]).toContain(status);
  else expect([200, 201]).toContain(status);
}
