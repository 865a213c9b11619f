/**
 * Trust benchmarks (issue "resolvers that prove the latest state"): what proving the latest state costs.
 *
 *     pnpm --filter @did-city/test bench          (all of test/bench)
 *     pnpm exec tsx --conditions=source test/bench/trust.bench.ts      (this one; BENCH_1M=1 adds 1M DIDs)
 *
 * 1. Refresh after one new operation, for DIDs with 1, 100 and 1,000 operations: a warm resolver
 *    (createCityResolver over HttpLedgerReader, freshness 0) reading a real LedgerNode over loopback HTTP resolves
 *    the DID, one update is submitted (not timed), and the next resolution (timed) proves the head, fetches the
 *    new operation only and replays it only. The sizes take turns (one update each per round, SAMPLES rounds after
 *    one not counted), so background load and JIT warm-up hit them alike; a DID's size grows by one per round.
 *    The figure is the median; the ratio is each size's median over the 1-operation DID's (aim ≤ 1.5: flat). A cold resolution of each DID (new
 *    reader and resolver: whole history fetched, proven and replayed) is printed beside it as the contrast.
 * 2. Head proofs of the DID index (spec §7.9) at 10k, 100k (and with BENCH_1M=1, 1M) DIDs: mean and largest
 *    number of sibling hashes and bytes of a served proof (JSON) for present and absent DIDs, and proofs verified
 *    per second (verifyIndexHead), beside ⌈log2 n⌉ and the rate at 10k as the baseline (O(log n): the size grows
 *    by about 3.3 hashes per ×10 and the rate falls only as much).
 *
 * Nothing is asserted about time; the figures go to the console and to bench-results/trust.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLedgerApp, LedgerNode } from '@did-city/ledger';
import {
  createCityResolver,
  createOperation,
  createSigner,
  DidIndex,
  type KeyPair,
  multihashSha256,
  type Operation,
  operationHash,
  signOperation,
  updateOperation,
  verifyIndexHead,
} from '@did-city/method';
import { HttpLedgerReader } from '@did-city/method/http';
import { fmt, INSTITUTES, key } from './ledger-fixtures.ts';
import { benchReport, machine, median } from './report.ts';

const SAMPLES = Number(process.env['BENCH_SAMPLES'] ?? 15);
const SIZES = [1, 100, 1_000] as const;
/** A city per size (division codes must exist). */
const CITIES: Record<(typeof SIZES)[number], string> = {
  1: 'did:city:cn:130100',
  100: 'did:city:cn:110000',
  1000: 'did:city:cn:120000',
};
const INDEX_SIZES = [10_000, 100_000, ...(process.env['BENCH_1M'] === '1' ? [1_000_000] : [])];

const content = (pair: KeyPair, n = 0) => ({
  verificationMethod: [{ id: '#key-1', type: 'Multikey' as const, publicKeyMultibase: pair.publicKeyMultibase }],
  authentication: ['#key-1'],
  service: [{ id: '#data', type: 'LinkedDomains', serviceEndpoint: `https://data.example/v${n}/` }],
});

/** The registry, with its history bound raised above 1,000 + SAMPLES operations (spec §9.7, CityHistoryLimits). */
function registryGenesis(): Promise<Operation> {
  const limits = { id: '#limits', type: 'CityHistoryLimits', serviceEndpoint: { maxOperations: 2_000 } };
  const document = { ...content(INSTITUTES[0]!), service: [limits] };
  const unsigned = createOperation({
    did: 'did:city:cn',
    updateKeys: INSTITUTES.map((k) => k.publicKeyMultibase),
    threshold: 2,
    document,
  });
  return signOperation(unsigned, INSTITUTES.slice(0, 2).map(createSigner));
}

/** One DID of the registry, appended to one operation at a time (chain head tracked here). */
class Chain {
  readonly did: string;
  readonly own: KeyPair;
  head: { did: string; seq: number; operationHash: string };

  private constructor(did: string, own: KeyPair, op: Operation) {
    this.did = did;
    this.own = own;
    this.head = { did, seq: 0, operationHash: operationHash(op) };
  }

