/**
 * Exchange benchmark (spec §12): what a provider spends to decide one signed data request, against the raw
 * Ed25519 verification it is built on. Prints one table and writes bench-results/exchange.json; asserts nothing.
 *
 *     pnpm --filter @did-city/test bench   (or: tsx --conditions=source test/bench/exchange.bench.ts)
 *
 * Against an all-in-one started in this process (Shijiazhuang, an Ed25519 city, as the consumer; Beijing's data
 * service as the provider), with requests signed beforehand so that signing is not measured:
 * (a) node:crypto Ed25519 verifications/s of a request's RFC 9421 signature base (about 1.5 KB: the grant field
 *     is covered, so it is in the base);
 * (b) signed-request verifications/s, verifyCityRequest: Signature-Input parsed, profile and window checked, the
 *     consumer's keyid resolved through the verifying resolver (warm: its verified state reused for 5 s, as the
 *     all-in-one's data service does, then refreshed from the ledger over HTTP), nonce recorded, signature base rebuilt and verified; ratio (b)/(a);
 * (c) whole grant decisions/s: (b) plus the grant (a vc+jwt CityDataSharingCredential), as the data service
 *     checks it: fully verified once (signature, validity, schema, status list), then from the GrantCache for 60 s
 *     with the validity window, issuer, subject and dataset checked again on each request; ratio (c)/(a). (The
 *     provider's own status store, also read on each request, is not part of this measurement.)
 * Measurements are interleaved round by round so background load hits them alike; the first round warms up.
 */
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAllInOne } from '@did-city/cli';
import {
  checkGrant,
  datasetId,
  encodeGrant,
  GRANT_FIELD,
  GrantCache,
  grantCredential,
  NonceStore,
  parseSignatureInput,
  signatureBase,
  signCityRequest,
  verifyCityRequest,
} from '@did-city/exchange';
import { createDidResolver, createVerifier, httpCredentialFetcher } from '@did-city/issuer';
import { createCityResolver, createSigner, keyPairFromSecret, type KeyType, multikeyToJwk } from '@did-city/method';
import { HttpLedgerReader } from '@did-city/method/http';
import { benchReport, fmt, machine, median } from './report.ts';
import { tempDir } from '../exchange/fixtures.ts';

const PER_ROUND = 1500;
const ROUNDS = 6;
const BEIJING = 'did:city:cn:110000';
const SJZ = 'did:city:cn:130100';

async function perSecond(count: number, step: (i: number) => unknown): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < count; i++) await step(i);
  return (count * 1000) / (performance.now() - start);
}

