/**
 * C2SP tlog-checkpoint note text:
 *
 *     <origin>
 *     <tree size, decimal, no leading zeroes>
 *     <base64 RFC 6962 root hash>
 *     [<extension line>…]
 */
import { assertBytes, assertIndex, assertString, decodeBase64, encodeBase64, parseDecimal } from './encoding.ts';
import { TlogError } from './errors.ts';
import { HASH_SIZE } from './merkle.ts';

export interface Checkpoint {
  /** Unique identifier of the log, e.g. `example.com/log42`. */
  origin: string;
  size: number;
  rootHash: Uint8Array;
  /** Opaque, non-empty lines after the root hash (their use is NOT RECOMMENDED by the spec). */
  extensions: string[];
}

function malformed(why: string): TlogError {
  return new TlogError('MALFORMED_CHECKPOINT', `malformed checkpoint: ${why}`);
}

/** Parses a checkpoint note text (the signed body, ending in a newline). */
export function parseCheckpoint(text: string): Checkpoint {
  assertString(text, 'text');
  if (!text.endsWith('\n')) throw malformed('text must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  const [origin, sizeLine, hashLine, ...extensions] = lines;
  if (origin === undefined || sizeLine === undefined || hashLine === undefined)
    throw malformed('fewer than three lines');
  if (lines.some((line) => line.length === 0)) throw malformed('empty line');
  const size = parseDecimal(sizeLine);
  if (size === undefined) throw malformed(`invalid tree size ${JSON.stringify(sizeLine)}`);
  const rootHash = decodeBase64(hashLine);
  if (!rootHash || rootHash.length !== HASH_SIZE) throw malformed('root hash must be base64 of 32 bytes');
  return { origin, size, rootHash, extensions };
}

/** Formats a checkpoint as note text (ready to sign). */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, size, rootHash, extensions = [] } = checkpoint;
  assertString(origin, 'origin');
  assertIndex(size, 'size');
  assertBytes(rootHash, 'rootHash');
  if (rootHash.length !== HASH_SIZE) throw new RangeError('rootHash must be 32 bytes');
  for (const line of [origin, ...extensions]) {
    assertString(line, 'checkpoint line');
    if (line.length === 0 || line.includes('\n')) throw malformed('lines must be non-empty and single-line');
  }
  return [origin, String(size), encodeBase64(rootHash), ...extensions].map((line) => `${line}\n`).join('');
}
