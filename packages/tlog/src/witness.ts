/**
 * The pure part of a C2SP tlog-witness `add-checkpoint` (c2sp.org/tlog-witness): parsing the request body
 * and deciding the response from the witness's last cosigned state for the origin. Persistence is the
 * caller's: on a 200 it must store `state` atomically with having read `known` (compare-and-swap on the
 * size), or concurrent requests could roll the witness back.
 *
 *     old <size>
 *     <base64 consistency proof hash>…   (at most 63)
 *     <blank line>
 *     <signed checkpoint note>
 */
import { type Checkpoint, parseCheckpoint } from './checkpoint.ts';
import { assertIndex, bytesEqual, decodeBase64, decodeUtf8, encodeBase64, parseDecimal } from './encoding.ts';
import { TlogError } from './errors.ts';
import { HASH_SIZE } from './merkle.ts';
import { formatSignature, type NoteSigner, type NoteVerifier, openNote, parseNote, signNote } from './note.ts';
import { verifyConsistency } from './verify.ts';

export interface AddCheckpointRequest {
  oldSize: number;
  proof: Uint8Array[];
  /** The signed checkpoint note, as sent. */
  checkpoint: string;
}

/** What the witness last cosigned for an origin. */
export interface WitnessState {
  size: number;
  rootHash: Uint8Array;
}

export type AddCheckpointOutcome =
  | { status: 200; contentType: 'text/plain; charset=utf-8'; body: string; state: WitnessState; checkpoint: Checkpoint }
  | { status: 409; contentType: 'text/x.tlog.size'; body: string; reason: string }
  | { status: 400 | 403 | 404 | 422; reason: string };

/** The spec's cap on consistency proof lines. */
export const MAX_PROOF_LINES = 63;

function malformed(why: string): TlogError {
  return new TlogError('MALFORMED_REQUEST', `malformed add-checkpoint request: ${why}`);
}

/** Parses an add-checkpoint body. Throws TlogError('MALFORMED_REQUEST'), which maps to 400. */
export function parseAddCheckpointRequest(body: string | Uint8Array): AddCheckpointRequest {
  const text = typeof body === 'string' ? body : decodeUtf8(body);
  if (typeof text !== 'string') throw malformed('body is not UTF-8 text');
  const blank = text.indexOf('\n\n');
  if (blank < 0) throw malformed('no blank line before the checkpoint');
  const [oldLine, ...proofLines] = text.slice(0, blank).split('\n');
  const oldSize = oldLine?.startsWith('old ') ? parseDecimal(oldLine.slice(4)) : undefined;
  if (oldSize === undefined) throw malformed('first line must be "old <size>"');
  if (proofLines.length > MAX_PROOF_LINES) throw malformed(`more than ${MAX_PROOF_LINES} proof lines`);
  const proof = proofLines.map((line) => {
    const hash = decodeBase64(line);
    if (!hash || hash.length !== HASH_SIZE) throw malformed('proof lines must be base64 of 32 bytes');
    return hash;
  });
  return { oldSize, proof, checkpoint: text.slice(blank + 2) };
}

export function formatAddCheckpointRequest(request: AddCheckpointRequest): string {
  assertIndex(request.oldSize, 'oldSize');
  const proof = request.proof.map((hash) => `${encodeBase64(hash)}\n`).join('');
  return `old ${request.oldSize}\n${proof}\n${request.checkpoint}`;
}

export interface AddCheckpointInput {
  request: AddCheckpointRequest;
  /** Trusted log keys by checkpoint origin. */
  logs: ReadonlyMap<string, readonly NoteVerifier[]>;
  /** What this witness last cosigned for the request's origin, or undefined if never. */
  known: WitnessState | undefined;
  /** The witness's cosignature/v1 signer(s). */
  cosigners: readonly NoteSigner[];
}

const fail = (status: 400 | 403 | 404 | 422, reason: string): AddCheckpointOutcome => ({ status, reason });

function conflict(knownSize: number, reason: string): AddCheckpointOutcome {
  return { status: 409, contentType: 'text/x.tlog.size', body: `${knownSize}\n`, reason };
}

function readCheckpoint(note: string): Checkpoint | undefined {
  try {
    return parseCheckpoint(parseNote(note).text);
  } catch {
    return undefined;
  }
}

/**
 * Decides an add-checkpoint request in the order the spec lists its checks: unknown origin 404, no valid
 * log signature 403, old size above the checkpoint size 400, old size not the last cosigned size 409,
 * same size with another root 409, bad consistency proof 422; otherwise cosign (200).
 */
export async function decideAddCheckpoint(input: AddCheckpointInput): Promise<AddCheckpointOutcome> {
  const { request, logs, known, cosigners } = input;
  const checkpoint = readCheckpoint(request.checkpoint);
  if (!checkpoint) return fail(400, 'malformed checkpoint note');
  const verifiers = logs.get(checkpoint.origin);
  if (!verifiers || verifiers.length === 0) return fail(404, `unknown log ${checkpoint.origin}`);
  try {
    openNote(request.checkpoint, verifiers);
  } catch (error) {
    return fail(403, error instanceof TlogError ? error.message : 'checkpoint signature not verified');
  }
  const { oldSize, proof } = request;
  if (oldSize > checkpoint.size) return fail(400, `old size ${oldSize} exceeds checkpoint size ${checkpoint.size}`);
  const knownSize = known?.size ?? 0;
  if (oldSize !== knownSize) return conflict(knownSize, `old size ${oldSize} is not the cosigned size ${knownSize}`);
  if (oldSize === checkpoint.size) {
    if (known && !bytesEqual(known.rootHash, checkpoint.rootHash)) return conflict(knownSize, 'root hash differs');
    if (proof.length > 0) return fail(422, 'consistency proof between equal sizes must be empty');
  } else if (oldSize === 0) {
    if (proof.length > 0) return fail(422, 'consistency proof from size 0 must be empty');
  } else {
    // oldSize equals the known size here, and is not 0, so `known` is set.
    const check = { oldSize, newSize: checkpoint.size, oldRoot: known!.rootHash, newRoot: checkpoint.rootHash, proof };
    if (!verifyConsistency(check)) return fail(422, 'consistency proof does not verify');
  }
  const note = parseNote(request.checkpoint);
  const lines = await cosignatureLines(note.text, cosigners);
  return {
    status: 200,
    contentType: 'text/plain; charset=utf-8',
    body: lines,
    state: { size: checkpoint.size, rootHash: checkpoint.rootHash },
    checkpoint,
  };
}

async function cosignatureLines(text: string, cosigners: readonly NoteSigner[]): Promise<string> {
  if (cosigners.length === 0) throw new RangeError('a witness needs at least one cosigner');
  const signed = parseNote(await signNote({ text }, cosigners));
  return signed.signatures.map(formatSignature).join('');
}
