/**
 * CityDIDProvider: a Veramo identifier provider for did:city sub-identifiers. Every change is a did:city operation
 * built with the method library's builders from the DID's verified state (read through HttpLedgerReader),
 * signed through the agent's key manager and submitted with LedgerClient, which resolves only with a receipt it
 * verified against the trust policy.
 *
 * Key roles (spec §9.1): an identifier's `controllerKeyId` is its update key, which authorises operations and is
 * not in the document; `keys` are the document's verification methods. Keeping the update key out of `keys`
 * stops Veramo from picking it to sign a credential, which no verifier would accept.
 *
 * Pre-rotation (spec §3.4): `didManagerUpdate` options commit to the next update keys (`nextKeys`, hashed into
 * `nextKeyHashes`) and rotate to them (`rotateTo`). Under a commitment the next update must reveal committed keys,
 * and they sign it (R-AUTH-3); the current update keys alone can no longer change the DID.
 */
import {
  addService,
  addVerificationMethod,
  createOperation,
  currentContent,
  DidCityError,
  type DidHistory,
  type DocumentContent,
  deactivateOperation,
  type GenesisPolicy,
  type KeyStateChanges,
  keyHash,
  loadHistory,
  parentDid,
  parseDid,
  type Relationship,
  removeService,
  removeVerificationMethod,
  type Signer,
  signOperation,
  type UnsignedOperation,
  updateOperation,
} from '@did-city/method';
import { HttpLedgerReader, LedgerClient, type LedgerReceipt } from '@did-city/method/http';
import type {
  DIDDocument as VeramoDidDocument,
  IAgentContext,
  IDIDManager,
  IIdentifier,
  IKey,
  IKeyManager,
  IService,
} from '@veramo/core-types';
import { AbstractIdentifierProvider } from '@veramo/did-manager';
import { contentFromVeramoDocument, toCityService } from './document.ts';
import { kmsSigner, multikeyOf, veramoKeyType } from './kms-signer.ts';

export interface CityDIDProviderOptions {
  /** Base URL of the ledger node (reads and submissions). */
  ledgerUrl: string;
  /** C2SP tlog-policy text that histories and receipts are verified against (spec §7.4). */
  policy: string;
  /** KMS for new keys when `didManagerCreate` names none. */
  defaultKms: string;
  /** Pinned registry geneses (spec §3.5). */
  genesis?: GenesisPolicy;
  fetch?: typeof fetch;
  /** Per ledger request; submissions wait for the witness quorum. Default 10 s. */
  timeoutMs?: number;
}

/** `didManagerCreate` options: the DID, or its parent and label; optionally the parent's update key ids. */
export interface CityCreateOptions {
  did?: string;
  parentDid?: string;
  label?: string;
  /** KMS key id(s) of the parent's update keys; default: the keys of the parent identifier in this agent. */
  parentKid?: string | string[];
  keyType?: 'Ed25519' | 'P-256' | 'secp256k1';
  services?: IService[];
}

/**
 * `didManagerUpdate` options that change the update keys (spec §3.4). With any of them, `document: {}` keeps the
 * current document content; a non-empty `document` replaces it in the same operation.
 */
export interface CityUpdateOptions {
  /**
   * KMS key id(s) of the new update keys; the first becomes `controllerKeyId`. While the DID is pre-rotated they must
   * be committed keys, and they sign the update (as many as the new threshold and the threshold in force).
   */
  rotateTo?: string | string[];
  /** Threshold of the new update keys; default unchanged. */
  threshold?: number;
  /**
   * KMS key id(s) of the next update keys: their hashes (`keyHash`) become the DID's `nextKeyHashes`, at least as
   * many as the threshold (R-OP-9). The next update must then rotate to them. An update without `nextKeys` ends the
   * commitment (it is not carried over).
   */
  nextKeys?: string | string[];
}

export interface CityKeyOptions {
  /** Fragment of the new verification method; default the next free `#key-N`. */
  id?: string;
  /** Default: authentication and assertionMethod. */
  relationships?: Relationship[];
}

type Context = IAgentContext<IKeyManager>;
type ManagerContext = IAgentContext<IKeyManager & Partial<Pick<IDIDManager, 'didManagerGet'>>>;

export class CityDIDProvider extends AbstractIdentifierProvider {
  readonly #reader: HttpLedgerReader;
  readonly #client: LedgerClient;
  readonly #defaultKms: string;
  readonly #genesis: GenesisPolicy | undefined;

