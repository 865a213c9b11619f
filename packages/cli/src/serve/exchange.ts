/**
 * The all-in-one's example of city-to-city exchange (spec §12): Beijing (110000) runs a data service at
 * `<publicUrl>/data/110000`, lists it in its DID document as `#data` (a `CityDataService`, added by Beijing's own
 * update), publishes an hourly air-quality sample dataset (each release and the catalogue anchored as Beijing's
 * DID-Linked Resources), and grants Tianjin (120000) access with a
 * CityDataSharingCredential. Idempotent like the rest of the seeding: each step looks first.
 *
 *   exchange/110000/service.json         the service endpoint, fixed at first start (the DID document names it)
 *   exchange/110000/operator-token       Beijing's data-service operator token (0600): grants, status, access log
 *   exchange/110000/datasets/…           datasets.json and the release files
 *   exchange/110000/grants.db            the grants' status lists
 *   exchange/110000/access.jsonl         the access log
 *   exchange/grants/110000-120000.jwt    Tianjin's grant (vc+jwt), as Tianjin would keep it
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DidResolver } from '@did-city/issuer';
import {
  CATALOGUE_RESOURCE,
  createProvider,
  DATA_SERVICE_TYPE,
  datasetId,
  grantCredential,
  type Provider,
  type ResourceAnchorer,
} from '@did-city/exchange';
import type { LedgerNode } from '@did-city/ledger';
import {
  createSigner,
  currentContent,
  resourceOperation,
  signOperation,
  updateOperation,
  verifyResourceContent,
} from '@did-city/method';
import type { OutboundFetchPolicy } from '@did-city/method/http';
import type { RequestHandler } from 'express';
import { createFileOnce, exists, readSecret } from './files.ts';
import { type Layout, loadOrCreateKey } from './layout.ts';
import { REGISTRY_DID, type SeedContext } from './seed.ts';

export const PROVIDER_CODE = '110000';
export const CONSUMER_CODE = '120000';
export const PROVIDER_DID = `${REGISTRY_DID}:${PROVIDER_CODE}`;
export const CONSUMER_DID = `${REGISTRY_DID}:${CONSUMER_CODE}`;
export const SAMPLE_DATASET = 'air-quality-hourly';
export const DATA_PATH = `/data/${PROVIDER_CODE}`;

export interface ExchangeLayout {
  dir: string;
  service: string;
  token: string;
  grant: string;
}

export function exchangeLayout(layout: Layout): ExchangeLayout {
  const dir = join(layout.dataDir, 'exchange', PROVIDER_CODE);
  return {
    dir,
    service: join(dir, 'service.json'),
    token: join(dir, 'operator-token'),
    grant: join(layout.dataDir, 'exchange', 'grants', `${PROVIDER_CODE}-${CONSUMER_CODE}.jwt`),
  };
}

export interface ExchangePartsOptions {
  layout: Layout;
  node: LedgerNode;
  publicUrl: string;
  resolver: DidResolver;
  fetchPolicy: OutboundFetchPolicy;
  limiter: RequestHandler;
  onError: (error: unknown) => void;
}

/**
 * Beijing's own resource operations, signed with its update key and submitted to the node: each release and
 * catalogue version becomes a linked resource of did:city:cn:110000. The node keeps the operation (checksum and
 * metadata). A release's bytes stay with the data service, which serves them to granted cities only; the catalogue
 * is public, so its bytes are also stored with the node (checked against the checksum first, as POST /resources
 * does), and its DID URL (`did:city:cn:110000?resourceName=catalogue&resourceType=CityDataCatalogue`) dereferences
 * through any resolver and the driver.
 */
function ledgerAnchorer(node: LedgerNode, layout: Layout): ResourceAnchorer {
  return async (resource, content) => {
    const history = await node.store.didState(PROVIDER_DID);
    if (history === undefined) throw new Error(`${PROVIDER_DID} is not on the ledger`);
    const key = loadOrCreateKey(layout.cityKey(PROVIDER_CODE), 'update-1');
    const operation = await signOperation(resourceOperation(history, resource), [createSigner(key)]);
    if (resource.resourceType === CATALOGUE_RESOURCE.resourceType && content !== undefined) {
      verifyResourceContent(resource, content);
      await node.resources.put(resource.checksum, content);
    }
    await node.submit(operation);
  };
}

/** The anchored catalogue's bytes with the node, for a data directory whose catalogue was anchored without them. */
async function seedCatalogueContent(context: SeedContext, provider: Provider): Promise<void> {
  const anchored = provider.datasets.anchoredCatalogue();
  if (anchored === undefined) return;
  const resource = (await context.node.store.didState(PROVIDER_DID))?.resources?.find(
    (r) => r.resourceId === anchored.resourceId,
  );
  if (resource === undefined || (await context.node.resources.get(resource.checksum)) !== undefined) return;
  verifyResourceContent(resource, anchored.content);
  await context.node.resources.put(resource.checksum, anchored.content);
  context.log(
    `${PROVIDER_DID}: the ledger now holds the bytes of its catalogue ${PROVIDER_DID}/resources/${resource.resourceId}`,
  );
}

