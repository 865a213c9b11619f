/**
 * `resource publish|list|get` (spec §3.9, §6.8): publish a file as a DID-Linked Resource (a `resource` operation
 * signed with the DID's update keys, submitted with the content), list a DID's resources (all, or every version of
 * a type), and get one, verified against the checksum its verified history anchors.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  createCityResolver,
  type DIDDereferencingResult,
  describeResource,
  formatDidUrl,
  type LinkedResourceMetadata,
  resourceOperation,
  signOperation,
} from '@did-city/method';
import { type CommandSpec, list, need, str, UsageError, type Values } from '../args.ts';
import type { Config } from '../config.ts';
import { pinsOf } from '../genesis.ts';
import { liveState, printReceipt, summarise } from '../ledger.ts';
import { CliError, EXIT } from '../output.ts';
import { didArgument, didOption, signers } from './operations.ts';

function resolverOf(config: Config) {
  return async () => createCityResolver({ reader: await config.reader(), ...pinsOf(config), cache: false });
}

function failed(result: DIDDereferencingResult): never {
  const error = result.dereferencingMetadata.error!;
  const exit =
    error.type.endsWith('#NOT_FOUND') || error.type.endsWith('#INVALID_DID_URL') ? EXIT.refused : EXIT.unreachable;
  throw new CliError({ exit, title: error.title, detail: error.detail });
}

export const resourcePublish: CommandSpec = {
  name: 'resource publish',
  summary: 'Publish a file as a DID-Linked Resource of a DID (anchored checksum, content stored by the ledger).',
  details: `Signs a resource operation with the DID's update keys (--key, as many as its threshold) and submits it
with the file (at most 1 MiB). A new version of a resource is a publish with the same --name and --type.
Example: did-city resource publish --did did:city:cn:130100 --key sjz --name air-quality --type DatasetRelease --media-type application/json --file ./aq.json`,
  options: {
    did: didOption('the DID that publishes'),
    key: { type: 'string', value: 'N', doc: 'an update key of the DID', multiple: true, required: true },
    name: { type: 'string', value: 'NAME', doc: 'resourceName', required: true },
    type: { type: 'string', value: 'TYPE', doc: 'resourceType', required: true },
    'media-type': { type: 'string', value: 'TYPE/SUB', doc: "the content's media type", required: true },
    file: { type: 'string', value: 'PATH', doc: 'the content', required: true },
    version: { type: 'string', value: 'LABEL', doc: 'an optional version label (resourceVersion)' },
  },
  async run({ values, out, config }) {
    const did = didArgument(values);
    const content = new Uint8Array(readFileSync(need(values, 'file')));
    const version = str(values, 'version');
    const resource = describeResource({
      content,
      resourceName: need(values, 'name'),
      resourceType: need(values, 'type'),
      mediaType: need(values, 'media-type'),
      ...(version === undefined ? {} : { resourceVersion: version }),
    });
    const history = await liveState(config, out, did);
    const operation = await signOperation(
      resourceOperation(history, resource),
      signers(config, list(values, 'key'), 'key'),
    );
    out.progress(
      `submitting resource ${resource.resourceId} (${content.byteLength} bytes); waiting for witness quorum…`,
    );
    const receipt = await (await config.client()).submitResource(operation, content);
    printReceipt(out, summarise(operation, receipt));
    out.print(`${did}/resources/${resource.resourceId}`);
    return EXIT.ok;
  },
};

function listText(listed: LinkedResourceMetadata[]): string {
  if (listed.length === 0) return 'no resources';
  return listed
    .map(
      (r) =>
        `${r.resourceURI}  ${r.resourceType}  ${r.resourceName}${r.resourceVersion ? ` v${r.resourceVersion}` : ''}  ${r.mediaType}  ${r.created}`,
    )
    .join('\n');
}

export const resourceList: CommandSpec = {
  name: 'resource list',
  summary: "List a DID's linked resources (all, or every version of a type or name), verified against the ledger.",
  details: `Example: did-city resource list --did did:city:cn --type JsonSchema`,
  options: {
    did: didOption('the DID whose resources to list'),
    type: { type: 'string', value: 'TYPE', doc: 'only this resourceType' },
    name: { type: 'string', value: 'NAME', doc: 'only this resourceName' },
  },
  async run({ values, out, config }) {
    const did = didArgument(values);
    const query: Record<string, string> = {};
    for (const [flag, parameter] of [
      ['name', 'resourceName'],
      ['type', 'resourceType'],
    ] as const) {
      const value = str(values, flag);
      if (value !== undefined) query[parameter] = value;
    }
    const resolver = await resolverOf(config)();
    let listed: LinkedResourceMetadata[];
    if (Object.keys(query).length === 0) {
      const resolved = await resolver.resolve(did);
      if (resolved.didResolutionMetadata.error !== undefined)
        throw new CliError({
          exit: EXIT.refused,
          title: resolved.didResolutionMetadata.error.title,
          detail: resolved.didResolutionMetadata.error.detail,
        });
      listed = resolved.didDocumentMetadata.linkedResourceMetadata ?? [];
    } else {
      const result = await resolver.dereference(formatDidUrl({ did, query: { ...query, resourceMetadata: 'true' } }));
      if (result.dereferencingMetadata.error !== undefined) failed(result);
      listed =
        (result.content as { linkedResourceMetadata?: LinkedResourceMetadata[] } | null)?.linkedResourceMetadata ?? [];
    }
    out.result(listText(listed), listed);
    return EXIT.ok;
  },
};

function targetOf(values: Values): string {
  const url = str(values, 'url');
  if (url !== undefined) return url;
  const did = didArgument(values);
  const id = str(values, 'id');
  if (id !== undefined) return `${did}/resources/${id}`;
  const query: Record<string, string> = {};
  for (const [flag, parameter] of [
    ['name', 'resourceName'],
    ['type', 'resourceType'],
    ['at', 'resourceVersionTime'],
  ] as const) {
    const value = str(values, flag);
    if (value !== undefined) query[parameter] = value;
  }
  if (query.resourceName === undefined && query.resourceType === undefined)
    throw new UsageError('give --url, --id, or --name/--type');
  return formatDidUrl({ did, query });
}

export const resourceGet: CommandSpec = {
  name: 'resource get',
  summary: 'Get a linked resource, verified against the checksum anchored on the ledger.',
  details: `Names the resource by DID URL (--url), by id, or by name and type (the latest version, or the one in force
at --at). Writes the content to --out, or to standard output.
Examples:
  did-city resource get --url did:city:cn/resources/<uuid> --out schema.json
  did-city resource get --did did:city:cn --name CityIdentityCredential --type JsonSchema`,
  options: {
    url: { type: 'string', value: 'DIDURL', doc: 'the resource DID URL' },
    did: { type: 'string', value: 'DID', doc: 'the DID (with --id, or --name/--type)' },
    id: { type: 'string', value: 'UUID', doc: 'the resourceId' },
    name: { type: 'string', value: 'NAME', doc: 'resourceName' },
    type: { type: 'string', value: 'TYPE', doc: 'resourceType' },
    at: { type: 'string', value: 'TIME', doc: 'resourceVersionTime (XML datetime)' },
    out: { type: 'string', value: 'PATH', doc: 'write the content here' },
  },
  async run({ values, out, config }) {
    const url = targetOf(values);
    const result = await (await resolverOf(config)()).dereference(url);
    if (result.dereferencingMetadata.error !== undefined) failed(result);
    if (!(result.content instanceof Uint8Array)) {
      if (result.content === null)
        throw new CliError({
          exit: EXIT.refused,
          title: 'Not current',
          detail: `${url}: the DID is deactivated; its resources are not served as current`,
        });
      out.result(JSON.stringify(result.content, null, 2), result.content);
      return EXIT.ok;
    }
    const path = str(values, 'out');
    const meta = result.contentMetadata as LinkedResourceMetadata;
    if (path !== undefined) {
      writeFileSync(path, result.content);
      out.result(
        `${meta.resourceURI}: ${result.content.byteLength} bytes, sha-256 ${meta.checksum} (verified), written to ${path}`,
        meta,
      );
    } else {
      process.stdout.write(result.content);
    }
    return EXIT.ok;
  },
};
