/**
 * A C2SP tlog-witness: answers `add-checkpoint` requests for the logs it knows, cosigning (cosignature/v1) a
 * checkpoint only if it is consistent with the last one it cosigned for that log. The decision is tlog's
 * decideAddCheckpoint; this class adds the persistent state and the compare-and-swap around it, so a
 * cosignature is released only after the new state is durably stored.
 *
 * Usable in-process (the embedded ledger runs three) or behind an HTTP route: requests and responses are the
 * spec's wire text.
 */
import {
  type AddCheckpointOutcome,
  type Checkpoint,
  type Clock,
  cosignerFromKey,
  decideAddCheckpoint,
  type NoteSigner,
  type NoteVerifier,
  parseAddCheckpointRequest,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  SIGNATURE_TYPE,
  TlogError,
  verifierFromKey,
  verifierKeyOf,
} from '@did-city/tlog';
import { IndexChecker, type LogReplica } from './index-check.ts';
import { type WitnessLogState, WitnessStateStore } from './state-store.ts';

/** An add-checkpoint response in HTTP terms (status, Content-Type, body text). */
export interface WitnessResponse {
  status: number;
  contentType: string;
  body: string;
}

/** What a sequencer talks to: an in-process Witness or an HTTP client of a remote one. */
export interface WitnessClient {
  /** The witness's name in the trust policy. */
  readonly name: string;
  /** Sends a tlog-witness add-checkpoint request body. */
  addCheckpoint(body: string): Promise<WitnessResponse>;
}

export interface WitnessOptions {
  /** SQLite file holding this witness's state (one file per witness). */
  file: string;
  /** Ed25519 signer key in note format (`PRIVATE+KEY+name+id+…`); its name is the witness's key name. */
  signerKey: string;
  /** Verifier keys of the logs it witnesses; a log's key name is its checkpoint origin. */
  logKeys: readonly string[];
  /** Name in the trust policy; defaults to the key name. */
  name?: string;
  /** The clock of cosignatures (they carry its whole POSIX seconds). Default `Date.now`. */
  now?: Clock;
  /**
   * A replica of the log: the witness then also checks each checkpoint's DID index root against the entries
   * (spec §7.9, R-IDX-2) and refuses one that does not match (422), so it may be listed as an index witness.
   */
  replica?: LogReplica;
}

/** Attempts at the compare-and-swap before giving up on a witness state that keeps moving. */
const MAX_ATTEMPTS = 5;

export class Witness implements WitnessClient {
  readonly name: string;
  /** The cosignature/v1 verifier key (type 0x04) a trust policy lists for this witness. */
  readonly verifierKey: string;
  readonly #cosigner: NoteSigner;
  readonly #logs: Map<string, NoteVerifier[]>;
  readonly #state: WitnessStateStore;
  readonly #index: IndexChecker | undefined;

  constructor(options: WitnessOptions) {
    this.#cosigner = cosignerFromKey(options.signerKey, options.now ? { now: options.now } : {});
    this.verifierKey = verifierKeyOf(options.signerKey, SIGNATURE_TYPE.cosignatureV1);
    this.name = options.name ?? this.#cosigner.name;
    this.#logs = new Map();
    for (const vkey of options.logKeys) {
      const origin = parseVerifierKey(vkey).name;
      this.#logs.set(origin, [...(this.#logs.get(origin) ?? []), verifierFromKey(vkey)]);
    }
    this.#state = new WitnessStateStore({ file: options.file });
    this.#index = options.replica && new IndexChecker(options.replica);
  }

  /** Whether this witness checks DID index roots (it has a replica of the log). */
  get checksIndex(): boolean {
    return this.#index !== undefined;
  }

  async addCheckpoint(body: string | Uint8Array): Promise<WitnessResponse> {
    let request: ReturnType<typeof parseAddCheckpointRequest>;
    let origin: string;
    try {
      request = parseAddCheckpointRequest(body);
      origin = parseCheckpoint(parseNote(request.checkpoint).text).origin;
    } catch (error) {
      if (error instanceof TlogError) return text(400, error.message);
      throw error;
    }
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const known = this.#state.get(origin);
      const outcome = await decideAddCheckpoint({ request, logs: this.#logs, known, cosigners: [this.#cosigner] });
      if (outcome.status !== 200) return respond(outcome);
      const index = await this.#checkIndex(known, outcome.checkpoint);
      if ('refused' in index) return text(422, `DID index not verified: ${index.refused}`);
      const next: WitnessLogState = { ...outcome.state, checkpoint: request.checkpoint };
      const result = this.#state.commit(origin, known, next);
      if (result === 'committed') {
        index.commit();
        return respond(outcome);
      }
      if (result === 'equivocation') {
        // Never reached through decideAddCheckpoint's own checks; the cosigned table is the backstop.
        return conflict(known?.size ?? 0);
      }
    }
    return text(503, 'witness state kept changing; retry');
  }

  async #checkIndex(
    known: WitnessLogState | undefined,
    checkpoint: Checkpoint,
  ): Promise<{ refused: string } | { commit: () => void }> {
    if (this.#index === undefined) return { commit: () => undefined };
    try {
      return await this.#index.check(known, checkpoint);
    } catch {
      return { refused: 'the replica could not be read' };
    }
  }

  /** The last checkpoint this witness cosigned for `origin`. */
  latest(origin: string): WitnessLogState | undefined {
    return this.#state.get(origin);
  }

  close(): void {
    this.#state.close();
  }
}

function text(status: number, body: string): WitnessResponse {
  return { status, contentType: 'text/plain; charset=utf-8', body: `${body}\n` };
}

function conflict(knownSize: number): WitnessResponse {
  return { status: 409, contentType: 'text/x.tlog.size', body: `${knownSize}\n` };
}

function respond(outcome: AddCheckpointOutcome): WitnessResponse {
  if (outcome.status === 200 || outcome.status === 409) {
    return { status: outcome.status, contentType: outcome.contentType, body: outcome.body };
  }
  return text(outcome.status, outcome.reason);
}
