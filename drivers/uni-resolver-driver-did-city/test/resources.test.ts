/**
 * DID-Linked Resources through the driver (docs/conformance.md, "Linked resources"): the resource itself in its
 * media type, the dereferencing result on request (JSON inline, other bytes base64), listing by type, 406, 410 for
 * a deactivated DID, and content the ledger changed is a 500, never served.
 */
import {
  describeResource,
  type LedgerHistory,
  type LedgerReader,
  type MemoryLedger,
  resourceOperation,
  signOperation,
} from '@did-city/method';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildLedger, DIDS, identifierPath, type RunningDriver, rawRequest, startDriver } from './fixtures.ts';

const utf8 = new TextEncoder();
const SCHEMA = utf8.encode('{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object"}');
const PNG = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
let driver: RunningDriver;
let tampered: RunningDriver;
const ids: Record<string, string> = {};

async function publish(
  ledger: MemoryLedger,
  signer: Parameters<typeof signOperation>[1][number],
  name: string,
  type: string,
  mediaType: string,
  content: Uint8Array,
) {
  const resource = describeResource({ content, resourceName: name, resourceType: type, mediaType });
  const op = await signOperation(resourceOperation(ledger.historyOf(DIDS.city)!, resource), [signer]);
  await ledger.appendResource(op, content);
  return resource.resourceId;
}

beforeAll(async () => {
  const { ledger, updateSigners } = await buildLedger();
  const signer = updateSigners[DIDS.city]!;
  ids.schema = await publish(ledger, signer, 'CityIdentityCredential', 'JsonSchema', 'application/schema+json', SCHEMA);
  ids.logo = await publish(ledger, signer, 'logo', 'Image', 'image/png', PNG);
  ids.schema2 = await publish(ledger, signer, 'CityPilotCredential', 'JsonSchema', 'application/schema+json', SCHEMA);
  driver = await startDriver({ reader: ledger });
  const lying: LedgerReader = {
    history: (did: string): Promise<LedgerHistory> => ledger.history(did),
    resourceContent: async () => utf8.encode('{"type":"string"}'),
  };
  tampered = await startDriver({ reader: lying });
});
afterAll(async () => {
  await driver.close();
  await tampered.close();
});

const get = (base: RunningDriver, path: string, accept?: string) =>
  rawRequest(base.url, path, { headers: accept === undefined ? {} : { accept } });

describe('linked resources through the driver', () => {
  test.each([undefined, '*/*', 'application/schema+json'])(
    'Accept %s: the schema bytes as application/schema+json, sandboxed',
    async (accept) => {
      const res = await get(driver, identifierPath(`${DIDS.city}/resources/${ids.schema}`), accept);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/schema+json');
      expect(res.text).toBe(new TextDecoder().decode(SCHEMA));
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
      expect(res.headers['access-control-allow-origin']).toBe('*');
    },
  );

  test('Accept application/did-url-dereferencing: the result, JSON content inline, metadata of the resource', async () => {
    const res = await get(
      driver,
      identifierPath(`${DIDS.city}?resourceName=CityIdentityCredential&resourceType=JsonSchema`),
      'application/did-url-dereferencing',
    );
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/did-url-dereferencing');
    const body = res.json();
    expect(body.content).toStrictEqual(JSON.parse(new TextDecoder().decode(SCHEMA)));
    expect(body.contentStream).toStrictEqual(body.content);
    expect(body.dereferencingMetadata.contentType).toBe('application/schema+json');
    expect(body.contentMetadata).toMatchObject({
      resourceId: ids.schema,
      resourceType: 'JsonSchema',
      mediaType: 'application/schema+json',
    });
  });

  test('binary content in a result is base64, and says so', async () => {
    const res = await get(
      driver,
      identifierPath(`${DIDS.city}/resources/${ids.logo}`),
      'application/did-url-dereferencing',
    );
    const body = res.json();
    expect(Buffer.from(body.content, 'base64')).toStrictEqual(Buffer.from(PNG));
    expect(body.contentMetadata.contentEncoding).toBe('base64');
  });

  test('resourceType + resourceMetadata=true lists every resource of the type', async () => {
    const res = await get(driver, identifierPath(`${DIDS.city}?resourceType=JsonSchema&resourceMetadata=true`));
    expect(res.status).toBe(200);
    expect(res.json().content.linkedResourceMetadata.map((r: { resourceId: string }) => r.resourceId)).toEqual([
      ids.schema,
      ids.schema2,
    ]);
  });

  test('an Accept that is neither the resource type nor a result: 406', async () => {
    const res = await get(driver, identifierPath(`${DIDS.city}/resources/${ids.schema}`), 'text/html');
    expect(res.status).toBe(406);
  });

  test('an unknown resource: 404; resources of a deactivated DID: 410', async () => {
    expect(
      (await get(driver, identifierPath(`${DIDS.city}/resources/00000000-0000-4000-8000-000000000000`))).status,
    ).toBe(404);
    expect(
      (await get(driver, identifierPath(`${DIDS.deactivated}?resourceType=JsonSchema&resourceMetadata=true`))).status,
    ).toBe(410);
  });

  test('content the ledger changed after anchoring: 500, the bytes are never served', async () => {
    const res = await get(tampered, identifierPath(`${DIDS.city}/resources/${ids.schema}`));
    expect(res.status).toBe(500);
    expect(res.text).not.toContain('"string"');
    expect(res.text).toMatch(/anchored checksum/);
  });
});
