/**
 * The provider's catalogue as DCAT 3 in JSON-LD (spec §12.2): a `dcat:Catalog` published by the provider's DID,
 * its data service (the endpoint in the DID document), and per dataset its releases as `dcat:Distribution`s with
 * `spdx:checksum` (SHA-256), byte size, media type and where to get them. Only the newest releases of each dataset
 * are listed (`maxReleases`), so the catalogue stays small however long a series runs.
 */
import { type DatasetStore, datasetId, releaseId } from './datasets.ts';

export const CATALOGUE_CONTEXT = {
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  spdx: 'http://spdx.org/rdf/terms#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
};

export interface CatalogueOptions {
  did: string;
  /** The `CityDataService` endpoint: releases are at `<endpoint>/releases/<id>`. */
  endpoint: string;
  title?: string;
  maxReleases?: number;
}

export function buildCatalogue(store: DatasetStore, options: CatalogueOptions): Record<string, unknown> {
  const { did, endpoint } = options;
  const base = endpoint.replace(/\/$/, '');
  const datasets = store.datasets().map((dataset) => ({
    '@id': datasetId(did, dataset.name),
    '@type': 'dcat:Dataset',
    'dct:identifier': dataset.name,
    'dct:title': dataset.title,
    ...(dataset.description === undefined ? {} : { 'dct:description': dataset.description }),
    ...(dataset.accrualPeriodicity === undefined
      ? {}
      : { 'dct:accrualPeriodicity': { '@id': dataset.accrualPeriodicity } }),
    'dct:publisher': { '@id': did },
    'dcat:distribution': store
      .releases(dataset.name)
      .slice(0, options.maxReleases ?? 100)
      .map((release) => ({
        '@id': releaseId(did, release.id),
        '@type': 'dcat:Distribution',
        'dct:identifier': release.id,
        'dct:issued': { '@value': release.created, '@type': 'xsd:dateTime' },
        'dcat:mediaType': release.mediaType,
        'dcat:byteSize': release.byteSize,
        'spdx:checksum': {
          'spdx:algorithm': { '@id': 'spdx:checksumAlgorithm_sha256' },
          'spdx:checksumValue': release.checksum,
        },
        'dcat:accessURL': { '@id': release.location ?? `${base}/releases/${release.id}` },
        'dcat:accessService': { '@id': `${did}#data` },
      })),
  }));
  return {
    '@context': CATALOGUE_CONTEXT,
    '@id': `${did}?resourceName=catalogue&resourceType=CityDataCatalogue`,
    '@type': 'dcat:Catalog',
    'dct:title': options.title ?? `Datasets of ${did}`,
    'dct:publisher': { '@id': did },
    'dcat:service': { '@id': `${did}#data`, '@type': 'dcat:DataService', 'dcat:endpointURL': { '@id': base } },
    'dcat:dataset': datasets,
  };
}
