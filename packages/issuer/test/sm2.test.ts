/**
 * Credentials signed with an SM2 key through the VC API over real HTTP: the national registry adds an SM2
 * assertion key to its did:city document and issues with it, in Data Integrity (sm2-jcs-2026) and vc+jwt (the
 * provisional, unregistered alg SM2SM3); the verifier resolves the key from the ledger. Forged variants fail:
 * a signature with the empty SM2 identifier, SHA-256 hashing under the SM2 suite, a changed claim, a relabelled alg.
 */
import { canonicalBytes, decodeMultikey, sha256, sm2Sign, sm2Verify, sm3 } from '@did-city/method';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJws } from '../src/jws.ts';
import { sjzIdentity } from './fixtures/issuing.ts';
import { type RunningService, startService } from './fixtures/service.ts';
import { addRegistrySm2Key, key, REGISTRY } from './fixtures/world.ts';

const TOKEN = 'sm2-test-token-0123456789';
const DAY = 86_400_000;
let service: RunningService;
const sm2Pair = key('registry-vc-sm2', 'SM2');

beforeAll(async () => {
  service = await startService({
    clients: [{ id: 'ops', token: TOKEN }],
    issuerKey: (world) => addRegistrySm2Key(world, world.now - 25 * DAY),
  });
});

afterAll(() => service?.close());

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
type Json = any;

async function post(path: string, body: unknown, auth = true): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...(auth ? { authorization: `Bearer ${TOKEN}` } : {}),
  };
  const response = await fetch(`${service.base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

async function issue(format: string): Promise<Json> {
  const issued = await post('/credentials/issue', { credential: sjzIdentity(), options: { format } });
  expect(issued.status).toBe(201);
  return issued.body.verifiableCredential;
}

const verify = (verifiableCredential: unknown) => post('/credentials/verify', { verifiableCredential }, false);
const base58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function toBase58btc(bytes: Uint8Array): string {
  let n = 0n;
  for (const byte of bytes) n = (n << 8n) | BigInt(byte);
  let out = '';
  for (; n > 0n; n /= 58n) out = base58[Number(n % 58n)] + out;
  return `z${out}`;
}

describe('Data Integrity sm2-jcs-2026 through the VC API', () => {
  it('the registry issues with its SM2 key and the verifier accepts the credential', async () => {
    const vc = await issue('data-integrity');
    expect(vc.proof).toMatchObject({
      cryptosuite: 'sm2-jcs-2026',
      verificationMethod: `${REGISTRY}#vc-sm2`,
      proofPurpose: 'assertionMethod',
    });
    // The proof is SM2 over SM3(JCS(options)) || SM3(JCS(credential)), checked here with the primitives.
    const { proof, ...unsecured } = vc;
    const { proofValue: _value, ...options } = proof;
    const hashData = new Uint8Array([...sm3(canonicalBytes(options)), ...sm3(canonicalBytes(unsecured))]);
    const signature = decodeBase58(proof.proofValue);
    expect(sm2Verify(decodeMultikey(sm2Pair.publicKeyMultibase).publicKey, hashData, signature)).toBe(true);
    const verified = await verify(vc);
    expect([verified.status, verified.body.verified]).toStrictEqual([200, true]);
  });

  it('refuses forgeries: empty identifier, SHA-256 hashing, a changed claim', async () => {
    const vc = await issue('data-integrity');
    const { proof, ...unsecured } = vc;
    const { proofValue: _value, ...options } = proof;
    const hashData = new Uint8Array([...sm3(canonicalBytes(options)), ...sm3(canonicalBytes(unsecured))]);
    const shaData = new Uint8Array([...sha256(canonicalBytes(options)), ...sha256(canonicalBytes(unsecured))]);
    const forgeries = [
      { ...vc, proof: { ...proof, proofValue: toBase58btc(sm2Sign(sm2Pair.secretKey, hashData, { id: '' })) } },
      { ...vc, proof: { ...proof, proofValue: toBase58btc(sm2Sign(sm2Pair.secretKey, shaData)) } },
      { ...vc, credentialSubject: { ...vc.credentialSubject, id: 'did:city:cn:110000' } },
      { ...vc, proof: { ...proof, cryptosuite: 'ecdsa-jcs-2019' } },
    ];
    for (const forged of forgeries) {
      const result = await verify(forged);
      expect(result.body.verified).toBe(false);
      expect(result.status).toBe(400);
    }
  });
});

describe('vc+jwt with alg SM2SM3 through the VC API', () => {
  it('the registry issues an enveloped vc+jwt with alg SM2SM3 and the verifier accepts it', async () => {
    const vc = await issue('vc+jwt');
    expect(vc.type).toBe('EnvelopedVerifiableCredential');
    const jwt = vc.id.slice('data:application/vc+jwt,'.length);
    const decoded = decodeJws(jwt)!;
    expect(decoded.header).toMatchObject({ alg: 'SM2SM3', kid: `${REGISTRY}#vc-sm2` });
    expect(
      sm2Verify(decodeMultikey(sm2Pair.publicKeyMultibase).publicKey, decoded.signingInput, decoded.signature),
    ).toBe(true);
    const verified = await verify(vc);
    expect([verified.status, verified.body.verified]).toStrictEqual([200, true]);
  });

  it('the same signature under alg ES256 or a flipped signature bit is refused', async () => {
    const vc = await issue('vc+jwt');
    const jwt: string = vc.id.slice('data:application/vc+jwt,'.length);
    const [header, payload, signature] = jwt.split('.') as [string, string, string];
    const relabelled = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(header, 'base64url').toString()), alg: 'ES256' }),
    ).toString('base64url');
    const flipped = Buffer.from(signature, 'base64url');
    flipped[5]! ^= 1;
    for (const token of [
      `${relabelled}.${payload}.${signature}`,
      `${header}.${payload}.${flipped.toString('base64url')}`,
    ]) {
      const result = await verify({ ...vc, id: `data:application/vc+jwt,${token}` });
      expect(result.body.verified).toBe(false);
    }
  });
});

function decodeBase58(text: string): Uint8Array {
  let n = 0n;
  for (const char of text.slice(1)) n = n * 58n + BigInt(base58.indexOf(char));
  return Uint8Array.from(Buffer.from(n.toString(16).padStart(128, '0'), 'hex'));
}
