/**
 * `data catalogue|grant|fetch` (spec §12): a provider city's catalogue, a grant issued by its data service, and a
 * fetch signed with the consumer city's key that accepts the payload only if it matches the checksum anchored for
 * the release. Providers are found through their DID documents, resolved and verified against the ledger.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { datasetId, ExchangeClient, ExchangeError, grantCredential } from '@did-city/exchange';
import { createCityResolver, type DIDDocument } from '@did-city/method';
import { type CommandSpec, need, str, UsageError, type Values } from '../args.ts';
import type { Config } from '../config.ts';
import { pinsOf } from '../genesis.ts';
import { requestJson } from '../http.ts';
import { readKeyFile, signerOf } from '../keyfile.ts';
import { CliError, EXIT } from '../output.ts';
import { credentialId } from './credential.ts';
import { checkedDid } from './resolve.ts';

const TOKEN_ENV = 'DID_CITY_DATA_TOKEN';

type Catalogue = { 'dcat:dataset'?: Array<Record<string, unknown>> };
type Distribution = {
  'dct:identifier'?: string;
  'dct:issued'?: { '@value'?: string };
  'dcat:byteSize'?: number;
  'spdx:checksum'?: { 'spdx:checksumValue'?: string };
};
type Resolver = ReturnType<typeof createCityResolver>;

async function resolverOf(config: Config): Promise<Resolver> {
  return createCityResolver({ reader: await config.reader(), ...pinsOf(config) });
}

function asCliError(error: unknown): unknown {
  if (!(error instanceof ExchangeError)) return error;
  const problem = error.problem as { title?: string; detail?: string } | undefined;
  const detail = problem?.detail === undefined ? error.message : `${error.message}: ${problem.detail}`;
  return new CliError({
    exit: error.code === 'PROVIDER_UNAVAILABLE' ? EXIT.unreachable : EXIT.refused,
    title: problem?.title ?? error.toProblem().title,
    detail,
  });
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asCliError(error);
  }
}

function datasetsOf(catalogue: Catalogue) {
  return (catalogue['dcat:dataset'] ?? []).map((dataset) => ({
    name: String(dataset['dct:identifier']),
    title: String(dataset['dct:title']),
    releases: (dataset['dcat:distribution'] ?? []) as Distribution[],
  }));
}

function catalogueText(provider: string, catalogue: Catalogue): string {
  const lines = [`catalogue of ${provider}`];
  for (const dataset of datasetsOf(catalogue)) {
    lines.push(`  ${dataset.name}  ${dataset.title}  (${dataset.releases.length} releases)`);
    for (const release of dataset.releases.slice(0, 5)) {
      const checksum = release['spdx:checksum']?.['spdx:checksumValue'];
      lines.push(
        `    ${release['dct:identifier']}  ${release['dct:issued']?.['@value'] ?? ''}  ${release['dcat:byteSize']} bytes  sha-256 ${checksum}`,
      );
    }
  }
  return lines.join('\n');
}

async function catalogueOf(client: ExchangeClient, provider: string): Promise<Catalogue> {
  return (await guarded(() => client.catalogue(provider))) as Catalogue;
}

function findDataset(catalogue: Catalogue, provider: string, name: string) {
  const dataset = datasetsOf(catalogue).find((entry) => entry.name === name);
  if (dataset === undefined)
    throw new CliError({
      exit: EXIT.refused,
      title: 'No such dataset',
      detail: `${provider} lists no dataset ${name} (did-city data catalogue ${provider})`,
    });
  return dataset;
}

export const dataCatalogue: CommandSpec = {
  name: 'data catalogue',
  summary: "Show a city's data catalogue (DCAT): its datasets and their newest releases with checksums.",
  positionals: [{ name: 'PROVIDER', doc: 'the provider city, e.g. did:city:cn:110000' }],
  options: {},
  async run({ positionals, out, config }) {
    const provider = checkedDid(positionals[0]!);
    const catalogue = await catalogueOf(new ExchangeClient({ resolver: await resolverOf(config) }), provider);
    out.result(catalogueText(provider, catalogue), catalogue);
    return EXIT.ok;
  },
};

export const dataGrant: CommandSpec = {
  name: 'data grant',
  summary: "Have a provider city's data service grant a consumer city access to a dataset; prints the grant (vc+jwt).",
  details: `The grant is a CityDataSharingCredential issued by the provider, with revocation and suspension status.
Revoke it with: did-city credential revoke ID --issuer-url <data service>/grants --token T
Example: did-city data grant did:city:cn:110000 air-quality-hourly --to did:city:cn:120000 --purpose forecasting --token T --out grant.jwt`,
  positionals: [
    { name: 'PROVIDER', doc: 'the provider city, e.g. did:city:cn:110000' },
    { name: 'DATASET', doc: 'the dataset name in its catalogue' },
  ],
  options: {
    to: { type: 'string', value: 'DID', doc: 'the consumer city', required: true },
    purpose: { type: 'string', value: 'TEXT', doc: 'what the data is for', required: true },
    'valid-until': {
      type: 'string',
      value: 'T',
      doc: 'end of the grant (e.g. 2027-12-31T00:00:00Z); default open-ended',
    },
    token: { type: 'string', value: 'T', doc: `the data service operator's token (env ${TOKEN_ENV})` },
    out: { type: 'string', value: 'FILE', doc: 'also write the grant to FILE' },
  },
  async run({ values, positionals, out, config }) {
    const provider = checkedDid(positionals[0]!);
    const consumer = checkedDid(need(values, 'to'));
    const token = config.token(values, TOKEN_ENV);
    const client = new ExchangeClient({ resolver: await resolverOf(config) });
    const dataset = findDataset(await catalogueOf(client, provider), provider, positionals[1]!);
    const validUntil = str(values, 'valid-until');
    if (validUntil !== undefined && Number.isNaN(Date.parse(validUntil)))
      throw new UsageError('--valid-until must be a date-time');
    const credential = grantCredential({
      provider,
      consumer,
      dataset: datasetId(provider, dataset.name),
      datasetName: dataset.title,
      purpose: need(values, 'purpose'),
      ...(validUntil === undefined ? {} : { validUntil }),
    });
    const url = `${await guarded(() => client.endpointOf(provider))}/grants/credentials/issue`;
    const answer = (await requestJson(url, {
      body: { credential, options: { format: 'vc+jwt', envelope: false } },
      token,
    })) as { verifiableCredential: unknown };
    const jwt = String(answer.verifiableCredential);
    const file = str(values, 'out');
    if (file !== undefined) writeFileSync(file, `${jwt}\n`);
    out.progress(`credential id: ${credentialId(jwt)}`);
    out.result(jwt, { id: credentialId(jwt), verifiableCredential: jwt });
    return EXIT.ok;
  },
};

async function send(
  url: string,
  init: { method: string; body: string | Uint8Array; type: string; token: string },
): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method,
      headers: { 'content-type': init.type, authorization: `Bearer ${init.token}`, accept: 'application/json' },
      body: init.body,
    });
  } catch {
    throw new CliError({
      exit: EXIT.unreachable,
      title: 'Data service unreachable',
      detail: `could not reach ${new URL(url).origin}`,
    });
  }
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // reported below by status
  }
  if (!response.ok)
    throw new CliError({
      exit: EXIT.refused,
      title: String(body.title ?? `HTTP ${response.status}`),
      detail: String(body.detail ?? `${new URL(url).pathname} answered ${response.status}`),
    });
  return body;
}

export const dataPublish: CommandSpec = {
  name: 'data publish',
  summary:
    "Publish a release of a dataset through a city's data service: anchored as the city's linked resource first.",
  details: `With --title the dataset is defined (or its definition replaced) first. The data service anchors the
release (its SHA-256 and metadata) on the ledger as a DID-Linked Resource of the provider, then a new version of
its catalogue, and only then serves it.
Example: did-city data publish did:city:cn:110000 bus-ridership ridership.csv --title "Daily bus ridership" --media-type text/csv --token T`,
  positionals: [
    { name: 'PROVIDER', doc: 'the provider city, e.g. did:city:cn:110000' },
    { name: 'DATASET', doc: 'the dataset name (1-64 lowercase letters, digits, hyphens)' },
    { name: 'FILE', doc: 'the release content' },
  ],
  options: {
    title: { type: 'string', value: 'TEXT', doc: 'define the dataset with this title first' },
    description: { type: 'string', value: 'TEXT', doc: 'its description (with --title)' },
    periodicity: {
      type: 'string',
      value: 'URI',
      doc: 'its accrual periodicity, e.g. http://purl.org/cld/freq/daily (with --title)',
    },
    'media-type': { type: 'string', value: 'TYPE', doc: "the content's media type (default: the dataset's)" },
    token: { type: 'string', value: 'T', doc: `the data service operator's token (env ${TOKEN_ENV})` },
  },
  async run({ values, positionals, out, config }) {
    const provider = checkedDid(positionals[0]!);
    const [name, file] = [positionals[1]!, positionals[2]!];
    const token = config.token(values, TOKEN_ENV);
    const mediaType = str(values, 'media-type');
    const content = readFileSync(file);
    const endpoint = await guarded(async () =>
      new ExchangeClient({ resolver: await resolverOf(config) }).endpointOf(provider),
    );
    const title = str(values, 'title');
    if (title !== undefined) {
      const definition = {
        title,
        mediaType: mediaType ?? 'application/octet-stream',
        description: str(values, 'description'),
        accrualPeriodicity: str(values, 'periodicity'),
      };
      await send(`${endpoint}/datasets/${encodeURIComponent(name)}`, {
        method: 'PUT',
        body: JSON.stringify(definition),
        type: 'application/json',
        token,
      });
    }
    out.progress('anchoring the release on the ledger…');
    const release = await send(`${endpoint}/datasets/${encodeURIComponent(name)}/releases`, {
      method: 'POST',
      body: content,
      type: mediaType ?? 'application/octet-stream',
      token,
    });
    out.result(
      `published ${release.release}\n  ${release.byteSize} bytes, sha-256 ${release.checksum}, anchored as a linked resource of ${provider}`,
      release,
    );
    return EXIT.ok;
  },
};

/** The key file's key to sign with: `--key NAME`, or the file's only key. */
function consumerSigner(config: Config, values: Values) {
  const name = str(values, 'key') ?? soleKeyName(config.keyFile);
  return signerOf(config.keyFile, name);
}

