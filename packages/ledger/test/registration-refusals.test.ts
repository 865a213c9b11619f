// What the registration desk refuses, each with the contract's problem: unknown code, already allocated, duplicate
// create, bad or insufficient applicant signatures, an approval by a non-registry key, malformed requests.
import {
  createProof,
  createSigner,
  didKeyUrl,
  type KeyPair,
  PROOF_PURPOSE,
  type StateOperation,
} from '@did-city/method';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistrationView } from '../src/registration/types.ts';
import { createOf, INSTITUTES, key, tempDir } from './fixtures.ts';
import { call, postJson, problemCode } from './http-fixtures.ts';
import {
  application,
  apply,
  approvalProof,
  approve,
  CONTACT,
  type RegistrationServer,
  startRegistrationServer,
} from './registration-fixtures.ts';

let temp: ReturnType<typeof tempDir>;
let server: RegistrationServer;

beforeAll(async () => {
  temp = tempDir('registration-refusals-');
  server = await startRegistrationServer(temp.dir);
});
afterAll(async () => {
  await server.stop();
  temp.cleanup();
});

function detail(answer: { json(): unknown }): string {
  return (answer.json() as { detail: string }).detail;
}

function tampered(operation: StateOperation): StateOperation {
  const proof = operation.proof.map((p) => ({ ...p }));
  const value = proof[0]!.proofValue;
  proof[0]!.proofValue = value.slice(0, -2) + (value.endsWith('1') ? '22' : '11');
  return { ...operation, proof };
}

describe('applications that are refused', () => {
  it('400 INVALID_DID for a division code not in the official table', async () => {
    const operation = await application('did:city:cn:130100');
    const answer = await apply(server, { ...operation, did: 'did:city:cn:999999' });
    expect(answer.status).toBe(400);
    expect(problemCode(answer)).toBe('INVALID_DID');
    expect(detail(answer)).toContain('999999');
  });

  it('409 STALE_OPERATION for a DID that is already allocated', async () => {
    const sjz = await createOf('did:city:cn:130100', key('sjz'), [INSTITUTES[0], INSTITUTES[1]]);
    await server.node.submit(sjz);
    const answer = await apply(server, await application('did:city:cn:130100', key('another-sjz-key')));
    expect(answer.status).toBe(409);
    expect(problemCode(answer)).toBe('STALE_OPERATION');
    expect(detail(answer)).toContain('did:city:cn:130100 is already allocated');
  });

  it('lets several applications for one DID coexist (nobody holds a DID by applying first); the same create twice is 409', async () => {
    const first = (await apply(server, await application('did:city:cn:130300'))).json() as RegistrationView;
    const second = await apply(server, await application('did:city:cn:130300', key('second-key')));
    expect(second.status).toBe(201);
    expect((second.json() as RegistrationView).id).not.toBe(first.id);
    const same = await apply(server, await application('did:city:cn:130300'));
    expect(same.status).toBe(409);
    expect(problemCode(same)).toBe('STALE_OPERATION');
    expect(detail(same)).toContain(`already pending as application ${first.id}`);
  });

  it('400 INVALID_SIGNATURE for an applicant proof that does not verify', async () => {
    const answer = await apply(server, tampered(await application('did:city:cn:130600')));
    expect(answer.status).toBe(400);
    expect(problemCode(answer)).toBe('INVALID_SIGNATURE');
  });

  it('403 UNAUTHORIZED_OPERATION when the applicant keys do not meet their threshold or a foreign key signs', async () => {
    const a = key('bd-1');
    const b = key('bd-2');
    const twoOfTwo = await application('did:city:cn:130600', a);
    const unsigned = { ...twoOfTwo, updateKeys: [a.publicKeyMultibase, b.publicKeyMultibase], threshold: 2 };
    const { proof: _p, ...body } = unsigned;
    const proof = await createProof(body, {
      signer: createSigner(a),
      verificationMethod: didKeyUrl(a.publicKeyMultibase),
      proofPurpose: PROOF_PURPOSE,
    });
    const short = await apply(server, { ...body, proof: [proof] });
    expect(short.status).toBe(403);
    expect(problemCode(short)).toBe('UNAUTHORIZED_OPERATION');
    expect(detail(short)).toContain('1 of 2 keys signed, 2 required');

    const own = await application('did:city:cn:130600', a);
    const withInstitute = { ...own, proof: [...own.proof, await approvalProof(own, INSTITUTES[0])] };
    const foreign = await apply(server, withInstitute);
    expect(foreign.status).toBe(403);
    expect(problemCode(foreign)).toBe('UNAUTHORIZED_OPERATION');
  });

  it('400 INVALID_OPERATION for anything but the create of a division DID', async () => {
    const sub = await createOf('did:city:cn:130100:transport', key('transport'), []);
    const registry = await application('did:city:cn:130700');
    for (const operation of [sub, { ...registry, did: 'did:city:cn' }, { ...registry, seq: 1 }]) {
      const answer = await apply(server, operation);
      expect(answer.status).toBe(400);
      expect(problemCode(answer)).toBe('INVALID_OPERATION');
    }
  });

  it('400 MALFORMED_REQUEST for a bad body or contact, 413 for an oversized one', async () => {
    const operation = await application('did:city:cn:130700');
    for (const contact of [
      null,
      { organisation: 'x' },
      { ...CONTACT, email: 'not-an-address' },
      { ...CONTACT, phone: '1' },
    ]) {
      const answer = await apply(server, operation, contact);
      expect(answer.status).toBe(400);
      expect(problemCode(answer)).toBe('MALFORMED_REQUEST');
    }
    const notJson = await postJson(`${server.url}registrations`, '{"operation":');
    expect(problemCode(notJson)).toBe('MALFORMED_REQUEST');
    const big = await postJson(`${server.url}registrations`, {
      operation,
      contact: CONTACT,
      padding: 'x'.repeat(80_000),
    });
    expect(big.status).toBe(413);
    expect(problemCode(big)).toBe('REQUEST_TOO_LARGE');
  });
});