async function main(): Promise<void> {
  const report = benchReport('exchange');
  const temp = tempDir('did-city-exchange-bench-');
  // The ledger's read limit is off: this process is one client making thousands of requests on purpose.
  const running = await startAllInOne({ port: 0, dataDir: temp.dir, log: () => {}, rateLimits: { reads: false } });
  try {
    const endpoint = `${running.url}/data/110000`;
    const token = readFileSync(join(temp.dir, 'exchange', '110000', 'operator-token'), 'utf8').trim();
    const stored = (
      JSON.parse(readFileSync(join(temp.dir, 'keys', 'cities', '130100.json'), 'utf8')) as {
        keys: Array<{ keyType: KeyType; secretKey: string }>;
      }
    ).keys[0]!;
    const pair = keyPairFromSecret(stored.keyType, Buffer.from(stored.secretKey, 'base64url'));
    const key = { keyid: `${SJZ}#key-1`, signer: createSigner(pair) };
    // As the all-in-one's data service resolves: verified states reused for 5 s, then refreshed from the ledger.
    const resolver = createCityResolver({
      reader: new HttpLedgerReader({ url: `${running.url}/`, policy: running.node.policyText }),
      cache: { freshnessMs: 5000 },
    });
    const dataset = datasetId(BEIJING, 'air-quality-hourly');
    const credential = grantCredential({
      provider: BEIJING,
      consumer: SJZ,
      dataset,
      datasetName: 'air quality',
      purpose: 'bench',
    });
    const issued = await fetch(`${endpoint}/grants/credentials/issue`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ credential, options: { format: 'vc+jwt', envelope: false } }),
    });
    const grant = encodeGrant(((await issued.json()) as { verifiableCredential: string }).verifiableCredential);
    const host = new URL(running.url).host;
    const verifier = createVerifier({
      resolver: createDidResolver({ city: resolver }),
      fetchStatusList: httpCredentialFetcher({ httpHosts: [host], privateHosts: [host] }),
      fetchResource: false,
    });
    const url = `${endpoint}/releases/00000000-0000-4000-8000-000000000000`;
    const sign = async () => ({
      method: 'GET',
      url,
      headers: await signCityRequest({ method: 'GET', url, headers: { [GRANT_FIELD]: grant } }, key),
    });
    let requests = await Promise.all(Array.from({ length: 1 }, sign));
    const nonces = new NonceStore({ maxEntries: PER_ROUND * ROUNDS * 2 });
    // (a) a request's own signature base (the grant field included), verified by node:crypto directly.
    const publicKey = createPublicKey({ key: { ...multikeyToJwk(pair.publicKeyMultibase) }, format: 'jwk' });
    const sample = requests[0]!;
    const base = Buffer.from(signatureBase(sample, parseSignatureInput(sample.headers['signature-input']!)[0]!));
    const signature = await key.signer(base);
    const grants = new GrantCache();
    let next = 0;
    // A refresh of the consumer's state that cannot reach the ledger (SIGNER_UNRESOLVABLE, e.g. a kept-alive
    // connection the server closed meanwhile) is counted and reported, not hidden: the request is simply lost.
    let unresolvable = 0;
    const counted = async (work: () => Promise<unknown>) => {
      try {
        await work();
      } catch (error) {
        if ((error as { code?: string }).code !== 'SIGNER_UNRESOLVABLE') throw error;
        unresolvable++;
      }
    };
    const signatureOnly = () => counted(() => verifyCityRequest(requests[next++]!, { resolver, nonces }));
    const decision = () =>
      counted(async () => {
        const request = requests[next++]!;
        const signer = await verifyCityRequest(request, { resolver, nonces });
        await checkGrant(
          request.headers[GRANT_FIELD],
          { provider: BEIJING, consumer: signer.did, dataset },
          verifier,
          undefined,
          grants,
        );
      });
    await decision();
    next = 0;
    const rates: number[][] = [[], [], []];
    for (let round = 0; round < ROUNDS; round++) {
      // Signed just before the round, so that every signature is fresh when it is verified.
      requests = await Promise.all(Array.from({ length: PER_ROUND + PER_ROUND / 2 }, sign));
      next = 0;
      rates[0]!.push(await perSecond(PER_ROUND * 4, () => verify(null, base, publicKey, signature)));
      rates[1]!.push(await perSecond(PER_ROUND, signatureOnly));
      rates[2]!.push(await perSecond(PER_ROUND / 2, decision));
    }
    const [raw, signed, whole] = rates.map((list) => median(list.slice(1)));
    const ratios = [1, 2].map((n) => median(rates[n]!.slice(1).map((rate, i) => rate / rates[0]![i + 1]!)));
    console.log(`exchange benchmark on ${machine()}`);
    console.log(`(a) raw Ed25519 verify (node:crypto), ${base.length}-byte base  ${raw!.toFixed(0)} /s`);
    console.log(
      `(b) signed request verified (verifyCityRequest)        ${signed!.toFixed(0)} /s   (b)/(a) ${ratios[0]!.toFixed(2)} (aim 0.5)`,
    );
    console.log(
      `(c) whole grant decision (b + vc+jwt grant)            ${whole!.toFixed(0)} /s   (c)/(a) ${ratios[1]!.toFixed(2)}`,
    );
    console.log(`requests lost to an unreachable ledger during a refresh: ${unresolvable}`);
    const baseline = `raw Ed25519 verify of the request's ${base.length}-byte signature base (node:crypto), ${fmt(raw!)} /s`;
    report.row({
      what: '**signed exchange request verified** (RFC 9421 profile: keyid resolved warm, window, nonce, signature)',
      figure: `${fmt(signed!)} /s`,
      baseline,
      ratio: `**${ratios[0]!.toFixed(2)}** (aim 0.5)`,
    });
    report.row({
      what: 'whole grant decision (signed request + vc+jwt CityDataSharingCredential, grant verification reused 60 s)',
      figure: `${fmt(whole!)} /s`,
      baseline,
      ratio: ratios[1]!.toFixed(2),
    });
    report.write({
      unresolvable,
      rawEd25519PerSecond: raw,
      signedRequestPerSecond: signed,
      grantDecisionPerSecond: whole,
      signedRequestRatio: ratios[0],
      grantDecisionRatio: ratios[1],
      rounds: rates,
    });
  } finally {
    await running.close();
    temp.cleanup();
  }
}

await main();
