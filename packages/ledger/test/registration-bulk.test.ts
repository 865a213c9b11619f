// Institutes against a flood (spec §2.4): listing by contact, DID and time; `reject-matching` needs an institute
// token AND a proof by a registry update key over { type, filter, reason }, recent (its signed `created`), once
// (a replay changes nothing) and only for applications submitted before it was signed. One institute's bulk
// objection rejects nothing alone (k of N); the real city's application is not matched and still anchors.
import { createProof, createSigner, didKeyUrl, type KeyPair, PROOF_PURPOSE } from '@did-city/method';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BulkFilter, bulkRejectionPayload } from '../src/registration/bulk.ts';
import type { BulkOutcome } from '../src/registration/bulk-desk.ts';
import type { RegistrationListing, RegistrationView } from '../src/registration/types.ts';
import { INSTITUTES, key, tempDir } from './fixtures.ts';
import { call, postJson, problemCode } from './http-fixtures.ts';
import {
  application,
  apply,
  approve,
  INSTITUTE_TOKENS,
  type RegistrationServer,
  startRegistrationServer,
} from './registration-fixtures.ts';

const SQUAT = { organisation: 'Squatter Ltd', email: 'squat@flood.example' };
const CITY = { organisation: 'Tangshan Municipal Government', email: 'did@tangshan.example' };
const TANGSHAN = 'did:city:cn:130200';
const CODES = ['130200', '130300', '130400', '130500', '130600', '130700'];
const bearer = (name: keyof typeof INSTITUTE_TOKENS = 'institute-a') => ({
  Authorization: `Bearer ${INSTITUTE_TOKENS[name]}`,
});

