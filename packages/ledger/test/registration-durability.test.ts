// Applications survive close/reopen, and the step to `anchored` is crash-safe: an application recorded as
// approved (assembled create committed) whose submission never happened, or whose acknowledgement was lost, is
// resubmitted on the next start and anchored exactly once.
import type { StateOperation } from '@did-city/method';
import { afterEach, describe, expect, it } from 'vitest';
import { LedgerNode } from '../src/node.ts';
import { assemble, registrationId } from '../src/registration/review.ts';
import { RegistrationStore } from '../src/registration/store.ts';
import type { RegistrationView } from '../src/registration/types.ts';
import { INSTITUTES, registryGenesis, tempDir } from './fixtures.ts';
import { call } from './http-fixtures.ts';
import {
  application,
  apply,
  approvalProof,
  approve,
  CONTACT,
  startRegistrationServer,
} from './registration-fixtures.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function dataDir(): string {
  const temp = tempDir('registration-durable-');
  cleanups.push(temp.cleanup);
  return temp.dir;
}

async function viewOf(url: string, id: string): Promise<RegistrationView> {
  return (await call(`${url}registrations/${id}`)).json() as RegistrationView;
}

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('durability across close and reopen', () => {
  it('keeps a pending application with its approval, then anchors it after the restart', async () => {
    const dir = dataDir();
    const operation = await application('did:city:cn:120000');
    let server = await startRegistrationServer(dir);
    const { id } = (await apply(server, operation)).json() as RegistrationView;
    await approve(server, id, operation, INSTITUTES[1]);
    await server.stop();

    server = await startRegistrationServer(dir);
    const kept = await viewOf(server.url, id);
    expect(kept).toMatchObject({ status: 'pending', approvals: [{ key: INSTITUTES[1].publicKeyMultibase }] });
    expect(((await approve(server, id, operation, INSTITUTES[2])).json() as RegistrationView).status).toBe('anchored');
    await server.stop();

    server = await startRegistrationServer(dir);
    const anchored = await viewOf(server.url, id);
    expect(anchored.status).toBe('anchored');
    expect(anchored.receipt?.operationHash).toBeDefined();
    expect(server.router.registrations.get(id)?.contact).toEqual(CONTACT);
    await server.stop();
  });
});

/** Leaves an application approved with its assembled create, as a crash right after the commit would. */
async function approvedNotSubmitted(
  dir: string,
  options: { submitted: boolean },
): Promise<{ id: string; index?: number }> {
  const node = await LedgerNode.open({ allowUnpinnedGenesis: true, dataDir: dir, sequencer: { batchIntervalMs: 5 } });
  await node.submitGovernance(await registryGenesis());
  const operation: StateOperation = await application('did:city:cn:110000');
  const id = registrationId(operation);
  const store = new RegistrationStore(`${dir}/registrations.db`);
  store.insert({ id, did: operation.did, operation, contact: CONTACT, submittedAt: '2026-11-21T08:00:00Z' });
  for (const institute of [INSTITUTES[0], INSTITUTES[2]]) {
    const proof = await approvalProof(operation, institute);
    store.addApproval(id, { key: institute.publicKeyMultibase, created: proof.created!, proof });
  }
  const registry = (await node.store.didState('did:city:cn'))!;
  const assembled = assemble(operation, store.get(id)!.approvals, registry);
  store.markApproved(id, assembled);
  store.close();
  // The submission reached the log, but its acknowledgement was lost with the process.
  const index = options.submitted ? (await node.submit(assembled)).index : undefined;
  await node.close();
  return index === undefined ? { id } : { id, index };
}

describe('crash between threshold and acknowledgement', () => {
  it('resubmits an approved application that was never submitted', async () => {
    const dir = dataDir();
    const { id } = await approvedNotSubmitted(dir, { submitted: false });
    const server = await startRegistrationServer(dir);
    await until(async () => (await viewOf(server.url, id)).status === 'anchored');
    expect((await server.node.store.entriesOfDid('did:city:cn:110000')).length).toBe(1);
    await server.stop();
  });

  it('recovers the receipt of a submission whose acknowledgement was lost, without a second entry', async () => {
    const dir = dataDir();
    const { id, index } = await approvedNotSubmitted(dir, { submitted: true });
    const server = await startRegistrationServer(dir);
    await until(async () => (await viewOf(server.url, id)).status === 'anchored');
    expect((await viewOf(server.url, id)).receipt?.index).toBe(index);
    expect((await server.node.store.entriesOfDid('did:city:cn:110000')).length).toBe(1);
    await server.stop();
  });
});
