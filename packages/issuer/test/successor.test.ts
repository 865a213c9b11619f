/**
 * Credentials across an administrative change (spec §2.3): Laiwu (371200, retired in the 2019 edition) merged into
 * Jinan (370100). Credentials the registry issued *about* Laiwu keep verifying after the merger, in every format;
 * the resolver says where Laiwu went; a credential Laiwu signed itself stops verifying with its deactivation.
 */
import {
  createOperation,
  createSigner,
  deactivateOperation,
  type DocumentContent,
  type KeyPair,
  operationHash,
  type Operation,
  signOperation,
  updateOperation,
} from '@did-city/method';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cityIdentityCredential } from '../src/credential-types.ts';
import { createIssuer } from '../src/issuer.ts';
import { FORMATS, type Setup, setup } from './fixtures/issuing.ts';
import { DAY_MS, iso, issuerKey, KEYS, key, REGISTRY } from './fixtures/world.ts';

const LAIWU = 'did:city:cn:371200';
const JINAN = 'did:city:cn:370100';
const pairs = { laiwu: key('laiwu'), jinan: key('jinan') };

function cityDocument(pair: KeyPair, alsoKnownAs?: string[]): DocumentContent {
  const document: DocumentContent = {
    verificationMethod: [{ id: '#key-1', type: 'Multikey', publicKeyMultibase: pair.publicKeyMultibase }],
    authentication: ['#key-1'],
    assertionMethod: ['#key-1'],
  };
  return alsoKnownAs === undefined ? document : { ...document, alsoKnownAs };
}

async function append(
  s: Setup,
  op: Parameters<typeof signOperation>[0],
  signers: KeyPair[],
  at: number,
): Promise<Operation> {
  const signed = await signOperation(op, signers.map(createSigner), { created: iso(at) });
  await s.world.ledger.append(signed, { integratedTime: iso(at) });
  return signed;
}

const head = (op: Operation) => ({ did: op.did, seq: op.seq, operationHash: operationHash(op) });

describe('credentials about a merged city', () => {
  let s: Setup;
  let laiwu: Operation;
  let jinan: Operation;

  beforeEach(async () => {
    s = await setup();
    const [a, b] = KEYS.institutes;
    const create = (did: string, pair: KeyPair) =>
      createOperation({ did, updateKeys: [pair.publicKeyMultibase], document: cityDocument(pair) });
    laiwu = await append(s, create(LAIWU, pairs.laiwu), [pairs.laiwu, a!, b!], s.world.now - 10 * DAY_MS);
    jinan = await append(s, create(JINAN, pairs.jinan), [pairs.jinan, a!, b!], s.world.now - 10 * DAY_MS);
  });

  afterEach(() => s.cleanup());

  async function merge(): Promise<void> {
    const [a, b] = KEYS.institutes;
    const listed = updateOperation(head(jinan), {
      updateKeys: [pairs.jinan.publicKeyMultibase],
      document: cityDocument(pairs.jinan, [LAIWU]),
    });
    await append(s, listed, [pairs.jinan], s.world.now - 2 * DAY_MS);
    await append(s, deactivateOperation(head(laiwu), { successor: JINAN }), [a!, b!], s.world.now - DAY_MS);
  }

  it('the identity credential about Laiwu, issued before the merger, verifies after it in every format', async () => {
    const about = cityIdentityCredential({ issuer: REGISTRY, city: LAIWU, nameEn: 'Laiwu' });
    expect(about.credentialSubject).toMatchObject({
      id: LAIWU,
      officialName: { zh: '莱芜市', en: 'Laiwu' },
      level: 'city',
      parentDivision: 'did:city:cn:370000',
    });
    const issued = await Promise.all(FORMATS.map((format) => s.registry.issue(about, { format })));
    await merge();
    const resolution = await s.world.resolver.resolve(LAIWU);
    expect(resolution.didDocumentMetadata).toMatchObject({
      deactivated: true,
      successor: JINAN,
      canonicalId: JINAN,
      equivalentId: [JINAN],
    });
    for (const credential of issued) {
      expect(await s.verifier().verify(credential.verifiableCredential)).toMatchObject({ verified: true });
    }
  });

  it('a credential Laiwu signed itself stops verifying once Laiwu is deactivated (its keys go with it)', async () => {
    const laiwuIssuer = createIssuer({ key: issuerKey(LAIWU, 'key-1', pairs.laiwu) });
    const credential = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiableCredential'],
      issuer: LAIWU,
      credentialSubject: { id: JINAN },
    };
    const issued = await laiwuIssuer.issue(credential, { format: 'vc-jwt' });
    expect(await s.verifier().verify(issued.verifiableCredential)).toMatchObject({ verified: true });
    await merge();
    expect(await s.verifier().verify(issued.verifiableCredential)).toMatchObject({ verified: false });
  });
});
