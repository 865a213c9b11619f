/**
 * A ledger node: the SQLite log store, the sequencer and its witnesses wired from one config. With no witnesses
 * configured it runs three in-process witnesses (each with its own key and SQLite file) and a policy of
 * quorum 2, the embedded default. Keys are generated on first start into the data directory (mode 0600).
 * A read-only node (`readOnly`, e.g. on a PostgreSQL standby) has no sequencer: it serves reads, proofs and
 * tiles of what its store holds, and refuses submissions with LEDGER_UNAVAILABLE.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DidCityError, type GenesisPolicy, isCityDid } from '@did-city/method';
import { type Clock, parsePolicy, signerFromKey, type TlogPolicy, verifierKeyOf } from '@did-city/tlog';
import { TamperedStateError } from './sequencer/admission.ts';
import { governanceDid } from './sequencer/governance.ts';
import { keyName, loadOrCreateKey } from './keys.ts';
import { type DataDirLock, lockDataDir } from './lock.ts';
import {
  anchoredConsistencyProof,
  anchoredInclusionProof,
  currentHeadTag,
  type HistoryRequest,
  type ProvenHead,
  type ProvenHistory,
  provenHead,
  provenHistory,
  readTile,
} from './reader.ts';
import type { Receipt } from './receipt.ts';
import { checkStore, describeFailure, type HealthReport, NodeHealth, refusalOf } from './self-check.ts';
import { Sequencer, type SequencerOptions } from './sequencer/sequencer.ts';
import type { IntegrityReport, LogReader, LogStore } from './store/interface.ts';
import { type ResourceStore, SqliteResourceStore } from './resources/store.ts';
import { SqliteLogStore } from './store/sqlite.ts';
import { Witness, type WitnessClient } from './witness/witness.ts';

export interface LedgerNodeConfig {
  /** Directory for the log database, keys and embedded witnesses (created, mode 0700). */
  dataDir: string;
  /** Checkpoint origin, also the log key's name. Default `city.ledger/<network>` or `city.ledger/prod`. */
  origin?: string;
  /**
   * Ledger network of the DIDs this node serves (`test` for did:city:test:…); default production. It names the
   * default origin and governance DID, and operations for DIDs of any other network are refused (spec §1.4, R-NET-2).
   */
  network?: string;
  /** Log signer key (note format). Default: generated once into `<dataDir>/keys/log.key`. */
  logKey?: string;
  /** Remote witnesses; omit for the embedded default (three in-process witnesses). */
  witnesses?: readonly WitnessClient[];
  /** C2SP tlog-policy text; required with remote witnesses. Default: the embedded witnesses with quorum 2. */
  policy?: string;
  /** Genesis pins for country registries (spec §3.5). */
  genesis?: GenesisPolicy;
  /**
   * Accept on the governance path the genesis of a country registry that `genesis` does not pin (spec §3.5,
   * R-GEN-4). Default false: the admin token alone cannot create a registry whose keys the operator never named.
   */
  allowUnpinnedGenesis?: boolean;
  /**
   * The registry DID whose `CityLedgerPolicy` service governs the witness set (spec §7.8). Default
   * `did:city:cn`, or `did:city:<network>:cn` with a network; `false` keeps the configured policy static.
   */
  governanceDid?: string | false;
  /**
   * The log store, e.g. a writer PostgresLogStore that holds the sequencer lock. Default: SQLite in
   * `<dataDir>/ledger.db`, with the data directory locked exclusively (`<dataDir>/LOCK`, see lock.ts) until
   * `close()`. The node owns it: `close()` closes it, as does `open()` if the sequencer fails to start. A read-only
   * node needs only a `LogReader`; a sequencing node writes, so it needs a `LogStore`.
   */
  store?: LogStore | LogReader;
  /**
   * Serve reads only: no sequencer is started and submissions reject with LEDGER_UNAVAILABLE (HTTP 503). Needs
   * `policy`; meant for a store that is not the writer (a PostgresLogStore in `reader` role on a standby).
   */
  readOnly?: boolean;
  /** Batching, timeouts and clock of the sequencer. */
  sequencer?: Omit<
    SequencerOptions,
    'store' | 'origin' | 'logSigner' | 'witnesses' | 'policy' | 'genesis' | 'allowUnpinnedGenesis' | 'network'
  >;
  /** The clock of the embedded witnesses' cosignatures. Default `Date.now`. */
  witnessNow?: Clock;
  /**
   * Check the store against the log at start (spec §7.5, R-NODE-1) before sequencing anything. Default true; a
   * failed check leaves the node serving reads and refusing to sequence.
   */
  checkOnStart?: boolean;
  /** Where the node reports anchoring failures, refusals and check results. Default: standard error. */
  log?: (line: string) => void;
  /** Where linked resources' contents are kept (spec §3.9). Default: SQLite in `<dataDir>/resources.db`. */
  resources?: ResourceStore;
}

