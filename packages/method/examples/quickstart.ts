/**
 * The README's example, runnable: `pnpm --filter @did-city/method exec tsx --conditions=source examples/quickstart.ts`.
 * A registry controlled 2-of-3 by institutes allocates Shijiazhuang's DID; the city rotates its key; a resolver
 * replays and verifies the history. packages/method/test/readme-example.test.ts runs it.
 */
import {
  createCityResolver,
  createOperation,
  createSigner,
  generateKeyPair,
  MemoryLedger,
  signOperation,
  updateOperation,
} from '@did-city/method';

export async function quickstart() {
  const ledger = new MemoryLedger(); // validates every operation with the same rules as the real ledger
  const institutes = [generateKeyPair(), generateKeyPair('P-256'), generateKeyPair('secp256k1')];

  // The national registry did:city:cn, controlled 2-of-3 by the institutes (spec §3.5).
  const registry = createOperation({
    did: 'did:city:cn',
    updateKeys: institutes.map((k) => k.publicKeyMultibase),
    threshold: 2,
    document: {},
  });
  await ledger.append(await signOperation(registry, institutes.map(createSigner)));

  // Shijiazhuang applies with its own key; two institutes authorise the allocation (spec §3.4).
  const city = generateKeyPair();
  const create = createOperation({
    did: 'did:city:cn:130100',
    updateKeys: [city.publicKeyMultibase],
    document: {
      verificationMethod: [{ id: '#key-1', type: 'Multikey', publicKeyMultibase: city.publicKeyMultibase }],
      assertionMethod: ['#key-1'],
    },
  });
  await ledger.append(await signOperation(create, [city, institutes[0]!, institutes[1]!].map(createSigner)));

  // The city rotates to a new key; only its current update key can sign that.
  const next = generateKeyPair();
  const history = ledger.historyOf('did:city:cn:130100')!;
  const rotate = updateOperation(history, {
    updateKeys: [next.publicKeyMultibase],
    document: {
      verificationMethod: [{ id: '#key-2', type: 'Multikey', publicKeyMultibase: next.publicKeyMultibase }],
      assertionMethod: ['#key-2'],
    },
  });
  await ledger.append(await signOperation(rotate, [createSigner(city)]));

  const resolver = createCityResolver({ reader: ledger });
  const current = await resolver.resolve('did:city:cn:130100');
  const first = await resolver.resolve('did:city:cn:130100', { versionId: '0' });
  return { current, first, newKey: next.publicKeyMultibase };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { current } = await quickstart();
  console.log(JSON.stringify(current, null, 2));
}
