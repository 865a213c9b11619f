import { describe, expect, it } from 'vitest';
import { quickstart } from '../examples/quickstart.ts';

describe('the README example (examples/quickstart.ts)', () => {
  it('allocates Shijiazhuang under the registry, rotates its key, and resolves every version', async () => {
    const { current, first, newKey } = await quickstart();
    expect(current.didResolutionMetadata.error).toBeUndefined();
    expect(current.didDocument?.id).toBe('did:city:cn:130100');
    expect(current.didDocument?.verificationMethod).toEqual([
      {
        id: 'did:city:cn:130100#key-2',
        type: 'Multikey',
        controller: 'did:city:cn:130100',
        publicKeyMultibase: newKey,
      },
    ]);
    expect(current.didDocument?.assertionMethod).toEqual(['did:city:cn:130100#key-2']);
    expect(current.didDocumentMetadata).toMatchObject({ versionId: '1', canonicalId: 'did:city:cn:130100' });
    expect(current.didDocumentMetadata.city).toMatchObject({ name: '石家庄市', divisionCode: '130100', level: 'city' });
    expect(first.didDocumentMetadata).toMatchObject({ versionId: '0', nextVersionId: '1' });
    expect(first.didDocument?.verificationMethod?.[0]?.publicKeyMultibase).not.toBe(newKey);
  });
});