  constructor(options: CityDIDProviderOptions) {
    super();
    const http = { policy: options.policy, ...(options.fetch ? { fetch: options.fetch } : {}) };
    const timeout = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
    this.#reader = new HttpLedgerReader({ url: options.ledgerUrl, ...http, ...timeout });
    this.#client = new LedgerClient({ url: options.ledgerUrl, ...http, ...timeout });
    this.#defaultKms = options.defaultKms;
    this.#genesis = options.genesis;
  }

  override matchPrefix(prefix: string): boolean {
    return prefix.startsWith('did:city:');
  }

  async createIdentifier(
    args: { kms?: string; alias?: string; options?: CityCreateOptions },
    context: Context,
  ): Promise<Omit<IIdentifier, 'provider'>> {
    const options = args.options ?? {};
    const did = subIdentifierOf(options);
    const parent = await this.#state(parentDid(did)!);
    const parentSigners = this.#signers(context, await parentKeys(context, parent.did, options.parentKid), parent);
    const kms = args.kms ?? this.#defaultKms;
    const type = veramoKeyType(options.keyType ?? 'Ed25519');
    const updateKey = await context.agent.keyManagerCreate({ kms, type, meta: { didCity: { role: 'update', did } } });
    const signingKey = await context.agent.keyManagerCreate({
      kms,
      type,
      meta: { didCity: { role: 'document', did } },
    });
    const services = options.services ?? [];
    let document = addVerificationMethod({}, { did, publicKeyMultibase: multikeyOf(signingKey), id: '#key-1' });
    for (const service of services) document = addService(document, { did, service: toCityService(did, service) });
    const unsigned = createOperation({ did, updateKeys: [multikeyOf(updateKey)], document });
    await this.#submit(unsigned, [kmsSigner(context, updateKey), ...parentSigners]);
    return { did, controllerKeyId: updateKey.kid, keys: [signingKey], services };
  }

  async updateIdentifier(
    args: { did: string; document: Partial<VeramoDidDocument>; options?: CityUpdateOptions & Record<string, unknown> },
    context: Context,
  ): Promise<IIdentifier> {
    const identifier = await managedIdentifier(context, args.did);
    const { rotateTo, threshold, nextKeys } = args.options ?? {};
    const keys: KeyChange = {
      ...(rotateTo === undefined ? {} : { rotateTo: await requiredKeys(context, rotateTo, 'rotateTo') }),
      ...(threshold === undefined ? {} : { threshold }),
      ...(nextKeys === undefined ? {} : { nextKeys: await requiredKeys(context, nextKeys, 'nextKeys') }),
    };
    const keep = Object.keys(keys).length > 0 && Object.keys(args.document).length === 0;
    const document = keep ? undefined : contentFromVeramoDocument(args.did, args.document);
    await this.#update(identifier, context, (content) => document ?? content, keys);
    const services =
      document === undefined
        ? identifier.services
        : (document.service ?? []).map((s) => ({ ...s, type: String(s.type) }) as IService);
    const controllerKeyId = keys.rotateTo?.[0]?.kid ?? identifier.controllerKeyId;
    return { ...identifier, ...(controllerKeyId === undefined ? {} : { controllerKeyId }), services };
  }

  async deleteIdentifier(identifier: IIdentifier, context: Context): Promise<boolean> {
    const history = await this.#state(identifier.did);
    const candidates = await updateKeyCandidates(context, identifier);
    const { nextKeyHashes, threshold } = history.keyState;
    // Under pre-rotation only committed keys may deactivate (R-AUTH-4); the agent may hold them as document keys.
    const signers =
      nextKeyHashes === undefined
        ? this.#signers(context, candidates, history)
        : quorum(
            context,
            candidates.filter((key) => isCityKey(key) && nextKeyHashes.includes(keyHash(multikeyOf(key)))),
            threshold,
            () =>
              `${history.did} is pre-rotated: only its committed update keys can deactivate it; rotate to them first (didManagerUpdate options.rotateTo), or have the parent deactivate it`,
          );
    await this.#submit(deactivateOperation(history), signers);
    return true;
  }

