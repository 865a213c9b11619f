/**
 * The reference network of the vectors: one production log ("world") with the national registry (2-of-3
 * institutes, three key types), Shijiazhuang through an update, a key rotation and a pre-rotation, a department
 * (sub-identifier) renamed by a successor link, Tianjin recovered by the registry quorum, a lab deactivated by
 * its parent, a registry key rotation, then a merger, a rename and a split of divisions. Every entry is validated with the library as it is built.
 */
import {
  applyOperation,
  canonicalBytes,
  createOperation,
  type DidHistory,
  type DocumentContent,
  deactivateOperation,
  type GenesisPolicy,
  isCityDid,
  keyHash,
  type LedgerReader,
  type LogEntry,
  type Operation,
  operationHash,
  parentDid,
  recoverOperation,
  signOperation,
  type UnsignedOperation,
  updateOperation,
} from '../../packages/method/src/index.ts';
import { leafHash } from '../../packages/tlog/src/index.ts';
import { DIVISION_KEYS, divisionSteps } from './vector-divisions.ts';
import { base64, PROOF_CREATED, type VectorKey, vectorKey } from './vector-format.ts';

export const REGISTRY = 'did:city:cn';
export const SJZ = 'did:city:cn:130100';
export const BUREAU = 'did:city:cn:130100:transport-bureau';
export const TRANSPORT = 'did:city:cn:130100:transport';
export const LAB = 'did:city:cn:130100:pilot-lab';
export const TIANJIN = 'did:city:cn:120000';

export const KEYS = {
  instituteA: vectorKey('institute-a'),
  instituteB: vectorKey('institute-b', 'P-256'),
  instituteC: vectorKey('institute-c', 'secp256k1'),
  instituteD: vectorKey('institute-d', 'P-256'),
  registryAssertion: vectorKey('registry-assertion-1'),
  sjzUpdate1: vectorKey('sjz-update-1'),
  sjzUpdate2: vectorKey('sjz-update-2'),
  sjzUpdate3: vectorKey('sjz-update-3'),
  sjzUpdate4: vectorKey('sjz-update-4'),
  sjzAssertion1: vectorKey('sjz-assertion-1'),
  sjzAssertion2: vectorKey('sjz-assertion-2', 'P-256'),
  bureauUpdate: vectorKey('bureau-update-1', 'P-256'),
  bureauAssertion: vectorKey('bureau-assertion-1'),
  transportUpdate: vectorKey('transport-update-1', 'secp256k1'),
  transportAssertion: vectorKey('transport-assertion-1'),
  tjUpdate1: vectorKey('tj-update-1'),
  tjUpdate2: vectorKey('tj-update-2'),
  tjAssertion1: vectorKey('tj-assertion-1'),
  tjAssertion2: vectorKey('tj-assertion-2'),
  labUpdate: vectorKey('lab-update-1'),
  labAssertion: vectorKey('lab-assertion-1'),
  mallory: vectorKey('mallory'),
  ...DIVISION_KEYS,
} as const;

export type KeyName = keyof typeof KEYS;

/** One entry of the world log with what the vectors publish about it. */
export interface WorldEntry extends LogEntry {
  operationHash: string;
  /** base64 RFC 6962 leaf hash of JCS({integratedTime, operation}) (spec §4). */
  leafHash: string;
  /** Labels of the keys that signed (see keys.json). */
  signers: string[];
  description: string;
}

export interface World {
  entries: WorldEntry[];
  /** Trust-policy pin of the registry genesis (spec §3.5). */
  genesis: GenesisPolicy;
  /** Histories after each prefix: histories[n] is the state after entries [0, n). */
  histories: Map<string, DidHistory>[];
}

