/**
 * A real Veramo 7 agent (DIDResolverPlugin with did:city, CredentialPlugin with CredentialProviderJWT) and this
 * package's BitstringStatusListPlugin check the status of credentials Shijiazhuang issues through the issuer
 * service, with status lists fetched over HTTP on loopback: revoke → not verified, suspend → not verified,
 * reinstate → verified, for the JWT string and for Veramo's normalised form.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createIssuer,
  createIssuerApp,
  createVerifier,
  SqliteStatusStore,
  StatusLists,
  smartCityPilotCredential,
} from '@did-city/issuer';
import { createSigner } from '@did-city/method';
import {
  createAgent,
  type ICredentialPlugin,
  type ICredentialStatusVerifier,
  type IResolver,
  type VerifiableCredential,
} from '@veramo/core';
import { CredentialProviderJWT } from '@veramo/credential-jwt';
import { CredentialPlugin } from '@veramo/credential-w3c';
import { DIDResolverPlugin } from '@veramo/did-resolver';
import { normalizeCredential } from 'did-jwt-vc';
import { Resolver } from 'did-resolver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWithVeramo } from '../examples/verify-veramo.ts';
import { BitstringStatusListPlugin, getDidCityResolver, withStatusCheck } from '../src/index.ts';
import { CITY_KEY, SJZ, startLedger, type TestLedger } from './fixtures.ts';

let ledger: TestLedger;
let server: Server;
let dir: string;
let store: SqliteStatusStore;
let lists: StatusLists;
let issuer: ReturnType<typeof createIssuer>;
// The lists are served over http on loopback, which the outbound-fetch policy refuses unless the host is named.
let loopback: { httpHosts: string[]; privateHosts: string[] };

beforeAll(async () => {
  ledger = await startLedger();
  dir = mkdtempSync(join(tmpdir(), 'veramo-status-'));
  store = new SqliteStatusStore(join(dir, 'status.db'));
  const key = { verificationMethod: `${SJZ}#key-1`, signer: createSigner(CITY_KEY) };
  // The issuer names its lists by URL, so the server listens first and gets its handler once the port is known.
  let handler: RequestListener = (_request, response) => response.writeHead(503).end();
  server = createServer((request, response) => handler(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const host = new URL(baseUrl).host;
  loopback = { httpHosts: [host], privateHosts: [host] };
  lists = new StatusLists({ store, key, baseUrl, ttlMs: 1 });
  issuer = createIssuer({ key, statusLists: lists, baseUrl });
  const unused = createVerifier({ resolver: { resolve: () => Promise.reject(new Error('not used')) } });
  handler = createIssuerApp({ issuer, verifier: unused, statusLists: lists, clients: [] });
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  store?.close();
  rmSync(dir, { recursive: true, force: true });
  await ledger?.stop();
});

function agent() {
  const { url, policy, genesis } = ledger;
  return createAgent<IResolver & ICredentialPlugin & ICredentialStatusVerifier>({
    plugins: [
      new DIDResolverPlugin({ resolver: new Resolver({ ...getDidCityResolver({ ledgerUrl: url, policy, genesis }) }) }),
      new CredentialPlugin([withStatusCheck(new CredentialProviderJWT())]),
      new BitstringStatusListPlugin({ maxTtlMs: 0, fetchPolicy: loopback }),
    ],
  });
}

async function issuePilot() {
  const credential = smartCityPilotCredential({
    issuer: SJZ,
    city: SJZ,
    programme: 'smart city pilot',
    batch: 1,
    year: 2013,
    pilotStatus: 'active',
  });
  const issued = await issuer.issue(credential, { format: 'vc-jwt' });
  return { id: issued.id, jwt: issued.verifiableCredential as string };
}

describe('Veramo agent with BitstringStatusListPlugin', () => {
  it('JWT string: revoke → verified false; an unrelated credential stays verified', async () => {
    const veramo = agent();
    const revoked = await issuePilot();
    const other = await issuePilot();
    expect(await veramo.verifyCredential({ credential: revoked.jwt })).toMatchObject({ verified: true });
    lists.update(revoked.id, 'revocation', true);
    expect(await veramo.verifyCredential({ credential: revoked.jwt })).toMatchObject({
      verified: false,
      error: { errorCode: 'revoked' },
    });
    expect(await veramo.verifyCredential({ credential: other.jwt })).toMatchObject({ verified: true });
  });

  it('JWT string and normalised form: suspend → verified false, reinstate → verified true', async () => {
    const veramo = agent();
    const { id, jwt } = await issuePilot();
    const normalised = normalizeCredential(jwt) as VerifiableCredential;
    lists.update(id, 'suspension', true);
    expect((await veramo.verifyCredential({ credential: jwt })).verified).toBe(false);
    expect((await veramo.verifyCredential({ credential: normalised })).verified).toBe(false);
    const status = await veramo.checkCredentialStatus({ credential: normalised });
    expect(status).toMatchObject({ revoked: false, suspended: true, verified: false });
    lists.update(id, 'suspension', false);
    expect((await veramo.verifyCredential({ credential: jwt })).verified).toBe(true);
    expect((await veramo.verifyCredential({ credential: normalised })).verified).toBe(true);
  });

  it('a status list that cannot be fetched is not a pass', async () => {
    const { jwt } = await issuePilot();
    const offline = createAgent<IResolver & ICredentialPlugin & ICredentialStatusVerifier>({
      plugins: [
        new DIDResolverPlugin({
          resolver: new Resolver({
            ...getDidCityResolver({ ledgerUrl: ledger.url, policy: ledger.policy, genesis: ledger.genesis }),
          }),
        }),
        new CredentialPlugin([withStatusCheck(new CredentialProviderJWT())]),
        new BitstringStatusListPlugin({ fetchStatusList: () => Promise.reject(new Error('connect ECONNREFUSED')) }),
      ],
    });
    expect(await offline.verifyCredential({ credential: jwt })).toMatchObject({
      verified: false,
      error: { errorCode: 'revoked' },
    });
    // Without the wrapper, Veramo 7 never asks about the status of a JWT string (the gap this package closes).
    const plain = createAgent<IResolver & ICredentialPlugin & ICredentialStatusVerifier>({
      plugins: [
        new DIDResolverPlugin({
          resolver: new Resolver({
            ...getDidCityResolver({ ledgerUrl: ledger.url, policy: ledger.policy, genesis: ledger.genesis }),
          }),
        }),
        new CredentialPlugin([new CredentialProviderJWT()]),
        new BitstringStatusListPlugin({ fetchStatusList: () => Promise.reject(new Error('connect ECONNREFUSED')) }),
      ],
    });
    expect((await plain.verifyCredential({ credential: jwt })).verified).toBe(true);
  });

  it('the README example (examples/verify-veramo.ts): verified, then revoked', async () => {
    const { id, jwt } = await issuePilot();
    const ledgerOptions = {
      ledgerUrl: ledger.url,
      policy: ledger.policy,
      genesis: ledger.genesis,
      statusFetchPolicy: loopback,
    };
    expect(await verifyWithVeramo(jwt, ledgerOptions)).toStrictEqual({ verified: true, errorCode: undefined });
    lists.update(id, 'revocation', true);
    expect(await verifyWithVeramo(jwt, ledgerOptions)).toStrictEqual({ verified: false, errorCode: 'revoked' });
  });
});
