/**
 * Shared types of the did:city method library, named as the specs name them.
 * @see https://www.w3.org/TR/did-core/ and https://www.w3.org/TR/did-resolution/
 * @see spec/did-city.md for the did:city members.
 */

/** A parsed did:city DID (spec/did-city.md §1). */
export interface CityDid {
  /** The canonical DID string. */
  did: string;
  /** Ledger network; `undefined` for production. */
  network?: string;
  /** ISO 3166-1 alpha-2, lower case. */
  country: string;
  /** Six-digit division code; `undefined` for a country registry DID. */
  division?: string;
  /** Sub-identifier segments allocated by the parent, outermost first. */
  subIds: string[];
}

/** A parsed DID URL: a DID plus path, query and fragment (W3C DID Core §3.2). */
export interface CityDidUrl extends CityDid {
  didUrl: string;
  path: string;
  /** Query parameters in order; a parameter given twice is rejected at parse time. */
  query: Record<string, string>;
  fragment?: string;
}

/** Key algorithms did:city accepts for Multikey; SM2 is GB/T 32918 on its recommended curve. */
export type KeyType = 'Ed25519' | 'P-256' | 'secp256k1' | 'SM2';

/** A Data Integrity proof (W3C VC Data Integrity 1.0 §2.1). */
export interface DataIntegrityProof {
  type: 'DataIntegrityProof';
  cryptosuite: 'eddsa-jcs-2022' | 'ecdsa-jcs-2019' | 'sm2-jcs-2026';
  created?: string;
  verificationMethod: string;
  proofPurpose: string;
  proofValue: string;
  '@context'?: unknown;
  challenge?: string;
  domain?: string;
  [member: string]: unknown;
}

/**
 * Signs bytes with one key. Plain function type so a key can live in a KMS or HSM.
 * `publicKeyMultibase` names the key (Multikey) so proofs can reference it.
 */
export interface Signer {
  (data: Uint8Array): Promise<Uint8Array>;
  readonly publicKeyMultibase: string;
  readonly keyType: KeyType;
}

export interface VerificationMethod {
  id: string;
  type: 'Multikey';
  controller?: string;
  publicKeyMultibase: string;
}

export interface ServiceEndpointObject {
  [member: string]: unknown;
}
export type ServiceEndpoint = string | ServiceEndpointObject | Array<string | ServiceEndpointObject>;

export interface Service {
  id: string;
  type: string | string[];
  serviceEndpoint: ServiceEndpoint;
  [member: string]: unknown;
}

/** The controller-chosen content of a document in an operation (spec §3.2): no `id`, no `@context`. */
export interface DocumentContent {
  verificationMethod?: VerificationMethod[];
  authentication?: string[];
  assertionMethod?: string[];
  keyAgreement?: string[];
  capabilityInvocation?: string[];
  capabilityDelegation?: string[];
  service?: Service[];
  alsoKnownAs?: string[];
  controller?: string | string[];
}

/** A resolved DID document (W3C DID Core §5). */
export interface DIDDocument extends Omit<DocumentContent, 'verificationMethod'> {
  '@context'?: string | string[];
  id: string;
  verificationMethod?: Array<VerificationMethod & { controller: string }>;
}

export type OperationType = 'create' | 'update' | 'deactivate' | 'recover' | 'resource';

interface OperationBase {
  type: OperationType;
  did: string;
  seq: number;
  prev: string | null;
  proof: DataIntegrityProof[];
}

/** create, update and recover carry a full key state and document (spec §3.1). */
export interface StateOperation extends OperationBase {
  type: 'create' | 'update' | 'recover';
  updateKeys: string[];
  threshold: number;
  nextKeyHashes?: string[];
  document: DocumentContent;
}

export interface DeactivateOperation extends OperationBase {
  type: 'deactivate';
  /** The DID that continues this one (merger, rename, recode), or the DIDs it was split into (spec §2.3). */
  successor?: string | string[];
}

