/**
 * DID-Linked Resource vectors (spec §3.9, §6.8): Tianjin publishes four resources after the world log (two versions
 * of an air-quality schema, a context, a traffic schema); dereferencing vectors give a DID URL over that log and its
 * contents and the exact result; negative ones the error. `contents` maps each resourceId to its bytes in base64.
 */
import {
  createCityResolver,
  type DereferencingOptions,
  describeResource,
  type LedgerReader,
  type LogEntry,
  type Operation,
  type ResourceDescription,
  resourceOperation,
} from '../../packages/method/src/index.ts';
import { SchemaRegistry } from '../../packages/issuer/src/schema-check.ts';
import type { Credential } from '../../packages/issuer/src/types.ts';
import { base64, plain } from './vector-format.ts';
import { expectedError } from './vector-negative.ts';
import { type Vector, WORLD_LOG } from './vector-resolution.ts';
import { applyToState, day, KEYS, logEntries, sign, TIANJIN, world } from './vector-world.ts';

const BASE = 'resources/00-publish';
const utf8 = new TextEncoder();

const RESOURCES: Array<{ id: string; name: string; type: string; mediaType: string; text: string; version?: string }> =
  [
    {
      id: 'a1b2c3d4-0001-4000-8000-000000000001',
      name: 'AirQuality',
      type: 'JsonSchema',
      mediaType: 'application/schema+json',
      text: '{"type":"object"}',
      version: '1',
    },
    {
      id: 'a1b2c3d4-0002-4000-8000-000000000002',
      name: 'tianjin-v1',
      type: 'JsonLdContext',
      mediaType: 'application/ld+json',
      text: '{"@context":{"aq":"https://tianjin.example/aq#"}}',
    },
    {
      id: 'a1b2c3d4-0003-4000-8000-000000000003',
      name: 'AirQuality',
      type: 'JsonSchema',
      mediaType: 'application/schema+json',
      text: '{"type":"object","required":["pm25"]}',
      version: '2',
    },
    {
      id: 'a1b2c3d4-0004-4000-8000-000000000004',
      name: 'Traffic',
      type: 'JsonSchema',
      mediaType: 'application/schema+json',
      text: '{"type":"array"}',
    },
  ];

interface Published {
  entries: LogEntry[];
  appended: LogEntry[];
  contents: Record<string, string>;
  reader(tampered?: Record<string, Uint8Array>): LedgerReader;
  genesis: Awaited<ReturnType<typeof world>>['genesis'];
}

async function publish(): Promise<Published> {
  const w = await world();
  const count = w.entries.length;
  let state = new Map(w.histories[count]!);
  const appended: LogEntry[] = [];
  const contents: Record<string, string> = {};
  for (const [i, r] of RESOURCES.entries()) {
    const content = utf8.encode(r.text);
    const description: ResourceDescription = describeResource({
      content,
      resourceId: r.id,
      resourceName: r.name,
      resourceType: r.type,
      mediaType: r.mediaType,
      ...(r.version === undefined ? {} : { resourceVersion: r.version }),
    });
    const operation: Operation = await sign(resourceOperation(state.get(TIANJIN)!, description), [KEYS.tjUpdate2]);
    const entry: LogEntry = { index: count + i, integratedTime: day(count + i), operation };
    state = applyToState(state, entry, w.genesis);
    appended.push(entry);
    contents[r.id] = base64(content);
  }
  const entries = [...logEntries(w.entries), ...appended];
  const reader = (tampered: Record<string, Uint8Array> = {}): LedgerReader => ({
    history: async (did) => ({ entries: structuredClone(entries.filter((entry) => entry.operation.did === did)) }),
    resourceContent: async (_did, id) =>
      tampered[id] ?? (contents[id] === undefined ? undefined : new Uint8Array(Buffer.from(contents[id]!, 'base64'))),
  });
  return { entries, appended, contents, reader, genesis: w.genesis };
}

interface Case {
  name: string;
  didUrl: string;
  options?: DereferencingOptions;
  rules?: string[];
  rule?: string;
  description: string;
  tampered?: Record<string, string>;
}