export const EMBEDDED_WITNESSES = ['witness-a', 'witness-b', 'witness-c'] as const;
export const EMBEDDED_QUORUM = 2;

export class LedgerNode {
  readonly origin: string;
  /** The network whose DIDs this node accepts operations for (`prod`: production DIDs, no network segment). */
  readonly network: string;
  /** The log's verifier key (Ed25519, note format), for trust policies. */
  readonly logVerifierKey: string;
  /** The registry DID governing the policy (spec §7.8); undefined when the policy is static. */
  readonly governanceDid: string | undefined;
  /** What the node reads (the HTTP reads, receipts, the registration desk); only the sequencer writes. */
  readonly store: LogReader;
  /** The contents of the DIDs' linked resources, by checksum. */
  readonly resources: ResourceStore;
  /** The sequencer; undefined on a read-only node. */
  readonly sequencer: Sequencer | undefined;
  /** The in-process witnesses (empty with remote witnesses). */
  readonly embeddedWitnesses: readonly Witness[];
  readonly #policy: TlogPolicy;
  readonly #policyText: string;
  readonly #lock: DataDirLock | undefined;
  readonly #health: NodeHealth;

  private constructor(parts: {
    governanceDid: string | undefined;
    network: string;
    origin: string;
    logVerifierKey: string;
    policyText: string;
    policy: TlogPolicy;
    store: LogReader;
    resources: ResourceStore;
    sequencer: Sequencer | undefined;
    embeddedWitnesses: Witness[];
    lock: DataDirLock | undefined;
    health: NodeHealth;
  }) {
    this.#lock = parts.lock;
    this.#health = parts.health;
    this.origin = parts.origin;
    this.network = parts.network;
    this.logVerifierKey = parts.logVerifierKey;
    this.#policyText = parts.policyText;
    this.governanceDid = parts.governanceDid;
    this.#policy = parts.policy;
    this.store = parts.store;
    this.resources = parts.resources;
    this.sequencer = parts.sequencer;
    this.embeddedWitnesses = parts.embeddedWitnesses;
  }

  /** Opens (or initialises) the node and anchors anything a crash left unacknowledged. */
  static async open(config: LedgerNodeConfig): Promise<LedgerNode> {
    if (config.readOnly && config.policy === undefined)
      throw new Error('a read-only node needs the trust policy (policy)');
    const network = config.network ?? 'prod';
    if (network !== 'prod' && !isCityDid(`did:city:${network}:cn`)) {
      throw new Error(
        `network "${network}" is not a network name (3 to 16 lower-case letters and digits, starting with a letter)`,
      );
    }
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    // SQLite: nothing else may use this directory (a PostgreSQL writer relies on its advisory lock instead).
    const lock = config.store === undefined ? lockDataDir(config.dataDir) : undefined;
    try {
      return await LedgerNode.#open(config, network, lock);
    } catch (error) {
      lock?.release();
      throw error;
    }
  }