let now = Date.parse('2026-12-01T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
let temp: ReturnType<typeof tempDir>;
let server: RegistrationServer;
const squats: string[] = [];
let real: { id: string; operation: Awaited<ReturnType<typeof application>> };

beforeAll(async () => {
  temp = tempDir('registration-bulk-');
  server = await startRegistrationServer(temp.dir, { now: () => now });
  for (const [index, code] of CODES.entries()) {
    const answer = await apply(server, await application(`did:city:cn:${code}`, key(`squat-${index}`)), SQUAT);
    expect(answer.status).toBe(201);
    squats.push((answer.json() as RegistrationView).id);
  }
  now += 60_000;
  const operation = await application(TANGSHAN, key('tangshan'));
  real = { id: ((await apply(server, operation, CITY)).json() as RegistrationView).id, operation };
  now += 60_000;
});
afterAll(async () => {
  await server.stop();
  temp.cleanup();
});

async function signed(filter: BulkFilter, reason: string, institute: KeyPair, created = iso(now)) {
  const proof = await createProof(bulkRejectionPayload(filter, reason), {
    signer: createSigner(institute),
    verificationMethod: didKeyUrl(institute.publicKeyMultibase),
    proofPurpose: PROOF_PURPOSE,
    created,
  });
  return { filter, reason, proof };
}

function rejectMatching(body: unknown, headers: Record<string, string> = bearer()) {
  return postJson(`${server.url}registrations/reject-matching`, body, headers);
}

async function list(query: string): Promise<RegistrationListing[]> {
  const answer = await call(`${server.url}registrations?${query}`, { headers: bearer('institute-b') });
  expect(answer.status).toBe(200);
  return (answer.json() as { registrations: RegistrationListing[] }).registrations;
}

describe('listing by filter', () => {
  it('selects by e-mail, organisation, DID and submission time; 400 for a malformed time', async () => {
    expect((await list(`email=${encodeURIComponent(SQUAT.email)}`)).map((r) => r.id)).toEqual(squats);
    expect((await list(`organisation=${encodeURIComponent(CITY.organisation)}`)).map((r) => r.id)).toEqual([real.id]);
    expect((await list(`did=${encodeURIComponent(TANGSHAN)}&status=pending`)).map((r) => r.id)).toEqual([
      squats[0],
      real.id,
    ]);
    expect(await list(`submittedAfter=${iso(now - 90_000)}`)).toHaveLength(1);
    expect(await list(`submittedBefore=${iso(now - 90_000)}`)).toHaveLength(CODES.length);
    const bad = await call(`${server.url}registrations?submittedBefore=yesterday`, { headers: bearer() });
    expect(bad.status).toBe(400);
  });
});

describe('reject-matching', () => {
  const filter = () => ({ email: SQUAT.email, submittedBefore: iso(now) });

  it('needs an institute token, then a valid proof by a registry update key', async () => {
    const body = await signed(filter(), 'flood', INSTITUTES[0]);
    expect((await rejectMatching(body, {})).status).toBe(401);
    expect((await rejectMatching(body, { Authorization: 'Bearer nope' })).status).toBe(401);
    const otherReason = await rejectMatching({ ...body, reason: 'another reason' });
    expect(problemCode(otherReason)).toBe('INVALID_SIGNATURE');
    const outsider = await rejectMatching(await signed(filter(), 'flood', key('outsider')));
    expect(outsider.status).toBe(403);
    expect(problemCode(outsider)).toBe('UNAUTHORIZED_OPERATION');
    expect((await rejectMatching({ ...body, filter: { email: SQUAT.email } })).status).toBe(400);
    for (const id of squats)
      expect(((await call(`${server.url}registrations/${id}`)).json() as RegistrationView).objections).toEqual([]);
  });

  it('refuses an old or future-dated proof, and a filter reaching past the time it was signed', async () => {
    const old = await rejectMatching(await signed(filter(), 'flood', INSTITUTES[0], iso(now - 6 * 60_000)));
    expect(old.status).toBe(409);
    expect((old.json() as { detail: string }).detail).toMatch(/within 5 minutes/);
    expect((await rejectMatching(await signed(filter(), 'flood', INSTITUTES[0], iso(now + 6 * 60_000)))).status).toBe(
      409,
    );
    const ahead = await rejectMatching(
      await signed({ ...filter(), submittedBefore: iso(now + 60_000) }, 'flood', INSTITUTES[0]),
    );
    expect(ahead.status).toBe(400);
  });

  it('one institute objects to every match and rejects nothing; a replay changes nothing; the second rejects', async () => {
    const first = await signed(filter(), 'a flood of applications from one address', INSTITUTES[0]);
    const answer = await rejectMatching(first);
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ matched: CODES.length, rejected: [], objected: squats, more: false });
    const one = (await call(`${server.url}registrations/${squats[1]}`)).json() as RegistrationView;
    expect(one).toMatchObject({ status: 'pending', objections: [{ key: INSTITUTES[0].publicKeyMultibase }] });
    const replay = await rejectMatching(first, bearer('institute-b'));
    expect(replay.status).toBe(409);
    expect((replay.json() as { detail: string }).detail).toMatch(/already applied/);
    now += 1000;
    const second = await rejectMatching(await signed(filter(), 'flood', INSTITUTES[1]), bearer('institute-b'));
    expect((second.json() as BulkOutcome).rejected).toEqual(squats);
    const closed = (await call(`${server.url}registrations/${squats[1]}`)).json() as RegistrationView;
    expect(closed.rejection).toMatchObject({
      cause: 'objections',
      keys: [INSTITUTES[0].publicKeyMultibase, INSTITUTES[1].publicKeyMultibase],
    });
    expect(((await call(`${server.url}registrations/${real.id}`)).json() as RegistrationView).objections).toEqual([]);
  });

  it('a compromised institute objecting to everything pending alone rejects nothing; the real city still anchors', async () => {
    now += 1000;
    const everything = await rejectMatching(
      await signed({ submittedBefore: iso(now) }, 'everything', INSTITUTES[2]),
      bearer('institute-b'),
    );
    expect(everything.json()).toEqual({ matched: 1, rejected: [], objected: [real.id], more: false });
    // Objecting again, with a new request, is not a second objection: matched, listed nowhere, counted once.
    now += 1000;
    const again = await rejectMatching(
      await signed({ submittedBefore: iso(now) }, 'everything again', INSTITUTES[2]),
      bearer('institute-b'),
    );
    expect(again.json()).toEqual({ matched: 1, rejected: [], objected: [], more: false });
    expect((await approve(server, real.id, real.operation, INSTITUTES[0])).status).toBe(200);
    const anchored = (await approve(server, real.id, real.operation, INSTITUTES[1])).json() as RegistrationView;
    expect(anchored).toMatchObject({
      status: 'anchored',
      objections: [{ key: INSTITUTES[2].publicKeyMultibase, reason: 'everything' }],
    });
  });
});