const Q = `${TIANJIN}?resourceName=AirQuality&resourceType=JsonSchema`;
function cases(p: Published): Case[] {
  // Noon of the day the context was published: after the schema's first version, before its second.
  const between = p.appended[1]!.integratedTime.replace('T08:', 'T12:');
  return [
    {
      name: '01-by-id',
      didUrl: `${TIANJIN}/resources/${RESOURCES[0]!.id}`,
      rules: ['R-DLR-2', 'R-DLR-5', 'R-DLR-7'],
      description: 'A resource by its id: the verified bytes, its media type and metadata',
    },
    { name: '02-latest', didUrl: Q, rules: ['R-DLR-7'], description: 'Name and type: the latest version' },
    {
      name: '03-version-time',
      didUrl: `${Q}&resourceVersionTime=${encodeURIComponent(between)}`,
      rules: ['R-DLR-7'],
      description: 'resourceVersionTime: the version in force then',
    },
    {
      name: '04-list-type',
      didUrl: `${TIANJIN}?resourceType=JsonSchema&resourceMetadata=true`,
      rules: ['R-DLR-5', 'R-DLR-7'],
      description: 'Every resource of a type, all versions, in log order',
    },
    {
      name: '05-metadata',
      didUrl: `${TIANJIN}/resources/${RESOURCES[2]!.id}/metadata`,
      rules: ['R-DLR-5'],
      description: "One resource's metadata, with its version links",
    },
    {
      name: 'R-DLR-7-ambiguous-type',
      rule: 'R-DLR-7',
      didUrl: `${TIANJIN}?resourceType=JsonSchema`,
      description: 'A type with two names and no name given: the URL names no single resource',
    },
    {
      name: 'R-DLR-2-content-mismatch',
      rule: 'R-DLR-2',
      didUrl: `${TIANJIN}/resources/${RESOURCES[1]!.id}`,
      tampered: { [RESOURCES[1]!.id]: base64(utf8.encode('{"@context":{}}')) },
      description: 'The ledger serves content whose SHA-256 is not the anchored checksum: refused, never returned',
    },
  ];
}

function jsonResult(result: Awaited<ReturnType<ReturnType<typeof createCityResolver>['dereference']>>) {
  const { content, contentStream: _same, ...rest } = result;
  const encoded = content instanceof Uint8Array ? { contentBase64: base64(content) } : { content };
  return plain({ ...rest, ...encoded });
}

interface SchemaCase {
  name: string;
  /** credentialSchema.id */
  schema: string;
  rule?: string;
  rules?: string[];
  description: string;
  tampered?: Record<string, string>;
  /** Members of the credential besides the envelope. */
  claims?: Record<string, unknown>;
}

/** R-DLR-10: credentials naming a schema by DID URL, checked against the dereferenced, checksum-checked content. */
const SCHEMA_CASES: SchemaCase[] = [
  {
    name: '06-credential-schema-by-id',
    schema: `${TIANJIN}/resources/${RESOURCES[0]!.id}`,
    rules: ['R-DLR-10'],
    description: 'credentialSchema names version 1 by id ({"type":"object"}): the credential is accepted',
  },
  {
    name: '07-credential-schema-latest',
    schema: Q,
    claims: { pm25: 12 },
    rules: ['R-DLR-10'],
    description:
      'credentialSchema names the schema by name and type: the latest version (requires pm25) accepts a credential with pm25',
  },
  {
    name: 'R-DLR-10-schema-not-met',
    rule: 'R-DLR-10',
    schema: Q,
    description:
      'The latest version requires pm25 and the credential has none: SCHEMA_INVALID, whatever an older version or a local copy accepts',
  },
  {
    name: 'R-DLR-10-schema-content-mismatch',
    rule: 'R-DLR-10',
    schema: `${TIANJIN}/resources/${RESOURCES[0]!.id}`,
    tampered: { [RESOURCES[0]!.id]: base64(utf8.encode('{"type":"object","required":["never"]}')) },
    description:
      'The ledger serves schema bytes whose SHA-256 is not the anchored checksum: SCHEMA_UNAVAILABLE, never validated against',
  },
  {
    name: 'R-DLR-10-schema-not-found',
    rule: 'R-DLR-10',
    schema: `${TIANJIN}/resources/a1b2c3d4-0009-4000-8000-000000000009`,
    description: 'The DID URL names no resource: SCHEMA_UNAVAILABLE',
  },
];

