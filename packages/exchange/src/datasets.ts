/**
 * The provider's datasets and releases on disk (spec §12.2). `datasets.json` holds the definitions and each
 * release's metadata with its SHA-256 checksum, taken when the release was published; `content/<release id>` holds
 * the bytes, served as they are on disk at request time. A release may instead name a `location` and carry only
 * its checksum and size (a large file the provider serves elsewhere).
 *
 * Identifiers are DID URLs of the provider: a release is `<did>/resources/<uuid>` (its DID-Linked Resource), a
 * dataset `<did>?resourceName=<name>&resourceType=CityDatasetRelease` (the series of its releases).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '@did-city/method';
import { sha256Hex } from './digest.ts';
import { ExchangeError } from './errors.ts';

export const RELEASE_RESOURCE_TYPE = 'CityDatasetRelease';
const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** RFC 6838 type/subtype, lower case and without parameters, as a linked resource's mediaType must be. */
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
/** Largest release stored in the provider's own directory (bigger ones are published with a location). */
export const MAX_RELEASE_BYTES = 16 * 1024 * 1024;

export interface DatasetDefinition {
  name: string;
  title: string;
  description?: string;
  /** A Dublin Core frequency URI, e.g. http://purl.org/cld/freq/hourly. */
  accrualPeriodicity?: string;
  mediaType: string;
}

export interface ReleaseRecord {
  id: string;
  dataset: string;
  created: string;
  mediaType: string;
  byteSize: number;
  /** SHA-256 of the content, lowercase hex. */
  checksum: string;
  /** Where a large release is served instead of by this provider. */
  location?: string;
}

interface Stored {
  version: 1;
  datasets: DatasetDefinition[];
  releases: ReleaseRecord[];
  catalogueResourceId?: string;
}

function invalid(message: string): never {
  throw new ExchangeError('INVALID_INPUT', message);
}

export function checkMediaType(mediaType: unknown): void {
  if (typeof mediaType !== 'string' || !MEDIA_TYPE.test(mediaType))
    invalid('mediaType must be a lowercase media type without parameters, e.g. application/json');
}

export function datasetId(did: string, name: string): string {
  return `${did}?resourceName=${name}&resourceType=${RELEASE_RESOURCE_TYPE}`;
}

export function releaseId(did: string, id: string): string {
  return `${did}/resources/${id}`;
}