  static async #open(config: LedgerNodeConfig, network: string, lock: DataDirLock | undefined): Promise<LedgerNode> {
    const origin = config.origin ?? `city.ledger/${config.network ?? 'prod'}`;
    const logKey = config.logKey ?? loadOrCreateKey({ file: join(config.dataDir, 'keys', 'log.key'), name: origin });
    if (keyName(logKey) !== origin) throw new Error(`the log key must be named after the origin ${origin}`);
    const logVerifierKey = verifierKeyOf(logKey);
    const store = config.store ?? new SqliteLogStore({ file: join(config.dataDir, 'ledger.db') });
    let embedded: Witness[];
    try {
      embedded = config.witnesses || config.readOnly ? [] : openEmbeddedWitnesses(config, logVerifierKey, store);
    } catch (error) {
      await store.close();
      throw error;
    }
    const policyText = config.policy ?? embeddedPolicy(logVerifierKey, embedded);
    const policy = parsePolicy(policyText);
    if (!config.policy) writeFileSync(join(config.dataDir, 'policy.txt'), policyText, { mode: 0o644 });
    const governance =
      config.governanceDid === false ? undefined : (config.governanceDid ?? governanceDid(config.network));
    const health = new NodeHealth();
    const resources = config.resources ?? new SqliteResourceStore(join(config.dataDir, 'resources.db'));
    const parts = {
      origin,
      network,
      logVerifierKey,
      policyText,
      policy,
      store,
      resources,
      governanceDid: governance,
      lock,
      health,
    };
    if (config.readOnly) return new LedgerNode({ ...parts, sequencer: undefined, embeddedWitnesses: [] });
    try {
      if (!isLogStore(store))
        throw new TypeError('a sequencing node needs a store it can write (a LogStore); give readOnly for a reader');
      const refusal = config.checkOnStart === false ? undefined : await checkAtStart(store, policy, governance, health);
      const sequencer = await Sequencer.start({
        ...config.sequencer,
        ...healthHooks(health, config),
        ...(refusal === undefined ? {} : { refusal }),
        store,
        origin,
        logSigner: signerFromKey(logKey),
        witnesses: config.witnesses ?? embedded,
        policy,
        network,
        ...(config.genesis ? { genesis: config.genesis } : {}),
        allowUnpinnedGenesis: config.allowUnpinnedGenesis === true,
        ...(governance ? { governance: { did: governance, logVerifierKey } } : {}),
      });
      return new LedgerNode({ ...parts, sequencer, embeddedWitnesses: embedded });
    } catch (error) {
      await store.close();
      await resources.close();
      for (const w of embedded) w.close();
      throw error;
    }
  }

  /**
   * The C2SP tlog-policy text the next checkpoints are held to: the policy the registry carries (spec §7.8) once
   * anchored, else the configured one.
   */
  get policyText(): string {
    return this.sequencer?.activePolicy.text ?? this.#policyText;
  }

  submit(operation: unknown): Promise<Receipt> {
    return this.#sequencing().submit(operation);
  }

  submitGovernance(operation: unknown): Promise<Receipt> {
    return this.#sequencing().submitGovernance(operation);
  }

  #sequencing(): Sequencer {
    if (this.sequencer) return this.sequencer;
    throw new DidCityError(
      'LEDGER_UNAVAILABLE',
      'this node does not sequence (read-only): it serves reads, proofs and tiles; submit to the node that sequences the log',
    );
  }

  /** The latest quorum-cosigned checkpoint note. */
  async latestCheckpoint(): Promise<string | undefined> {
    return (await this.store.latestCheckpoint())?.note;
  }

  /** A page of the DID's proven history (spec §7.9): entries after `after`, with its head proven. */
  history(did: string, request: HistoryRequest = {}): Promise<ProvenHistory> {
    return provenHistory(this.store, did, request);
  }

  /** The DID's head and index proof against the latest co-signed checkpoint (spec §7.9). */
  head(did: string): Promise<ProvenHead> {
    return provenHead(this.store, did);
  }

  /**
   * The ETag a head or history answer for the DID against the latest co-signed checkpoint carries (`headTag`), for
   * answering If-None-Match without building the answer; undefined before the first checkpoint.
   */
  headTag(did: string): Promise<string | undefined> {
    return currentHeadTag(this.store, did);
  }

  inclusionProof(index: number, size: number): Promise<string[]> {
    return anchoredInclusionProof(this.store, index, size);
  }

  consistencyProof(from: number, to: number): Promise<string[]> {
    return anchoredConsistencyProof(this.store, from, to);
  }

  /** tlog-tiles data (`tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`). */
  tile(path: string): Promise<Uint8Array> {
    return readTile(this.store, path);
  }

  /**
   * The store's integrity check plus the latest checkpoint's signatures against the trust policy (spec §7.5,
   * R-NODE-1). A failure makes the sequencer refuse to sequence; a pass after a failure lets it sequence again.
   */
  async integrityCheck(): Promise<IntegrityReport> {
    const report = await checkStore(this.store, this.#policy, this.governanceDid);
    this.#health.recordCheck(report);
    if (!report.ok) this.sequencer?.refuse(refusalOf(report));
    else if (this.sequencer?.refusal !== undefined) this.sequencer.resume();
    return report;
  }

  /** What `GET /health` shows: `degraded` with reasons when a check failed or the witnesses refuse checkpoints. */
  health(): HealthReport {
    return this.#health.report();
  }

  async close(): Promise<void> {
    await this.sequencer?.close();
    await this.store.close();
    await this.resources.close();
    for (const w of this.embeddedWitnesses) w.close();
    this.#lock?.release();
  }
}

