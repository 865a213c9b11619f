/**
 * Positive operation vectors (one per operation type, each a prefix of the world log with the focus DID's
 * resolution after it), resolution vectors (version selection, representations, errors) and DID URL
 * dereferencing vectors. Every expected result is what the library's resolve()/dereference() returns.
 */
import {
  createCityResolver,
  type DereferencingOptions,
  type DIDResolutionOptions,
  type GenesisPolicy,
  keyHash,
  type LogEntry,
} from '../../packages/method/src/index.ts';
import { plain } from './vector-format.ts';
import { FANCHANG_COUNTY, FANCHANG_DISTRICT, JIANGGAN, JINAN, LAIWU, QIANTANG } from './vector-divisions.ts';
import {
  BUREAU,
  KEYS,
  LAB,
  logEntries,
  REGISTRY,
  readerOf,
  SJZ,
  TIANJIN,
  TRANSPORT,
  type World,
  world,
} from './vector-world.ts';

export const WORLD_LOG = 'logs/world.json';

export interface ResolverConfig {
  genesis?: GenesisPolicy;
  refuseNoCache?: boolean;
}

export interface Vector {
  id: string;
  kind: string;
  description: string;
  /** Rules a positive vector exercises. */
  rules?: string[];
  /** The one rule a negative vector breaks. */
  rule?: string;
  [member: string]: unknown;
}

function resolverFor(entries: readonly LogEntry[], config: ResolverConfig) {
  return createCityResolver({ reader: readerOf(entries), cache: false, ...config });
}

interface OperationCase {
  name: string;
  focus: number;
  rules: string[];
}

const OPERATION_CASES: OperationCase[] = [
  {
    name: '01-registry-genesis',
    focus: 0,
    rules: ['R-GEN-1', 'R-OP-7', 'R-OP-8', 'R-PRF-1', 'R-PRF-2', 'R-REP-2', 'R-REP-3'],
  },
  { name: '02-city-create', focus: 1, rules: ['R-AUTH-1', 'R-AUTH-2', 'R-OP-5', 'R-OP-6', 'R-RES-5'] },
  { name: '03-update', focus: 2, rules: ['R-AUTH-3', 'R-OP-5', 'R-OP-6', 'R-DOC-1'] },
  { name: '04-key-rotation', focus: 3, rules: ['R-AUTH-3', 'R-OP-9'] },
  { name: '05-sub-identifier-create', focus: 4, rules: ['R-AUTH-1', 'R-AUTH-7'] },
  { name: '06-pre-rotation-update', focus: 5, rules: ['R-AUTH-3', 'R-OP-9'] },
  { name: '07-city-create-second-quorum', focus: 6, rules: ['R-AUTH-1'] },
  { name: '08-recover-by-parent-quorum', focus: 7, rules: ['R-AUTH-5'] },
  { name: '09-successor-create', focus: 8, rules: ['R-AUTH-1', 'R-DOC-1'] },
  { name: '10-deactivate-with-successor', focus: 9, rules: ['R-AUTH-4', 'R-OP-11', 'R-RES-4'] },
  { name: '11-sub-identifier-create-2', focus: 10, rules: ['R-AUTH-1'] },
  { name: '12-deactivate-by-parent', focus: 11, rules: ['R-AUTH-4', 'R-RES-4'] },
  { name: '13-registry-key-rotation', focus: 12, rules: ['R-AUTH-3', 'R-AUTH-7'] },
];

async function operationVectors(w: World): Promise<Vector[]> {
  const vectors: Vector[] = [];
  for (const { name, focus, rules } of OPERATION_CASES) {
    const entry = w.entries[focus]!;
    const prefix = logEntries(w.entries.slice(0, focus + 1));
    const did = entry.operation.did;
    const resolution = await resolverFor(prefix, { genesis: w.genesis }).resolve(did);
    vectors.push({
      id: `operations/${name}`,
      kind: 'operation',
      description: entry.description,
      rules,
      log: WORLD_LOG,
      entries: focus + 1,
      focus,
      did,
      type: entry.operation.type,
      signers: entry.signers,
      operation: plain(entry.operation),
      operationHash: entry.operationHash,
      resolver: { genesis: w.genesis },
      expected: { resolution: plain(resolution) },
    });
  }
  return vectors;
}

