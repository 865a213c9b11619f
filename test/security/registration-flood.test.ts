/**
 * Attack 2 and 3 of issue #11 against a running all-in-one with its default limits: one client sends 5,000
 * applications at once over keep-alive connections (squats on the real city's DID among them) and is throttled
 * (429 + Retry-After); the squats that got in do not block the real city, whose application from another client is
 * approved by 2 of the 3 institutes and anchored, closing the squats as superseded. One compromised institute alone
 * (its token and key) objects to the city's application and bulk-rejects everything pending: nothing is rejected,
 * and replaying its signed bulk request changes nothing.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import {
  createOperation,
  createProof,
  createSigner,
  didKeyUrl,
  generateKeyPair,
  type KeyPair,
  keyPairFromSecret,
  type KeyType,
  PROOF_PURPOSE,
  type StateOperation,
  signOperation,
} from '@did-city/method';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, problemCode, type Reply, send, startTarget, type Target } from './fixtures.ts';

const CITY = 'did:city:cn:130200';
const FLOOD = 5000;
const SQUAT_CONTACT = { organisation: 'Squat', email: 'squat@flood.example' };

let target: Target;

beforeAll(async () => {
  target = await startTarget();
}, 90_000);

afterAll(async () => {
  await target?.stop();
});

function institute(name: string): KeyPair {
  const file = JSON.parse(readFileSync(join(target.dataDir, 'keys', `${name}.json`), 'utf8')) as {
    keys: Array<{ keyType: KeyType; secretKey: string }>;
  };
  return keyPairFromSecret(file.keys[0]!.keyType, new Uint8Array(Buffer.from(file.keys[0]!.secretKey, 'base64url')));
}

async function application(did: string, own: KeyPair = generateKeyPair()): Promise<StateOperation> {
  const unsigned = createOperation({ did, updateKeys: [own.publicKeyMultibase], document: {} });
  return (await signOperation(unsigned, [createSigner(own)])) as StateOperation;
}

function proof(document: object, key: KeyPair, created?: string) {
  return createProof(document, {
    signer: createSigner(key),
    verificationMethod: didKeyUrl(key.publicKeyMultibase),
    proofPurpose: PROOF_PURPOSE,
    ...(created ? { created } : {}),
  });
}

/** `count` POSTs of `bodies` (round robin) from one client, all at once over at most 64 keep-alive connections. */
async function flood(
  bodies: string[],
  count: number,
  from: string,
): Promise<Array<{ status: number; retryAfter: string | undefined }>> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64, localAddress: from });
  const one = (body: string) =>
    new Promise<{ status: number; retryAfter: string | undefined }>((done, fail) => {
      const headers = { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) };
      const req = request(`${target.url}/registrations`, { method: 'POST', agent, headers }, (res) => {
        res.resume();
        res.on('end', () =>
          done({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined }),
        );
      });
      req.on('error', fail);
      req.end(body);
    });
  try {
    return await Promise.all(Array.from({ length: count }, (_, n) => one(bodies[n % bodies.length]!)));
  } finally {
    agent.destroy();
  }
}

const view = async (id: string) =>
  (await send(`${target.url}/registrations/${id}`)).json() as {
    status: string;
    objections: Array<{ key: string }>;
    rejection?: { cause: string };
  };