describe('approvals that are refused', () => {
  let operation: StateOperation;
  let id: string;
  beforeAll(async () => {
    operation = await application('did:city:cn:130800');
    id = ((await apply(server, operation)).json() as RegistrationView).id;
  });

  it('403 UNAUTHORIZED_OPERATION for a key that is not one of the registry update keys', async () => {
    const outsider: KeyPair = key('not-an-institute');
    const answer = await approve(server, id, operation, outsider);
    expect(answer.status).toBe(403);
    expect(problemCode(answer)).toBe('UNAUTHORIZED_OPERATION');
    const applicant = await approve(server, id, operation, key('did:city:cn:130800'));
    expect(applicant.status).toBe(403);
  });

  it('400 INVALID_SIGNATURE for an institute proof over other bytes or with another purpose', async () => {
    const other = await application('did:city:cn:130900');
    const wrongBytes = await postJson(`${server.url}registrations/${id}/approve`, {
      proof: await approvalProof(other, INSTITUTES[0]),
    });
    expect(wrongBytes.status).toBe(400);
    expect(problemCode(wrongBytes)).toBe('INVALID_SIGNATURE');
    const purpose = { ...(await approvalProof(operation, INSTITUTES[0])), proofPurpose: 'assertionMethod' };
    const wrongPurpose = await postJson(`${server.url}registrations/${id}/approve`, { proof: purpose });
    expect(problemCode(wrongPurpose)).toBe('INVALID_SIGNATURE');
    const view = (await call(`${server.url}registrations/${id}`)).json() as RegistrationView;
    expect(view.approvals).toEqual([]);
  });

  it('404 for an unknown application, 400 for a missing proof', async () => {
    const unknown = await postJson(`${server.url}registrations/zQmNotAnApplication/approve`, { proof: {} });
    expect(unknown.status).toBe(404);
    expect((await call(`${server.url}registrations/zQmNotAnApplication`)).status).toBe(404);
    const missing = await postJson(`${server.url}registrations/${id}/approve`, {});
    expect(missing.status).toBe(400);
    expect(problemCode(missing)).toBe('MALFORMED_REQUEST');
  });

  it('409 once the application is anchored', async () => {
    await approve(server, id, operation, INSTITUTES[0]);
    expect(((await approve(server, id, operation, INSTITUTES[2])).json() as RegistrationView).status).toBe('anchored');
    const late = await approve(server, id, operation, INSTITUTES[1]);
    expect(late.status).toBe(409);
    expect(problemCode(late)).toBe('STALE_OPERATION');
  });
});