function schemaCredential(c: SchemaCase): Credential {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiableCredential'],
    issuer: TIANJIN,
    credentialSubject: { id: 'did:city:cn:110000' },
    credentialSchema: { id: c.schema, type: 'JsonSchema' },
    ...c.claims,
  } as Credential;
}

async function schemaVectors(p: Published): Promise<Vector[]> {
  const vectors: Vector[] = [];
  for (const c of SCHEMA_CASES) {
    const tampered = Object.fromEntries(
      Object.entries(c.tampered ?? {}).map(([id, b64]) => [id, new Uint8Array(Buffer.from(b64, 'base64'))]),
    );
    const resolver = createCityResolver({ reader: p.reader(tampered), genesis: p.genesis, cache: false });
    const credential = schemaCredential(c);
    const errors = await new SchemaRegistry({ dereference: (url) => resolver.dereference(url) }).check(credential);
    if (errors.length > 0 !== (c.rule !== undefined))
      throw new Error(`resources/${c.name}: unexpected result ${JSON.stringify(errors)}`);
    vectors.push({
      id: c.rule === undefined ? `resources/${c.name}` : `negative/${c.name}`,
      kind: 'credential-schema',
      description: c.description,
      ...(c.rule === undefined ? { rules: c.rules ?? [] } : { rule: c.rule }),
      base: BASE,
      credential: plain(credential),
      ...(c.tampered === undefined ? {} : { tamperedContents: c.tampered }),
      // Messages are the implementation's; the codes are the spec's.
      expected:
        errors.length === 0
          ? { errors: [] }
          : { error: { code: errors[0]!.code }, errors: errors.map((e) => ({ code: e.code })) },
    });
  }
  return vectors;
}

export async function resourceVectors(): Promise<Vector[]> {
  const p = await publish();
  const history = createCityResolver({ reader: p.reader(), genesis: p.genesis, cache: false });
  const base: Vector = {
    id: BASE,
    kind: 'resource-log',
    description: 'Tianjin publishes four linked resources after the world log; contents by resourceId in base64',
    rules: ['R-DLR-1', 'R-DLR-3', 'R-DLR-4', 'R-DLR-6'],
    log: WORLD_LOG,
    genesis: p.genesis,
    appended: plain(p.appended),
    contents: p.contents,
    expected: { linkedResourceMetadata: (await history.resolve(TIANJIN)).didDocumentMetadata.linkedResourceMetadata },
  };
  const vectors: Vector[] = [base];
  for (const c of cases(p)) {
    const tampered = Object.fromEntries(
      Object.entries(c.tampered ?? {}).map(([id, b64]) => [id, new Uint8Array(Buffer.from(b64, 'base64'))]),
    );
    const resolver = createCityResolver({ reader: p.reader(tampered), genesis: p.genesis, cache: false });
    const result = await resolver.dereference(c.didUrl, c.options);
    const failed = result.dereferencingMetadata.error !== undefined;
    if (failed !== (c.rule !== undefined))
      throw new Error(`resources/${c.name}: unexpected result ${JSON.stringify(result.dereferencingMetadata)}`);
    const vector: Vector = {
      id: c.rule === undefined ? `resources/${c.name}` : `negative/${c.name}`,
      kind: 'resource-dereference',
      description: c.description,
      ...(c.rule === undefined ? { rules: c.rules ?? [] } : { rule: c.rule }),
      base: BASE,
      didUrl: c.didUrl,
      ...(c.tampered === undefined ? {} : { tamperedContents: c.tampered }),
      expected: jsonResult(result),
    };
    if (c.rule !== undefined)
      (vector.expected as Record<string, unknown>).error = expectedError(
        c.rule === 'R-DLR-7' ? 'INVALID_DID_URL' : 'INVALID_RESOURCE_CONTENT',
      );
    vectors.push(vector);
  }
  return [...vectors, ...(await schemaVectors(p))];
}