export function day(n: number, hour = 8): string {
  const date = new Date(Date.UTC(2026, 10, 21 + n, hour, 0, 0));
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function sign(unsigned: UnsignedOperation, signers: readonly VectorKey[]): Promise<Operation> {
  return signOperation(
    unsigned,
    signers.map((k) => k.signer),
    { created: PROOF_CREATED },
  );
}

/** A document with one Multikey for authentication and assertion, as a city typically publishes. */
export function simpleDocument(assertion: VectorKey, extra: Partial<DocumentContent> = {}): DocumentContent {
  return {
    verificationMethod: [{ id: '#key-1', type: 'Multikey', publicKeyMultibase: assertion.mk }],
    authentication: ['#key-1'],
    assertionMethod: ['#key-1'],
    ...extra,
  };
}

export function encodeLeafHash(entry: { integratedTime: string; operation: Operation }): string {
  return base64(leafHash(canonicalBytes({ integratedTime: entry.integratedTime, operation: entry.operation })));
}

/** Applies an entry to a copy of the state map, with the parent's history as the validator needs it. */
export function applyToState(
  state: Map<string, DidHistory>,
  entry: LogEntry,
  genesis?: GenesisPolicy,
): Map<string, DidHistory> {
  // Like a ledger, never derive a parent from a DID the operation parser has not accepted yet.
  const did = (entry.operation as { did?: unknown } | undefined)?.did;
  const parent = isCityDid(did) ? parentDid(did) : undefined;
  const context = {
    ...(parent === undefined || !state.has(parent) ? {} : { parent: state.get(parent)! }),
    ...(genesis === undefined ? {} : { genesis }),
  };
  const next = new Map(state);
  const history = applyOperation(typeof did === 'string' ? state.get(did) : undefined, entry, context);
  next.set(history.did, history);
  return next;
}

interface Step {
  time: string;
  description: string;
  signers: VectorKey[];
  build: (state: Map<string, DidHistory>) => UnsignedOperation;
}

function steps(): Step[] {
  const k = KEYS;
  const institutes = [k.instituteA, k.instituteB, k.instituteC];
  return [
    {
      time: day(0),
      description:
        'Genesis of the national registry did:city:cn: update keys of three institutes (Ed25519, P-256, secp256k1), threshold 2, signed by all three (governance entry, spec §3.5)',
      signers: institutes,
      build: () =>
        createOperation({
          did: REGISTRY,
          updateKeys: institutes.map((key) => key.mk),
          threshold: 2,
          document: {
            verificationMethod: [{ id: '#assertion-1', type: 'Multikey', publicKeyMultibase: k.registryAssertion.mk }],
            assertionMethod: ['#assertion-1'],
            service: [
              { id: '#registry', type: 'LinkedDomains', serviceEndpoint: 'https://registry.did-city.example/' },
            ],
          },
        }),
    },
    {
      time: day(0, 9),
      description:
        'Shijiazhuang (GB/T 2260 130100) created: its own update key proves possession, two of the three institutes allocate',
      signers: [k.sjzUpdate1, k.instituteA, k.instituteB],
      build: () =>
        createOperation({
          did: SJZ,
          updateKeys: [k.sjzUpdate1.mk],
          document: simpleDocument(k.sjzAssertion1, {
            service: [{ id: '#data', type: 'LinkedDomains', serviceEndpoint: 'https://data.sjz.example/' }],
          }),
        }),
    },
    {
      time: day(1),
      description:
        'Shijiazhuang update: a second assertion key (P-256) and a data catalogue service, signed by the current update key',
      signers: [k.sjzUpdate1],
      build: (state) =>
        updateOperation(state.get(SJZ)!, {
          document: {
            verificationMethod: [
              { id: '#key-1', type: 'Multikey', publicKeyMultibase: k.sjzAssertion1.mk },
              { id: '#key-2', type: 'Multikey', publicKeyMultibase: k.sjzAssertion2.mk },
            ],
            authentication: ['#key-1'],
            assertionMethod: ['#key-1', '#key-2'],
            service: [
              { id: '#data', type: 'LinkedDomains', serviceEndpoint: 'https://data.sjz.example/' },
              { id: '#catalog', type: 'DataCatalog', serviceEndpoint: 'https://data.sjz.example/catalog/' },
            ],
          },
        }),
    },
    {
      time: day(2),
      description:
        'Shijiazhuang key rotation: new update key sjz-update-2, committing (pre-rotation) to the hash of sjz-update-3; signed by the old key',
      signers: [k.sjzUpdate1],
      build: (state) =>
        updateOperation(state.get(SJZ)!, { updateKeys: [k.sjzUpdate2.mk], nextKeyHashes: [keyHash(k.sjzUpdate3.mk)] }),
    },
    {
      time: day(3),
      description: 'Sub-identifier did:city:cn:130100:transport-bureau (P-256 update key) allocated by Shijiazhuang',
      signers: [k.bureauUpdate, k.sjzUpdate2],
      build: () =>
        createOperation({ did: BUREAU, updateKeys: [k.bureauUpdate.mk], document: simpleDocument(k.bureauAssertion) }),
    },
    {
      time: day(4),
      description:
        'Shijiazhuang pre-rotation: reveals sjz-update-3 (committed at seq 2), signed by the revealed key only, and commits to sjz-update-4',
      signers: [k.sjzUpdate3],
      build: (state) =>
        updateOperation(state.get(SJZ)!, { updateKeys: [k.sjzUpdate3.mk], nextKeyHashes: [keyHash(k.sjzUpdate4.mk)] }),
    },
    {
      time: day(5),
      description: 'Tianjin (120000) created with the registry authorisation of institutes B and C',
      signers: [k.tjUpdate1, k.instituteB, k.instituteC],
      build: () =>
        createOperation({ did: TIANJIN, updateKeys: [k.tjUpdate1.mk], document: simpleDocument(k.tjAssertion1) }),
    },
    {
      time: day(6),
      description:
        'Tianjin lost its update key: the registry quorum (institutes A and C) recovers it with new keys and a new document',
      signers: [k.instituteA, k.instituteC],
      build: (state) =>
        recoverOperation(state.get(TIANJIN)!, {
          updateKeys: [k.tjUpdate2.mk],
          document: simpleDocument(k.tjAssertion2),
        }),
    },
    {
      time: day(7),
      description:
        'did:city:cn:130100:transport created as the successor of transport-bureau (alsoKnownAs the old DID)',
      signers: [k.transportUpdate, k.sjzUpdate3],
      build: () =>
        createOperation({
          did: TRANSPORT,
          updateKeys: [k.transportUpdate.mk],
          document: simpleDocument(k.transportAssertion, { alsoKnownAs: [BUREAU] }),
        }),
    },
    {
      time: day(8),
      description: 'transport-bureau deactivated by its own update key, naming its successor',
      signers: [k.bureauUpdate],
      build: (state) => deactivateOperation(state.get(BUREAU)!, { successor: TRANSPORT }),
    },
    {
      time: day(9),
      description: 'Sub-identifier did:city:cn:130100:pilot-lab allocated by Shijiazhuang',
      signers: [k.labUpdate, k.sjzUpdate3],
      build: () =>
        createOperation({ did: LAB, updateKeys: [k.labUpdate.mk], document: simpleDocument(k.labAssertion) }),
    },
    {
      time: day(10),
      description: 'pilot-lab deactivated by its parent Shijiazhuang (parent quorum), without a successor',
      signers: [k.sjzUpdate3],
      build: (state) => deactivateOperation(state.get(LAB)!),
    },
    {
      time: day(11),
      description: 'Registry key rotation: institute B replaced by institute D, signed by institutes A and C (2 of 3)',
      signers: [k.instituteA, k.instituteC],
      build: (state) =>
        updateOperation(state.get(REGISTRY)!, { updateKeys: [k.instituteA.mk, k.instituteC.mk, k.instituteD.mk] }),
    },
    // Administrative changes (spec §2.3), signed for the registry by institutes A and D after the rotation.
    ...divisionSteps([k.instituteA, k.instituteD]).map((step, index) => ({ ...step, time: day(12 + index) })),
  ];
}

let cached: Promise<World> | undefined;

async function buildWorld(): Promise<World> {
  const entries: WorldEntry[] = [];
  const histories: Map<string, DidHistory>[] = [new Map()];
  let genesis: GenesisPolicy | undefined;
  for (const step of steps()) {
    const state = histories.at(-1)!;
    const operation = await sign(step.build(state), step.signers);
    const entry: LogEntry = { index: entries.length, integratedTime: step.time, operation };
    histories.push(applyToState(state, entry, genesis));
    const hash = operationHash(operation);
    genesis ??= { [REGISTRY]: { operationHash: hash } };
    entries.push({
      ...entry,
      operationHash: hash,
      leafHash: encodeLeafHash(entry),
      signers: step.signers.map((key) => key.label),
      description: step.description,
    });
  }
  return { entries, genesis: genesis!, histories };
}

/** The world, built once per process. */
export function world(): Promise<World> {
  cached ??= buildWorld();
  return cached;
}

/** The log entries of a world prefix as a LedgerReader would return them (no vector annotations). */
export function logEntries(entries: readonly LogEntry[]): LogEntry[] {
  return entries.map(({ index, integratedTime, operation }) => ({ index, integratedTime, operation }));
}

/** A LedgerReader over log entries that trusts them (the vectors test the method, not the transport). */
export function readerOf(entries: readonly LogEntry[]): LedgerReader {
  const log = logEntries(entries);
  return {
    history: async (did) => ({ entries: structuredClone(log.filter((entry) => entry.operation?.did === did)) }),
  };
}
