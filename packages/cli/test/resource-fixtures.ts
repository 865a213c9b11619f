/**
 * Related resources on loopback for the issuers' digest checks (VC 2.0 §5.3 under the outbound-fetch policy,
 * spec §9.15): an HTTP server that serves fixed bytes and counts every connection it accepts, so a test can show
 * that a host the policy does not allow was never contacted (not even a TCP connection).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { digestSri } from '@did-city/issuer';

export interface ResourceServer {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** `127.0.0.1:<port>`, the form the policy's host lists take. */
  host: string;
  /** Connections accepted so far. */
  connections(): number;
  /** Requests answered so far. */
  requests(): number;
  /** Serve other bytes from now on (the resource changed after a credential named it). */
  setBody(body: string): void;
  close(): Promise<void>;
}

export async function startResourceServer(body: string): Promise<ResourceServer> {
  let connections = 0;
  let requests = 0;
  let served = body;
  const server: Server = createServer((_request, response) => {
    requests += 1;
    response.writeHead(200, { 'content-type': 'text/csv' }).end(served);
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    connections: () => connections,
    requests: () => requests,
    setBody: (next) => {
      served = next;
    },
    close: () =>
      new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

export const DATASET = 'station,pm25\nchang-an,41\nqiaoxi,38\n';
/** The SRI digest of DATASET, and one of other bytes (a wrong digest for it). */
export const RIGHT_SRI = digestSri(new TextEncoder().encode(DATASET));
export const WRONG_SRI = digestSri(new TextEncoder().encode(`${DATASET}tampered\n`));

/** A VC 2.0 credential of the registry about a city naming one related resource. */
export function credentialWithResource(issuer: string, subject: string, resource: { id: string; digestSRI: string }) {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiableCredential'],
    issuer,
    credentialSubject: { id: subject },
    relatedResource: [{ ...resource, mediaType: 'text/csv' }],
  };
}
