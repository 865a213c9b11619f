/**
 * Real HTTP for the registration tests: a LedgerNode (SQLite in a temp dir, three embedded witnesses) with the
 * national registry (2-of-3 institutes) created through governance, the registration routes and the ledger API
 * mounted side by side on 127.0.0.1:0, as the all-in-one server mounts them.
 */
import {
  createOperation,
  createProof,
  createSigner,
  didKeyUrl,
  type KeyPair,
  PROOF_PURPOSE,
  type StateOperation,
  signOperation,
} from '@did-city/method';
import { join } from 'node:path';
import express from 'express';
import { createLedgerRouter } from '../src/http/router.ts';
import { LedgerNode } from '../src/node.ts';
import { Registrations, type RegistrationsOptions } from '../src/registration/registrations.ts';
import { createRegistrationRouter, type RegistrationRouter } from '../src/registration/router.ts';
import { rejectionPayload, unsignedOf } from '../src/registration/review.ts';
import { content, INSTITUTES, key, registryGenesis } from './fixtures.ts';
import { type Listening, listen, postJson } from './http-fixtures.ts';

export const INSTITUTE_TOKENS = {
  'institute-a': 'institute-a-token-2b7e151628aed2a6-never-echo',
  'institute-b': 'institute-b-token-abf7158809cf4f3c-never-echo',
} as const;

export const CONTACT = { organisation: 'Tangshan Municipal Government', email: 'did@tangshan.example' };

export interface RegistrationServer extends Listening {
  node: LedgerNode;
  router: RegistrationRouter;
  logs: string[];
  /** Stops the server, the desk and the node (the data directory stays). */
  stop(): Promise<void>;
}

/** Opens a node in `dir` (creating the registry on first use) and serves it; `desk` options open the desk here. */
export async function startRegistrationServer(
  dir: string,
  desk?: Omit<RegistrationsOptions, 'node' | 'file'>,
): Promise<RegistrationServer> {
  const node = await LedgerNode.open({ allowUnpinnedGenesis: true, dataDir: dir, sequencer: { batchIntervalMs: 5 } });
  if ((await node.store.didState('did:city:cn')) === undefined) await node.submitGovernance(await registryGenesis());
  const logs: string[] = [];
  const log = (line: string) => logs.push(line);
  const registrations =
    desk === undefined ? undefined : Registrations.open({ ...desk, node, file: join(dir, 'registrations.db') });
  const router = createRegistrationRouter(node, {
    ...(registrations ? { registrations } : { dataDir: dir }),
    instituteTokens: INSTITUTE_TOKENS,
    log,
  });
  const app = express();
  app.use(router, createLedgerRouter(node, { log }));
  const http = await listen(app);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await http.close();
    router.registrations.close();
    await node.close();
  };
  return { ...http, node, router, logs, stop };
}

/** A city's create signed by its own key only: what an applicant sends. */
export async function application(did: string, own: KeyPair = key(did)): Promise<StateOperation> {
  const unsigned = createOperation({ did, updateKeys: [own.publicKeyMultibase], document: content(own) });
  return (await signOperation(unsigned, [createSigner(own)])) as StateOperation;
}

/** An institute's approval proof over the unsigned create. */
export function approvalProof(operation: StateOperation, institute: KeyPair = INSTITUTES[0]) {
  return createProof(unsignedOf(operation), {
    signer: createSigner(institute),
    verificationMethod: didKeyUrl(institute.publicKeyMultibase),
    proofPurpose: PROOF_PURPOSE,
  });
}

export function rejectionProof(id: string, reason: string, institute: KeyPair = INSTITUTES[2]) {
  return createProof(rejectionPayload(id, reason), {
    signer: createSigner(institute),
    verificationMethod: didKeyUrl(institute.publicKeyMultibase),
    proofPurpose: PROOF_PURPOSE,
  });
}

/** One institute's objection over HTTP; the registry's threshold of them rejects the application. */
export async function object(server: Listening, id: string, reason: string, institute: KeyPair = INSTITUTES[2]) {
  return postJson(`${server.url}registrations/${id}/reject`, {
    reason,
    proof: await rejectionProof(id, reason, institute),
  });
}

export function apply(server: Listening, operation: unknown, contact: unknown = CONTACT) {
  return postJson(`${server.url}registrations`, { operation, contact });
}

export async function approve(server: Listening, id: string, operation: StateOperation, institute: KeyPair) {
  return postJson(`${server.url}registrations/${id}/approve`, { proof: await approvalProof(operation, institute) });
}
