/**
 * DID-Linked Resource benchmark (spec §3.9, §6.8): dereferencing a resource with proof verification, against bare
 * express serving the same bytes. Prints one table and writes bench-results/resources.json; asserts nothing.
 *
 *     pnpm --filter @did-city/test bench   (or: tsx --conditions=source test/bench/resources.bench.ts)
 *
 * The resource is the registry's JSON Schema of city identity credentials (`did:city:cn/resources/<uuid>`, about
 * 1.7 KB), which an all-in-one started in this process publishes. Every request is sequential, over loopback HTTP
 * with keep-alive (Node's fetch), one at a time:
 * (a) baseline: a bare express app in this process answering GET with the same bytes and media type;
 * (b) proof verified per call: `dereference(didUrl)` of a client resolver whose HttpLedgerReader is asked with
 *     `noCache` on every history read, so each call fetches the DID's history with the checkpoint and the inclusion
 *     and index proofs and verifies them (the checkpoint's signatures are checked once per new checkpoint); the
 *     resolver reuses the DID's replayed state while the proven head is unchanged and the content, checked against
 *     the anchored checksum when first read;
 * (c) the default client (HttpLedgerReader and resolver caches on): each call revalidates the proven head with a
 *     conditional GET (If-None-Match the ETag naming checkpoint and head; 304), proofs verified again only when the
 *     ledger has a new checkpoint or head;
 * (d) no cache at all (`noCache`): the whole history replayed and proven, and the content fetched and checked
 *     against the checksum, on every call;
 * (e) the resolver driver's route `GET /1.0/identifiers/<didUrl>` of the all-in-one, which dereferences through
 *     its own verifying resolver and answers the bytes.
 * Ratios are to (a) of the same round; rounds are interleaved so that background load hits all alike; the first
 * round warms up and is left out.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startAllInOne } from '@did-city/cli';
import { createCityResolver, type LedgerReader, type LinkedResourceMetadata } from '@did-city/method';
import { HttpLedgerReader } from '@did-city/method/http';
import express from 'express';
import { tempDir } from '../exchange/fixtures.ts';
import { benchReport, fmt, machine, median } from './report.ts';

const ROUNDS = 6;
const ROUND_MS = 1500;
const REGISTRY = 'did:city:cn';

/** Calls of `step` per second over `ms` (at least 20 calls). */
async function rate(ms: number, step: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  let count = 0;
  while (count < 20 || performance.now() - start < ms) {
    await step();
    count++;
  }
  return (count * 1000) / (performance.now() - start);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function main(): Promise<void> {
  const report = benchReport('resources');
  const temp = tempDir('did-city-resources-bench-');
  // The ledger's read limit is off: this process is one client making thousands of requests on purpose.
  const running = await startAllInOne({ port: 0, dataDir: temp.dir, log: () => {}, rateLimits: { reads: false } });
  const bare = express();
  const server = createServer(bare);
  try {
    const reader = () => new HttpLedgerReader({ url: `${running.url}/`, policy: running.node.policyText });
    const warm = createCityResolver({ reader: reader() });
    const unconditional = reader();
    const proving: LedgerReader = {
      history: (did) => unconditional.history(did, { noCache: true }),
      resourceContent: (did, id) => unconditional.resourceContent!(did, id),
    };
    const proven = createCityResolver({ reader: proving });
    const resolved = await warm.resolve(REGISTRY);
    const schema = (resolved.didDocumentMetadata.linkedResourceMetadata as LinkedResourceMetadata[]).find(
      (r) => r.resourceName === 'CityIdentityCredential',
    )!;
    const didUrl = schema.resourceURI;
    const first = await warm.dereference(didUrl);
    const bytes = first.content as Uint8Array;
    if (sha256(bytes) !== schema.checksum) throw new Error('the dereferenced schema does not match its checksum');
    const body = Buffer.from(bytes);
    bare.disable('x-powered-by');
    bare.get('/schema', (_req, res) => void res.type(schema.mediaType).send(body));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const bareUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/schema`;
    const cold = createCityResolver({ reader: reader(), cache: false });
    const driverUrl = `${running.url}/1.0/identifiers/${didUrl}`;

    const check = (content: unknown) => {
      if (!(content instanceof Uint8Array) || content.byteLength !== body.byteLength)
        throw new Error('unexpected dereferencing result');
    };
    const steps: Array<() => Promise<unknown>> = [
      async () => {
        const response = await fetch(bareUrl);
        check(new Uint8Array(await response.arrayBuffer()));
      },
      async () => check((await proven.dereference(didUrl)).content),
      async () => check((await warm.dereference(didUrl)).content),
      async () => check((await cold.dereference(didUrl, { noCache: true })).content),
      async () => {
        const response = await fetch(driverUrl);
        if (response.status !== 200) throw new Error(`driver answered ${response.status}`);
        check(new Uint8Array(await response.arrayBuffer()));
      },
    ];
    const rates: number[][] = steps.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [n, step] of steps.entries()) rates[n]!.push(await rate(ROUND_MS, step));
    }
    const [baseline, provenRate, revalidated, uncached, driver] = rates.map((list) => median(list.slice(1)));
    const ratio = (n: number) => median(rates[n]!.slice(1).map((value, i) => value / rates[0]![i + 1]!));
    const [provenRatio, revalidatedRatio, uncachedRatio, driverRatio] = [ratio(1), ratio(2), ratio(3), ratio(4)];
    console.log(`DID-Linked Resource benchmark on ${machine()}: ${didUrl}, ${body.byteLength} bytes`);
    console.log(`(a) bare express serving the same bytes                 ${baseline!.toFixed(0)} /s`);
    console.log(
      `(b) dereference, history and proofs verified per call   ${provenRate!.toFixed(0)} /s   (b)/(a) ${provenRatio.toFixed(2)} (aim 0.5)`,
    );
    console.log(
      `(c) dereference, default caches (304 revalidation)      ${revalidated!.toFixed(0)} /s   (c)/(a) ${revalidatedRatio.toFixed(2)}`,
    );
    console.log(
      `(d) dereference without any cache                       ${uncached!.toFixed(0)} /s   (d)/(a) ${uncachedRatio.toFixed(2)}`,
    );
    console.log(
      `(e) driver route GET /1.0/identifiers/<DID URL>          ${driver!.toFixed(0)} /s   (e)/(a) ${driverRatio.toFixed(2)}`,
    );
    const base = `bare express serving the same ${fmt(body.byteLength)} bytes, ${fmt(baseline!)} /s`;
    report.row({
      what: '**linked resource dereferenced, proof verified** (client resolver over HTTP: the history with its inclusion and index proofs read and verified on every call; content checked against its anchored checksum when first read)',
      figure: `${fmt(provenRate!)} /s`,
      baseline: base,
      ratio: `**${provenRatio.toFixed(2)}** (aim 0.5)`,
    });
    report.row({
      what: 'linked resource dereferenced by the default client (proven head revalidated per call with a conditional GET, 304)',
      figure: `${fmt(revalidated!)} /s`,
      baseline: base,
      ratio: revalidatedRatio.toFixed(2),
    });
    report.row({
      what: 'linked resource dereferenced with no cache (whole history replayed and proven, content fetched and checked, every call)',
      figure: `${fmt(uncached!)} /s`,
      baseline: base,
      ratio: uncachedRatio.toFixed(2),
    });
    report.row({
      what: 'linked resource through the resolver driver route (GET /1.0/identifiers/<DID URL>)',
      figure: `${fmt(driver!)} /s`,
      baseline: base,
      ratio: driverRatio.toFixed(2),
    });
    report.write({
      didUrl,
      bytes: body.byteLength,
      bareExpressPerSecond: baseline,
      provenPerSecond: provenRate,
      revalidatedPerSecond: revalidated,
      uncachedPerSecond: uncached,
      driverPerSecond: driver,
      provenRatio,
      revalidatedRatio,
      uncachedRatio,
      driverRatio,
      rounds: rates,
    });
  } finally {
    await new Promise<void>((done) => (server.listening ? server.close(() => done()) : done()));
    server.closeAllConnections();
    await running.close();
    temp.cleanup();
  }
}

await main();
