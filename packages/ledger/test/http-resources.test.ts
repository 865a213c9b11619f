/**
 * DID-Linked Resources end to end over real HTTP (spec §3.9, §6.8, §7.10): a city publishes versions of a
 * resource with LedgerClient.submitResource; a resolver over HttpLedgerReader dereferences them, verifying the
 * content against the anchored checksum; content edited in the node's resources.db is detected; oversize,
 * unsigned, forged and mismatched submissions are refused with clear problems and store nothing.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  createCityResolver,
  describeResource,
  MAX_RESOURCE_BYTES,
  type Operation,
  operationHash,
  type ResourceDescription,
  resourceChecksum,
  resourceOperation,
} from '@did-city/method';
import { HttpLedgerReader, LedgerClient } from '@did-city/method/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CITY_KEY, cityCreate, INSTITUTES, key, REGISTRY, registryGenesis, SJZ, sign } from './fixtures.ts';
import { errorOf } from './helpers.ts';
import { ADMIN_TOKEN, call, type LedgerServer, postJson, problemCode, startLedger } from './http-fixtures.ts';

let ledger: LedgerServer;
let client: LedgerClient;
let head: Operation;
const utf8 = new TextEncoder();
const V1 = utf8.encode('{"title":"air quality, hourly","version":1}');
const V2 = utf8.encode('{"title":"air quality, hourly","version":2}');
const QUERY = `${SJZ}?resourceName=air-quality&resourceType=DatasetRelease`;

function describe1(content: Uint8Array, resourceId?: string): ResourceDescription {
  return describeResource({
    content,
    resourceName: 'air-quality',
    resourceType: 'DatasetRelease',
    mediaType: 'application/json',
    ...(resourceId === undefined ? {} : { resourceId }),
  });
}

async function resourceOp(resource: ResourceDescription, signers = [CITY_KEY]): Promise<Operation> {
  return sign(resourceOperation({ did: SJZ, seq: head.seq, operationHash: operationHash(head) }, resource), signers);
}

async function publish(content: Uint8Array): Promise<ResourceDescription> {
  const resource = describe1(content);
  const op = await resourceOp(resource);
  await client.submitResource(op, content);
  head = op;
  return resource;
}

function resolver() {
  return createCityResolver({
    reader: new HttpLedgerReader({ url: ledger.url, policy: ledger.node.policyText }),
    cache: false,
  });
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

let v1: ResourceDescription;
let v2: ResourceDescription;

beforeAll(async () => {
  ledger = await startLedger();
  client = new LedgerClient({ url: ledger.url, policy: ledger.node.policyText, adminToken: ADMIN_TOKEN });
  await client.submitGovernance(await registryGenesis());
  head = await cityCreate();
  await client.submit(head);
  v1 = await publish(V1);
  v2 = await publish(V2);
});

afterAll(async () => {
  await ledger.stop();
});

describe('publishing and dereferencing over HTTP', () => {
  it('GET /resources/{did}/{id}: the bytes, their media type, Repr-Digest, immutable, never run by a browser', async () => {
    const answer = await fetch(`${ledger.url}resources/${SJZ}/${v1.resourceId}`);
    expect(answer.status).toBe(200);
    expect(new Uint8Array(await answer.arrayBuffer())).toStrictEqual(V1);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.headers.get('repr-digest')).toBe(`sha-256=:${Buffer.from(v1.checksum, 'hex').toString('base64')}:`);
    expect(answer.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
  });

  it('GET /resources/{did}/{id}/proof: the resource and a receipt that verifies against the policy', async () => {
    const answer = await call(`${ledger.url}resources/${SJZ}/${v2.resourceId}/proof`);
    const { resource, receipt } = answer.json() as {
      resource: { checksum: string; seq: number };
      receipt: { operationHash: string };
    };
    expect(resource).toMatchObject({ checksum: v2.checksum, seq: 2 });
    expect(await client.receipt(receipt.operationHash, head)).toMatchObject({ operationHash: operationHash(head) });
  });

  it('the resolver dereferences the latest version and a resourceVersionTime, verified', async () => {
    const latest = await resolver().dereference(QUERY);
    expect(latest.content).toStrictEqual(V2);
    expect(latest.dereferencingMetadata.ledger?.origin).toBe(ledger.node.origin);
    const byId = await resolver().dereference(`${SJZ}/resources/${v1.resourceId}`);
    expect(byId.content).toStrictEqual(V1);
    expect(byId.contentMetadata).toMatchObject({ nextVersionId: v2.resourceId, checksum: resourceChecksum(V1) });
  });

  it("content edited in the node's resources.db is detected by the resolver (INTERNAL_ERROR naming the checksum)", async () => {
    const db = new Database(join(ledger.dir, 'resources.db'));
    try {
      db.prepare('UPDATE resource_content SET content = ? WHERE checksum = ?').run(
        Buffer.from('{"title":"forged"}'),
        v2.checksum,
      );
    } finally {
      db.close();
    }
    const result = await resolver().dereference(QUERY);
    expect(result.content).toBeNull();
    expect(result.dereferencingMetadata.error).toMatchObject({
      type: 'https://www.w3.org/ns/did#INTERNAL_ERROR',
      detail: expect.stringContaining(`the anchored checksum is ${v2.checksum}`),
    });
    const repair = new Database(join(ledger.dir, 'resources.db'));
    repair.prepare('UPDATE resource_content SET content = ? WHERE checksum = ?').run(Buffer.from(V2), v2.checksum);
    repair.close();
    expect((await resolver().dereference(QUERY)).content).toStrictEqual(V2);
  });
});

describe('refused submissions store nothing and say why', () => {
  async function refusal(body: unknown): Promise<{ status: number; code: string }> {
    const answer = await postJson(`${ledger.url}resources`, body);
    return { status: answer.status, code: problemCode(answer) };
  }

  async function stored(checksum: string): Promise<boolean> {
    return (await ledger.node.resources.get(checksum)) !== undefined;
  }

  it('content over 1 MiB: RESOURCE_TOO_LARGE (413)', async () => {
    const big = new Uint8Array(MAX_RESOURCE_BYTES + 1);
    const op = await resourceOp({ ...describe1(V1), checksum: resourceChecksum(big) });
    expect(await refusal({ operation: op, content: base64(big) })).toStrictEqual({
      status: 413,
      code: 'RESOURCE_TOO_LARGE',
    });
    expect(await stored(resourceChecksum(big))).toBe(false);
  });

  it('content that is not what the operation anchors: INVALID_RESOURCE_CONTENT (400)', async () => {
    const op = await resourceOp(describe1(V1));
    expect(await refusal({ operation: op, content: base64(utf8.encode('other')) })).toStrictEqual({
      status: 400,
      code: 'INVALID_RESOURCE_CONTENT',
    });
  });

  it("signed by a stranger's key: UNAUTHORIZED_OPERATION (403), content not stored", async () => {
    const content = utf8.encode('a stranger fills the disk');
    const op = await resourceOp(describe1(content), [key('stranger')]);
    expect(await refusal({ operation: op, content: base64(content) })).toStrictEqual({
      status: 403,
      code: 'UNAUTHORIZED_OPERATION',
    });
    expect(await stored(resourceChecksum(content))).toBe(false);
  });

  it("signed by the parent institutes: UNAUTHORIZED_OPERATION, a city's resources are its own", async () => {
    const content = utf8.encode('from the registry');
    const op = await resourceOp(describe1(content), [INSTITUTES[0], INSTITUTES[1]]);
    expect(await refusal({ operation: op, content: base64(content) })).toStrictEqual({
      status: 403,
      code: 'UNAUTHORIZED_OPERATION',
    });
  });

  it('a forged proof (the checksum swapped after signing): INVALID_SIGNATURE (400), not stored', async () => {
    const forgedContent = utf8.encode('swapped');
    const op = await resourceOp(describe1(V1));
    const forged = {
      ...op,
      resource: { ...(op as { resource: ResourceDescription }).resource, checksum: resourceChecksum(forgedContent) },
    };
    expect(await refusal({ operation: forged, content: base64(forgedContent) })).toStrictEqual({
      status: 400,
      code: 'INVALID_SIGNATURE',
    });
    expect(await stored(resourceChecksum(forgedContent))).toBe(false);
  });

  it('unsigned: INVALID_OPERATION; not a resource operation: INVALID_OPERATION; bad bodies: MALFORMED_REQUEST', async () => {
    const { proof: _proof, ...unsigned } = await resourceOp(describe1(V1));
    expect(await refusal({ operation: unsigned, content: base64(V1) })).toMatchObject({
      status: 400,
      code: 'INVALID_OPERATION',
    });
    expect(await refusal({ operation: await cityCreate(), content: base64(V1) })).toMatchObject({
      status: 400,
      code: 'INVALID_OPERATION',
    });
    expect(await refusal({ operation: head, content: 'not base64!' })).toMatchObject({
      status: 400,
      code: 'MALFORMED_REQUEST',
    });
    expect(await refusal({ operation: head, content: base64(V1), extra: 1 })).toMatchObject({
      status: 400,
      code: 'MALFORMED_REQUEST',
    });
  });

  it('a stale chain position (seq already taken): STALE_OPERATION (409)', async () => {
    const stale = await sign(
      resourceOperation({ did: SJZ, seq: 0, operationHash: operationHash(await cityCreate()) }, describe1(V1)),
      [CITY_KEY],
    );
    expect(await refusal({ operation: stale, content: base64(V1) })).toMatchObject({
      status: 409,
      code: 'STALE_OPERATION',
    });
  });

  it('LedgerClient maps a refusal back to DidCityError', async () => {
    const op = await resourceOp(describe1(V1));
    expect((await errorOf(client.submitResource(op, V2))).code).toBe('INVALID_RESOURCE_CONTENT');
  });

  it('unknown resource or DID: 404; a malformed id: 400', async () => {
    expect((await call(`${ledger.url}resources/${SJZ}/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    expect((await call(`${ledger.url}resources/${REGISTRY}/${v1.resourceId}`)).status).toBe(404);
    expect((await call(`${ledger.url}resources/${SJZ}/not-a-uuid`)).status).toBe(400);
  });
});