function soleKeyName(file: string): string {
  const { keys } = readKeyFile(file);
  if (keys.length !== 1) throw new UsageError(`${file} holds ${keys.length} keys: name one with --key NAME`);
  return keys[0]!.name;
}

/** The consumer's verification method in `authentication` whose key is the signer's: the signature's keyid. */
async function keyidOf(resolver: Resolver, consumer: string, publicKeyMultibase: string): Promise<string> {
  const { didDocument } = await resolver.resolve(consumer);
  const document = didDocument as DIDDocument | null;
  const method = document?.verificationMethod?.find(
    (m) => m.publicKeyMultibase === publicKeyMultibase && document.authentication?.includes(m.id),
  );
  if (method === undefined)
    throw new CliError({
      exit: EXIT.refused,
      title: 'Key not authorised',
      detail: `the key is not in the authentication of ${consumer}`,
    });
  return method.id;
}

function latestRelease(catalogue: Catalogue, provider: string, name: string): string {
  const release = findDataset(catalogue, provider, name).releases[0]?.['dct:identifier'];
  if (release === undefined)
    throw new CliError({ exit: EXIT.refused, title: 'No release', detail: `${name} has no release yet` });
  return release;
}

export const dataFetch: CommandSpec = {
  name: 'data fetch',
  summary:
    'Fetch a dataset release with a grant, signed with your city key; refuses a payload that does not match its anchored checksum.',
  details: `Without --release the newest release in the catalogue is fetched. The payload goes to stdout (or --out);
what was verified goes to stderr.
Example: did-city data fetch did:city:cn:110000 air-quality-hourly --as did:city:cn:120000 --keys tianjin.json --grant grant.jwt`,
  positionals: [
    { name: 'PROVIDER', doc: 'the provider city, e.g. did:city:cn:110000' },
    { name: 'DATASET', doc: 'the dataset name in its catalogue' },
  ],
  options: {
    as: { type: 'string', value: 'DID', doc: 'your city (the consumer the grant names)', required: true },
    grant: { type: 'string', value: 'FILE', doc: 'the grant the provider issued to you', required: true },
    key: { type: 'string', value: 'NAME', doc: 'the key in --keys to sign with (default: the only key there)' },
    release: { type: 'string', value: 'ID', doc: 'a release id (default: the newest)' },
    'allow-catalogue-checksum': {
      type: 'boolean',
      doc: "accept the provider's catalogue checksum when the ledger has none",
    },
    presentation: {
      type: 'boolean',
      doc: 'present the grant in a Verifiable Presentation signed with the same key, bound to the request',
    },
    out: { type: 'string', value: 'FILE', doc: 'write the payload to FILE instead of stdout' },
  },
  async run({ values, positionals, out, config }) {
    const provider = checkedDid(positionals[0]!);
    const consumer = checkedDid(need(values, 'as'));
    const presentation = values['presentation'] === true;
    const grant = readFileSync(need(values, 'grant'), 'utf8').trim();
    const signer = consumerSigner(config, values);
    const resolver = await resolverOf(config);
    const key = { keyid: await keyidOf(resolver, consumer, signer.publicKeyMultibase), signer };
    const client = new ExchangeClient({
      resolver,
      key,
      allowCatalogueChecksum: values['allow-catalogue-checksum'] === true,
    });
    const release =
      str(values, 'release') ?? latestRelease(await catalogueOf(client, provider), provider, positionals[1]!);
    const fetched = await guarded(() => client.fetchRelease({ provider, release, grant, presentation }));
    out.progress(
      `verified: ${fetched.content.length} bytes of ${fetched.release}, sha-256 ${fetched.checksum} matches the ${fetched.anchor} checksum`,
    );
    const file = str(values, 'out');
    if (file !== undefined) writeFileSync(file, fetched.content);
    const summary = {
      release: fetched.release,
      mediaType: fetched.mediaType,
      checksum: fetched.checksum,
      anchor: fetched.anchor,
      bytes: fetched.content.length,
    };
    if (file === undefined && !out.json) out.print(fetched.content.toString('utf8'));
    else out.result(`wrote ${fetched.content.length} bytes to ${file}`, summary);
    return EXIT.ok;
  },
};
