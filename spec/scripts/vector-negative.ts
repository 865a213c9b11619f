/**
 * Negative operation vectors: one log entry appended to (a prefix of) the world log that breaks exactly one
 * numbered rule of the spec. Each case declares the error code the spec requires; the generator fails if the
 * library gives another one, so a vector can never record a code the spec does not ask for.
 *
 * Operations that the library's own builders refuse to produce (unknown members, bad shapes) are signed here
 * with the Data Integrity primitive directly, so their proofs are valid over the bad content and the vector
 * breaks only the rule it names.
 */
import { createProof } from '../../packages/method/src/data-integrity.ts';
import {
  canonicalBytes,
  createCityResolver,
  createOperation,
  type DataIntegrityProof,
  DidCityError,
  type DidHistory,
  deactivateOperation,
  didKeyUrl,
  ERRORS,
  type ErrorCode,
  type GenesisPolicy,
  keyHash,
  type LogEntry,
  type Operation,
  recoverOperation,
  type ResourceDescription,
  resourceOperation,
  type UnsignedOperation,
  updateOperation,
} from '../../packages/method/src/index.ts';
import { PROOF_CREATED, plain, type VectorKey, vectorKey } from './vector-format.ts';
import type { Vector } from './vector-resolution.ts';
import { WORLD_LOG } from './vector-resolution.ts';
import {
  applyToState,
  BUREAU,
  day,
  KEYS,
  LAB,
  logEntries,
  REGISTRY,
  readerOf,
  SJZ,
  sign,
  simpleDocument,
  TIANJIN,
  type World,
  world,
} from './vector-world.ts';

const BEIJING = 'did:city:cn:110000';
const K = KEYS;
const beijingKey = vectorKey('bj-update-1');
const waterKey = vectorKey('water-update-1');
const sensorKey = vectorKey('sensors-update-1');
const japanKey = vectorKey('jp-update-1');
/** Keys the negative vectors add to the world's (listed in keys.json). */
export const EXTRA_KEYS = [beijingKey, waterKey, sensorKey, japanKey];

type Json = Record<string, unknown>;

