/**
 * Publishing (spec §12.2): each release becomes a DID-Linked Resource of the provider before it is served: a
 * `resource` operation signed by the provider's update key anchors its resourceId (the release id), name (the
 * dataset), type `CityDatasetRelease`, media type and SHA-256 checksum on the ledger; then the catalogue, rebuilt,
 * is anchored the same way as a new version of the provider's `catalogue` resource of type `CityDataCatalogue`.
 * A release published with a location (too large to keep here) is anchored by its checksum alone.
 * Publications run one at a time: each resource operation builds on the provider's previous one.
 */
import { randomUUID } from 'node:crypto';
import type { ResourceDescription } from '@did-city/method';
import { buildCatalogue, type CatalogueOptions } from './catalogue.ts';
import { type DatasetStore, RELEASE_RESOURCE_TYPE, type ReleaseRecord } from './datasets.ts';
import { sha256Hex } from './digest.ts';

export const CATALOGUE_RESOURCE = {
  resourceName: 'catalogue',
  resourceType: 'CityDataCatalogue',
  mediaType: 'application/ld+json',
} as const;

/** Anchors a resource of the provider's DID (content is given when the provider holds it). */
export type ResourceAnchorer = (resource: ResourceDescription, content: Uint8Array | undefined) => Promise<void>;

export class Publisher {
  readonly #store: DatasetStore;
  readonly #catalogue: CatalogueOptions;
  readonly #anchor: ResourceAnchorer | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(store: DatasetStore, catalogue: CatalogueOptions, anchor?: ResourceAnchorer) {
    this.#store = store;
    this.#catalogue = catalogue;
    this.#anchor = anchor;
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Anchors and stores a release held here; resolves once the release and the new catalogue are anchored. */
  publish(name: string, content: Uint8Array, options: { mediaType?: string } = {}): Promise<ReleaseRecord> {
    return this.#serially(async () => {
      const mediaType = options.mediaType ?? this.#store.dataset(name)?.mediaType ?? 'application/octet-stream';
      // Checked before anything is anchored: a release the store would refuse must not reach the ledger.
      this.#store.check(name, content.length, mediaType);
      const id = randomUUID();
      await this.#anchor?.(
        {
          resourceId: id,
          resourceName: name,
          resourceType: RELEASE_RESOURCE_TYPE,
          mediaType,
          checksum: sha256Hex(content),
        },
        content,
      );
      const release = this.#store.publish(name, content, { id, mediaType });
      await this.#publishCatalogue();
      return release;
    });
  }

  /** Anchors a release served elsewhere, by its checksum. */
  publishLocation(
    name: string,
    input: { location: string; checksum: string; byteSize: number; mediaType?: string },
  ): Promise<ReleaseRecord> {
    return this.#serially(async () => {
      const mediaType = input.mediaType ?? this.#store.dataset(name)?.mediaType ?? 'application/octet-stream';
      this.#store.checkLocation(name, { ...input, mediaType });
      const id = randomUUID();
      await this.#anchor?.(
        {
          resourceId: id,
          resourceName: name,
          resourceType: RELEASE_RESOURCE_TYPE,
          mediaType,
          checksum: input.checksum,
        },
        undefined,
      );
      const release = this.#store.publishLocation(name, { ...input, id, mediaType });
      await this.#publishCatalogue();
      return release;
    });
  }

  async #publishCatalogue(): Promise<void> {
    const content = Buffer.from(`${JSON.stringify(buildCatalogue(this.#store, this.#catalogue), null, 2)}\n`);
    const resourceId = randomUUID();
    await this.#anchor?.({ resourceId, ...CATALOGUE_RESOURCE, checksum: sha256Hex(content) }, content);
    this.#store.saveCatalogue(resourceId, content);
  }
}
