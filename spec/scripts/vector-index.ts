/**
 * DID index vectors (spec §7.9): the key and value of every DID of the world log, the index root after each of its
 * entries, every DID's proof at the full size, two proofs of absence (one ending in an empty subtree, one in another
 * DID's leaf), and negative cases a resolver refuses (R-IDX-1).
 */
import {
  DidIndex,
  didIndexKey,
  type IndexHead,
  indexHeadValue,
  type LogEntry,
  operationHash,
} from '../../packages/method/src/index.ts';
import { base64, hex } from './vector-format.ts';
import { expectedError } from './vector-negative.ts';
import type { Vector } from './vector-resolution.ts';
import { SJZ, TIANJIN, type World, world } from './vector-world.ts';

/** The head each entry makes: the DID's latest operation at that leaf. */
export function headOf(entry: LogEntry): IndexHead & { did: string } {
  return {
    did: entry.operation.did,
    seq: entry.operation.seq,
    index: entry.index,
    operationHash: operationHash(entry.operation),
  };
}

/** The index after each prefix of `entries`: element n is the index of the first n entries. */
export function indexesOf(entries: readonly LogEntry[]): DidIndex[] {
  const out = [DidIndex.empty()];
  for (const entry of entries) out.push(out.at(-1)!.apply([headOf(entry)]));
  return out;
}

/** Valid-looking DIDs that are not in the log, first one whose proof ends empty, then one ending in another leaf. */
function absentDids(index: DidIndex): { empty: string; other: string } {
  let empty: string | undefined;
  let other: string | undefined;
  for (let code = 110100; empty === undefined || other === undefined; code += 100) {
    const did = `did:city:cn:${code}`;
    if (index.head(did) !== undefined) continue;
    const { indexProof } = index.prove(did);
    if (indexProof.otherLeaf === undefined) empty ??= did;
    else other ??= did;
  }
  return { empty, other };
}

function indexVector(w: World, indexes: readonly DidIndex[]): Vector {
  const full = indexes.at(-1)!;
  const dids = [...new Set(w.entries.map((e) => e.operation.did))];
  const absent = absentDids(full);
  return {
    id: 'ledger/world-index',
    kind: 'ledger-index',
    description: `The DID index of the world log (spec §7.9): each DID's key and head value, the index root after each of the ${w.entries.length} entries (size 0 is the empty index), every DID's proof at the full size, and proofs of absence for ${absent.empty} (ending in an empty subtree) and ${absent.other} (ending in another DID's leaf)`,
    rules: ['R-IDX-1'],
    log: 'logs/world.json',
    dids: dids.map((did) => {
      const head = full.head(did)!;
      return { did, key: hex(didIndexKey(did)), head, value: hex(indexHeadValue(head)) };
    }),
    roots: indexes.map((index, size) => ({ size, root: base64(index.root()) })),
    size: w.entries.length,
    root: base64(full.root()),
    proofs: Object.fromEntries(dids.map((did) => [did, full.prove(did)])),
    absent: [absent.empty, absent.other].map((did) => ({ did, ...full.prove(did) })),
  };
}

function negative(name: string, description: string, input: Record<string, unknown>): Vector {
  return {
    id: `negative/R-IDX-1-${name}`,
    kind: 'ledger',
    description,
    rule: 'R-IDX-1',
    check: 'index',
    ...input,
    expected: { error: expectedError('INVALID_LEDGER_PROOF') },
  };
}

function indexNegatives(w: World, indexes: readonly DidIndex[]): Vector[] {
  const full = indexes.at(-1)!;
  const root = base64(full.root());
  const sjzEntries = w.entries.filter((e) => e.operation.did === SJZ);
  const before = indexes[sjzEntries.at(-1)!.index]!; // the index just before Shijiazhuang's latest operation
  const latest = full.prove(SJZ);
  const absentOther = full.prove(absentDids(full).other);
  const flipped = [...latest.indexProof.siblings];
  const first = Buffer.from(flipped[0]!, 'base64');
  first[0]! ^= 0x01;
  flipped[0] = first.toString('base64');
  return [
    negative(
      'head-older',
      "Shijiazhuang's previous head with its proof from the index before its latest operation, against the latest root: the omission of its latest operation",
      { root, did: SJZ, ...before.prove(SJZ) },
    ),
    negative(
      'head-altered',
      "Shijiazhuang's proof with its head's seq lowered by one: the recomputed leaf is not on the path",
      { root, did: SJZ, head: { ...latest.head!, seq: latest.head!.seq - 1 }, indexProof: latest.indexProof },
    ),
    negative(
      'did-hidden',
      "Shijiazhuang served as absent (head null) with its own inclusion proof: the DID's own leaf cannot prove its absence",
      { root, did: SJZ, head: null, indexProof: latest.indexProof },
    ),
    negative('other-did-proof', "Tianjin's head and proof served for Shijiazhuang", {
      root,
      did: SJZ,
      ...full.prove(TIANJIN),
    }),
    negative('absence-altered', 'A proof of absence whose other leaf has a flipped value bit', {
      root,
      did: absentDids(full).other,
      head: null,
      indexProof: {
        ...absentOther.indexProof,
        otherLeaf: { ...absentOther.indexProof.otherLeaf!, value: flipBase64(absentOther.indexProof.otherLeaf!.value) },
      },
    }),
    negative('sibling-flipped', "Shijiazhuang's proof with one bit of its first sibling flipped", {
      root,
      did: SJZ,
      head: latest.head,
      indexProof: { siblings: flipped },
    }),
  ];
}

function flipBase64(text: string): string {
  const bytes = Buffer.from(text, 'base64');
  bytes[31]! ^= 0x80;
  return bytes.toString('base64');
}

export async function indexVectors(): Promise<Vector[]> {
  const w = await world();
  const indexes = indexesOf(w.entries);
  return [indexVector(w, indexes), ...indexNegatives(w, indexes)];
}