/** Beijing's data service: endpoint and token fixed at first start, key = Beijing's #key-1. */
export function createExchangeProvider(options: ExchangePartsOptions): Provider {
  const files = exchangeLayout(options.layout);
  createFileOnce(
    files.service,
    `${JSON.stringify({ version: 1, endpoint: `${options.publicUrl}${DATA_PATH}` })}\n`,
    0o644,
  );
  createFileOnce(files.token, `${randomBytes(24).toString('base64url')}\n`, 0o600);
  const { endpoint } = JSON.parse(readFileSync(files.service, 'utf8')) as { endpoint: string };
  const key = loadOrCreateKey(options.layout.cityKey(PROVIDER_CODE), 'update-1');
  return createProvider({
    did: PROVIDER_DID,
    key: { verificationMethod: `${PROVIDER_DID}#key-1`, signer: createSigner(key) },
    dir: files.dir,
    endpoint,
    resolver: options.resolver,
    operatorToken: readSecret(files.token).trim(),
    fetchPolicy: options.fetchPolicy,
    limiter: options.limiter,
    onError: options.onError,
    anchor: ledgerAnchorer(options.node, options.layout),
  });
}

/** Beijing's update adding its data service as `#data`, unless its document lists it already. */
async function seedService(context: SeedContext, provider: Provider): Promise<void> {
  const history = await context.node.store.didState(PROVIDER_DID);
  if (history === undefined) throw new Error(`${PROVIDER_DID} is not on the ledger`);
  const content = currentContent(history) ?? {};
  if ((content.service ?? []).some((service) => service.type === DATA_SERVICE_TYPE)) return;
  const service = [
    ...(content.service ?? []),
    { id: '#data', type: DATA_SERVICE_TYPE, serviceEndpoint: provider.endpoint },
  ];
  const key = loadOrCreateKey(context.layout.cityKey(PROVIDER_CODE), 'update-1');
  await context.node.submit(
    await signOperation(updateOperation(history, { document: { ...content, service } }), [createSigner(key)]),
  );
  context.log(`${PROVIDER_DID} lists its data service ${provider.endpoint} as #data`);
}

/** 24 hourly readings ending at `end`: synthetic values (labelled so), deterministic for a given hour. */
export function airQualitySample(end: Date): Uint8Array {
  const last = Math.floor(end.getTime() / 3_600_000);
  const readings = Array.from({ length: 24 }, (_, n) => {
    const hour = last - 23 + n;
    const wave = (k: number) => Math.round((Math.sin(hour / (3 + k)) + 1) * (10 + 7 * k) + 5 * k);
    return { time: new Date(hour * 3_600_000).toISOString(), pm25: wave(2), pm10: wave(4), no2: wave(1), o3: wave(3) };
  });
  const sample = {
    city: PROVIDER_DID,
    dataset: SAMPLE_DATASET,
    unit: 'µg/m³',
    note: 'synthetic sample values, not measurements',
    readings,
  };
  return Buffer.from(`${JSON.stringify(sample, null, 2)}\n`);
}

async function seedDataset(context: SeedContext, provider: Provider): Promise<void> {
  if (provider.datasets.dataset(SAMPLE_DATASET) === undefined) {
    provider.datasets.define({
      name: SAMPLE_DATASET,
      title: 'Beijing hourly air quality (sample)',
      description: 'PM2.5, PM10, NO2 and O3 per hour over the last 24 hours; synthetic sample values',
      accrualPeriodicity: 'http://purl.org/cld/freq/hourly',
      mediaType: 'application/json',
    });
  }
  if (provider.datasets.releases(SAMPLE_DATASET).length > 0) return;
  const release = await provider.publisher.publish(SAMPLE_DATASET, airQualitySample(new Date()));
  context.log(
    `${PROVIDER_DID} published release ${release.id} of ${SAMPLE_DATASET}, anchored as a linked resource (sha-256 ${release.checksum})`,
  );
}

async function seedGrant(context: SeedContext, provider: Provider, files: ExchangeLayout): Promise<void> {
  if (exists(files.grant)) return;
  const credential = grantCredential({
    provider: PROVIDER_DID,
    consumer: CONSUMER_DID,
    dataset: datasetId(PROVIDER_DID, SAMPLE_DATASET),
    datasetName: 'Beijing hourly air quality (sample)',
    purpose: 'regional air-quality forecasting (Beijing–Tianjin–Hebei)',
  });
  const { verifiableCredential, id } = await provider.issuer.issue(credential, { format: 'vc+jwt' });
  createFileOnce(files.grant, `${String(verifiableCredential)}\n`, 0o644);
  context.log(`${PROVIDER_DID} granted ${CONSUMER_DID} access to ${SAMPLE_DATASET} (credential ${id})`);
}

export async function seedExchange(context: SeedContext, provider: Provider): Promise<void> {
  await seedService(context, provider);
  await seedDataset(context, provider);
  await seedCatalogueContent(context, provider);
  await seedGrant(context, provider, exchangeLayout(context.layout));
}
