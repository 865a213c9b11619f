// The registration workflow over real HTTP with a real LedgerNode: apply → approve (1 of 2 pending, 2 of 2
// anchored with a receipt that verifies) → resolvable through a verifying reader; objections and k-of-N rejection.
import { createCityResolver, type Operation } from '@did-city/method';
import { HttpLedgerReader } from '@did-city/method/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Receipt } from '../src/receipt.ts';
import { registrationId } from '../src/registration/review.ts';
import type { RegistrationListing, RegistrationView } from '../src/registration/types.ts';
import { INSTITUTES, tempDir } from './fixtures.ts';
import { verifyReceipt } from './helpers.ts';
import { call, postJson, problemCode } from './http-fixtures.ts';
import {
  application,
  apply,
  approve,
  CONTACT,
  INSTITUTE_TOKENS,
  object,
  type RegistrationServer,
  rejectionProof,
  startRegistrationServer,
} from './registration-fixtures.ts';

const TANGSHAN = 'did:city:cn:130200';
const HANDAN = 'did:city:cn:130400';
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

let temp: ReturnType<typeof tempDir>;
let server: RegistrationServer;

beforeAll(async () => {
  temp = tempDir('registration-');
  server = await startRegistrationServer(temp.dir);
});
afterAll(async () => {
  await server.stop();
  temp.cleanup();
});

describe('apply → approve → anchored → resolvable', () => {
  it('anchors the create once two of the three institutes approved, with a receipt that verifies', async () => {
    const operation = await application(TANGSHAN);
    const applied = await apply(server, operation);
    expect(applied.status).toBe(201);
    const created = applied.json() as RegistrationView;
    expect(created).toMatchObject({
      id: registrationId(operation),
      did: TANGSHAN,
      status: 'pending',
      approvals: [],
      threshold: 2,
    });
    expect(applied.headers.get('location')).toBe(`/registrations/${created.id}`);
    expect(created).not.toHaveProperty('contact');

    const first = await approve(server, created.id, operation, INSTITUTES[0]);
    expect(first.status).toBe(200);
    expect(first.json()).toMatchObject({ status: 'pending', approvals: [{ key: INSTITUTES[0].publicKeyMultibase }] });
    // A second approval by the same key is idempotent: still one approval, still pending.
    const again = await approve(server, created.id, operation, INSTITUTES[0]);
    expect((again.json() as RegistrationView).approvals).toHaveLength(1);
    expect((again.json() as RegistrationView).status).toBe('pending');

    const second = await approve(server, created.id, operation, INSTITUTES[1]);
    expect(second.status).toBe(200);
    const anchored = second.json() as RegistrationView & { receipt: Receipt };
    expect(anchored.status).toBe('anchored');
    expect(anchored.approvals.map((a) => a.key)).toEqual([
      INSTITUTES[0].publicKeyMultibase,
      INSTITUTES[1].publicKeyMultibase,
    ]);

    // The anchored create is the applicant's proofs followed by the approvals', and its receipt verifies offline.
    const stored = server.router.registrations.get(created.id)!;
    expect(stored.assembled!.proof.slice(0, 1)).toEqual(operation.proof);
    expect(stored.assembled!.proof).toHaveLength(3);
    verifyReceipt(server.node, anchored.receipt, stored.assembled as Operation);

    const reader = new HttpLedgerReader({ url: server.url, policy: server.node.policyText });
    const result = await createCityResolver({ reader }).resolve(TANGSHAN);
    expect(result.didResolutionMetadata.error).toBeUndefined();
    expect(result.didDocument?.id).toBe(TANGSHAN);

    const outcome = await call(`${server.url}registrations/${created.id}`);
    expect(outcome.json()).toMatchObject({ status: 'anchored', receipt: anchored.receipt });
    expect(outcome.json()).not.toHaveProperty('contact');
  });
});

