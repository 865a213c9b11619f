// Schemas named by DID URL, against what a dereferencer may hand back: the registry checks the bytes against the
// checksum the result states and the media type before compiling anything. The end-to-end cases (a running
// all-in-one, a remote verifier, an edited node disk) are in packages/cli/test/serve-resources.test.ts.
import { createHash } from 'node:crypto';
import type { DIDDereferencingResult } from '@did-city/method';
import { describe, expect, it } from 'vitest';
import { type Credential, SchemaRegistry } from '../src/index.ts';

const URL_ID = 'did:city:cn/resources/0b6f3c1e-8a4d-4f7e-9c2b-5d1a7e3f9b20';
const SCHEMA = {
  type: 'object',
  required: ['credentialSubject'],
  properties: { credentialSubject: { required: ['level'] } },
};

function resultOf(
  content: Uint8Array,
  options: { checksum?: string; mediaType?: string; uri?: string } = {},
): DIDDereferencingResult {
  const checksum = options.checksum ?? createHash('sha256').update(content).digest('hex');
  const contentMetadata = {
    resourceURI: options.uri ?? URL_ID,
    resourceCollectionId: 'did:city:cn',
    resourceId: URL_ID.slice(-36),
    resourceName: 'Levels',
    resourceType: 'JsonSchema',
    mediaType: options.mediaType ?? 'application/schema+json',
    created: '2026-12-01T00:00:00Z',
    checksum,
    previousVersionId: null,
    nextVersionId: null,
  };
  return {
    dereferencingMetadata: { contentType: options.mediaType ?? 'application/schema+json' },
    content,
    contentStream: content,
    contentMetadata,
  };
}

function credential(subject: object): Credential {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiableCredential'],
    issuer: 'did:city:cn',
    credentialSubject: subject,
    credentialSchema: { id: URL_ID, type: 'JsonSchema' },
  } as Credential;
}

const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

describe('SchemaRegistry with a DID URL dereferencer', () => {
  it('validates against the dereferenced content', async () => {
    const registry = new SchemaRegistry({ dereference: async () => resultOf(bytes(SCHEMA)) });
    expect(await registry.check(credential({ level: 'city' }))).toEqual([]);
    expect(await registry.check(credential({}))).toEqual([expect.objectContaining({ code: 'SCHEMA_INVALID' })]);
  });

  it.each([
    [
      'bytes that do not match the stated checksum',
      resultOf(bytes(SCHEMA), { checksum: 'a'.repeat(64) }),
      'does not match the checksum anchored',
    ],
    [
      'a media type that is no JSON Schema',
      resultOf(bytes(SCHEMA), { mediaType: 'text/html' }),
      'is text/html, not a JSON Schema',
    ],
    ['content that is not JSON', resultOf(bytes('{"type":')), 'is not JSON'],
    ['a JSON array', resultOf(bytes([1])), 'is not a JSON object'],
    [
      'no content (a metadata result)',
      { ...resultOf(bytes(SCHEMA)), content: { linkedResourceMetadata: [] } } as unknown as DIDDereferencingResult,
      "does not dereference to a linked resource's content",
    ],
  ])('refuses %s with SCHEMA_UNAVAILABLE', async (_name, result, message) => {
    const registry = new SchemaRegistry({ dereference: async () => result });
    expect(await registry.check(credential({ level: 'city' }))).toEqual([
      { code: 'SCHEMA_UNAVAILABLE', message: expect.stringContaining(message) },
    ]);
  });

  it('keeps a bounded number of compiled schemas and still checks past the bound', async () => {
    const uri = (n: number) => `did:city:cn/resources/0b6f3c1e-8a4d-4f7e-9c2b-${n.toString(16).padStart(12, '0')}`;
    const registry = new SchemaRegistry({ dereference: async (url) => resultOf(bytes(SCHEMA), { uri: url }) });
    for (let n = 0; n < 300; n++) {
      const ok = {
        ...credential({ level: 'city' }),
        credentialSchema: { id: uri(n), type: 'JsonSchema' },
      } as Credential;
      expect(await registry.check(ok)).toEqual([]);
    }
    const again = { ...credential({}), credentialSchema: { id: uri(0), type: 'JsonSchema' } } as Credential;
    expect(await registry.check(again)).toEqual([expect.objectContaining({ code: 'SCHEMA_INVALID' })]);
  });

  it('refuses a DID URL schema when it has no dereferencer, and says why', async () => {
    expect(await new SchemaRegistry().check(credential({ level: 'city' }))).toEqual([
      {
        code: 'SCHEMA_UNAVAILABLE',
        message: `schema ${URL_ID} is a DID URL and this verifier dereferences no DID URLs`,
      },
    ]);
  });
});