/**
 * What a `resource` operation anchors about one DID-Linked Resource (spec §3.9, W3C CCG DID-Linked Resources): the
 * content itself is not in the log, only its SHA-256 checksum.
 */
export interface ResourceDescription {
  /** A lowercase RFC 9562 UUID, unique among the DID's resources. */
  resourceId: string;
  resourceName: string;
  resourceType: string;
  /** The content's media type (RFC 6838), lower case, without parameters. */
  mediaType: string;
  /** Lowercase hex SHA-256 of the content bytes (as did:cheqd). */
  checksum: string;
  /** An optional version label chosen by the controller; versions are ordered by the log, not by this. */
  resourceVersion?: string;
}

/** Publishes one DID-Linked Resource in the DID's own chain (spec §3.9); it changes neither keys nor document. */
export interface ResourceOperation extends OperationBase {
  type: 'resource';
  resource: ResourceDescription;
}

export type Operation = StateOperation | DeactivateOperation | ResourceOperation;

/** An operation without its proofs: what every proof signs. */
export type UnsignedOperation =
  | Omit<StateOperation, 'proof'>
  | Omit<DeactivateOperation, 'proof'>
  | Omit<ResourceOperation, 'proof'>;

/** One operation as the ledger integrated it (spec §4). */
export interface LogEntry {
  /** Leaf index in the log. */
  index: number;
  /** Sequencer integration time, RFC 3339 UTC without fractional seconds. */
  integratedTime: string;
  operation: Operation;
}

/**
 * Reads DID histories. The method core does no I/O of its own: an in-memory reader serves tests and examples,
 * an HTTP reader verifies inclusion proofs against a co-signed checkpoint before returning entries.
 */
export interface LedgerReader {
  /** Every log entry of `did`, in log order; `[]` if the ledger has none. `noCache` asks for a fresh read. */
  history(did: string, options?: { noCache?: boolean }): Promise<LedgerHistory>;
  /**
   * The stored content of one of `did`'s linked resources, or undefined when the ledger has none (spec §3.9).
   * Unverified: the dereferencer checks it against the checksum its verified history anchors.
   */
  resourceContent?(did: string, resourceId: string): Promise<Uint8Array | undefined>;
}

export interface LedgerHistory {
  entries: LogEntry[];
  /**
   * The checkpoint the entries were verified against, when the reader verifies (spec §6.3), and `provenAt`: the
   * time (RFC 3339) since which the witnesses' quorum vouches that the history ends at the DID's latest operation.
   */
  ledger?: { origin: string; treeSize: string; checkpoint: string; provenAt?: string };
}

/** The key state a DID's last operation left (spec §3.4). */
export interface KeyState {
  updateKeys: string[];
  threshold: number;
  nextKeyHashes?: string[];
}

/** One version of a DID document produced by the state machine (spec §5). */
export interface DocumentVersion {
  versionId: string;
  seq: number;
  document: DIDDocument;
  keyState: KeyState;
  operationHash: string;
  leafIndex: number;
  integratedTime: string;
}

/** A resource as the verified history holds it: what its operation anchored, and where (spec §3.9). */
export interface LinkedResource extends ResourceDescription {
  seq: number;
  operationHash: string;
  leafIndex: number;
  /** The operation's integration time: the resource's `created`. */
  created: string;
}

/** A verified history turned into versions (spec §5). */
export interface DidHistory {
  did: string;
  created: string;
  versions: DocumentVersion[];
  /** The DID's linked resources in log order; absent when it has none. */
  resources?: LinkedResource[];
  /** Present once the DID is deactivated. */
  deactivation?: {
    integratedTime: string;
    operationHash: string;
    leafIndex: number;
    seq: number;
    successor?: string | string[];
  };
  /** Key state after the last operation, for authorising the next one. */
  keyState: KeyState;
  /** Hash and seq of the last operation, the `prev`/`seq` the next operation must chain to. */
  head: { seq: number; operationHash: string };
}