/** A store the sequencer can write, as opposed to a reader only. */
function isLogStore(store: LogReader): store is LogStore {
  const writer = store as Partial<LogStore>;
  return typeof writer.append === 'function' && typeof writer.saveCheckpoint === 'function';
}

/** The start-up check; its failure is the refusal the sequencer starts with. */
async function checkAtStart(
  store: LogReader,
  policy: TlogPolicy,
  governance: string | undefined,
  health: NodeHealth,
): Promise<DidCityError | undefined> {
  const report = await checkStore(store, policy, governance);
  health.recordCheck(report);
  return report.ok ? undefined : refusalOf(report);
}

/** The sequencer's reports, recorded for /health and logged; the caller's own hooks are still called. */
function healthHooks(health: NodeHealth, config: LedgerNodeConfig): Partial<SequencerOptions> {
  const log = config.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const own = config.sequencer ?? {};
  let loggedAt = 0;
  return {
    onAnchorFailure: (failures) => {
      // Retries come every few seconds while the witnesses refuse: the first of a run and one a minute are logged.
      if (health.recordAnchorFailure(failures) || Date.now() - loggedAt >= 60_000) {
        loggedAt = Date.now();
        log(`did:city ledger: anchoring failed, no witness quorum: ${failures.map(describeFailure).join('; ')}`);
      }
      own.onAnchorFailure?.(failures);
    },
    onAnchored: (checkpoint) => {
      if (health.recordAnchored(checkpoint))
        log(`did:city ledger: anchoring works again (checkpoint ${checkpoint.size})`);
      own.onAnchored?.(checkpoint);
    },
    onRefusal: (error) => {
      health.recordTamper(error instanceof TamperedStateError ? error.did : '-', error.detail);
      log(`did:city ledger: ${error.detail}`);
      own.onRefusal?.(error);
    },
  };
}

/** The embedded witnesses read the node's store as their replica, so they check the DID index root (R-IDX-2). */
function openEmbeddedWitnesses(config: LedgerNodeConfig, logVerifierKey: string, replica: LogReader): Witness[] {
  return EMBEDDED_WITNESSES.map((name) => {
    const dir = join(config.dataDir, 'witnesses', name);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const signerKey = loadOrCreateKey({ file: join(dir, 'witness.key'), name });
    const now = config.witnessNow;
    return new Witness({
      file: join(dir, 'state.db'),
      signerKey,
      logKeys: [logVerifierKey],
      replica,
      ...(now ? { now } : {}),
    });
  });
}

function embeddedPolicy(logVerifierKey: string, witnesses: readonly Witness[]): string {
  const lines = [`log ${logVerifierKey}`, ...witnesses.map((w) => `witness ${w.name} ${w.verifierKey}`)];
  lines.push(`group institutes ${EMBEDDED_QUORUM} ${witnesses.map((w) => w.name).join(' ')}`, 'quorum institutes');
  // They all check the DID index root against the log (spec §7.9), so the same quorum vouches for it.
  if (witnesses.every((w) => w.checksIndex)) lines.push('index institutes');
  return `${lines.join('\n')}\n`;
}