describe('a flood of applications from one client', () => {
  let city: StateOperation;
  let cityId: string;
  const squats: string[] = [];

  it('is throttled: at most the per-client budget gets in, the rest is 429 with Retry-After', async () => {
    // 40 distinct squats, 8 of them on the city's DID, repeated to 5,000 requests.
    const dids = ['130200', '130300', '130400', '130500', '130600'].map((code) => `did:city:cn:${code}`);
    const bodies = await Promise.all(
      Array.from({ length: 40 }, async (_, n) =>
        JSON.stringify({ operation: await application(dids[n % dids.length]!), contact: SQUAT_CONTACT }),
      ),
    );
    const answers = await flood(bodies, FLOOD, '127.0.0.10');
    const counts = new Map<number, number>();
    for (const { status } of answers) counts.set(status, (counts.get(status) ?? 0) + 1);
    const admitted = counts.get(201) ?? 0;
    expect(admitted).toBeGreaterThan(0);
    expect(admitted).toBeLessThanOrEqual(30); // the default per-client budget (DID_CITY_RATE_APPLICATIONS 30/hour)
    expect(counts.get(429) ?? 0).toBeGreaterThanOrEqual(FLOOD - 30);
    expect(answers.filter((a) => a.status === 429).every((a) => Number(a.retryAfter) >= 1)).toBe(true);
    const listed = await send(
      `${target.url}/registrations?email=${encodeURIComponent(SQUAT_CONTACT.email)}&did=${CITY}&status=pending`,
      {
        headers: { Authorization: `Bearer ${target.tokens().institutes['institute-a']}` },
      },
    );
    squats.push(...(listed.json() as { registrations: Array<{ id: string }> }).registrations.map((r) => r.id));
    expect(squats.length).toBeGreaterThan(0);
  }, 60_000);

  it("does not block the real city's application, from another client", async () => {
    city = await application(CITY);
    const applied = await postJson(
      `${target.url}/registrations`,
      { operation: city, contact: { organisation: 'Tangshan', email: 'did@tangshan.example' } },
      { from: '127.0.0.11' },
    );
    expect(applied.status).toBe(201);
    cityId = (applied.json() as { id: string }).id;
  });

  it('one compromised institute alone rejects nothing: its objection and its bulk rejection of everything are recorded only', async () => {
    const c = institute('institute-c');
    const token = { Authorization: `Bearer ${target.tokens().institutes['institute-c']}` };
    const reason = 'compromised';
    const objection = await postJson(
      `${target.url}/registrations/${cityId}/reject`,
      { reason, proof: await proof({ type: 'reject', registration: cityId, reason }, c) },
      { from: '127.0.0.12' },
    );
    expect(objection.status).toBe(200);
    expect(await view(cityId)).toMatchObject({ status: 'pending', objections: [{ key: c.publicKeyMultibase }] });
    // The filter's whole second must come after the city's submission, so that the city matches it too (it was
    // objected to already: the bulk request must not count a second objection).
    await new Promise((wait) => setTimeout(wait, 1000 - (Date.now() % 1000) + 5));
    const created = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const filter = { submittedBefore: created };
    const body = { filter, reason, proof: await proof({ type: 'reject-matching', filter, reason }, c, created) };
    const bulk = await postJson(`${target.url}/registrations/reject-matching`, body, {
      from: '127.0.0.12',
      headers: token,
    });
    expect(bulk.status).toBe(200);
    const outcome = bulk.json() as { matched: number; rejected: string[]; objected: string[] };
    expect(outcome.rejected).toEqual([]);
    expect(outcome.objected).toEqual(expect.arrayContaining(squats));
    expect(outcome.matched).toBeGreaterThan(squats.length); // the city matched too
    expect(outcome.objected).not.toContain(cityId); // it had objected already: one objection per institute
    const replay: Reply = await postJson(`${target.url}/registrations/reject-matching`, body, {
      from: '127.0.0.13',
      headers: token,
    });
    expect(replay.status).toBe(409);
    expect(problemCode(replay)).toBe('STALE_OPERATION');
    // Another institute's token does not lend its name to institute-c's key (the all-in-one binds each token to its key).
    const otherToken = { Authorization: `Bearer ${target.tokens().institutes['institute-a']}` };
    const fresh = {
      filter: { submittedBefore: created },
      reason: 'as a',
      proof: await proof({ type: 'reject-matching', filter: { submittedBefore: created }, reason: 'as a' }, c, created),
    };
    const borrowed = await postJson(`${target.url}/registrations/reject-matching`, fresh, {
      from: '127.0.0.13',
      headers: otherToken,
    });
    expect(borrowed.status).toBe(403);
    expect(problemCode(borrowed)).toBe('UNAUTHORIZED_OPERATION');
    // Without the token, the signed request is refused before it is read.
    expect((await postJson(`${target.url}/registrations/reject-matching`, body, { from: '127.0.0.13' })).status).toBe(
      401,
    );
    expect((await view(squats[0]!)).status).toBe('pending');
  });

  it('2 of 3 institutes approve the city: anchored, resolvable, and the squats on its DID are closed as superseded', async () => {
    const { proof: _own, ...unsigned } = city;
    for (const [name, from] of [
      ['institute-a', '127.0.0.14'],
      ['institute-b', '127.0.0.15'],
    ] as const) {
      const answer = await postJson(
        `${target.url}/registrations/${cityId}/approve`,
        { proof: await proof(unsigned, institute(name)) },
        { from },
      );
      expect(answer.status).toBe(200);
    }
    expect((await view(cityId)).status).toBe('anchored');
    expect((await send(`${target.url}/1.0/identifiers/${CITY}`, { from: '127.0.0.16' })).status).toBe(200);
    for (const id of squats)
      expect(await view(id)).toMatchObject({ status: 'rejected', rejection: { cause: 'superseded' } });
    // A valid approval for a closed application is refused and changes nothing.
    const squat = (await send(`${target.url}/registrations/${squats[0]}`)).json() as { operation: StateOperation };
    const { proof: _squatter, ...squatUnsigned } = squat.operation;
    const late = await postJson(
      `${target.url}/registrations/${squats[0]}/approve`,
      { proof: await proof(squatUnsigned, institute('institute-a')) },
      { from: '127.0.0.17' },
    );
    expect(late.status).toBe(409);
    expect(problemCode(late)).toBe('STALE_OPERATION');
  });
});
