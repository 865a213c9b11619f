/**
 * base58btc multibase (`z…`) for the hot path: operation hashes, pre-rotation key hashes and proof values are
 * encoded or decoded once per operation, and multiformats' byte-at-a-time base-x takes 5–16 µs for them. Same
 * results as `multiformats/bases/base58` (cross-checked in test/base58.test.ts): five base58 digits (58^5 < 2^30)
 * per step on 16-bit limbs keeps every intermediate an exact double. Internal, not exported from the package.
 */
import { base58btc } from 'multiformats/bases/base58';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** Digit of each ASCII code, 255 where the code is not in the alphabet. */
const DIGITS = new Uint8Array(128).fill(255);
for (let i = 0; i < ALPHABET.length; i++) DIGITS[ALPHABET.charCodeAt(i)] = i;
const ALPHABET_CODES = Array.from(ALPHABET, (char) => char.charCodeAt(0));
/** '1', the digit zero: leading ones are leading zero bytes. */
const ONE = 0x31;

const CHUNK = 5;
const CHUNK_BASE = 58 ** CHUNK;

/**
 * Scratch space for the limbs and the output digits, reused from call to call (the functions here never call each
 * other or anything that could re-enter them), grown when a longer input comes: two fewer allocations per call.
 */
let limbScratch = new Float64Array(64);
let digitScratch = new Uint8Array(256);
const ALPHABET_BYTES = Uint8Array.from(ALPHABET_CODES);

function limbSpace(size: number): Float64Array {
  if (limbScratch.length < size) limbScratch = new Float64Array(size);
  return limbScratch;
}

/** `z` + base58btc of `bytes`, exactly as `base58btc.encode`. */
export function encodeBase58btc(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  // The number as little-endian limbs of CHUNK base58 digits, fed 16 bits at a time (a leading odd byte alone).
  const limbs = limbSpace(Math.ceil(((bytes.length - zeros) * 8) / 29) + 1);
  let count = 0;
  let start = zeros;
  if ((bytes.length - start) % 2 === 1) {
    limbs[count++] = bytes[start]!;
    start++;
  }
  for (let i = start; i < bytes.length; i += 2) {
    let carry = (bytes[i]! << 8) | bytes[i + 1]!;
    for (let j = 0; j < count; j++) {
      const value = limbs[j]! * 65536 + carry;
      carry = Math.floor(value / CHUNK_BASE);
      limbs[j] = value - carry * CHUNK_BASE;
    }
    while (carry > 0) {
      const high = Math.floor(carry / CHUNK_BASE);
      limbs[count++] = carry - high * CHUNK_BASE;
      carry = high;
    }
  }
  // 'z', one '1' per leading zero byte, then the digits, most significant first.
  const length = 1 + zeros + count * CHUNK;
  if (digitScratch.length < length) digitScratch = new Uint8Array(length);
  const digits = digitScratch;
  digits[0] = 0x7a;
  digits.fill(ONE, 1, 1 + zeros);
  let at = length;
  for (let j = 0; j < count; j++) {
    let limb = limbs[j]!;
    for (let k = 0; k < CHUNK; k++) {
      const high = Math.floor(limb / 58);
      digits[--at] = ALPHABET_BYTES[limb - high * 58]!;
      limb = high;
    }
  }
  // The top limb's leading zero digits are not part of the number.
  let first = 1 + zeros;
  while (first < length && digits[first] === ONE) first++;
  const skipped = first - 1 - zeros;
  if (skipped > 0) digits.copyWithin(1 + zeros, first, length);
  return String.fromCharCode.apply(null, digits.subarray(0, length - skipped) as unknown as number[]);
}

/**
 * The bytes of base58 text from `from` on, or undefined when a character is outside the (ASCII) alphabet. The
 * number is built as little-endian 16-bit limbs, CHUNK digits at a time (the first group may be shorter).
 */
function decodeDigits(text: string, from: number): Uint8Array | undefined {
  let zeros = 0;
  while (from + zeros < text.length && text.charCodeAt(from + zeros) === ONE) zeros++;
  const limbs = limbSpace(Math.ceil(((text.length - from - zeros) * 5.86) / 16) + 1);
  let count = 0;
  const head = (text.length - from - zeros) % CHUNK;
  for (let i = from + zeros; i < text.length; ) {
    const size = i === from + zeros && head !== 0 ? head : CHUNK;
    let carry = 0;
    for (const end = i + size; i < end; i++) {
      const code = text.charCodeAt(i);
      const digit = code < 128 ? DIGITS[code]! : 255;
      if (digit === 255) return undefined;
      carry = carry * 58 + digit;
    }
    const factor = size === CHUNK ? CHUNK_BASE : 58 ** size;
    for (let j = 0; j < count; j++) {
      const value = limbs[j]! * factor + carry;
      carry = Math.floor(value / 65536);
      limbs[j] = value - carry * 65536;
    }
    while (carry > 0) {
      const high = Math.floor(carry / 65536);
      limbs[count++] = carry - high * 65536;
      carry = high;
    }
  }
  const leadingZeroByte = count > 0 && limbs[count - 1]! < 256 ? 1 : 0;
  const bytes = new Uint8Array(zeros + count * 2 - leadingZeroByte);
  for (let j = 0, at = bytes.length - 1; j < count; j++, at -= 2) {
    bytes[at] = limbs[j]! & 0xff;
    if (at > zeros) bytes[at - 1] = limbs[j]! >> 8;
  }
  return bytes;
}

/**
 * The bytes of `z`-prefixed base58btc text, exactly as `base58btc.decode` returns them; throws as it does.
 * Text outside the ASCII alphabet goes to multiformats itself, so its errors (and quirks) stay the same.
 */
export function decodeBase58btc(text: string): Uint8Array {
  if (typeof text === 'string' && text.startsWith('z')) {
    const bytes = decodeDigits(text, 1);
    if (bytes !== undefined) return bytes;
  }
  return base58btc.decode(text);
}
