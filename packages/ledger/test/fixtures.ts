/**
 * Operations for ledger tests: the national registry (2-of-3 institutes), a city and its departments, all with
 * keys from @did-city/testing's seed rule. They keep the `ledger-test:` namespace because the schema-1 database
 * files under fixtures-db/ hold operations and approvals signed with these keys.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createOperation,
  createSigner,
  type DocumentContent,
  deactivateOperation,
  type KeyPair,
  type Operation,
  operationHash,
  signOperation,
  updateOperation,
} from '@did-city/method';
import { keyRing } from '@did-city/testing';

export const REGISTRY = 'did:city:cn';
export const SJZ = 'did:city:cn:130100';
export const CREATED = '2026-11-21T08:00:00Z';

export const key: (name: string) => KeyPair = keyRing('ledger-test:');

export const INSTITUTES = [key('institute-a'), key('institute-b'), key('institute-c')] as const;
export const CITY_KEY = key('sjz');

export function content(pair: KeyPair): DocumentContent {
  return {
    verificationMethod: [{ id: '#key-1', type: 'Multikey', publicKeyMultibase: pair.publicKeyMultibase }],
    authentication: ['#key-1'],
    assertionMethod: ['#key-1'],
  };
}

export function sign(unsigned: Parameters<typeof signOperation>[0], pairs: readonly KeyPair[]): Promise<Operation> {
  return signOperation(unsigned, pairs.map(createSigner), { created: CREATED });
}

/** spec §3.5: the registry's self-signed genesis, 2 of the 3 institute keys. */
export function registryGenesis(): Promise<Operation> {
  const unsigned = createOperation({
    did: REGISTRY,
    updateKeys: INSTITUTES.map((k) => k.publicKeyMultibase),
    threshold: 2,
    document: content(INSTITUTES[0]),
  });
  return sign(unsigned, [INSTITUTES[0], INSTITUTES[1]]);
}

/** A division or sub-identifier create: its own key plus the parent's signers. */
export function createOf(did: string, own: KeyPair, parentSigners: readonly KeyPair[]): Promise<Operation> {
  const unsigned = createOperation({ did, updateKeys: [own.publicKeyMultibase], document: content(own) });
  return sign(unsigned, [own, ...parentSigners]);
}

export function cityCreate(): Promise<Operation> {
  return createOf(SJZ, CITY_KEY, [INSTITUTES[0], INSTITUTES[1]]);
}

/** A department of Shijiazhuang, allocated by the city. */
export function departmentCreate(name: string): Promise<Operation> {
  return createOf(`${SJZ}:${name}`, key(name), [CITY_KEY]);
}

/** An update after `prev` (same keys), distinguished by a service endpoint. */
export function updateAfter(prev: Operation, signer: KeyPair, tag: string): Promise<Operation> {
  const head = { did: prev.did, seq: prev.seq, operationHash: operationHash(prev) };
  const document: DocumentContent = {
    ...content(signer),
    service: [{ id: '#data', type: 'LinkedDomains', serviceEndpoint: `https://data.example/${tag}` }],
  };
  return sign(updateOperation(head, { updateKeys: [signer.publicKeyMultibase], document }), [signer]);
}

export function deactivateAfter(prev: Operation, signer: KeyPair): Promise<Operation> {
  const head = { did: prev.did, seq: prev.seq, operationHash: operationHash(prev) };
  return sign(deactivateOperation(head), [signer]);
}

/** A fresh temporary directory and its cleanup. */
export function tempDir(prefix = 'ledger-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
