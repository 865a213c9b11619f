/**
 * Inputs for the ledger benchmarks: synthetic AppendBatch entries with leaves shaped like real ones (a JCS
 * `{integratedTime, operation}` of about 900 bytes, unique DID and operation hash each), a raw better-sqlite3
 * baseline writing the same bytes, and signed operations for the end-to-end measurements.
 */
import { cpus } from 'node:os';
import type { AppendBatch, AppendEntry } from '@did-city/ledger';
import {
  type ChainHead,
  createOperation,
  createSigner,
  type KeyPair,
  multihashSha256,
  type Operation,
  sha256,
  signOperation,
  updateOperation,
} from '@did-city/method';
import { testKey } from '@did-city/testing';

import Database from 'better-sqlite3';

export { Database };

export const TIME = '2026-11-21T08:00:00Z';
const PROOF_VALUE = `z${'5'.repeat(86)}`;

export function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${cpus().length} cores, node ${process.version}, ${process.platform}/${process.arch}`;
}

/**
 * How the synthetic DIDs sort: `sequential` names them `dept-<i>`, so each new DID lands after the previous one in
 * key order (the right edge of every DID-keyed B-tree); `random` names them `dept-<8 hex digits>` from a bijective
 * 32-bit mix of i, so they are unique but land anywhere in key order, as a national deployment's DIDs do.
 */
export type DidOrder = 'sequential' | 'random';

/** The DID of synthetic entry `i`. */
export function syntheticDid(i: number, order: DidOrder = 'sequential'): string {
  if (order === 'sequential') return `did:city:cn:130100:dept-${i}`;
  // murmur3's 32-bit finaliser: a bijection on 32-bit integers, so no two entries share a DID.
  let x = i >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return `did:city:cn:130100:dept-${(x >>> 0).toString(16).padStart(8, '0')}`;
}

/** Entry `i` of a synthetic log: what the sequencer hands the store, minus validation. */
export function syntheticEntry(i: number, order: DidOrder = 'sequential'): AppendEntry {
  return syntheticOperation(i, 0, null, order);
}

/**
 * Operation `seq` of synthetic DID number `n`: its create (seq 0, `prev` null, signed by the DID's key and its
 * parent's: two proofs) or an update (`prev` the previous operation's hash, a new key, one proof). The proof values
 * are placeholders of the real length: the store and an index witness read the leaf's bytes, DID and seq, they do
 * not validate it.
 */
export function syntheticOperation(
  n: number,
  seq: number,
  prev: string | null,
  order: DidOrder = 'sequential',
): AppendEntry {
  const did = syntheticDid(n, order);
  const version = seq === 0 ? String(n) : `${n}-${seq}`;
  const operation = {
    did,
    document: {
      verificationMethod: [{ id: '#key-1', publicKeyMultibase: `z6Mk${version.padStart(44, 'x')}`, type: 'Multikey' }],
    },
    prev,
    proof: (seq === 0 ? [1, 2] : [1]).map((k) => ({
      created: TIME,
      cryptosuite: 'eddsa-jcs-2022',
      proofPurpose: 'capabilityInvocation',
      proofValue: PROOF_VALUE,
      type: 'DataIntegrityProof',
      verificationMethod: `did:key:z6Mk${k}`,
    })),
    seq,
    threshold: 1,
    type: seq === 0 ? 'create' : 'update',
    updateKeys: [`z6Mk${version.padStart(44, 'y')}`],
  };
  // Keys in JCS order, so the text is the JCS a real leaf holds and the hash is the operation's (spec §3.3), as an
  // index witness recomputes it from the leaf.
  const opText = JSON.stringify(operation);
  const leaf = new TextEncoder().encode(`{"integratedTime":${JSON.stringify(TIME)},"operation":${opText}}`);
  return { leaf, operationHash: multihashSha256(opText), did, seq, integratedTime: TIME };
}

export function batchOf(start: number, count: number, order: DidOrder = 'sequential'): AppendBatch {
  return {
    expectedSize: start,
    entries: Array.from({ length: count }, (_, i) => syntheticEntry(start + i, order)),
    states: [],
  };
}

/**
 * Baseline: the same leaf bytes inserted raw in one transaction, same pragmas (WAL, synchronous = FULL). Entries
 * are generated row by row (1M would not fit in memory at once) and only the inserts and the commit are timed.
 */
export function rawInsert(file: string, count: number, order: DidOrder = 'sequential'): number {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(
    'CREATE TABLE entries (leaf_index INTEGER PRIMARY KEY, leaf BLOB, leaf_hash BLOB, operation_hash TEXT UNIQUE, did TEXT)',
  );
  const insert = db.prepare('INSERT INTO entries VALUES (?, ?, ?, ?, ?)');
  let ms = 0;
  db.exec('BEGIN IMMEDIATE');
  for (let i = 0; i < count; i++) {
    const e = syntheticEntry(i, order);
    const t = performance.now();
    insert.run(i, e.leaf, sha256(e.leaf), e.operationHash, e.did);
    ms += performance.now() - t;
  }
  const t = performance.now();
  db.exec('COMMIT');
  ms += performance.now() - t;
  db.close();
  return ms;
}

/** A benchmark key (@did-city/testing's seed rule). */
export function key(name: string): KeyPair {
  return testKey(`bench-${name}`);
}

export const INSTITUTES = [key('a'), key('b'), key('c')];
export const CITY = key('sjz');

const content = (pair: KeyPair) => ({
  verificationMethod: [{ id: '#key-1', type: 'Multikey' as const, publicKeyMultibase: pair.publicKeyMultibase }],
  authentication: ['#key-1'],
});

export function registryGenesis(): Promise<Operation> {
  const unsigned = createOperation({
    did: 'did:city:cn',
    updateKeys: INSTITUTES.map((k) => k.publicKeyMultibase),
    threshold: 2,
    document: content(INSTITUTES[0]!),
  });
  return signOperation(unsigned, INSTITUTES.slice(0, 2).map(createSigner));
}

export function createUnder(did: string, own: KeyPair, parents: KeyPair[]): Promise<Operation> {
  const unsigned = createOperation({ did, updateKeys: [own.publicKeyMultibase], document: content(own) });
  return signOperation(unsigned, [own, ...parents].map(createSigner));
}

/** An update of `prev` that hands the DID from key `from` (which signs it) to key `to` (its keys and document). */
export function rotateKey(prev: ChainHead, from: KeyPair, to: KeyPair): Promise<Operation> {
  const unsigned = updateOperation(prev, { updateKeys: [to.publicKeyMultibase], document: content(to) });
  return signOperation(unsigned, [createSigner(from)]);
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