  addKey(
    args: { identifier: IIdentifier; key: IKey; options?: CityKeyOptions },
    context: Context,
  ): Promise<LedgerReceipt> {
    const { identifier, key, options = {} } = args;
    return this.#update(identifier, context, (content) =>
      addVerificationMethod(content, { did: identifier.did, publicKeyMultibase: multikeyOf(key), ...options }),
    );
  }

  removeKey(args: { identifier: IIdentifier; kid: string }, context: Context): Promise<LedgerReceipt> {
    const { identifier, kid } = args;
    const key = identifier.keys.find((k) => k.kid === kid);
    if (key === undefined)
      throw new DidCityError('INVALID_OPERATION', `${identifier.did} has no key ${kid} in this agent`);
    const publicKeyMultibase = multikeyOf(key);
    return this.#update(identifier, context, (content) =>
      removeVerificationMethod(content, { did: identifier.did, publicKeyMultibase }),
    );
  }

  addService(args: { identifier: IIdentifier; service: IService }, context: Context): Promise<LedgerReceipt> {
    const { identifier, service } = args;
    return this.#update(identifier, context, (content) =>
      addService(content, { did: identifier.did, service: toCityService(identifier.did, service) }),
    );
  }

  removeService(args: { identifier: IIdentifier; id: string }, context: Context): Promise<LedgerReceipt> {
    const { identifier, id } = args;
    return this.#update(identifier, context, (content) => removeService(content, { did: identifier.did, id }));
  }

  /**
   * One update: current verified state → edited content (and key changes) → signed. Without a commitment the
   * current update keys sign; under one (R-AUTH-3) the revealed committed keys (`rotateTo`) sign.
   */
  async #update(
    identifier: IIdentifier,
    context: Context,
    edit: (content: DocumentContent) => DocumentContent,
    keys: KeyChange = {},
  ): Promise<LedgerReceipt> {
    const history = await this.#state(identifier.did);
    const changes: KeyStateChanges = { document: edit(currentContent(history) ?? {}) };
    if (keys.rotateTo !== undefined) changes.updateKeys = keys.rotateTo.map(multikeyOf);
    if (keys.threshold !== undefined) changes.threshold = keys.threshold;
    if (keys.nextKeys !== undefined)
      changes.nextKeyHashes = [...new Set(keys.nextKeys.map((key) => keyHash(multikeyOf(key))))];
    const unsigned = updateOperation(history, changes);
    const newThreshold = changes.threshold ?? history.keyState.threshold;
    if (changes.nextKeyHashes !== undefined && changes.nextKeyHashes.length < newThreshold) {
      const detail = `nextKeys: ${changes.nextKeyHashes.length} committed keys cannot meet the threshold ${newThreshold} the next update must meet (R-OP-9)`;
      throw new DidCityError('INVALID_OPERATION', detail);
    }
    const signers =
      history.keyState.nextKeyHashes === undefined
        ? this.#signers(context, await updateKeyCandidates(context, identifier), history)
        : revealedSigners(context, history, keys.rotateTo, newThreshold);
    return this.#submit(unsigned, signers);
  }

  /** The DID's verified, live history. */
  async #state(did: string): Promise<DidHistory> {
    const { history } = await loadHistory(this.#reader, did, this.#genesis ? { genesis: this.#genesis } : {});
    if (history === undefined) throw new DidCityError('NOT_FOUND', `${did} is not on the ledger`);
    if (history.deactivation !== undefined) throw new DidCityError('DID_DEACTIVATED', `${did} is deactivated`);
    return history;
  }

  /**
   * Signers for the keys among `keys` that are current update keys of `history`, as many as its threshold. A
   * commitment does not matter here: a parent's current keys still allocate children (R-AUTH-1); updates and
   * deactivations of a pre-rotated DID are signed by its committed keys instead.
   */
  #signers(context: Context, keys: IKey[], history: DidHistory): Signer[] {
    const { updateKeys, threshold } = history.keyState;
    const usable = keys.filter((key) => isCityKey(key) && updateKeys.includes(multikeyOf(key)));
    return quorum(
      context,
      usable,
      threshold,
      () => `this agent holds ${usable.length} of ${history.did}'s update keys; ${threshold} must sign`,
    );
  }

  async #submit(unsigned: UnsignedOperation, signers: Signer[]): Promise<LedgerReceipt> {
    return this.#client.submit(await signOperation(unsigned, signers));
  }
}

interface KeyChange {
  rotateTo?: IKey[];
  threshold?: number;
  nextKeys?: IKey[];
}

function quorum(context: Context, usable: IKey[], threshold: number, detail: () => string): Signer[] {
  if (usable.length < threshold) throw new DidCityError('UNAUTHORIZED_OPERATION', detail());
  return usable.slice(0, threshold).map((key) => kmsSigner(context, key));
}

