// The registration rules an outsider cannot jam (spec §2.4), over real HTTP with a real LedgerNode: several
// applications per DID; the first to reach k of N is anchored and closes the others (`superseded`); nothing is
// approved for a closed application; pending applications expire; a bound on pending applications in total;
// R-ALLOC-2 on applying and again on approving.
import { type DocumentContent, updateOperation } from '@did-city/method';
import { afterEach, describe, expect, it } from 'vitest';
import type { RegistrationView } from '../src/registration/types.ts';
import { content, INSTITUTES, key, REGISTRY, sign, tempDir } from './fixtures.ts';
import { call, problemCode } from './http-fixtures.ts';
import {
  application,
  apply,
  approve,
  type RegistrationServer,
  startRegistrationServer,
} from './registration-fixtures.ts';

const TANGSHAN = 'did:city:cn:130200';
const LAIWU = 'did:city:cn:371200';
const DAY = 24 * 3600_000;

let temp: ReturnType<typeof tempDir> | undefined;
let server: RegistrationServer | undefined;

afterEach(async () => {
  await server?.stop();
  temp?.cleanup();
  server = undefined;
  temp = undefined;
});

async function start(desk?: Parameters<typeof startRegistrationServer>[1]): Promise<RegistrationServer> {
  temp = tempDir('registration-rules-');
  server = await startRegistrationServer(temp.dir, desk);
  return server;
}

async function view(s: RegistrationServer, id: string): Promise<RegistrationView> {
  return (await call(`${s.url}registrations/${id}`)).json() as RegistrationView;
}

describe('several applications for one DID', () => {
  it('squatters do not block the real city: its application is anchored and closes theirs as superseded', async () => {
    const s = await start();
    const squats: string[] = [];
    for (const name of ['squat-1', 'squat-2', 'squat-3']) {
      const answer = await apply(s, await application(TANGSHAN, key(name)), {
        organisation: 'Squatter',
        email: 'x@squat.example',
      });
      expect(answer.status).toBe(201);
      squats.push((answer.json() as RegistrationView).id);
    }
    const real = await application(TANGSHAN, key('tangshan'));
    const applied = await apply(s, real);
    expect(applied.status).toBe(201);
    const { id } = applied.json() as RegistrationView;
    // A squatter's application with one approval is no obstacle either.
    const squatOperation = await application(TANGSHAN, key('squat-1'));
    expect((await approve(s, squats[0]!, squatOperation, INSTITUTES[2])).status).toBe(200);
    await approve(s, id, real, INSTITUTES[0]);
    const anchored = (await approve(s, id, real, INSTITUTES[1])).json() as RegistrationView;
    expect(anchored.status).toBe('anchored');
    for (const squat of squats) {
      const closed = await view(s, squat);
      expect(closed.status).toBe('rejected');
      expect(closed.rejection).toMatchObject({
        cause: 'superseded',
        reason: `superseded: ${TANGSHAN} was allocated by application ${id}`,
      });
    }
    // An approval for a closed application changes nothing.
    const late = await approve(s, squats[0]!, squatOperation, INSTITUTES[1]);
    expect(late.status).toBe(409);
    expect(problemCode(late)).toBe('STALE_OPERATION');
    expect((await view(s, squats[0]!)).approvals).toHaveLength(1);
    // And nobody applies for the DID any more.
    expect((await apply(s, await application(TANGSHAN, key('squat-4')))).status).toBe(409);
  });
});

describe('expiry', () => {
  it('closes a pending application as expired after pendingTtlMs; approving it is 409; expiresAt is shown while pending', async () => {
    let now = Date.parse('2026-12-01T00:00:00Z');
    const s = await start({ now: () => now, pendingTtlMs: 2 * DAY });
    const operation = await application(TANGSHAN);
    const { id } = (await apply(s, operation)).json() as RegistrationView;
    expect((await approve(s, id, operation, INSTITUTES[0])).status).toBe(200);
    now += 2 * DAY - 1000;
    expect(await view(s, id)).toMatchObject({ status: 'pending', expiresAt: '2026-12-03T00:00:00Z' });
    now += 1000;
    const expired = await view(s, id);
    expect(expired.status).toBe('rejected');
    expect(expired.rejection).toMatchObject({ cause: 'expired', created: '2026-12-03T00:00:00Z' });
    expect(expired).not.toHaveProperty('expiresAt');
    const late = await approve(s, id, operation, INSTITUTES[1]);
    expect(late.status).toBe(409);
    // The city applies again with a new key.
    expect((await apply(s, await application(TANGSHAN, key('tangshan-2')))).status).toBe(201);
  });

  it('bounds the applications pending at once (maxPending): 503, then room again once one is closed', async () => {
    let now = Date.parse('2026-12-01T00:00:00Z');
    const s = await start({ now: () => now, pendingTtlMs: DAY, maxPending: 2 });
    expect((await apply(s, await application(TANGSHAN, key('a')))).status).toBe(201);
    now += DAY / 2;
    expect((await apply(s, await application(TANGSHAN, key('b')))).status).toBe(201);
    const full = await apply(s, await application('did:city:cn:130300'));
    expect(full.status).toBe(503);
    expect(problemCode(full)).toBe('LEDGER_UNAVAILABLE');
    now += DAY / 2; // the first expires
    expect((await apply(s, await application('did:city:cn:130300'))).status).toBe(201);
  });
});

/** The registry's update stating the division edition it allocates from (spec §2.2). */
async function stateEdition(s: RegistrationServer, edition: string): Promise<void> {
  const head = (await s.node.store.didState(REGISTRY))!;
  const last = head.versions.at(-1)!;
  const document: DocumentContent = {
    ...content(INSTITUTES[0]),
    service: [{ id: '#division-table', type: 'CityDivisionEdition', serviceEndpoint: { edition } }],
  };
  const previous = { did: REGISTRY, seq: last.seq, operationHash: last.operationHash };
  const unsigned = updateOperation(previous, {
    updateKeys: INSTITUTES.map((k) => k.publicKeyMultibase),
    threshold: 2,
    document,
  });
  await s.node.submit(await sign(unsigned, [INSTITUTES[0], INSTITUTES[1]]));
}

describe('R-ALLOC-2 in review', () => {
  it('refuses an application for a retired code before any institute sees it, naming the rule', async () => {
    const s = await start();
    const answer = await apply(s, await application(LAIWU));
    expect(answer.status).toBe(400);
    expect(problemCode(answer)).toBe('INVALID_OPERATION');
    expect((answer.json() as { detail: string }).detail).toMatch(/371200 .* retired in edition 2019 .*R-ALLOC-2/);
  });

  it('checks again on approval: a registry that moved to a newer edition closes the application as refused', async () => {
    const s = await start();
    await stateEdition(s, '2018');
    const operation = await application(LAIWU);
    const applied = await apply(s, operation);
    expect(applied.status).toBe(201);
    const { id } = applied.json() as RegistrationView;
    await stateEdition(s, '2023');
    const answer = await approve(s, id, operation, INSTITUTES[0]);
    expect(answer.status).toBe(400);
    expect(problemCode(answer)).toBe('INVALID_OPERATION');
    expect(await view(s, id)).toMatchObject({ status: 'rejected', approvals: [], rejection: { cause: 'refused' } });
    expect((await view(s, id)).rejection!.reason).toContain('R-ALLOC-2');
  });
});