describe('reject', () => {
  it('records one objection without ending the application; the second of 2-of-3 rejects it; approving afterwards is 409', async () => {
    const operation = await application(HANDAN);
    const { id } = (await apply(server, operation)).json() as RegistrationView;
    const reason = 'The contact could not be verified with the provincial government.';
    const first = await object(server, id, reason, INSTITUTES[2]);
    expect(first.status).toBe(200);
    const objected = first.json() as RegistrationView;
    expect(objected).toMatchObject({
      status: 'pending',
      objections: [{ key: INSTITUTES[2].publicKeyMultibase, reason }],
    });
    expect(objected).not.toHaveProperty('rejection');
    // The objection is shown to everyone reading the application, and the same institute objecting again counts once.
    expect((await call(`${server.url}registrations/${id}`)).json()).toMatchObject({
      status: 'pending',
      objections: [{ reason }],
    });
    const again = (await object(server, id, 'again', INSTITUTES[2])).json() as RegistrationView;
    expect(again).toMatchObject({ status: 'pending', objections: [{ reason }] });
    const second = (
      await object(server, id, 'Not the municipal government.', INSTITUTES[0])
    ).json() as RegistrationView;
    expect(second).toMatchObject({
      status: 'rejected',
      rejection: {
        cause: 'objections',
        reason: `${reason} / Not the municipal government.`,
        key: INSTITUTES[0].publicKeyMultibase,
        keys: [INSTITUTES[2].publicKeyMultibase, INSTITUTES[0].publicKeyMultibase],
      },
    });
    expect(second.objections).toHaveLength(2);
    const late = await approve(server, id, operation, INSTITUTES[1]);
    expect(late.status).toBe(409);
    expect(problemCode(late)).toBe('STALE_OPERATION');
    expect((await object(server, id, reason, INSTITUTES[1])).status).toBe(409);
  });

  it('refuses a rejection whose proof signs another reason', async () => {
    const operation = await application('did:city:cn:130500');
    const { id } = (await apply(server, operation)).json() as RegistrationView;
    const proof = await rejectionProof(id, 'one reason');
    const answer = await postJson(`${server.url}registrations/${id}/reject`, { reason: 'another reason', proof });
    expect(answer.status).toBe(400);
    expect(problemCode(answer)).toBe('INVALID_SIGNATURE');
  });
});

describe('listing (institutes only)', () => {
  it('lists applications with their contact for a configured institute token, filtered by status', async () => {
    const all = await call(`${server.url}registrations`, { headers: bearer(INSTITUTE_TOKENS['institute-b']) });
    expect(all.status).toBe(200);
    const { registrations } = all.json() as { registrations: RegistrationListing[] };
    expect(registrations.length).toBeGreaterThanOrEqual(2);
    expect(registrations[0]!.contact).toEqual(CONTACT);
    const anchored = await call(`${server.url}registrations?status=anchored`, {
      headers: bearer(INSTITUTE_TOKENS['institute-a']),
    });
    const listed = (anchored.json() as { registrations: RegistrationListing[] }).registrations;
    expect(listed.map((r) => r.did)).toEqual([TANGSHAN]);
    const bad = await call(`${server.url}registrations?status=granted`, {
      headers: bearer(INSTITUTE_TOKENS['institute-a']),
    });
    expect(bad.status).toBe(400);
  });

  it('answers 401 without a token or with a wrong one, and never logs or echoes tokens', async () => {
    for (const headers of [{}, bearer('wrong-token'), { Authorization: INSTITUTE_TOKENS['institute-a'] }]) {
      const answer = await call(`${server.url}registrations`, { headers });
      expect(answer.status).toBe(401);
      expect(problemCode(answer)).toBe('UNAUTHORIZED');
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer /);
      for (const token of Object.values(INSTITUTE_TOKENS)) expect(answer.text).not.toContain(token);
    }
    const logged = server.logs.join('\n');
    for (const token of Object.values(INSTITUTE_TOKENS)) expect(logged).not.toContain(token);
    expect(logged).toMatch(/GET \/registrations 401/);
  });
});