  static async create(node: LedgerNode, did: string): Promise<Chain> {
    const own = key(did);
    const unsigned = createOperation({ did, updateKeys: [own.publicKeyMultibase], document: content(own) });
    const op = await signOperation(unsigned, [own, ...INSTITUTES.slice(0, 2)].map(createSigner));
    await node.submit(op);
    return new Chain(did, own, op);
  }

  async update(node: LedgerNode): Promise<void> {
    const n = this.head.seq + 1;
    const unsigned = updateOperation(this.head, {
      updateKeys: [this.own.publicKeyMultibase],
      document: content(this.own, n),
    });
    const op = await signOperation(unsigned, [createSigner(this.own)]);
    await node.submit(op);
    this.head = { did: this.did, seq: n, operationHash: operationHash(op) };
  }
}

interface RefreshRow {
  operations: number;
  refreshMs: number;
  coldMs: number;
}

async function refreshes(): Promise<RefreshRow[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'trust-bench-'));
  const node = await LedgerNode.open({ allowUnpinnedGenesis: true, dataDir, sequencer: { batchIntervalMs: 0 } });
  const server: Server = await new Promise((done) => {
    const s = createLedgerApp(node).listen(0, '127.0.0.1', () => done(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const resolverOf = () => createCityResolver({ reader: new HttpLedgerReader({ url, policy: node.policyText }) });
  const resolved = async (resolver: ReturnType<typeof resolverOf>, did: string, seq: number) => {
    const result = await resolver.resolve(did);
    if (result.didDocumentMetadata.versionId !== String(seq))
      throw new Error(`${did}: resolved ${JSON.stringify(result.didResolutionMetadata)}`);
  };
  try {
    await node.submitGovernance(await registryGenesis());
    const chains: Chain[] = [];
    for (const operations of SIZES) {
      const seeded = performance.now();
      const chain = await Chain.create(node, CITIES[operations]);
      while (chain.head.seq + 1 < operations) await chain.update(node);
      chains.push(chain);
      console.error(`  (${operations} operations seeded in ${fmt((performance.now() - seeded) / 1000, 1)} s)`);
    }
    const cold = chains.map(() => [] as number[]);
    for (let i = 0; i < 3; i++) {
      for (const [n, chain] of chains.entries()) {
        const t = performance.now();
        await resolved(resolverOf(), chain.did, chain.head.seq);
        cold[n]!.push(performance.now() - t);
      }
    }
    // One warm resolver per DID; the sizes take turns, after one round that is not counted (JIT, connections).
    const warm = chains.map(() => resolverOf());
    for (const [n, chain] of chains.entries()) await resolved(warm[n]!, chain.did, chain.head.seq);
    const times = chains.map(() => [] as number[]);
    for (let round = 0; round <= SAMPLES; round++) {
      for (const [n, chain] of chains.entries()) {
        await chain.update(node);
        const t = performance.now();
        await resolved(warm[n]!, chain.did, chain.head.seq);
        if (round > 0) times[n]!.push(performance.now() - t);
      }
    }
    const rows = SIZES.map((operations, n) => ({ operations, refreshMs: median(times[n]!), coldMs: median(cold[n]!) }));
    return rows;
  } finally {
    server.closeAllConnections();
    server.close();
    await node.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface IndexRow {
  dids: number;
  log2: number;
  presentSiblings: number;
  presentMax: number;
  presentBytes: number;
  absentSiblings: number;
  absentBytes: number;
  verifiesPerSecond: number;
}

function indexProofs(): IndexRow[] {
  const rows: IndexRow[] = [];
  let index = DidIndex.empty();
  const didOf = (i: number) => `did:city:cn:130100:d${i}`;
  for (const dids of INDEX_SIZES) {
    const heads = [];
    for (let i = index.size; i < dids; i++)
      heads.push({
        did: didOf(i),
        seq: 0,
        index: i,
        operationHash: multihashSha256(new TextEncoder().encode(`op ${i}`)),
      });
    for (let start = 0; start < heads.length; start += 50_000) index = index.apply(heads.slice(start, start + 50_000));
    const root = index.root();
    const rounds = 5_000;
    const present = Array.from({ length: rounds }, (_, i) => index.prove(didOf((i * 7919) % dids)));
    const absent = Array.from({ length: 500 }, (_, i) => index.prove(`did:city:cn:130100:absent${i}`));
    const t = performance.now();
    for (let i = 0; i < rounds; i++) {
      const { head, indexProof } = present[i]!;
      if (verifyIndexHead({ did: didOf((i * 7919) % dids), head, indexProof, root }) === null)
        throw new Error('present DID proven absent');
    }
    const verifiesPerSecond = rounds / ((performance.now() - t) / 1000);
    const bytes = (proofs: typeof present) => median(proofs.map((p) => JSON.stringify(p).length));
    rows.push({
      dids,
      log2: Math.ceil(Math.log2(dids)),
      presentSiblings: present.reduce((n, p) => n + p.indexProof.siblings.length, 0) / present.length,
      presentMax: Math.max(...present.map((p) => p.indexProof.siblings.length)),
      presentBytes: bytes(present),
      absentSiblings: absent.reduce((n, p) => n + p.indexProof.siblings.length, 0) / absent.length,
      absentBytes: bytes(absent),
      verifiesPerSecond,
    });
  }
  return rows;
}

async function main(): Promise<void> {
  const report = benchReport('trust');
  const started = performance.now();
  console.log(`# did:city trust benchmarks\n\nmachine: ${machine()}`);
  const refreshRows = await refreshes();
  const base = refreshRows[0]!.refreshMs;
  console.log(
    `\n## 1. Refresh after one new operation (warm resolver over HttpLedgerReader, loopback HTTP; median of ${SAMPLES})`,
  );
  console.log('| operations of the DID | refresh ms | ÷ the 1-operation DID (aim ≤ 1.5) | cold resolution ms |');
  console.log('|---:|---:|---:|---:|');
  for (const row of refreshRows) {
    console.log(
      `| ${fmt(row.operations)} | ${fmt(row.refreshMs, 2)} | ${fmt(row.refreshMs / base, 2)} | ${fmt(row.coldMs, 1)} |`,
    );
  }
  const indexRows = indexProofs();
  const baseRate = indexRows[0]!.verifiesPerSecond;
  console.log('\n## 2. DID index head proofs (prefix tree, spec §7.9)');
  console.log(
    '| DIDs | ⌈log2 n⌉ | siblings, present (mean / max) | proof bytes, present | siblings, absent (mean) | proof bytes, absent | verified /s | ÷ rate at 10k |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of indexRows) {
    const cells = [
      fmt(row.dids),
      row.log2,
      `${fmt(row.presentSiblings, 1)} / ${row.presentMax}`,
      fmt(row.presentBytes),
      fmt(row.absentSiblings, 1),
      fmt(row.absentBytes),
      fmt(row.verifiesPerSecond),
      fmt(row.verifiesPerSecond / baseRate, 2),
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
  if (process.env['BENCH_1M'] !== '1') console.log('(1M DIDs: set BENCH_1M=1)');
  console.log(`\ntotal ${fmt((performance.now() - started) / 1000, 1)} s`);
  for (const row of refreshRows) {
    report.row({
      what: `refresh after one new operation, DID with ${fmt(row.operations)} operations (warm resolver over HttpLedgerReader)`,
      figure: `${fmt(row.refreshMs, 2)} ms (cold ${fmt(row.coldMs, 1)} ms)`,
      baseline: `the 1-operation DID, ${fmt(base, 2)} ms`,
      ratio: fmt(row.refreshMs / base, 2),
    });
  }
  for (const row of indexRows) {
    report.row({
      what: `DID index head proof, ${fmt(row.dids)} DIDs: siblings (mean, present DID), proof bytes, verified /s`,
      figure: `${fmt(row.presentSiblings, 1)} hashes, ${fmt(row.presentBytes)} bytes, ${fmt(row.verifiesPerSecond)} /s`,
      baseline: `⌈log2 n⌉ = ${row.log2}; rate at 10k`,
      ratio: fmt(row.verifiesPerSecond / baseRate, 2),
    });
  }
  report.write({
    samples: SAMPLES,
    refresh: refreshRows.map((r) => ({ ...r, ratio: r.refreshMs / base })),
    indexProofs: indexRows,
  });
}

await main();
