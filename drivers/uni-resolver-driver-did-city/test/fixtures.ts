/**
 * Test fixtures: a MemoryLedger holding real signed histories, a driver listening on 127.0.0.1:0, and a raw
 * HTTP client that sends the request path byte for byte (fetch would normalise `..` and percent-encoding).
 */
import { expect } from 'vitest';
import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createOperation,
  createSigner,
  deactivateOperation,
  type KeyPair,
  MemoryLedger,
  type Signer,
  signOperation,
  steppingClock,
  updateOperation,
} from '@did-city/method';
import { keyDocument, testKey } from '@did-city/testing';
import { createDriverApp, type DriverOptions } from '../src/app.ts';

export const DIDS = Object.freeze({
  registry: 'did:city:cn',
  /** Shijiazhuang: one version, a LinkedDomains service. */
  city: 'did:city:cn:130100',
  /** Beijing: created, then updated (versions 0 and 1). */
  updated: 'did:city:cn:110000',
  /** Tianjin: created, then deactivated. */
  deactivated: 'did:city:cn:120000',
  /** A department Shijiazhuang allocated, with several services. */
  sub: 'did:city:cn:130100:transport-bureau',
  /** Tangshan: a valid code never created on the ledger. */
  absent: 'did:city:cn:130200',
});

export const ENDPOINTS = Object.freeze({
  cityData: 'https://data.sjz.example/',
  portal: 'https://transport.sjz.example/',
  files: 'https://files.sjz.example/transport/v1/',
  mirrors: ['https://mirror-a.sjz.example/transport/', 'https://mirror-b.sjz.example/transport/'],
});

export interface Fixture {
  ledger: MemoryLedger;
  /** Integration time of each operation, in order, by DID. */
  times: Record<string, string[]>;
  /** The signer of each DID's current update key, for appending more operations in a test. */
  updateSigners: Record<string, Signer>;
}

export { keyDocument };

async function create(ledger: MemoryLedger, did: string, own: KeyPair, authorisers: Signer[], services: object[] = []) {
  const unsigned = createOperation({ did, updateKeys: [own.publicKeyMultibase], document: keyDocument(own, services) });
  return ledger.append(await signOperation(unsigned, [createSigner(own), ...authorisers]));
}

/** The registry (2-of-3 institutes), three cities and a sub-identifier, each with real Ed25519 proofs (@did-city/testing keys). */
export async function buildLedger(): Promise<Fixture> {
  const ledger = new MemoryLedger({ now: steppingClock('2026-11-21T08:00:00Z', 60) });
  const times: Record<string, string[]> = {};
  const record = (entry: { integratedTime: string; operation: { did: string } }) => {
    times[entry.operation.did] = [...(times[entry.operation.did] ?? []), entry.integratedTime];
  };
  const institutes = [testKey('institute-a'), testKey('institute-b'), testKey('institute-c')];
  const quorum = institutes.slice(0, 2).map(createSigner);
  const genesis = createOperation({
    did: DIDS.registry,
    updateKeys: institutes.map((key) => key.publicKeyMultibase),
    threshold: 2,
    document: keyDocument(institutes[0]!),
  });
  record(await ledger.append(await signOperation(genesis, quorum)));

  const sjz = testKey('sjz');
  const cityService = { id: '#data', type: 'LinkedDomains', serviceEndpoint: ENDPOINTS.cityData };
  record(await create(ledger, DIDS.city, sjz, quorum, [cityService]));

  const beijing = testKey('beijing');
  record(await create(ledger, DIDS.updated, beijing, quorum));
  // The update rotates the document key; the update key stays Beijing's.
  const rotated = testKey('beijing-rotated');
  const update = updateOperation(ledger.historyOf(DIDS.updated)!, { document: keyDocument(rotated) });
  record(await ledger.append(await signOperation(update, [createSigner(beijing)])));

  const tianjin = testKey('tianjin');
  record(await create(ledger, DIDS.deactivated, tianjin, quorum));
  const deactivate = deactivateOperation(ledger.historyOf(DIDS.deactivated)!);
  record(await ledger.append(await signOperation(deactivate, [createSigner(tianjin)])));

  const bureau = testKey('transport-bureau');
  record(
    await create(
      ledger,
      DIDS.sub,
      bureau,
      [createSigner(sjz)],
      [
        { id: '#portal', type: 'LinkedDomains', serviceEndpoint: ENDPOINTS.portal },
        { id: '#files', type: 'DataService', serviceEndpoint: ENDPOINTS.files },
        { id: '#mirrors', type: 'MirrorService', serviceEndpoint: ENDPOINTS.mirrors },
      ],
    ),
  );
  const updateSigners = {
    [DIDS.city]: createSigner(sjz),
    [DIDS.updated]: createSigner(beijing),
    [DIDS.sub]: createSigner(bureau),
  };
  return { ledger, times, updateSigners };
}

export interface RunningDriver {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Starts the driver app on an ephemeral loopback port. */
export async function startDriver(options: DriverOptions): Promise<RunningDriver> {
  const app = createDriverApp({ onError: () => {}, ...options });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests assert response bodies field by field
  json(): any;
}

/** GET (or another method) with the path sent exactly as given. */
export function rawRequest(
  base: string,
  path: string,
  options: { headers?: Record<string, string>; method?: string } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { hostname, port, path, method: options.method ?? 'GET', headers: options.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** `/1.0/identifiers/` + the identifier as uni-resolver-web sends it: unencoded. */
export function identifierPath(identifier: string): string {
  return `/1.0/identifiers/${identifier}`;
}

/** `/1.0/identifiers/` + the URL-encoded identifier, with an optional options query string. */
export function encodedPath(identifier: string, query?: string): string {
  return `/1.0/identifiers/${encodeURIComponent(identifier)}${query === undefined ? '' : `?${query}`}`;
}

export const W3C = 'https://www.w3.org/ns/did#';

/**
 * Which function a request calls, so which result its errors come as: dereferencing for a DID URL (`/`, `?` or
 * `#` in the identifier) or for a DID asked for as `application/did-url-dereferencing`; resolution otherwise.
 */
export function shapeOfRequest(path: string, accept?: string): 'resolution' | 'dereferencing' {
  const rest = path.slice(path.indexOf('/1.0/identifiers/') + '/1.0/identifiers/'.length);
  const encoded = /^did%3a/i.test(rest);
  const identifier = encoded ? rest.split('?')[0]! : rest;
  const isUrl = encoded ? /[/?#]|%2f|%3f|%23/i.test(identifier) : /[/?#]/.test(identifier);
  const asked = accept?.split(',')[0]?.trim().startsWith('application/did-url-dereferencing') === true;
  return isUrl || asked ? 'dereferencing' : 'resolution';
}

/** The problem of an error reply, after checking the reply is an error result of the shape the request calls for. */
export function problemOf(
  res: RawResponse,
  path: string,
  accept?: string,
): { type: string; title: string; detail: string } {
  const body = res.json();
  if (shapeOfRequest(path, accept) === 'dereferencing') {
    expect(res.headers['content-type']).toBe('application/did-url-dereferencing');
    expect(body.content).toBeNull();
    expect(body.contentStream).toBeNull();
    expect(body.contentMetadata).toEqual({});
    return body.dereferencingMetadata.error;
  }
  expect(res.headers['content-type']).toBe('application/did-resolution');
  expect(body.didDocument).toBeNull();
  expect(body.didDocumentMetadata).toEqual({});
  return body.didResolutionMetadata.error;
}
