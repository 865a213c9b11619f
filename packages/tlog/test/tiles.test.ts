// C2SP tlog-tiles paths, tile sets and contents (test/vectors/c2sp-tlog-tiles.json).
import { describe, expect, it } from 'vitest';
import {
  decodeEntryBundle,
  encodeEntryBundle,
  encodeTileIndex,
  leafHash,
  MerkleTree,
  newTiles,
  nodeHash as nodeHashOf,
  parseTilePath,
  TILE_WIDTH,
  type Tile,
  tileData,
  tilePath,
  treeRoot,
} from '../src/index.ts';
import { vector } from './helpers.ts';

interface TileVectors {
  indexEncoding: { index: number; path: string }[];
  tilesForSize: { size: number; tiles: { level: number; full: number; partialWidth: number }[] }[];
  goNewTilesHeight10: { old: number; new: number; count: number }[];
}
const v = vector<TileVectors>('c2sp-tlog-tiles.json');

describe('tile paths', () => {
  it('encodes <N> in x### elements (spec example)', () => {
    for (const { index, path } of v.indexEncoding) expect(encodeTileIndex(index)).toBe(path);
    expect(encodeTileIndex(0)).toBe('000');
    expect(encodeTileIndex(999)).toBe('999');
    expect(encodeTileIndex(1000)).toBe('x001/000');
  });

  it('formats and parses tile and entry bundle paths', () => {
    const cases: [Tile, string][] = [
      [{ level: 0, index: 1234067, width: 256 }, 'tile/0/x001/x234/067'],
      [{ level: 3, index: 5, width: 2 }, 'tile/3/005.p/2'],
      [{ level: 63, index: 0, width: 255 }, 'tile/63/000.p/255'],
      [{ level: 'entries', index: 1234067, width: 8 }, 'tile/entries/x001/x234/067.p/8'],
      [{ level: 'entries', index: 0, width: 256 }, 'tile/entries/000'],
    ];
    for (const [tile, path] of cases) {
      expect(tilePath(tile)).toBe(path);
      expect(parseTilePath(path)).toEqual(tile);
    }
  });

  it.each([
    'tile/64/000',
    'tile/01/000',
    'tile/0/1',
    'tile/0/x000/001',
    'tile/0/001/002',
    'tile/0/000.p/0',
    'tile/0/000.p/256',
    'tile/0/000.p/07',
    'tile/3/-1/123/456/078',
    'tile/1/data/x003/x057/500',
    'tile/3/5/x123/x456/078',
    'tile/0/000/',
  ])('rejects %s', (path) => {
    expect(() => parseTilePath(path)).toThrow(expect.objectContaining({ code: 'MALFORMED_TILE' }));
  });
});

describe('which tiles a tree has', () => {
  it.each(v.tilesForSize)('a tree of size $size (spec examples)', ({ size, tiles }) => {
    const all = newTiles(0, size);
    for (const { level, full, partialWidth } of tiles) {
      const atLevel = all.filter((t) => t.level === level);
      expect(atLevel.filter((t) => t.width === TILE_WIDTH)).toHaveLength(full);
      expect(atLevel.filter((t) => t.width < TILE_WIDTH).map((t) => t.width)).toEqual(
        partialWidth ? [partialWidth] : [],
      );
    }
    expect(all).toHaveLength(tiles.reduce((n, t) => n + t.full + (t.partialWidth ? 1 : 0), 0));
  });

  it.each(v.goNewTilesHeight10)('Go sumdb NewTiles(10, $old, $new) has $count tiles', ({ old, new: size, count }) => {
    expect(newTiles(old, size, 10)).toHaveLength(count);
  });

  it('lists the tiles that change when the tree grows', () => {
    expect(newTiles(255, 257)).toEqual([
      { level: 0, index: 0, width: 256 },
      { level: 0, index: 1, width: 1 },
      { level: 1, index: 0, width: 1 },
    ]);
    expect(newTiles(300, 300)).toEqual([]);
    expect(() => newTiles(2, 1)).toThrow(RangeError);
  });
});

