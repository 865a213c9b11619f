/**
 * Anchoring the log head: sign a C2SP tlog-checkpoint with the log key (committing the DID index root in its
 * extension line, spec §7.9), ask every witness to cosign it
 * (tlog-witness add-checkpoint with a consistency proof from the size each last cosigned), and store the note
 * once the trust policy's quorum holds. Entries count as anchored only from that moment.
 */
import {
  evaluateCheckpoint,
  formatAddCheckpointRequest,
  formatCheckpoint,
  formatNote,
  type NoteSignature,
  type NoteSigner,
  parseNote,
  signNote,
  type TlogPolicy,
} from '@did-city/tlog';
import { formatIndexExtension } from '@did-city/method';
import type { LogStore, StoredCheckpoint } from '../store/interface.ts';
import type { WitnessClient } from '../witness/witness.ts';

export interface AnchorOptions {
  store: LogStore;
  origin: string;
  logSigner: NoteSigner;
  witnesses: readonly WitnessClient[];
  policy: TlogPolicy;
  /** Size each witness last cosigned, as far as the sequencer knows; corrected in place by 409 answers. */
  knownSizes: Map<string, number>;
  witnessTimeoutMs: number;
}

export interface WitnessFailure {
  witness: string;
  status?: number;
  reason: string;
}

export interface AnchorResult {
  /** The stored, quorum-cosigned checkpoint; undefined when the quorum was not met. */
  checkpoint?: StoredCheckpoint;
  failures: WitnessFailure[];
}

/** Signs and cosigns the store's current head. */
export async function anchorHead(options: AnchorOptions): Promise<AnchorResult> {
  const { store, origin, logSigner, witnesses, policy } = options;
  const head = await store.head();
  const extensions = [formatIndexExtension((await store.didIndex(head.size)).root())];
  const text = formatCheckpoint({ origin, size: head.size, rootHash: head.root, extensions });
  const signed = await signNote({ text }, [logSigner]);
  const failures: WitnessFailure[] = [];
  const results = await Promise.all(witnesses.map((w) => cosign(w, signed, head.size, options, failures)));
  const note = formatNote({ text, signatures: [...parseNote(signed).signatures, ...results.flat()] });
  const verdict = evaluateCheckpoint(note, policy);
  if (!verdict.ok) return { failures };
  const checkpoint: StoredCheckpoint = { size: head.size, root: head.root, note };
  await store.saveCheckpoint(checkpoint);
  return { checkpoint, failures };
}

/** One witness: at most two requests, the second after a 409 told us the size it really has. */
async function cosign(
  witness: WitnessClient,
  note: string,
  size: number,
  options: AnchorOptions,
  failures: WitnessFailure[],
): Promise<NoteSignature[]> {
  let oldSize = Math.min(options.knownSizes.get(witness.name) ?? 0, size);
  for (let attempt = 0; attempt < 2; attempt++) {
    const proof = await options.store.consistencyProof(oldSize, size);
    const body = formatAddCheckpointRequest({ oldSize, proof, checkpoint: note });
    let response: Awaited<ReturnType<WitnessClient['addCheckpoint']>>;
    try {
      response = await withTimeout(witness.addCheckpoint(body), options.witnessTimeoutMs);
    } catch (error) {
      failures.push({ witness: witness.name, reason: error instanceof Error ? error.message : 'request failed' });
      return [];
    }
    if (response.status === 200) {
      options.knownSizes.set(witness.name, size);
      return signatureLines(response.body);
    }
    const known = response.status === 409 ? Number.parseInt(response.body, 10) : Number.NaN;
    if (!Number.isSafeInteger(known) || known === oldSize || known > size) {
      failures.push({ witness: witness.name, status: response.status, reason: response.body.trim() });
      return [];
    }
    options.knownSizes.set(witness.name, known);
    oldSize = known;
  }
  return [];
}

function signatureLines(body: string): NoteSignature[] {
  try {
    return parseNote(`-\n\n${body}`).signatures;
  } catch {
    return [];
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