/**
 * R-AUTH-3: every new update key is committed in the DID's `nextKeyHashes`, and the revealed keys sign, enough of
 * them for both the new threshold and the threshold in force. The current update keys do not sign: alone they
 * cannot authorise the update, and the ledger would refuse it.
 */
function revealedSigners(
  context: Context,
  history: DidHistory,
  revealed: IKey[] | undefined,
  newThreshold: number,
): Signer[] {
  const { nextKeyHashes = [], threshold } = history.keyState;
  if (revealed === undefined) {
    throw new DidCityError(
      'UNAUTHORIZED_OPERATION',
      `${history.did} is pre-rotated: its next update must rotate to the committed update keys and be signed by them (didManagerUpdate options.rotateTo); its current update keys alone cannot change it`,
    );
  }
  const uncommitted = revealed.filter((key) => !nextKeyHashes.includes(keyHash(multikeyOf(key))));
  if (uncommitted.length > 0) {
    const kids = uncommitted.map((key) => key.kid).join(', ');
    throw new DidCityError(
      'UNAUTHORIZED_OPERATION',
      `${history.did} is pre-rotated and ${kids} ${uncommitted.length === 1 ? 'is' : 'are'} not committed in its nextKeyHashes`,
    );
  }
  const needed = Math.max(newThreshold, threshold);
  return quorum(
    context,
    revealed,
    needed,
    () =>
      `rotating ${history.did} reveals ${revealed.length} committed keys; ${needed} must sign (the new threshold ${newThreshold} and the threshold in force ${threshold})`,
  );
}

/** KMS keys that must exist (a rotation or commitment to a key the agent does not hold is a mistake, not a gap). */
async function requiredKeys(context: Context, kids: string | string[], option: string): Promise<IKey[]> {
  const list = Array.isArray(kids) ? kids : [kids];
  if (list.length === 0) throw new TypeError(`did:city options.${option} names no key`);
  const keys = await agentKeys(context, list);
  if (keys.length < list.length) {
    const missing = list.filter((kid) => !keys.some((key) => key.kid === kid));
    throw new DidCityError('INVALID_OPERATION', `options.${option}: this agent holds no key ${missing.join(', ')}`);
  }
  return keys;
}

function isCityKey(key: IKey): boolean {
  return key.type === 'Ed25519' || key.type === 'Secp256r1' || key.type === 'Secp256k1';
}

function subIdentifierOf(options: CityCreateOptions): string {
  const did = options.did ?? (options.parentDid && options.label ? `${options.parentDid}:${options.label}` : undefined);
  if (did === undefined)
    throw new TypeError('did:city createIdentifier needs options.did, or options.parentDid and options.label');
  const parsed = parseDid(did);
  if (parsed.did !== did) throw new DidCityError('INVALID_DID', `${did} is not in canonical form`);
  if (parsed.subIds.length === 0) {
    throw new DidCityError(
      'INVALID_OPERATION',
      `${did} is not a sub-identifier; a division DID is created through the registration workflow (did-city apply)`,
    );
  }
  return did;
}

async function managedIdentifier(context: Context, did: string): Promise<IIdentifier> {
  const agent = (context as ManagerContext).agent;
  if (agent.didManagerGet === undefined) throw new TypeError('the agent has no DID manager');
  return agent.didManagerGet({ did });
}

/** The keys that may be update keys of an identifier: its controller key and its document keys. */
async function updateKeyCandidates(context: Context, identifier: IIdentifier): Promise<IKey[]> {
  const controller =
    identifier.controllerKeyId === undefined ? [] : await agentKeys(context, [identifier.controllerKeyId]);
  return [...controller, ...identifier.keys.filter((k) => k.kid !== identifier.controllerKeyId)];
}

async function parentKeys(context: Context, parent: string, kids: string | string[] | undefined): Promise<IKey[]> {
  if (kids !== undefined) return agentKeys(context, Array.isArray(kids) ? kids : [kids]);
  try {
    return await updateKeyCandidates(context, await managedIdentifier(context, parent));
  } catch {
    throw new DidCityError(
      'UNAUTHORIZED_OPERATION',
      `${parent} is not managed by this agent; import it or pass options.parentKid`,
    );
  }
}

async function agentKeys(context: Context, kids: string[]): Promise<IKey[]> {
  const keys: IKey[] = [];
  for (const kid of kids) {
    try {
      keys.push(await context.agent.keyManagerGet({ kid }));
    } catch {
      // A key the agent no longer holds cannot sign; the threshold check reports what is missing.
    }
  }
  return keys;
}
