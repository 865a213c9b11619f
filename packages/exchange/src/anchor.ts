/**
 * Where a consumer learns the checksum a release must have (spec R-XCH-8). The anchored source is the provider's
 * DID-Linked Resource for the release: its `checksum` in `didDocumentMetadata.linkedResourceMetadata`, which the
 * verifying resolver has proven against the co-signed ledger. A provider that has not anchored the release yields
 * nothing there, and the consumer refuses the payload unless it was told to accept the catalogue's checksum
 * (`catalogueChecksum`), which only the provider vouches for.
 */
import type { DidResolver } from '@did-city/issuer';

export interface AnchoredRelease {
  checksum: string;
  mediaType?: string;
  /** `ledger` when proven by the resolver, `catalogue` when taken from the provider's catalogue. */
  source: 'ledger' | 'catalogue';
}

/** Looks up a release's checksum: `undefined` when the source has no such release. */
export type ReleaseAnchor = (provider: string, resourceId: string) => Promise<AnchoredRelease | undefined>;

interface LinkedResourceMetadataLike {
  resourceId?: unknown;
  checksum?: unknown;
  mediaType?: unknown;
}

/** The ledger anchor: the release's linked resource, as the verifying resolver reports it. */
export function ledgerAnchor(resolver: DidResolver): ReleaseAnchor {
  return async (provider, resourceId) => {
    const { didDocumentMetadata, didResolutionMetadata } = await resolver.resolve(provider);
    if (didResolutionMetadata.error !== undefined) return undefined;
    const listed =
      (didDocumentMetadata as { linkedResourceMetadata?: LinkedResourceMetadataLike[] }).linkedResourceMetadata ?? [];
    const found = listed.find((entry) => entry.resourceId === resourceId);
    if (found === undefined || typeof found.checksum !== 'string') return undefined;
    return {
      checksum: found.checksum,
      ...(typeof found.mediaType === 'string' ? { mediaType: found.mediaType } : {}),
      source: 'ledger',
    };
  };
}
