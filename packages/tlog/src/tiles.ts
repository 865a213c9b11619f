/**
 * C2SP tlog-tiles (c2sp.org/tlog-tiles) helpers: tile and entry-bundle paths, which tiles a tree size has,
 * tile contents computed from a HashReader, and the entry bundle encoding.
 *
 * The tile at level L, index N holds the hashes of complete subtrees of 256^L leaves, i.e. Merkle level 8·L:
 * hash i is MTH(D[(N·256 + i)·256^L : (N·256 + i + 1)·256^L]).
 */
import { assertBytes, assertIndex, concatBytes, parseDecimal } from './encoding.ts';
import { TlogError } from './errors.ts';
import { type HashReader, subtreeHash } from './merkle.ts';

/** Tiles are 2^8 = 256 hashes wide. */
export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;

export interface Tile {
  /** Tile level 0–63, or `entries` for an entry bundle (which mirrors the level-0 tile). */
  level: number | 'entries';
  index: number;
  /** Number of hashes (or entries), 1–256; below 256 the tile is partial. */
  width: number;
}

function badPath(path: string): TlogError {
  return new TlogError('MALFORMED_TILE', `malformed tile path ${JSON.stringify(path)}`);
}

/** `<N>` as zero-padded 3-digit elements, all but the last prefixed with x: 1234067 → x001/x234/067. */
export function encodeTileIndex(index: number): string {
  assertIndex(index, 'index');
  const groups: string[] = [];
  let rest = index;
  do {
    groups.unshift(String(rest % 1000).padStart(3, '0'));
    rest = Math.floor(rest / 1000);
  } while (rest > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

/** `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`. */
export function tilePath(tile: Tile): string {
  const { level, index, width } = tile;
  if (level !== 'entries') {
    assertIndex(level, 'level');
    if (level > 63) throw new RangeError('tile level must be at most 63');
  }
  assertIndex(width, 'width');
  if (width < 1 || width > TILE_WIDTH) throw new RangeError('tile width must be 1–256');
  const partial = width < TILE_WIDTH ? `.p/${width}` : '';
  return `tile/${level}/${encodeTileIndex(index)}${partial}`;
}

const TILE_PATH = /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*)([0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;

/** Parses a tile or entry-bundle path; only canonical encodings are accepted. */
export function parseTilePath(path: string): Tile {
  const m = TILE_PATH.exec(path);
  if (!m) throw badPath(path);
  const [, levelText, prefix, last, widthText] = m as unknown as [string, string, string, string, string?];
  const level = levelText === 'entries' ? 'entries' : Number(levelText);
  const groups = [
    ...prefix
      .split('/')
      .filter(Boolean)
      .map((g) => g.slice(1)),
    last,
  ];
  const index = parseDecimal(groups.join('').replace(/^0+(?=.)/, ''));
  const width = widthText === undefined ? TILE_WIDTH : Number(widthText);
  if ((level !== 'entries' && level > 63) || index === undefined || (widthText && width >= TILE_WIDTH)) {
    throw badPath(path);
  }
  const tile: Tile = { level, index, width };
  if (tilePath(tile) !== path) throw badPath(path); // e.g. a redundant leading x000 element
  return tile;
}

/**
 * The tiles a log must write when it grows from `oldSize` to `newSize`: every tile that is new or wider at
 * `newSize`, lowest level first. From size 0 this lists every tile of the tree. (`height` other than 8 exists
 * only to check against Go's sumdb vectors.)
 */
export function newTiles(oldSize: number, newSize: number, height: number = TILE_HEIGHT): Tile[] {
  assertIndex(oldSize, 'oldSize');
  assertIndex(newSize, 'newSize');
  if (oldSize > newSize) throw new RangeError('oldSize must not exceed newSize');
  const width = 2 ** height;
  const tiles: Tile[] = [];
  for (let level = 0, span = 1; Math.floor(newSize / span) > 0; level++, span *= width) {
    const oldN = Math.floor(oldSize / span);
    const newN = Math.floor(newSize / span);
    if (oldN === newN) continue;
    for (let n = Math.floor(oldN / width); n < Math.floor(newN / width); n++) tiles.push({ level, index: n, width });
    const last = Math.floor(newN / width);
    const partial = newN - last * width;
    if (partial > 0) tiles.push({ level, index: last, width: partial });
  }
  return tiles;
}

/** The contents of a (level ≥ 0) tile: `width` concatenated 32-byte hashes read from `reader`. */
export function tileData(reader: HashReader, tile: Tile): Uint8Array {
  const { level, index, width } = tile;
  if (level === 'entries') throw new TypeError('entry bundles hold entries, not hashes');
  tilePath(tile); // validates level and width
  const span = TILE_WIDTH ** level;
  const hashes: Uint8Array[] = [];
  for (let i = 0; i < width; i++) {
    const start = (index * TILE_WIDTH + i) * span;
    hashes.push(subtreeHash(reader, start, start + span));
  }
  return concatBytes(...hashes);
}

/** Entry bundle: each entry as a big-endian uint16 length followed by its bytes. */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length < 1 || entries.length > TILE_WIDTH) throw new RangeError('a bundle holds 1–256 entries');
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    assertBytes(entry, 'entry');
    if (entry.length > 0xffff) throw new RangeError('entries in a bundle are at most 65535 bytes');
    parts.push(Uint8Array.of(entry.length >> 8, entry.length & 0xff), entry);
  }
  return concatBytes(...parts);
}

export function decodeEntryBundle(bundle: Uint8Array): Uint8Array[] {
  assertBytes(bundle, 'bundle');
  const entries: Uint8Array[] = [];
  for (let offset = 0; offset < bundle.length; ) {
    if (offset + 2 > bundle.length) throw new TlogError('MALFORMED_TILE', 'truncated entry length');
    const length = (bundle[offset]! << 8) | bundle[offset + 1]!;
    const end = offset + 2 + length;
    if (end > bundle.length) throw new TlogError('MALFORMED_TILE', 'truncated entry');
    entries.push(bundle.slice(offset + 2, end));
    offset = end;
  }
  if (entries.length > TILE_WIDTH) throw new TlogError('MALFORMED_TILE', 'more than 256 entries in a bundle');
  return entries;
}
