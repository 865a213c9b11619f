/**
 * `pnpm bench`: credential verifications per second (VC-JWT 1.1, vc+jwt, Data Integrity; issuer DID resolution
 * warm, status list warm, schema checked) against raw node:crypto Ed25519 verifications per second in the same
 * run, did-jwt-vc on the same credential for comparison, issuance per second, and the cost of a status check on a
 * 131,072-entry list (cold: fetch + verify + inflate; warm: cached). Prints ratios and the machine; asserts nothing.
 */
import { generateKeyPairSync, randomInt, sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { getResolver } from '@did-city/method';
import { verifyCredential as didJwtVcVerify } from 'did-jwt-vc';
import { Resolver } from 'did-resolver';
import { createIssuer } from '../src/issuer.ts';
import { StatusLists } from '../src/status-lists.ts';
import { SqliteStatusStore } from '../src/status-store.ts';
import type { Credential } from '../src/types.ts';
import { createVerifier } from '../src/verifier.ts';
import { sjzIdentity } from '../test/fixtures/issuing.ts';
import { createWorld } from '../test/fixtures/world.ts';
import { benchReport } from '../../../test/bench/report.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
/** Rounds of (raw, then each verifier): on a shared 2-core VM the noise between runs is large, so ratios are taken
 * within a round and the median round is reported. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function rate(run: () => unknown): Promise<number> {
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) await run();
  let count = 0;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) await run();
    count += 50;
  }
  return count / ((performance.now() - start) / 1000);
}

function rawEd25519(): () => boolean {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const data = Buffer.alloc(64, 7);
  const signature = sign(null, data, privateKey);
  return () => verify(null, data, publicKey, signature);
}

const fmt = (value: number) => value.toFixed(0).padStart(8);

async function main() {
  const report = benchReport('issuer');
  const world = await createWorld();
  const dir = mkdtempSync(join(tmpdir(), 'did-city-bench-'));
  const store = new SqliteStatusStore(join(dir, 'status.db'));
  const lists = new StatusLists({ store, key: world.registryKey, baseUrl: 'https://issuer.example' });
  const issuer = createIssuer({ key: world.registryKey, statusLists: lists, baseUrl: 'https://issuer.example' });
  const fetchStatusList = async (url: string) => lists.listCredential(url.slice(url.lastIndexOf('/') + 1));
  const verifier = createVerifier({ resolver: world.resolver, fetchStatusList, fetchSchema: false });

  const samples: Record<string, unknown> = {};
  for (const format of ['vc-jwt', 'vc+jwt', 'data-integrity'] as const) {
    const issued = await issuer.issue(sjzIdentity(), { format });
    const check = await verifier.verify(issued.verifiableCredential);
    if (!check.verified)
      throw new Error(`bench credential (${format}) does not verify: ${JSON.stringify(check.errors)}`);
    samples[format] = issued.verifiableCredential;
  }
  // Fill the lists a little, so the encoded list is not trivially compressible.
  for (let i = 0; i < 1300; i++)
    lists.update((await issuer.issue(sjzIdentity(), { format: 'vc-jwt' })).id, 'revocation', randomInt(2) === 1);

  const raw = rawEd25519();
  const memo = createVerifier({
    resolver: world.resolver,
    fetchStatusList,
    fetchSchema: false,
    resolutionCacheMs: 5000,
  });
  const didResolver = new Resolver({ ...getResolver({ reader: world.ledger }) });
  const runs: Array<[string, () => unknown]> = [
    ...Object.entries(samples).map(([name, input]): [string, () => unknown] => [
      `verify ${name}`,
      () => verifier.verify(input),
    ]),
    ...Object.entries(samples).map(([name, input]): [string, () => unknown] => [
      `verify ${name}, 5 s resolution memo`,
      () => memo.verify(input),
    ]),
    ['did-jwt-vc verifyCredential (vc-jwt)', () => didJwtVcVerify(samples['vc-jwt'] as string, didResolver)],
  ];
  const rawRates: number[] = [];
  const ratios = new Map<string, number[]>(runs.map(([name]) => [name, []]));
  const rates = new Map<string, number[]>(runs.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const rawRound = await rate(raw);
    rawRates.push(rawRound);
    for (const [name, run] of runs) {
      const value = await rate(run);
      rates.get(name)!.push(value);
      ratios.get(name)!.push(value / rawRound);
    }
  }
  const rawRate = median(rawRates);
  const results = runs.map(([name]): [string, number, number] => [
    name,
    median(rates.get(name)!),
    median(ratios.get(name)!),
  ]);

  const unsigned = sjzIdentity();
  const issuance: Array<[string, number]> = [];
  for (const format of ['vc-jwt', 'vc+jwt', 'data-integrity'] as const) {
    issuance.push([`issue ${format} (+2 SQLite status entries)`, await rate(() => issuer.issue(unsigned, { format }))]);
  }
  issuance.push(['issue data-integrity (no status)', await rate(() => issuer.issue(unsigned, { status: false }))]);

  const statusCredential = (await issuer.issue(sjzIdentity())).credential as Credential;
  const status = verifier.context.status!;
  const coldVerifier = () =>
    createVerifier({ resolver: world.resolver, fetchStatusList, fetchSchema: false, statusTtl: { maxMs: 0 } });
  const cold = coldVerifier();
  const coldRate = await rate(() => cold.context.status!.check(statusCredential));
  const warmRate = await rate(() => status.check(statusCredential));

  console.log(
    `machine: ${cpus()[0]?.model} × ${cpus().length}, Node ${process.version}, ${process.platform}/${process.arch}; ${SECONDS}s per figure`,
  );
  console.log(
    `raw node:crypto Ed25519 verify: ${fmt(rawRate)}/s (median of ${ROUNDS} rounds; min ${fmt(Math.min(...rawRates))}, max ${fmt(Math.max(...rawRates))})`,
  );
  console.log('\nverification (issuer DID warm in the resolver cache, status list warm, schema checked):');
  for (const [name, value, ratio] of results)
    console.log(`  ${name.padEnd(44)} ${fmt(value)}/s   ratio to raw ${ratio.toFixed(2)}`);
  console.log('\nissuance:');
  for (const [name, value] of issuance) console.log(`  ${name.padEnd(44)} ${fmt(value)}/s`);
  console.log('\nstatus check, 131,072-entry lists (two entries: revocation + suspension):');
  console.log(
    `  cold (fetch + verify list credential + inflate) ${fmt(coldRate)}/s  = ${(1e6 / coldRate).toFixed(0)} µs per credential`,
  );
  console.log(
    `  warm (cached, ttl 5 min)                        ${fmt(warmRate)}/s  = ${(1e6 / warmRate).toFixed(1)} µs per credential`,
  );
  for (const [name, value, ratio] of results) {
    report.row({
      what: `credential ${name} (issuer DID warm, status list warm, schema checked)`,
      figure: `${fmt(value)} /s`,
      baseline: `raw Ed25519 verify ${fmt(rawRate)} /s`,
      ratio: ratio.toFixed(2),
    });
  }
  for (const [name, value] of issuance) report.row({ what: `credential ${name}`, figure: `${fmt(value)} /s` });
  report.row({
    what: 'status check, 131,072-entry lists, cold / warm',
    figure: `${(1e6 / coldRate).toFixed(0)} / ${(1e6 / warmRate).toFixed(1)} µs per credential`,
  });
  report.write({
    rawEd25519PerSecond: rawRate,
    verification: results,
    issuance,
    statusPerSecond: { cold: coldRate, warm: warmRate },
  });
  store.close();
  rmSync(dir, { recursive: true, force: true });
}

await main();