interface ResolutionCase {
  name: string;
  description: string;
  did: string;
  options?: DIDResolutionOptions;
  /** Positive vectors. */
  rules?: string[];
  /** Negative vectors. */
  rule?: string;
  resolver?: ResolverConfig;
  /** World entries to use (default: all). */
  entries?: number;
  extraEntries?: LogEntry[];
}

function resolutionCases(w: World): ResolutionCase[] {
  const late = logEntries(w.entries).at(-1)!;
  return [
    {
      name: 'sjz-latest',
      description: 'Shijiazhuang, latest version (3, after the pre-rotation)',
      did: SJZ,
      rules: ['R-RES-5', 'R-REP-2', 'R-REP-3'],
    },
    {
      name: 'sjz-version-id-0',
      description: 'versionId "0": the create, with nextVersionId/nextUpdate',
      did: SJZ,
      options: { versionId: '0' },
      rules: ['R-RES-3', 'R-RES-5'],
    },
    {
      name: 'sjz-version-id-2',
      description: 'versionId "2": the key rotation (document unchanged)',
      did: SJZ,
      options: { versionId: '2' },
      rules: ['R-RES-3'],
    },
    {
      name: 'sjz-version-time-between',
      description: 'versionTime between versions 1 and 2 selects version 1',
      did: SJZ,
      options: { versionTime: '2026-11-22T12:00:00Z' },
      rules: ['R-RES-3'],
    },
    {
      name: 'sjz-version-time-exact',
      description: 'versionTime equal to an integration time selects that version (≤)',
      did: SJZ,
      options: { versionTime: '2026-11-23T08:00:00Z' },
      rules: ['R-RES-3'],
    },
    {
      name: 'sjz-version-time-offset',
      description: 'versionTime with a +08:00 offset is the same instant as 08:00Z',
      did: SJZ,
      options: { versionTime: '2026-11-23T16:00:00+08:00' },
      rules: ['R-RES-3'],
    },
    {
      name: 'sjz-version-time-after-all',
      description: 'versionTime after every version selects the latest',
      did: SJZ,
      options: { versionTime: '2030-01-01T00:00:00Z' },
      rules: ['R-RES-3'],
    },
    {
      name: 'sjz-accept-did-json',
      description: 'accept application/did+json: the document without @context',
      did: SJZ,
      options: { accept: 'application/did+json' },
      rules: ['R-RES-3'],
    },
    {
      name: 'sjz-accept-did-ld-json',
      description: 'accept application/did+ld+json: the document with @context',
      did: SJZ,
      options: { accept: 'application/did+ld+json' },
      rules: ['R-RES-3'],
    },
    {
      name: 'sjz-no-cache',
      description: 'noCache "true" is accepted and changes nothing in the result',
      did: SJZ,
      options: { noCache: 'true' },
      rules: ['R-RES-3'],
    },
    {
      name: 'sjz-expand-relative-urls',
      description: 'expandRelativeUrls is accepted and has no further effect',
      did: SJZ,
      options: { expandRelativeUrls: true },
      rules: ['R-RES-3'],
    },
    {
      name: 'sjz-unknown-option',
      description: 'unknown options are ignored',
      did: SJZ,
      options: { 'x-color': 'red' },
      rules: ['R-RES-3'],
    },
    {
      name: 'registry',
      description: 'The national registry after its key rotation: no division metadata',
      did: REGISTRY,
      rules: ['R-RES-5'],
    },
    {
      name: 'registry-version-0',
      description: 'The registry genesis version',
      did: REGISTRY,
      options: { versionId: '0' },
      rules: ['R-RES-5', 'R-GEN-3'],
    },
    {
      name: 'sub-identifier',
      description: 'A sub-identifier: divisionCode of its division, no official name or level',
      did: TRANSPORT,
      rules: ['R-RES-5'],
    },
    {
      name: 'tianjin-recovered',
      description: 'Tianjin after the parent-quorum recovery: the recovered document',
      did: TIANJIN,
      rules: ['R-AUTH-5', 'R-RES-5'],
    },
    {
      name: 'tianjin-before-recovery',
      description: 'Tianjin version 0, before the recovery',
      did: TIANJIN,
      options: { versionId: '0' },
      rules: ['R-RES-3'],
    },
    {
      name: 'deactivated-with-successor',
      description: 'A deactivated DID: no document, deactivated true, successor named, no error',
      did: BUREAU,
      rules: ['R-RES-4'],
    },
    {
      name: 'deactivated-version-0',
      description: 'An earlier version of a deactivated DID: the document, with deactivated true',
      did: BUREAU,
      options: { versionId: '0' },
      rules: ['R-RES-4'],
    },
    {
      name: 'deactivated-version-time-before',
      description: 'versionTime before the deactivation: the version then, deactivated true',
      did: BUREAU,
      options: { versionTime: '2026-11-28T12:00:00Z' },
      rules: ['R-RES-4'],
    },
    {
      name: 'deactivated-version-time-after',
      description: 'versionTime at or after the deactivation: the deactivated state',
      did: BUREAU,
      options: { versionTime: '2026-11-29T08:00:00Z' },
      rules: ['R-RES-4'],
    },
    {
      name: 'deactivated-by-parent',
      description: 'A DID deactivated by its parent, no successor',
      did: LAB,
      rules: ['R-RES-4'],
    },
    {
      name: 'merger-retired',
      description:
        'Laiwu after its merger into Jinan: no document, successor, canonicalId and equivalentId Jinan (both sides link)',
      did: LAIWU,
      rules: ['R-SUCC-1', 'R-RES-4', 'R-SYN-5'],
    },
    {
      name: 'merger-before',
      description: 'Laiwu version 0, before the merger: the document, deactivated true, still pointing at Jinan',
      did: LAIWU,
      options: { versionId: '0' },
      rules: ['R-SUCC-1'],
    },
    {
      name: 'merger-successor',
      description: 'Jinan after the merger: alsoKnownAs Laiwu, equivalentId Laiwu',
      did: JINAN,
      rules: ['R-SUCC-1'],
    },
    {
      name: 'merger-successor-before-link',
      description: 'Jinan version 0, before it listed Laiwu: no equivalentId',
      did: JINAN,
      options: { versionId: '0' },
      rules: ['R-SUCC-1'],
    },
    {
      name: 'rename-retired',
      description: 'Fanchang County (340222) renamed Fanchang District (340212): canonicalId 340212',
      did: FANCHANG_COUNTY,
      rules: ['R-SUCC-1'],
    },
    {
      name: 'rename-successor',
      description: 'Fanchang District: equivalentId 340222',
      did: FANCHANG_DISTRICT,
      rules: ['R-SUCC-1'],
    },
    {
      name: 'split-retired',
      description: 'Jianggan (330104) split in two: successor lists both, canonicalId stays the DID itself',
      did: JIANGGAN,
      rules: ['R-SUCC-1'],
    },
    {
      name: 'split-successor',
      description: 'One part of the split lists Jianggan in alsoKnownAs but is not equivalent to it',
      did: QIANTANG,
      rules: ['R-SUCC-1'],
    },
    {
      name: 'genesis-pin-keys',
      description: 'Trust policy pinning the registry genesis by its initial update keys (in another order)',
      did: SJZ,
      rules: ['R-GEN-3'],
      resolver: {
        genesis: { [REGISTRY]: { updateKeys: [KEYS.instituteC.mk, KEYS.instituteA.mk, KEYS.instituteB.mk] } },
      },
    },
    // Negative resolution vectors.
    {
      name: 'error-invalid-did',
      description: 'A non-canonical DID (upper case) is INVALID_DID',
      did: 'did:city:CN:130100',
      rule: 'R-SYN-4',
    },
    {
      name: 'error-method-not-supported',
      description: 'Another DID method is METHOD_NOT_SUPPORTED',
      did: 'did:web:example.com',
      rule: 'R-RES-2',
    },
    {
      name: 'error-precedence-invalid-did',
      description: 'An invalid DID with invalid options: INVALID_DID comes first',
      did: 'did:city:cn:13010',
      options: { versionId: '0', versionTime: '2026-11-22T00:00:00Z' },
      rule: 'R-RES-2',
    },
    {
      name: 'error-precedence-options-before-not-found',
      description: 'Invalid options on a DID that is not on the ledger: INVALID_OPTIONS comes before NOT_FOUND',
      did: 'did:city:cn:110000',
      options: { versionId: '0', versionTime: '2026-11-22T00:00:00Z' },
      rule: 'R-RES-2',
    },
    {
      name: 'error-feature-not-supported',
      description:
        'noCache refused by a resolver configured to protect its ledger: FEATURE_NOT_SUPPORTED before INVALID_OPTIONS',
      did: SJZ,
      options: { noCache: true, versionTime: 'yesterday' },
      resolver: { refuseNoCache: true },
      rule: 'R-RES-2',
    },
    {
      name: 'error-version-id-and-time',
      description: 'versionId and versionTime together are INVALID_OPTIONS',
      did: SJZ,
      options: { versionId: '1', versionTime: '2026-11-22T12:00:00Z' },
      rule: 'R-RES-3',
    },
    {
      name: 'error-version-time-malformed',
      description: 'A versionTime that is not an XML datetime is INVALID_OPTIONS',
      did: SJZ,
      options: { versionTime: '2026-11-22' },
      rule: 'R-RES-3',
    },
    {
      name: 'error-version-time-no-zone',
      description: 'A versionTime without a time zone names no instant: INVALID_OPTIONS',
      did: SJZ,
      options: { versionTime: '2026-11-22T12:00:00' },
      rule: 'R-RES-3',
    },
    {
      name: 'error-no-cache-malformed',
      description: 'noCache must be true or false: INVALID_OPTIONS',
      did: SJZ,
      options: { noCache: 'yes' },
      rule: 'R-RES-3',
    },
    {
      name: 'error-version-id-unknown',
      description: 'A versionId with no version is NOT_FOUND',
      did: SJZ,
      options: { versionId: '9' },
      rule: 'R-RES-3',
    },
    {
      name: 'error-version-id-not-decimal',
      description: 'A versionId that is not a did:city version is NOT_FOUND, not INVALID_OPTIONS',
      did: SJZ,
      options: { versionId: '01' },
      rule: 'R-RES-3',
    },
    {
      name: 'error-version-time-before-create',
      description: 'versionTime before the create is NOT_FOUND',
      did: SJZ,
      options: { versionTime: '2026-11-21T08:30:00Z' },
      rule: 'R-RES-3',
    },
    {
      name: 'error-representation',
      description: 'accept text/html is REPRESENTATION_NOT_SUPPORTED',
      did: SJZ,
      options: { accept: 'text/html' },
      rule: 'R-RES-3',
    },
    {
      name: 'error-not-found-valid-code',
      description: 'Beijing (110000) is a valid GB/T 2260 code but not on the ledger: NOT_FOUND',
      did: 'did:city:cn:110000',
      rule: 'R-RES-2',
    },
    {
      name: 'error-not-found-other-country',
      description: 'A syntactically valid DID of a country with no registry on the ledger: NOT_FOUND',
      did: 'did:city:fr:750000',
      rule: 'R-SYN-5',
    },
    {
      name: 'error-not-found-other-network',
      description: 'A test-network DID is not in the production log: NOT_FOUND',
      did: 'did:city:test:cn:130100',
      rule: 'R-NET-1',
    },
    {
      name: 'error-genesis-pin-mismatch',
      description:
        'A trust policy pinning another registry genesis: the registry history is rejected, INVALID_DID_DOCUMENT',
      did: SJZ,
      resolver: { genesis: { [REGISTRY]: { operationHash: keyHash('a different genesis') } } },
      rule: 'R-GEN-3',
    },
    {
      name: 'error-invalid-history',
      description:
        'A log holding an invalid operation (a Tianjin update with a skipped seq) is evidence of a misbehaving ledger: INVALID_DID_DOCUMENT',
      did: TIANJIN,
      rule: 'R-REP-1',
      extraEntries: [{ ...late, index: late.index + 1, operation: { ...w.entries[7]!.operation, seq: 3 } }],
    },
  ];
}