describe('tile contents', () => {
  const size = 256 * 256 + 256 * 3 + 7;
  const tree = MerkleTree.fromLeafHashes(
    Array.from({ length: size }, (_, i) => leafHash(Uint8Array.of(i, i >> 8, i >> 16))),
  );

  it('level 0 tiles are leaf hashes; level 1 tiles are roots of full level 0 tiles', () => {
    const t0 = tileData(tree, { level: 0, index: 2, width: 256 });
    expect(t0.subarray(0, 32)).toEqual(tree.leafHash(512));
    expect(t0.subarray(255 * 32)).toEqual(tree.leafHash(767));
    const t1 = tileData(tree, { level: 1, index: 0, width: 256 });
    expect(t1.subarray(32, 64)).toEqual(treeRoot({ size: 256, leafHash: (i) => tree.leafHash(256 + i) }));
  });

  it('the tiles of a tree determine its root', () => {
    const tiles = newTiles(0, size);
    const l2 = tiles.find((t) => t.level === 2)!;
    expect(l2).toEqual({ level: 2, index: 0, width: 1 });
    // Rebuild the root from the top tiles only: one level-2 hash, 3 level-1 hashes, then 7 leaves.
    const l1 = tileData(tree, tiles.find((t) => t.level === 1 && t.width < 256)!);
    const l0 = tileData(tree, tiles.filter((t) => t.level === 0).at(-1)!);
    const hashes = [tileData(tree, l2), ...chunks(l1), ...chunks(l0)];
    const spans = [65536, 256, 256, 256, 1, 1, 1, 1, 1, 1, 1];
    expect(rootOfRanges(hashes, spans)).toEqual(tree.root());
  });

  it('partial tiles have the width the spec gives', () => {
    expect(tileData(tree, { level: 1, index: 1, width: 3 })).toHaveLength(96);
    expect(() => tileData(tree, { level: 0, index: 260, width: 8 })).toThrow(RangeError);
    expect(() => tileData(tree, { level: 'entries', index: 0, width: 1 })).toThrow(TypeError);
  });
});

function chunks(bytes: Uint8Array): Uint8Array[] {
  return Array.from({ length: bytes.length / 32 }, (_, i) => bytes.subarray(i * 32, i * 32 + 32));
}

// The root of a tree given the hashes of consecutive complete subtrees of non-increasing spans, left to right:
// merge equal neighbours, then fold the rest from the right as MTH does.
function rootOfRanges(hashes: Uint8Array[], spans: number[]): Uint8Array {
  let stack: { hash: Uint8Array; span: number }[] = [];
  hashes.forEach((hash, i) => {
    stack.push({ hash, span: spans[i]! });
    while (stack.length > 1 && stack.at(-1)!.span === stack.at(-2)!.span) {
      const right = stack.pop()!;
      const left = stack.pop()!;
      stack.push({ hash: nodeHashOf(left.hash, right.hash), span: left.span * 2 });
    }
  });
  stack = stack.reverse();
  return stack.slice(1).reduce((acc, { hash }) => nodeHashOf(hash, acc), stack[0]!.hash);
}

describe('entry bundles', () => {
  it('round-trips uint16 length-prefixed entries', () => {
    const entries = [new Uint8Array(0), Uint8Array.of(1, 2, 3), new Uint8Array(65535).fill(7)];
    const bundle = encodeEntryBundle(entries);
    expect(bundle.subarray(0, 7)).toEqual(Uint8Array.of(0, 0, 0, 3, 1, 2, 3));
    expect(decodeEntryBundle(bundle)).toEqual(entries);
  });

  it('rejects truncated bundles and oversized entries', () => {
    expect(() => decodeEntryBundle(Uint8Array.of(0))).toThrow(expect.objectContaining({ code: 'MALFORMED_TILE' }));
    expect(() => decodeEntryBundle(Uint8Array.of(0, 2, 1))).toThrow(
      expect.objectContaining({ code: 'MALFORMED_TILE' }),
    );
    expect(() => encodeEntryBundle([new Uint8Array(65536)])).toThrow(RangeError);
    expect(() => encodeEntryBundle([])).toThrow(RangeError);
  });
});
