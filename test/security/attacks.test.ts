/**
 * The numbered attacks of issue #11 (1, 4, 5, 6, 7, 8, 9; 10 is rate-limits.test.ts, 2 and 3 the registration
 * tests), replayed as an outsider (and, for 6, as the holder of the operator's token) against one running
 * all-in-one on loopback. Each test fails if its attack works again.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueDataIntegrityVc } from '@did-city/issuer';
import {
  createOperation,
  createSigner,
  type DocumentContent,
  generateKeyPair,
  type KeyPair,
  keyPairFromSecret,
  signOperation,
  updateOperation,
} from '@did-city/method';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, problemCode, send, startTarget, type Target } from './fixtures.ts';

let target: Target;
let dataDir: string;

/** A loopback listener that must never be contacted: it counts connections and would answer with a banner. */
interface Victim {
  port: number;
  connections: number;
  server: Server;
}

let victim: Victim;
/** A port nobody listens on: the verifier's errors must not tell it from the victim's. */
let closedPort: number;

function listenVictim(): Promise<Victim> {
  return new Promise((done) => {
    const state = { port: 0, connections: 0 } as Victim;
    state.server = createServer((socket: Socket) => {
      state.connections += 1;
      socket.end('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"banner":"VICTIM-SECRET-BYTES"}');
    });
    state.server.listen(0, '127.0.0.1', () => {
      state.port = (state.server.address() as { port: number }).port;
      done(state);
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

beforeAll(async () => {
  // Attack 8's precondition: the operator created the data directory beforehand, world-readable.
  dataDir = mkdtempSync(join(tmpdir(), 'did-city-attacks-'));
  chmodSync(dataDir, 0o755);
  [victim, closedPort] = await Promise.all([listenVictim(), freePort()]);
  target = await startTarget({ dataDir });
}, 90_000);

afterAll(async () => {
  await target?.stop();
  victim?.server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A credential anyone can make: issuer and signer a fresh did:key, naming URLs for the verifier to fetch. */
async function strangersCredential(statusList: string, schema: string): Promise<unknown> {
  const pair = generateKeyPair();
  const did = `did:key:${pair.publicKeyMultibase}`;
  const credential = {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiableCredential'],
    issuer: did,
    validFrom: '2026-01-01T00:00:00Z',
    credentialSubject: { id: 'did:city:cn:130100', note: 'fetch these for me' },
    credentialStatus: {
      id: `${statusList}#7`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '7',
      statusListCredential: statusList,
    },
    credentialSchema: { id: schema, type: 'JsonSchema' },
  };
  return issueDataIntegrityVc(credential as never, {
    key: { verificationMethod: `${did}#${pair.publicKeyMultibase}`, signer: createSigner(pair) },
  });
}

describe('1: the credential verifier fetches nothing a stranger points it at (SSRF)', () => {
  it('loopback in every spelling: the listener receives nothing, the answer carries none of its bytes', async () => {
    const p = victim.port;
    const targets = [
      `http://127.0.0.1:${p}/list`,
      `https://127.0.0.1:${p}/list`,
      `http://localhost:${p}/list`,
      `http://[::ffff:127.0.0.1]:${p}/list`,
      `http://2130706433:${p}/list`,
      `http://0x7f.1:${p}/list`,
    ];
    for (const url of targets) {
      const reply = await postJson(`${target.url}/issuer/credentials/verify`, {
        verifiableCredential: await strangersCredential(url, url.replace('/list', '/schema')),
      });
      expect(reply.status, url).toBe(400);
      expect(reply.body).not.toContain('VICTIM-SECRET-BYTES');
    }
    expect(victim.connections).toBe(0);
  });

  it('an open port and a closed one give the same answer (no port scan through the verifier)', async () => {
    const answer = async (port: number) => {
      const url = `http://127.0.0.1:${port}/list`;
      const reply = await postJson(`${target.url}/issuer/credentials/verify`, {
        verifiableCredential: await strangersCredential(url, url),
      });
      const { errors } = reply.json() as { errors: unknown[] };
      return JSON.stringify(errors).replaceAll(String(port), 'PORT');
    };
    expect(await answer(victim.port)).toBe(await answer(closedPort));
    expect(victim.connections).toBe(0);
  });
});

describe('4 and 9: malformed requests are 400 problems, never internals', () => {
  it('bad percent-encoding in a path: 400 MALFORMED_REQUEST, no URIError', async () => {
    for (const path of ['/operations/%ZZ', '/registrations/%ZZ', '/dids/%E0%A4%A/history']) {
      const reply = await send(`${target.url}${path}`);
      expect(reply.status, path).toBe(400);
      expect(problemCode(reply)).toBe('MALFORMED_REQUEST');
      expect(reply.body).not.toMatch(/URIError|stack|at .*\.ts/);
    }
  });

  it('a 20,000-deep JSON body: 400 "nested too deeply", never a stack overflow message', async () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const wrapped = `{"operation":${deep}}`;
    const admin = { Authorization: `Bearer ${target.tokens().admin}` };
    for (const [path, body, headers] of [
      ['/operations', deep, {}],
      ['/registrations', wrapped, {}],
      ['/governance/operations', deep, admin],
    ] as const) {
      const reply = await postJson(`${target.url}${path}`, body, { headers });
      expect(reply.status, path).toBe(400);
      expect(problemCode(reply)).toBe('MALFORMED_REQUEST');
      expect((reply.json() as { detail: string }).detail).toMatch(/nested too deeply/);
      expect(reply.body).not.toMatch(/call stack|Maximum/i);
    }
    const verify = await postJson(`${target.url}/issuer/credentials/verify`, `{"verifiableCredential":${deep}}`);
    expect(verify.status).toBeGreaterThanOrEqual(400);
    expect(verify.status).toBeLessThan(500);
    expect(verify.body).not.toMatch(/call stack|Maximum/i);
  });
});

/** A seeded city's own key, from the data directory (Ed25519 for Beijing). */
function cityKey(code: string): KeyPair {
  const file = JSON.parse(readFileSync(join(dataDir, 'keys', 'cities', `${code}.json`), 'utf8')) as {
    keys: Array<{ keyType: string; secretKey: string }>;
  };
  const entry = file.keys[0]!;
  return keyPairFromSecret(entry.keyType as 'Ed25519', Buffer.from(entry.secretKey, 'base64url'));
}

describe('5: the driver redirects only to http(s) service endpoints', () => {
  it('a controller sets javascript: and file: endpoints; the driver returns them as content, never as a Location', async () => {
    const did = 'did:city:cn:110000';
    const key = cityKey('110000');
    const head = (await send(`${target.url}/dids/${did}/head`)).json() as {
      head: { seq: number; operationHash: string };
    };
    const document: DocumentContent = {
      verificationMethod: [{ id: '#key-1', type: 'Multikey', publicKeyMultibase: key.publicKeyMultibase }],
      authentication: ['#key-1'],
      assertionMethod: ['#key-1'],
      service: [
        { id: '#js', type: 'LinkedDomains', serviceEndpoint: 'javascript:alert(document.domain)' },
        { id: '#file', type: 'LinkedDomains', serviceEndpoint: 'file:///etc/passwd' },
        { id: '#web', type: 'LinkedDomains', serviceEndpoint: 'https://www.beijing.gov.cn/' },
      ],
    };
    const update = updateOperation(
      { did, seq: head.head.seq, operationHash: head.head.operationHash },
      { updateKeys: [key.publicKeyMultibase], document },
    );
    const submitted = await postJson(`${target.url}/operations`, await signOperation(update, [createSigner(key)]));
    expect(submitted.status, submitted.body).toBe(201);
    for (const [service, scheme] of [
      ['js', 'javascript:'],
      ['file', 'file:'],
    ] as const) {
      const reply = await send(`${target.url}/1.0/identifiers/${encodeURIComponent(`${did}?service=${service}`)}`, {
        headers: { Accept: 'text/uri-list' },
      });
      expect(reply.status, service).not.toBe(303);
      expect(reply.headers['location']).toBeUndefined();
      expect(reply.body).toContain(scheme);
    }
    // The attack is only refused for other schemes: an https endpoint still redirects.
    const web = await send(`${target.url}/1.0/identifiers/${encodeURIComponent(`${did}?service=web`)}`, {
      headers: { Accept: 'text/uri-list' },
    });
    expect(web.status).toBe(303);
    expect(web.headers['location']).toBe('https://www.beijing.gov.cn/');
  });
});

describe('6: the operator token alone cannot create a country registry', () => {
  it('a self-made did:city:us genesis on the governance path is 403 UNAUTHORIZED_OPERATION and nothing is written', async () => {
    const squatter = generateKeyPair();
    const genesis = createOperation({ did: 'did:city:us', updateKeys: [squatter.publicKeyMultibase], document: {} });
    const reply = await postJson(
      `${target.url}/governance/operations`,
      await signOperation(genesis, [createSigner(squatter)]),
      {
        headers: { Authorization: `Bearer ${target.tokens().admin}` },
      },
    );
    expect(reply.status).toBe(403);
    expect(problemCode(reply)).toBe('UNAUTHORIZED_OPERATION');
    const head = (await send(`${target.url}/dids/did:city:us/head`)).json() as { head: unknown };
    expect(head.head).toBeNull();
  });
});

describe('7 and 8: secrets stay out of the logs and out of other users’ reach', () => {
  it('the first start says where the tokens are and prints none of them', () => {
    const tokens = target.tokens();
    const text = target.logs.join('\n');
    expect(text).toContain('tokens.json');
    for (const token of [tokens.admin, tokens.issuer, ...Object.values(tokens.institutes)])
      expect(text).not.toContain(token);
  });

  it('databases and token file are 0600 although the data directory was created 0755', () => {
    expect(statSync(dataDir).mode & 0o777).toBe(0o755);
    for (const file of ['ledger.db', 'registrations.db', 'issuer.db', 'tokens.json']) {
      expect((statSync(join(dataDir, file)).mode & 0o777).toString(8), file).toBe('600');
    }
  });
});
