/**
 * Worlds: a national registry (genesis signed by 2 of its 3 institutes, spec §3.5) and the cities it allocated,
 * every key from `testKey`, every proof dated `CREATED`, so a world is the same operations on every run.
 */
import {
  createOperation,
  createSigner,
  type DocumentContent,
  type KeyPair,
  type KeyType,
  type Operation,
  operationHash,
  signOperation,
} from '@did-city/method';
import { keyRing, VECTOR_NAMESPACE } from './keys.ts';

/** The `created` of every proof a world signs (the vectors' PROOF_CREATED). */
export const CREATED = '2026-11-21T08:00:00Z';
export const REGISTRY = 'did:city:cn';
/** Shijiazhuang, the city of most tests. */
export const SJZ = 'did:city:cn:130100';

/** A document with one Multikey `#key-1` for authentication and assertion. */
export function keyDocument(pair: KeyPair, services: object[] = []): DocumentContent {
  return {
    verificationMethod: [{ id: '#key-1', type: 'Multikey', publicKeyMultibase: pair.publicKeyMultibase }],
    authentication: ['#key-1'],
    assertionMethod: ['#key-1'],
    ...(services.length === 0 ? {} : { service: services as DocumentContent['service'] }),
  };
}

/** Signs with every pair, proofs dated `created` (default `CREATED`). */
export function signWith(
  unsigned: Parameters<typeof signOperation>[0],
  pairs: readonly KeyPair[],
  created = CREATED,
): Promise<Operation> {
  return signOperation(unsigned, pairs.map(createSigner), { created });
}

export interface WorldOptions {
  /** The keys' namespace (see keys.ts); default the vectors'. */
  namespace?: string;
  registry?: string;
  /** Labels of the three institutes' keys; default institute-a, -b, -c. */
  institutes?: readonly [string, string, string];
  /** The registry's genesis document; default `keyDocument` of the first institute. */
  registryDocument?: DocumentContent;
  /** Cities to create, key label → DID; default `{ sjz: SJZ }`. Each is signed by its key and institutes a and b. */
  cities?: Readonly<Record<string, string>>;
  /** Which institutes (indexes) sign the genesis and the cities; default [0, 1]. */
  signers?: readonly [number, number];
  /** Proof `created` of every operation; default `CREATED`. */
  created?: string;
}

export interface WorldCity {
  did: string;
  key: KeyPair;
  operation: Operation;
}

export interface World {
  registry: string;
  institutes: readonly [KeyPair, KeyPair, KeyPair];
  /** The registry's genesis (submit it as governance). */
  genesis: Operation;
  /** The genesis pin of a node or resolver that trusts this registry. */
  pin: Record<string, { operationHash: string }>;
  /** By key label. */
  cities: Record<string, WorldCity>;
  /** Every operation in log order: the genesis, then the cities. */
  operations: Operation[];
  /** The world's key of `label` (same namespace). */
  key(label: string, keyType?: KeyType): KeyPair;
}

export async function createWorld(options: WorldOptions = {}): Promise<World> {
  const key = keyRing(options.namespace ?? VECTOR_NAMESPACE);
  const registry = options.registry ?? REGISTRY;
  const [a, b, c] = options.institutes ?? ['institute-a', 'institute-b', 'institute-c'];
  const institutes = [key(a), key(b), key(c)] as const;
  const [s1, s2] = options.signers ?? [0, 1];
  const approvers = [institutes[s1]!, institutes[s2]!];
  const created = options.created ?? CREATED;
  const genesis = await signWith(
    createOperation({
      did: registry,
      updateKeys: institutes.map((k) => k.publicKeyMultibase),
      threshold: 2,
      document: options.registryDocument ?? keyDocument(institutes[0]),
    }),
    approvers,
    created,
  );
  const cities: Record<string, WorldCity> = {};
  for (const [label, did] of Object.entries(options.cities ?? { sjz: SJZ })) {
    const own = key(label);
    const unsigned = createOperation({ did, updateKeys: [own.publicKeyMultibase], document: keyDocument(own) });
    cities[label] = { did, key: own, operation: await signWith(unsigned, [own, ...approvers], created) };
  }
  return {
    registry,
    institutes,
    genesis,
    pin: { [registry]: { operationHash: operationHash(genesis) } },
    cities,
    operations: [genesis, ...Object.values(cities).map((city) => city.operation)],
    key,
  };
}