export class DatasetStore {
  readonly dir: string;
  #stored: Stored;

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(join(dir, 'content'), { recursive: true });
    const file = join(dir, 'datasets.json');
    this.#stored = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as Stored)
      : { version: 1, datasets: [], releases: [] };
  }

  #save(): void {
    const file = join(this.dir, 'datasets.json');
    writeFileSync(`${file}.tmp`, `${JSON.stringify(this.#stored, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
  }

  define(definition: DatasetDefinition): DatasetDefinition {
    if (!NAME.test(definition.name)) invalid('a dataset name is 1-64 lowercase letters, digits and hyphens');
    if (typeof definition.title !== 'string' || definition.title.length === 0 || definition.title.length > 200)
      invalid('a dataset needs a title of at most 200 characters');
    checkMediaType(definition.mediaType);
    const others = this.#stored.datasets.filter((d) => d.name !== definition.name);
    this.#stored.datasets = [...others, { ...definition }];
    this.#save();
    return definition;
  }

  datasets(): DatasetDefinition[] {
    return this.#stored.datasets.map((d) => ({ ...d }));
  }

  dataset(name: string): DatasetDefinition | undefined {
    return this.#stored.datasets.find((d) => d.name === name);
  }

  #needDataset(name: string): DatasetDefinition {
    const dataset = this.dataset(name);
    if (dataset === undefined) invalid(`no dataset ${name}; define it first`);
    return dataset;
  }

  /** Throws INVALID_INPUT unless a release of `byteSize` bytes could be stored for dataset `name`. */
  check(name: string, byteSize: number, mediaType?: string): DatasetDefinition {
    const dataset = this.#needDataset(name);
    if (mediaType !== undefined) checkMediaType(mediaType);
    if (byteSize > MAX_RELEASE_BYTES)
      invalid(`a release stored here is at most ${MAX_RELEASE_BYTES} bytes; publish a larger one with a location`);
    return dataset;
  }

  /** Stores a release's bytes and metadata; the checksum is taken now, from these bytes. */
  publish(
    name: string,
    content: Uint8Array,
    options: { mediaType?: string; now?: Clock; id?: string } = {},
  ): ReleaseRecord {
    const dataset = this.check(name, content.length, options.mediaType);
    const id = options.id ?? randomUUID();
    writeFileSync(join(this.dir, 'content', id), content);
    return this.#add({
      id,
      dataset: name,
      created: new Date((options.now ?? Date.now)()).toISOString(),
      mediaType: options.mediaType ?? dataset.mediaType,
      byteSize: content.length,
      checksum: sha256Hex(content),
    });
  }

  /** A release served elsewhere: only its checksum, size and location are kept. */
  checkLocation(
    name: string,
    input: { location: string; checksum: string; byteSize: number; mediaType?: string },
  ): DatasetDefinition {
    const dataset = this.#needDataset(name);
    if (typeof input.location !== 'string' || !/^https?:\/\//.test(input.location) || !URL.canParse(input.location))
      invalid('location must be an http(s) URL');
    if (typeof input.checksum !== 'string' || !/^[0-9a-f]{64}$/.test(input.checksum))
      invalid('checksum must be SHA-256 as 64 lowercase hex digits');
    if (!Number.isSafeInteger(input.byteSize) || input.byteSize < 0) invalid('byteSize must be a non-negative integer');
    if (input.mediaType !== undefined) checkMediaType(input.mediaType);
    return dataset;
  }

  publishLocation(
    name: string,
    input: { location: string; checksum: string; byteSize: number; mediaType?: string; now?: Clock; id?: string },
  ): ReleaseRecord {
    const dataset = this.checkLocation(name, input);
    const created = new Date((input.now ?? Date.now)()).toISOString();
    return this.#add({
      id: input.id ?? randomUUID(),
      dataset: name,
      created,
      mediaType: input.mediaType ?? dataset.mediaType,
      byteSize: input.byteSize,
      checksum: input.checksum,
      location: input.location,
    });
  }

  #add(release: ReleaseRecord): ReleaseRecord {
    this.#stored.releases.push(release);
    this.#save();
    return { ...release };
  }

  /** Releases of a dataset, newest first. */
  releases(name: string): ReleaseRecord[] {
    return this.#stored.releases
      .filter((r) => r.dataset === name)
      .reverse()
      .map((r) => ({ ...r }));
  }

  release(id: string): ReleaseRecord | undefined {
    const found = this.#stored.releases.find((r) => r.id === id);
    return found === undefined ? undefined : { ...found };
  }

  /** The bytes on disk now (whatever happened to them since publishing), or undefined. */
  content(id: string): Buffer | undefined {
    if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
    const file = join(this.dir, 'content', id);
    return existsSync(file) ? readFileSync(file) : undefined;
  }

  /** The catalogue as last anchored: its bytes and resource id (publishing replaces it). */
  anchoredCatalogue(): { resourceId: string; content: Buffer } | undefined {
    const file = join(this.dir, 'catalogue.json');
    const id = this.#stored.catalogueResourceId;
    return id === undefined || !existsSync(file) ? undefined : { resourceId: id, content: readFileSync(file) };
  }

  saveCatalogue(resourceId: string, content: Uint8Array): void {
    const file = join(this.dir, 'catalogue.json');
    writeFileSync(`${file}.tmp`, content);
    renameSync(`${file}.tmp`, file);
    this.#stored.catalogueResourceId = resourceId;
    this.#save();
  }
}