/** Signs any JSON body (no parsing, no shape check) with one eddsa/ecdsa proof per key. */
async function signRaw(body: Json, keys: readonly VectorKey[], proof: Partial<DataIntegrityProof> = {}): Promise<Json> {
  const { proof: _drop, ...unsigned } = body;
  const proofs = await Promise.all(
    keys.map((key) =>
      createProof(unsigned, {
        signer: key.signer,
        verificationMethod: proof.verificationMethod ?? didKeyUrl(key.mk),
        proofPurpose: proof.proofPurpose ?? 'capabilityInvocation',
        created: proof.created ?? PROOF_CREATED,
      }),
    ),
  );
  return { ...unsigned, proof: proofs };
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function fromBase58btc(text: string): Uint8Array {
  let n = 0n;
  for (const ch of text.slice(1)) n = n * 58n + BigInt(BASE58.indexOf(ch));
  const bytes: number[] = [];
  for (; n > 0n; n >>= 8n) bytes.unshift(Number(n & 0xffn));
  const zeros = text.slice(1).match(/^1*/)![0].length;
  return Uint8Array.from([...new Array(zeros).fill(0), ...bytes]);
}

function toBase58btc(bytes: Uint8Array): string {
  let n = 0n;
  for (const byte of bytes) n = (n << 8n) | BigInt(byte);
  let out = '';
  for (; n > 0n; n /= 58n) out = BASE58[Number(n % 58n)] + out;
  const zeros = bytes.findIndex((b) => b !== 0);
  return `z${'1'.repeat(zeros < 0 ? bytes.length : zeros)}${out}`;
}

/** The malleated twin (r, n - s) of a low-s secp256k1 signature, as proofValue. */
function highS(proofValue: string): string {
  const signature = fromBase58btc(proofValue);
  if (signature.length !== 64 || toBase58btc(signature) !== proofValue) throw new Error('base58btc round trip failed');
  const s = BigInt(`0x${Buffer.from(signature.subarray(32)).toString('hex')}`);
  if (s > SECP256K1_N / 2n) throw new Error('the signature is already high-s');
  const twin = Buffer.from((SECP256K1_N - s).toString(16).padStart(64, '0'), 'hex');
  const out = Uint8Array.from(signature);
  out.set(twin, 32);
  return toBase58btc(out);
}

interface Context {
  w: World;
  state: Map<string, DidHistory>;
  history(did: string): DidHistory;
}

interface NegativeCase {
  name: string;
  rule: string;
  code: ErrorCode;
  description: string;
  /** World entries before the bad one (default: all). */
  entries?: number;
  /** Trust-policy genesis pins in force (default: the world's). */
  genesis?: GenesisPolicy;
  /** The bad operation (appended at the next index, one day after the last entry). */
  operation?: (c: Context) => Promise<unknown>;
  /** Or a whole entry, when the rule is about the entry itself. */
  entry?: (c: Context) => Promise<LogEntry>;
  /** Resolve this DID over the log with the bad entry (default: the operation's DID when it is canonical). */
  resolve?: string | false;
}

function tianjinUpdate(c: Context, changes: Parameters<typeof updateOperation>[1] = {}): UnsignedOperation {
  return updateOperation(c.history(TIANJIN), changes);
}

function withMembers(unsigned: UnsignedOperation, members: Json): Json {
  return { ...(unsigned as unknown as Json), ...members };
}

function withoutMember(unsigned: UnsignedOperation, member: string): Json {
  const copy = { ...(unsigned as unknown as Json) };
  delete copy[member];
  return copy;
}

/** Returns a copy of `op` whose first proof has `changes` applied (the proof may no longer verify). */
function editProof(op: Operation, changes: Json): Json {
  const [first, ...rest] = op.proof;
  return { ...(op as unknown as Json), proof: [{ ...first, ...changes }, ...rest] };
}

const tjSigner = [K.tjUpdate2];

const TIANJIN_SCHEMA: ResourceDescription = {
  resourceId: 'a1b2c3d4-0009-4000-8000-000000000009',
  resourceName: 'AirQuality',
  resourceType: 'JsonSchema',
  mediaType: 'application/schema+json',
  checksum: '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
};

const CASES: NegativeCase[] = [
  // §3.9 linked resources
  {
    name: 'resource-id-not-uuid',
    rule: 'R-DLR-1',
    code: 'INVALID_OPERATION',
    description: 'A resource of Tianjin whose resourceId is a name, not a UUID, signed by its update key',
    operation: (c) =>
      signRaw(
        withMembers(resourceOperation(c.history(TIANJIN), TIANJIN_SCHEMA), {
          resource: { ...TIANJIN_SCHEMA, resourceId: 'air-quality-schema' },
        }),
        tjSigner,
      ),
  },
  {
    name: 'resource-by-parent',
    rule: 'R-DLR-4',
    code: 'UNAUTHORIZED_OPERATION',
    description:
      "A resource of Tianjin signed by the registry's institutes (its parent quorum), not by Tianjin's update keys",
    operation: (c) => sign(resourceOperation(c.history(TIANJIN), TIANJIN_SCHEMA), [K.instituteA, K.instituteC]),
  },
  // §2 allocation
  {
    name: 'second-create',
    rule: 'R-ALLOC-1',
    code: 'STALE_OPERATION',
    description:
      'A second create for Shijiazhuang, properly signed by a new key and the registry quorum: a DID is never created twice',
    operation: () =>
      sign(createOperation({ did: SJZ, updateKeys: [K.mallory.mk], document: simpleDocument(K.mallory) }), [
        K.mallory,
        K.instituteA,
        K.instituteC,
      ]),
  },
  {
    name: 'recreate-deactivated',
    rule: 'R-ALLOC-1',
    code: 'DID_DEACTIVATED',
    description:
      'A create for the deactivated transport-bureau, signed by a new key and its parent: a deactivated DID is never reassigned',
    operation: () =>
      sign(createOperation({ did: BUREAU, updateKeys: [K.mallory.mk], document: simpleDocument(K.mallory) }), [
        K.mallory,
        K.sjzUpdate3,
      ]),
  },
  // §3.1 members, size and chain
  {
    name: 'unknown-member',
    rule: 'R-OP-1',
    code: 'INVALID_OPERATION',
    description: 'An update with an unknown member "comment" (signed over it)',
    operation: (c) => signRaw(withMembers(tianjinUpdate(c), { comment: 'routine update' }), tjSigner),
  },
  {
    name: 'oversize-by-one-byte',
    rule: 'R-OP-2',
    code: 'OPERATION_TOO_LARGE',
    description: 'An update whose JCS form, proofs included, is 61,441 bytes: one byte over the limit',
    operation: (c) => sizedUpdate(c, 61441),
  },
  {
    name: 'unknown-type',
    rule: 'R-OP-3',
    code: 'INVALID_OPERATION',
    description: 'An operation of type "rotate"',
    operation: (c) => signRaw(withMembers(tianjinUpdate(c), { type: 'rotate' }), tjSigner),
  },
  {
    name: 'did-not-canonical',
    rule: 'R-OP-4',
    code: 'INVALID_OPERATION',
    description: 'An update whose did member is not canonical (upper-case country)',
    operation: (c) => signRaw(withMembers(tianjinUpdate(c), { did: 'did:city:CN:120000' }), tjSigner),
    resolve: false,
  },
  {
    name: 'did-unknown-division',
    rule: 'R-OP-4',
    code: 'INVALID_OPERATION',
    description: 'A create for did:city:cn:999999, not a GB/T 2260 code, signed by its key and the registry quorum',
    operation: () =>
      signRaw(
        {
          type: 'create',
          did: 'did:city:cn:999999',
          seq: 0,
          prev: null,
          updateKeys: [K.mallory.mk],
          threshold: 1,
          document: simpleDocument(K.mallory),
        },
        [K.mallory, K.instituteA, K.instituteC],
      ),
    resolve: false,
  },
  {
    name: 'first-operation-not-create',
    rule: 'R-OP-5',
    code: 'STALE_OPERATION',
    description: 'An update (seq 1) for Beijing, which has no operations: the first operation of a DID is its create',
    operation: async () =>
      sign(
        updateOperation(
          { did: BEIJING, seq: 0, operationHash: keyHash('no such operation') },
          { updateKeys: [beijingKey.mk], document: simpleDocument(beijingKey) },
        ),
        [beijingKey],
      ),
  },
  {
    name: 'skipped-seq',
    rule: 'R-OP-5',
    code: 'STALE_OPERATION',
    description: 'A Tianjin update with seq 3 after seq 1 (prev is the head): no gaps',
    operation: (c) => sign({ ...tianjinUpdate(c), seq: 3 }, tjSigner),
  },
  {
    name: 'repeated-seq',
    rule: 'R-OP-5',
    code: 'STALE_OPERATION',
    description:
      'A Tianjin update with seq 1 chained to the create, competing with the recover already at seq 1: no repeats',
    operation: (c) => sign({ ...tianjinUpdate(c), seq: 1, prev: c.w.entries[6]!.operationHash }, tjSigner),
  },
  {
    name: 'create-seq-1',
    rule: 'R-OP-5',
    code: 'INVALID_OPERATION',
    description: 'A create with seq 1',
    operation: () =>
      signRaw(
        {
          ...(createOperation({
            did: BEIJING,
            updateKeys: [beijingKey.mk],
            document: simpleDocument(beijingKey),
          }) as unknown as Json),
          seq: 1,
        },
        [beijingKey, K.instituteA, K.instituteC],
      ),
  },
  {
    name: 'update-seq-0',
    rule: 'R-OP-5',
    code: 'INVALID_OPERATION',
    description: 'An update with seq 0',
    operation: (c) => signRaw(withMembers(tianjinUpdate(c), { seq: 0 }), tjSigner),
  },
  {
    name: 'wrong-prev',
    rule: 'R-OP-6',
    code: 'STALE_OPERATION',
    description: 'A Tianjin update (seq 2) whose prev is the create, not the head (the recover)',
    operation: (c) => sign({ ...tianjinUpdate(c), prev: c.w.entries[6]!.operationHash }, tjSigner),
  },
  {
    name: 'prev-not-a-hash',
    rule: 'R-OP-6',
    code: 'INVALID_OPERATION',
    description: 'An update whose prev is not a sha2-256 multihash',
    operation: (c) => signRaw(withMembers(tianjinUpdate(c), { prev: 'zQmNotAnOperationHash' }), tjSigner),
  },
  {
    name: 'create-with-prev',
    rule: 'R-OP-6',
    code: 'INVALID_OPERATION',
    description: 'A create whose prev is not null',
    operation: (c) =>
      signRaw(
        {
          ...(createOperation({
            did: BEIJING,
            updateKeys: [beijingKey.mk],
            document: simpleDocument(beijingKey),
          }) as unknown as Json),
          prev: c.w.entries[0]!.operationHash,
        },
        [beijingKey, K.instituteA, K.instituteC],
      ),
  },
  {
    name: 'update-keys-empty',
    rule: 'R-OP-7',
    code: 'INVALID_OPERATION',
    description: 'An update with no update keys',
    operation: (c) => signRaw(withMembers(tianjinUpdate(c), { updateKeys: [] }), tjSigner),
  },
  {
    name: 'update-keys-eleven',
    rule: 'R-OP-7',
    code: 'INVALID_OPERATION',
    description: 'An update with 11 update keys (at most 10)',
    operation: (c) =>
      signRaw(
        withMembers(tianjinUpdate(c), { updateKeys: Array.from({ length: 11 }, (_, i) => vectorKey(`many-${i}`).mk) }),
        tjSigner,
      ),
  },
  {
    name: 'update-keys-duplicate',
    rule: 'R-OP-7',
    code: 'INVALID_OPERATION',
    description: 'An update listing the same update key twice',
    operation: (c) =>
      signRaw(withMembers(tianjinUpdate(c), { updateKeys: [K.tjUpdate2.mk, K.tjUpdate2.mk] }), tjSigner),
  },
  {
    name: 'update-key-not-multikey',
    rule: 'R-OP-7',
    code: 'INVALID_OPERATION',
    description: 'An update key that is not a valid Multikey',
    operation: (c) => signRaw(withMembers(tianjinUpdate(c), { updateKeys: ['z6MkNotAValidMultikey'] }), tjSigner),
  },
  {
    name: 'threshold-zero',
    rule: 'R-OP-8',
    code: 'INVALID_OPERATION',
    description: 'An update with threshold 0',
    operation: (c) => signRaw(withMembers(tianjinUpdate(c), { threshold: 0 }), tjSigner),
  },
  {
    name: 'threshold-above-keys',
    rule: 'R-OP-8',
    code: 'INVALID_OPERATION',
    description: 'An update with threshold 2 and one update key',
    operation: (c) => signRaw(withMembers(tianjinUpdate(c), { threshold: 2 }), tjSigner),
  },
  {
    name: 'next-key-hash-not-multihash',
    rule: 'R-OP-9',
    code: 'INVALID_OPERATION',
    description: 'nextKeyHashes holding a Multikey instead of its hash',
    operation: (c) => signRaw(withMembers(tianjinUpdate(c), { nextKeyHashes: [K.mallory.mk] }), tjSigner),
  },
  {
    name: 'document-missing',
    rule: 'R-OP-10',
    code: 'INVALID_OPERATION',
    description: 'An update without a document',
    operation: (c) => signRaw(withoutMember(tianjinUpdate(c), 'document'), tjSigner),
  },
  {
    name: 'successor-self',
    rule: 'R-OP-11',
    code: 'INVALID_OPERATION',
    description: 'A deactivate naming the deactivated DID itself as successor',
    operation: (c) => signRaw(withMembers(deactivateOperation(c.history(TIANJIN)), { successor: TIANJIN }), tjSigner),
  },
  {
    name: 'successor-on-update',
    rule: 'R-OP-11',
    code: 'INVALID_OPERATION',
    description: 'successor on an update (deactivate only)',
    operation: (c) => signRaw(withMembers(tianjinUpdate(c), { successor: 'did:city:cn:130100' }), tjSigner),
  },
  {
    name: 'proof-empty',
    rule: 'R-OP-12',
    code: 'INVALID_OPERATION',
    description: 'An update with an empty proof array',
    operation: async (c) => ({ ...(tianjinUpdate(c) as unknown as Json), proof: [] }),
  },
  // §3.2 document content
  {
    name: 'document-with-id',
    rule: 'R-DOC-1',
    code: 'INVALID_OPERATION',
    description: 'A document carrying id (the resolver adds it)',
    operation: (c) =>
      signRaw(
        withMembers(tianjinUpdate(c), { document: { id: TIANJIN, ...simpleDocument(K.tjAssertion2) } }),
        tjSigner,
      ),
  },
  {
    name: 'document-unknown-member',
    rule: 'R-DOC-1',
    code: 'INVALID_OPERATION',
    description: 'A document with a member that is not in §3.2 (a display name)',
    operation: (c) =>
      signRaw(
        withMembers(tianjinUpdate(c), { document: { ...simpleDocument(K.tjAssertion2), name: '天津市' } }),
        tjSigner,
      ),
  },
  {
    name: 'verification-method-not-multikey',
    rule: 'R-DOC-1',
    code: 'INVALID_OPERATION',
    description: 'A verification method of type JsonWebKey2020',
    operation: (c) =>
      signRaw(
        withMembers(tianjinUpdate(c), {
          document: {
            verificationMethod: [{ id: '#key-1', type: 'JsonWebKey2020', publicKeyMultibase: K.tjAssertion2.mk }],
            authentication: ['#key-1'],
          },
        }),
        tjSigner,
      ),
  },
  {
    name: 'service-endpoint-not-uri',
    rule: 'R-DOC-1',
    code: 'INVALID_OPERATION',
    description: 'A service endpoint that is not an absolute URI',
    operation: (c) =>
      signRaw(
        withMembers(tianjinUpdate(c), {
          document: {
            ...simpleDocument(K.tjAssertion2),
            service: [{ id: '#data', type: 'LinkedDomains', serviceEndpoint: 'data.tj.example' }],
          },
        }),
        tjSigner,
      ),
  },
  {
    name: 'id-of-another-did',
    rule: 'R-DOC-2',
    code: 'INVALID_OPERATION',
    description: "A verification method id absolute with another DID (Beijing's)",
    operation: (c) =>
      signRaw(
        withMembers(tianjinUpdate(c), {
          document: {
            verificationMethod: [{ id: `${BEIJING}#key-1`, type: 'Multikey', publicKeyMultibase: K.tjAssertion2.mk }],
            assertionMethod: [`${BEIJING}#key-1`],
          },
        }),
        tjSigner,
      ),
  },
  {
    name: 'duplicate-fragment',
    rule: 'R-DOC-3',
    code: 'INVALID_OPERATION',
    description: 'A verification method and a service sharing the fragment #key-1',
    operation: (c) =>
      signRaw(
        withMembers(tianjinUpdate(c), {
          document: {
            ...simpleDocument(K.tjAssertion2),
            service: [{ id: '#key-1', type: 'LinkedDomains', serviceEndpoint: 'https://tj.example/' }],
          },
        }),
        tjSigner,
      ),
  },
  {
    name: 'ledger-policy-outside-registry',
    rule: 'R-GOV-1',
    code: 'INVALID_OPERATION',
    description: 'A CityLedgerPolicy service in a city document: only a country registry carries the ledger policy',
    operation: (c) =>
      signRaw(
        withMembers(tianjinUpdate(c), {
          document: {
            ...simpleDocument(K.tjAssertion2),
            service: [{ id: '#ledger-policy', type: 'CityLedgerPolicy', serviceEndpoint: { policy: 'quorum none\n' } }],
          },
        }),
        tjSigner,
      ),
  },
  {
    name: 'history-limits-outside-registry',
    rule: 'R-LIM-2',
    code: 'INVALID_OPERATION',
    description:
      'A CityHistoryLimits service in a city document: only a country registry sets the history bounds of its network',
    operation: (c) =>
      signRaw(
        withMembers(tianjinUpdate(c), {
          document: {
            ...simpleDocument(K.tjAssertion2),
            service: [{ id: '#history-limits', type: 'CityHistoryLimits', serviceEndpoint: { maxOperations: 5_000 } }],
          },
        }),
        tjSigner,
      ),
  },
  {
    name: 'history-limits-above-ceiling',
    rule: 'R-LIM-2',
    code: 'INVALID_OPERATION',
    description: 'A registry update (institutes A and C) setting maxOperations 10001, above the ceiling of 10000',
    operation: (c) =>
      signRaw(
        withMembers(updateOperation(c.history(REGISTRY), {}), {
          document: {
            ...simpleDocument(K.instituteA),
            service: [{ id: '#history-limits', type: 'CityHistoryLimits', serviceEndpoint: { maxOperations: 10_001 } }],
          },
        }),
        [K.instituteA, K.instituteC],
      ),
  },
  {
    name: 'division-edition-outside-registry',
    rule: 'R-DIV-1',
    code: 'INVALID_OPERATION',
    description:
      'A CityDivisionEdition service in a city document: only a country registry states the edition it allocates from',
    operation: (c) =>
      signRaw(
        withMembers(tianjinUpdate(c), {
          document: {
            ...simpleDocument(K.tjAssertion2),
            service: [{ id: '#division-table', type: 'CityDivisionEdition', serviceEndpoint: { edition: '2023' } }],
          },
        }),
        tjSigner,
      ),
  },
  {
    name: 'dangling-reference',
    rule: 'R-DOC-4',
    code: 'INVALID_OPERATION',
    description: 'assertionMethod referencing #key-9, which is not in verificationMethod',
    operation: (c) =>
      signRaw(
        withMembers(tianjinUpdate(c), { document: { ...simpleDocument(K.tjAssertion2), assertionMethod: ['#key-9'] } }),
        tjSigner,
      ),
  },
  {
    name: 'embedded-method',
    rule: 'R-DOC-4',
    code: 'INVALID_OPERATION',
    description: 'An embedded verification method in authentication (not allowed in 0.1)',
    operation: (c) =>
      signRaw(
        withMembers(tianjinUpdate(c), {
          document: {
            authentication: [
              { id: '#key-1', type: 'Multikey', controller: TIANJIN, publicKeyMultibase: K.tjAssertion2.mk },
            ],
          },
        }),
        tjSigner,
      ),
  },
  // §3.4 authorisation
  {
    name: 'create-without-own-key',
    rule: 'R-AUTH-1',
    code: 'UNAUTHORIZED_OPERATION',
    description:
      "A create for Beijing signed by two institutes but not by Beijing's own update key (no proof of possession)",
    operation: () =>
      sign(createOperation({ did: BEIJING, updateKeys: [beijingKey.mk], document: simpleDocument(beijingKey) }), [
        K.instituteA,
        K.instituteC,
      ]),
  },
  {
    name: 'create-one-institute',
    rule: 'R-AUTH-1',
    code: 'UNAUTHORIZED_OPERATION',
    description: 'A create for Beijing signed by its key and one institute: the registry threshold is 2',
    operation: () =>
      sign(createOperation({ did: BEIJING, updateKeys: [beijingKey.mk], document: simpleDocument(beijingKey) }), [
        beijingKey,
        K.instituteA,
      ]),
  },
  {
    name: 'sub-identifier-without-parent',
    rule: 'R-AUTH-1',
    code: 'UNAUTHORIZED_OPERATION',
    description: "A sub-identifier of Shijiazhuang signed only by its own key, not by Shijiazhuang's update key",
    operation: () =>
      sign(createOperation({ did: `${SJZ}:water`, updateKeys: [waterKey.mk], document: simpleDocument(waterKey) }), [
        waterKey,
      ]),
  },
  {
    name: 'parent-does-not-exist',
    rule: 'R-AUTH-2',
    code: 'UNAUTHORIZED_OPERATION',
    description: 'A sub-identifier of Beijing, which is not on the ledger',
    operation: () =>
      sign(
        createOperation({ did: `${BEIJING}:water`, updateKeys: [waterKey.mk], document: simpleDocument(waterKey) }),
        [waterKey, K.instituteA, K.instituteC],
      ),
  },
  {
    name: 'parent-deactivated',
    rule: 'R-AUTH-2',
    code: 'UNAUTHORIZED_OPERATION',
    description: "A sub-identifier of the deactivated pilot-lab, signed by its key and the lab's last update key",
    operation: () =>
      sign(
        createOperation({ did: `${LAB}:sensors`, updateKeys: [sensorKey.mk], document: simpleDocument(sensorKey) }),
        [sensorKey, K.labUpdate],
      ),
  },
  {
    name: 'update-wrong-key',
    rule: 'R-AUTH-3',
    code: 'UNAUTHORIZED_OPERATION',
    description: 'A Tianjin update signed by a key that is not its update key',
    operation: (c) => sign(tianjinUpdate(c, { updateKeys: [K.mallory.mk] }), [K.mallory]),
  },
  {
    name: 'update-by-document-key',
    rule: 'R-AUTH-3',
    code: 'UNAUTHORIZED_OPERATION',
    description: 'A Tianjin update signed by the assertion key in its document: document keys are not update keys',
    operation: (c) => sign(tianjinUpdate(c), [K.tjAssertion2]),
  },
  {
    name: 'update-by-recovered-away-key',
    rule: 'R-AUTH-3',
    code: 'UNAUTHORIZED_OPERATION',
    description: 'A Tianjin update signed by the update key the recover replaced',
    operation: (c) => sign(tianjinUpdate(c), [K.tjUpdate1]),
  },
  {
    name: 'registry-update-one-of-three',
    rule: 'R-AUTH-3',
    code: 'UNAUTHORIZED_OPERATION',
    description: 'A registry update signed by one institute (threshold 2)',
    operation: (c) => sign(updateOperation(c.history(REGISTRY), {}), [K.instituteA]),
  },
  {
    name: 'pre-rotation-uncommitted-key',
    rule: 'R-AUTH-3',
    code: 'UNAUTHORIZED_OPERATION',
    description:
      'Under pre-rotation, a Shijiazhuang update to a key whose hash was not committed, signed by it and the current key',
    operation: (c) => sign(updateOperation(c.history(SJZ), { updateKeys: [K.mallory.mk] }), [K.mallory, K.sjzUpdate3]),
  },
  {
    name: 'pre-rotation-revealed-key-did-not-sign',
    rule: 'R-AUTH-3',
    code: 'UNAUTHORIZED_OPERATION',
    description:
      'Under pre-rotation, an update revealing the committed key sjz-update-4 but signed only by the current key',
    operation: (c) => sign(updateOperation(c.history(SJZ), { updateKeys: [K.sjzUpdate4.mk] }), [K.sjzUpdate3]),
  },
  {
    name: 'deactivate-wrong-key',
    rule: 'R-AUTH-4',
    code: 'UNAUTHORIZED_OPERATION',
    description: 'A Tianjin deactivate signed by neither its update key nor the registry quorum',
    operation: (c) => sign(deactivateOperation(c.history(TIANJIN)), [K.mallory]),
  },
  {
    name: 'deactivate-pre-rotation-current-key',
    rule: 'R-AUTH-4',
    code: 'UNAUTHORIZED_OPERATION',
    description:
      'Under pre-rotation, a Shijiazhuang deactivate signed by the current update key only (see the Open issue in §3.4)',
    operation: (c) => sign(deactivateOperation(c.history(SJZ)), [K.sjzUpdate3]),
  },
  {
    name: 'recover-by-own-key',
    rule: 'R-AUTH-5',
    code: 'UNAUTHORIZED_OPERATION',
    description: "A Tianjin recover signed by Tianjin's own update key: only the parent quorum recovers",
    operation: (c) =>
      sign(recoverOperation(c.history(TIANJIN), { updateKeys: [K.mallory.mk], document: simpleDocument(K.mallory) }), [
        K.tjUpdate2,
      ]),
  },
  {
    name: 'recover-registry',
    rule: 'R-AUTH-5',
    code: 'UNAUTHORIZED_OPERATION',
    description: 'A recover of the country registry, which has no parent, signed by all its institutes',
    operation: (c) =>
      sign(recoverOperation(c.history(REGISTRY), { updateKeys: [K.mallory.mk], document: {} }), [
        K.instituteA,
        K.instituteC,
        K.instituteD,
      ]),
  },
  {
    name: 'update-after-deactivate',
    rule: 'R-AUTH-6',
    code: 'DID_DEACTIVATED',
    description:
      'An update of the deactivated transport-bureau, chained to its deactivate and signed by its update key',
    operation: (c) =>
      sign(
        updateOperation(c.history(BUREAU), {
          updateKeys: [K.bureauUpdate.mk],
          document: simpleDocument(K.bureauAssertion),
        }),
        [K.bureauUpdate],
      ),
  },
  {
    name: 'deactivate-twice',
    rule: 'R-AUTH-6',
    code: 'DID_DEACTIVATED',
    description: 'A second deactivate of pilot-lab by its parent',
    operation: (c) => sign(deactivateOperation(c.history(LAB)), [K.sjzUpdate3]),
  },
  {
    name: 'parent-key-rotated-away',
    rule: 'R-AUTH-7',
    code: 'UNAUTHORIZED_OPERATION',
    description:
      'A create for Beijing signed by institutes A and B after the registry replaced B by D: B no longer counts',
    operation: () =>
      sign(createOperation({ did: BEIJING, updateKeys: [beijingKey.mk], document: simpleDocument(beijingKey) }), [
        beijingKey,
        K.instituteA,
        K.instituteB,
      ]),
  },
  {
    name: 'parent-key-not-yet-added',
    rule: 'R-AUTH-7',
    code: 'UNAUTHORIZED_OPERATION',
    description:
      'A create for Beijing integrated before the registry rotation (leaf 12), signed by institutes A and D: D does not count yet',
    entries: 12,
    operation: () =>
      sign(createOperation({ did: BEIJING, updateKeys: [beijingKey.mk], document: simpleDocument(beijingKey) }), [
        beijingKey,
        K.instituteA,
        K.instituteD,
      ]),
  },
  // §3.5 genesis
  {
    name: 'genesis-below-threshold',
    rule: 'R-GEN-1',
    code: 'UNAUTHORIZED_OPERATION',
    description: 'A country registry genesis (did:city:jp, threshold 2 of 2) signed by one of its keys',
    operation: () =>
      sign(
        createOperation({ did: 'did:city:jp', updateKeys: [japanKey.mk, K.mallory.mk], threshold: 2, document: {} }),
        [japanKey],
      ),
  },
  {
    name: 'genesis-not-pinned',
    rule: 'R-GEN-3',
    code: 'UNAUTHORIZED_OPERATION',
    description:
      'A properly self-signed genesis of did:city:jp whose update keys differ from the keys the trust policy pins',
    genesis: { 'did:city:jp': { updateKeys: [japanKey.mk] } },
    operation: () =>
      sign(createOperation({ did: 'did:city:jp', updateKeys: [K.mallory.mk], document: {} }), [K.mallory]),
  },
  // §3.6 proofs
  {
    name: 'proof-purpose',
    rule: 'R-PRF-1',
    code: 'INVALID_SIGNATURE',
    description: 'A proof with proofPurpose assertionMethod (must be capabilityInvocation)',
    operation: (c) => signRaw(tianjinUpdate(c) as unknown as Json, tjSigner, { proofPurpose: 'assertionMethod' }),
  },
  {
    name: 'proof-verification-method-not-did-key',
    rule: 'R-PRF-1',
    code: 'INVALID_SIGNATURE',
    description: 'A proof whose verificationMethod is a did:city key URL instead of did:key:<multikey>#<multikey>',
    operation: (c) =>
      signRaw(tianjinUpdate(c) as unknown as Json, tjSigner, { verificationMethod: `${TIANJIN}#key-1` }),
  },
  {
    name: 'proof-cryptosuite-mismatch',
    rule: 'R-PRF-1',
    code: 'INVALID_SIGNATURE',
    description: 'An Ed25519 key with cryptosuite ecdsa-jcs-2019',
    operation: async (c) => editProof(await sign(tianjinUpdate(c), tjSigner), { cryptosuite: 'ecdsa-jcs-2019' }),
  },
  {
    name: 'proof-unknown-cryptosuite',
    rule: 'R-PRF-1',
    code: 'INVALID_OPERATION',
    description: 'A proof with cryptosuite bbs-2023',
    operation: async (c) => editProof(await sign(tianjinUpdate(c), tjSigner), { cryptosuite: 'bbs-2023' }),
  },
  {
    name: 'proof-unknown-member',
    rule: 'R-PRF-1',
    code: 'INVALID_OPERATION',
    description: 'A proof with an extra member (nonce)',
    operation: async (c) => editProof(await sign(tianjinUpdate(c), tjSigner), { nonce: '1234' }),
  },
  {
    name: 'proof-created-not-utc',
    rule: 'R-PRF-1',
    code: 'INVALID_OPERATION',
    description: 'A proof created with a +08:00 offset (UTC required), signed over that value',
    operation: (c) => signRaw(tianjinUpdate(c) as unknown as Json, tjSigner, { created: '2026-11-21T16:00:00+08:00' }),
  },
  {
    name: 'bad-signature',
    rule: 'R-PRF-2',
    code: 'INVALID_SIGNATURE',
    description: 'An update carrying the proofValue of another operation signed by the same key',
    operation: async (c) => {
      const other = await sign(tianjinUpdate(c, { threshold: 1, nextKeyHashes: [keyHash(K.tjUpdate1.mk)] }), tjSigner);
      return editProof(await sign(tianjinUpdate(c), tjSigner), { proofValue: other.proof[0]!.proofValue });
    },
  },
  {
    name: 'modified-after-signing',
    rule: 'R-PRF-2',
    code: 'INVALID_SIGNATURE',
    description: 'A signed update whose document was changed afterwards (a service endpoint redirected)',
    operation: async (c) => {
      const op = (await sign(
        tianjinUpdate(c, {
          document: {
            ...simpleDocument(K.tjAssertion2),
            service: [{ id: '#data', type: 'LinkedDomains', serviceEndpoint: 'https://data.tj.example/' }],
          },
        }),
        tjSigner,
      )) as unknown as Json;
      const document = op.document as Json;
      return {
        ...op,
        document: {
          ...document,
          service: [{ id: '#data', type: 'LinkedDomains', serviceEndpoint: 'https://evil.example/' }],
        },
      };
    },
  },
  {
    name: 'extra-proof-does-not-verify',
    rule: 'R-PRF-2',
    code: 'INVALID_SIGNATURE',
    description:
      'A valid, authorised proof plus a proof by an unrelated key that does not verify: every proof must verify',
    operation: async (c) => {
      const op = await sign(tianjinUpdate(c), tjSigner);
      const stray = await sign(tianjinUpdate(c, { threshold: 1, nextKeyHashes: [keyHash(K.mallory.mk)] }), [K.mallory]);
      return { ...(op as unknown as Json), proof: [...op.proof, stray.proof[0]!] };
    },
  },
  {
    name: 'secp256k1-high-s',
    rule: 'R-PRF-2',
    code: 'INVALID_SIGNATURE',
    description:
      "A registry update signed by institutes A and C whose secp256k1 proof (C's) carries the high-s twin of its valid signature",
    operation: async (c) => {
      const op = await sign(updateOperation(c.history(REGISTRY), {}), [K.instituteA, K.instituteC]);
      const [first, second] = op.proof;
      return { ...(op as unknown as Json), proof: [first, { ...second, proofValue: highS(second!.proofValue) }] };
    },
  },
  // §4 log entries
  {
    name: 'integrated-time-fraction',
    rule: 'R-LOG-1',
    code: 'INVALID_OPERATION',
    description: 'A log entry whose integratedTime has fractional seconds',
    entry: async (c) => ({
      index: c.w.entries.length,
      integratedTime: '2026-12-03T08:00:00.500Z',
      operation: await sign(tianjinUpdate(c), tjSigner),
    }),
  },
  {
    name: 'leaf-index-not-increasing',
    rule: 'R-LOG-1',
    code: 'INVALID_OPERATION',
    description: "A Tianjin entry at leaf 7, not after Tianjin's previous leaf (7)",
    entry: async (c) => ({ index: 7, integratedTime: day(12), operation: await sign(tianjinUpdate(c), tjSigner) }),
  },
];

/** A Tianjin update padded (alsoKnownAs) so that its JCS form, proofs included, is exactly `bytes` long. */
async function sizedUpdate(c: Context, bytes: number): Promise<Json> {
  let padding = 60000;
  for (let attempt = 0; attempt < 20; attempt++) {
    const document = {
      ...simpleDocument(K.tjAssertion2),
      alsoKnownAs: [`https://archive.tj.example/${'a'.repeat(padding)}`],
    };
    const op = await signRaw(tianjinUpdate(c, { document }) as unknown as Json, tjSigner);
    const size = canonicalBytes(op).length;
    if (size === bytes) return op;
    padding += bytes - size;
  }
  throw new Error(`could not pad an operation to ${bytes} bytes`);
}

export async function sizeLimitOperation(): Promise<Json> {
  const w = await world();
  return sizedUpdate(contextAt(w, w.entries.length), 61440);
}

function contextAt(w: World, entries: number): Context {
  const state = w.histories[entries]!;
  return {
    w,
    state,
    history: (did) => {
      const history = state.get(did);
      if (history === undefined) throw new Error(`no history for ${did} after ${entries} entries`);
      return history;
    },
  };
}

function failureOf(action: () => unknown): DidCityError {
  try {
    action();
  } catch (error) {
    if (error instanceof DidCityError) return error;
    throw error;
  }
  throw new Error('expected a DidCityError');
}

export function expectedError(code: ErrorCode) {
  const { type, title, status, resolutionError } = ERRORS[code];
  return { code, type, title, status, ...(resolutionError === undefined ? {} : { resolutionError }) };
}

function canonicalDid(value: unknown): string | undefined {
  const did = (value as { did?: unknown } | undefined)?.did;
  return typeof did === 'string' && /^did:city:[a-z0-9:-]+$/.test(did) ? did : undefined;
}

export async function negativeVectors(): Promise<Vector[]> {
  const w = await world();
  const vectors: Vector[] = [];
  for (const c of CASES) {
    const count = c.entries ?? w.entries.length;
    const context = contextAt(w, count);
    const genesis = c.genesis ?? w.genesis;
    const entry: LogEntry = c.entry
      ? await c.entry(context)
      : { index: count, integratedTime: day(count), operation: (await c.operation!(context)) as Operation };
    const error = failureOf(() => applyToState(context.state, entry, genesis));
    if (error.code !== c.code) {
      throw new Error(
        `negative/${c.rule}-${c.name}: the spec requires ${c.code}, the library gives ${error.code} (${error.detail})`,
      );
    }
    const vector: Vector = {
      id: `negative/${c.rule}-${c.name}`,
      kind: 'append',
      description: c.description,
      rule: c.rule,
      log: WORLD_LOG,
      entries: count,
      genesis,
      entry: plain(entry),
      expected: { error: expectedError(c.code) },
    };
    const did = c.resolve === false ? undefined : (c.resolve ?? canonicalDid(entry.operation));
    if (did !== undefined) {
      const log = [...logEntries(w.entries.slice(0, count)), entry];
      const result = await createCityResolver({ reader: readerOf(log), genesis, cache: false }).resolve(did);
      const expected = ERRORS[ERRORS[c.code].resolutionError ?? c.code].type;
      if (result.didResolutionMetadata.error?.type !== expected) {
        throw new Error(
          `${vector.id}: resolving ${did} over the log gives ${JSON.stringify(result.didResolutionMetadata)}`,
        );
      }
      vector.resolve = { did, error: expectedError(ERRORS[c.code].resolutionError ?? c.code) };
    }
    vectors.push(vector);
  }
  return vectors;
}