async function resolutionVectors(w: World): Promise<Vector[]> {
  const vectors: Vector[] = [];
  for (const c of resolutionCases(w)) {
    const base = logEntries(w.entries.slice(0, c.entries ?? w.entries.length));
    const entries = [...base, ...(c.extraEntries ?? [])];
    const resolver: ResolverConfig = { genesis: w.genesis, ...c.resolver };
    const result = await resolverFor(entries, resolver).resolve(c.did, c.options);
    vectors.push({
      id: `resolution/${c.name}`,
      kind: 'resolution',
      description: c.description,
      ...(c.rules === undefined ? {} : { rules: c.rules }),
      ...(c.rule === undefined ? {} : { rule: c.rule }),
      log: WORLD_LOG,
      entries: base.length,
      ...(c.extraEntries === undefined ? {} : { extraEntries: plain(c.extraEntries) }),
      resolver,
      did: c.did,
      options: c.options ?? {},
      expected: plain(result),
    });
  }
  return vectors;
}

interface DereferenceCase {
  name: string;
  description: string;
  didUrl: string;
  options?: DereferencingOptions;
  rules?: string[];
  rule?: string;
}

const DEREFERENCE_CASES: DereferenceCase[] = [
  {
    name: 'fragment-verification-method',
    description: 'A fragment names a verification method; it carries the document @context',
    didUrl: `${SJZ}#key-1`,
    rules: ['R-DEREF-1'],
  },
  {
    name: 'fragment-service',
    description: 'A fragment names a service',
    didUrl: `${SJZ}#catalog`,
    rules: ['R-DEREF-1'],
  },
  {
    name: 'fragment-did-json',
    description: 'accept application/did+json: the method without @context',
    didUrl: `${SJZ}#key-2`,
    options: { accept: 'application/did+json' },
    rules: ['R-DEREF-1'],
  },
  {
    name: 'fragment-old-version',
    description: '?versionId=0 with a fragment: the method as it was in version 0',
    didUrl: `${SJZ}?versionId=0#key-1`,
    rules: ['R-DEREF-1', 'R-RES-3'],
  },
  {
    name: 'service-filtered-document',
    description: '?service= without relativeRef or accept: the document filtered to that service',
    didUrl: `${SJZ}?service=catalog`,
    rules: ['R-DEREF-2'],
  },
  {
    name: 'service-relative-ref',
    description:
      '?service=&relativeRef= with accept text/uri-list: the endpoint URL with the reference resolved (RFC 3986 §5)',
    didUrl: `${SJZ}?service=catalog&relativeRef=2026/budget.json`,
    options: { accept: 'text/uri-list' },
    rules: ['R-DEREF-2'],
  },
  {
    name: 'service-relative-ref-document',
    description: '?service=&relativeRef= without accept: the document filtered to that service (DID Resolution §4.2)',
    didUrl: `${SJZ}?service=catalog&relativeRef=2026/budget.json`,
    rules: ['R-DEREF-2'],
  },
  {
    name: 'service-type-uri-list',
    description: '?serviceType= with accept text/uri-list: every matching endpoint URL',
    didUrl: `${SJZ}?serviceType=LinkedDomains`,
    options: { accept: 'text/uri-list' },
    rules: ['R-DEREF-2'],
  },
  {
    name: 'verification-relationship-ok',
    description: 'verificationRelationship option naming a relationship the method is in',
    didUrl: `${SJZ}#key-2`,
    options: { verificationRelationship: 'assertionMethod' },
    rules: ['R-DEREF-3'],
  },
  {
    name: 'deactivated',
    description: 'A DID URL of a deactivated DID: no content and no error (the metadata says deactivated)',
    didUrl: `${BUREAU}#key-1`,
    rules: ['R-RES-4'],
  },
  // Negative dereferencing vectors.
  {
    name: 'error-fragment-not-found',
    description: 'A fragment naming nothing is NOT_FOUND',
    didUrl: `${SJZ}#key-9`,
    rule: 'R-DEREF-1',
  },
  {
    name: 'error-relative-ref-traversal',
    description: 'A relativeRef climbing out of the endpoint path is INVALID_DID_URL',
    didUrl: `${SJZ}?service=catalog&relativeRef=../../admin`,
    rule: 'R-DEREF-2',
  },
  {
    name: 'error-relative-ref-absolute',
    description: 'A relativeRef with a scheme is not relative: INVALID_DID_URL',
    didUrl: `${SJZ}?service=catalog&relativeRef=https://evil.example/`,
    rule: 'R-DEREF-2',
  },
  {
    name: 'error-relative-ref-without-service',
    description: 'relativeRef without service or serviceType is INVALID_DID_URL',
    didUrl: `${SJZ}?relativeRef=x`,
    rule: 'R-DEREF-2',
  },
  {
    name: 'error-service-not-found',
    description: 'A service parameter naming no service is NOT_FOUND',
    didUrl: `${SJZ}?service=nope`,
    rule: 'R-DEREF-2',
  },
  {
    name: 'error-verification-relationship',
    description: 'A method not in the requested relationship is refused (see the Open issue in §6.4)',
    didUrl: `${SJZ}#key-2`,
    options: { verificationRelationship: 'authentication' },
    rule: 'R-DEREF-3',
  },
  {
    name: 'error-duplicate-parameter',
    description: 'A DID parameter given twice is INVALID_DID_URL',
    didUrl: `${SJZ}?service=data&service=catalog`,
    rule: 'R-DEREF-4',
  },
  {
    name: 'error-invalid-did',
    description: 'The DID of a DID URL follows the DID rules: upper case is INVALID_DID',
    didUrl: 'did:city:cn:130100:Transport#key-1',
    rule: 'R-SYN-4',
  },
];

async function dereferenceVectors(w: World): Promise<Vector[]> {
  const resolver = resolverFor(logEntries(w.entries), { genesis: w.genesis });
  const vectors: Vector[] = [];
  for (const c of DEREFERENCE_CASES) {
    const result = await resolver.dereference(c.didUrl, c.options);
    vectors.push({
      id: `dereferencing/${c.name}`,
      kind: 'dereferencing',
      description: c.description,
      ...(c.rules === undefined ? {} : { rules: c.rules }),
      ...(c.rule === undefined ? {} : { rule: c.rule }),
      log: WORLD_LOG,
      entries: w.entries.length,
      resolver: { genesis: w.genesis },
      didUrl: c.didUrl,
      options: c.options ?? {},
      expected: plain(result),
    });
  }
  return vectors;
}

export async function positiveAndResolutionVectors(): Promise<Vector[]> {
  const w = await world();
  return [...(await operationVectors(w)), ...(await resolutionVectors(w)), ...(await dereferenceVectors(w))];
}
