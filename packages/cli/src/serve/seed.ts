/**
 * First-start state, created through the real workflow and idempotent step by step: the national registry
 * `did:city:cn` (governance genesis, 2 of the 3 institute keys), applications for a few real cities approved by two
 * institutes through the ledger's registration desk, and a city identity credential for each. Every step first
 * looks at what exists (ledger, desk, files) and only does what is missing, so a second start or a start after a
 * kill -9 in the middle completes the seeding without duplicating anything. Key files are written before anything
 * that depends on them, and the desk's application id is derived from the city's key, so an interrupted
 * application is found again and continued. Tianjin holds SM2 keys (GB/T 32918; its proofs are sm2-jcs-2026), the
 * other cities Ed25519, so the all-in-one shows both kinds of city; a data directory seeded before keeps its keys.
 */
import type { CityIssuer } from '@did-city/issuer';
import { cityIdentityCredential } from '@did-city/issuer';
import { type LedgerNode, registrationId, type Registrations } from '@did-city/ledger';
import {
  createOperation,
  createProof,
  createSigner,
  type DocumentContent,
  didKeyUrl,
  type GenesisPolicy,
  type KeyType,
  PROOF_PURPOSE,
  signOperation,
  type UnsignedOperation,
} from '@did-city/method';
import type { NamedKey } from '../keyfile.ts';
import { createFileOnce, exists } from './files.ts';
import { type Layout, loadOrCreateKey, type OperatorKeys } from './layout.ts';

export const REGISTRY_DID = 'did:city:cn';
export const REGISTRY_THRESHOLD = 2;

export interface SeedCity {
  code: string;
  nameEn: string;
  organisation: string;
  /** The type of the city's key (update key and #key-1); default Ed25519. */
  keyType?: KeyType;
}

export const SEED_CITIES: readonly SeedCity[] = [
  { code: '110000', nameEn: 'Beijing', organisation: "Beijing Municipal People's Government" },
  { code: '120000', nameEn: 'Tianjin', organisation: "Tianjin Municipal People's Government", keyType: 'SM2' },
  { code: '130100', nameEn: 'Shijiazhuang', organisation: "Shijiazhuang Municipal People's Government" },
];

export interface SeedContext {
  node: LedgerNode;
  desk: Registrations;
  keys: OperatorKeys;
  layout: Layout;
  issuer: CityIssuer;
  log: (line: string) => void;
}

/** The trust-policy pin of the registry: its genesis update keys are the three institutes' (spec §3.5). */
export function registryPin(keys: OperatorKeys): GenesisPolicy {
  return { [REGISTRY_DID]: { updateKeys: keys.institutes.map((k) => k.publicKeyMultibase) } };
}

function singleKeyDocument(key: NamedKey, id: string): DocumentContent {
  return {
    verificationMethod: [{ id, type: 'Multikey', publicKeyMultibase: key.publicKeyMultibase }],
    authentication: [id],
    assertionMethod: [id],
  };
}

/** The registry genesis on the governance path, unless the ledger has it; refuses a registry of other keys. */
export async function seedRegistry(context: SeedContext): Promise<void> {
  const { node, keys } = context;
  const institutes = keys.institutes.map((k) => k.publicKeyMultibase);
  const state = await node.store.didState(REGISTRY_DID);
  if (state !== undefined) {
    const same = state.versions[0]?.keyState.updateKeys.every((k) => institutes.includes(k)) === true;
    if (!same)
      throw new Error(
        `${REGISTRY_DID} in ${context.layout.dataDir} was created with other institute keys than keys/institute-*.json`,
      );
    return;
  }
  const unsigned = createOperation({
    did: REGISTRY_DID,
    updateKeys: institutes,
    threshold: REGISTRY_THRESHOLD,
    document: singleKeyDocument(keys.issuer, `#${keys.issuer.name}`),
  });
  await node.submitGovernance(await signOperation(unsigned, keys.institutes.slice(0, 2).map(createSigner)));
  context.log(`created the national registry ${REGISTRY_DID} (2 of 3 institutes)`);
}

function approvalProof(unsigned: UnsignedOperation, institute: NamedKey) {
  const verificationMethod = didKeyUrl(institute.publicKeyMultibase);
  return createProof(unsigned, { signer: createSigner(institute), verificationMethod, proofPurpose: PROOF_PURPOSE });
}

/** A city's application and two institute approvals through the desk, continuing wherever an earlier start stopped. */
export async function seedCity(context: SeedContext, city: SeedCity): Promise<void> {
  const { node, desk, keys, layout } = context;
  const did = `${REGISTRY_DID}:${city.code}`;
  if ((await node.store.entriesOfDid(did)).length > 0) return;
  const key = loadOrCreateKey(layout.cityKey(city.code), 'update-1', city.keyType);
  const unsigned = createOperation({
    did,
    updateKeys: [key.publicKeyMultibase],
    document: singleKeyDocument(key, '#key-1'),
  });
  const id = registrationId(unsigned);
  if (desk.get(id) === undefined) {
    const operation = await signOperation(unsigned, [createSigner(key)]);
    const contact = { organisation: city.organisation, email: `did@${city.nameEn.toLowerCase()}.example` };
    await desk.apply({ operation, contact });
  }
  for (const institute of keys.institutes.slice(0, REGISTRY_THRESHOLD)) {
    const status = desk.get(id)?.status;
    if (status === 'anchored') break;
    if (status === 'rejected') throw new Error(`the seed application for ${did} (${id}) was rejected`);
    // approve() on an approved application resubmits its recorded create; a pending one needs this institute's proof.
    await desk.approve(id, status === 'pending' ? { proof: await approvalProof(unsigned, institute) } : {});
  }
  if (desk.get(id)?.status !== 'anchored') throw new Error(`the seed application for ${did} (${id}) did not anchor`);
  context.log(`registered ${did} (${city.nameEn}) through the registration workflow`);
}

/** The registry's city identity credential, stored as the body of `POST /issuer/credentials/verify`. */
export async function seedCredential(context: SeedContext, city: SeedCity): Promise<void> {
  const file = context.layout.credential(city.code);
  if (exists(file)) return;
  const credential = cityIdentityCredential({
    issuer: REGISTRY_DID,
    city: `${REGISTRY_DID}:${city.code}`,
    nameEn: city.nameEn,
  });
  const { verifiableCredential } = await context.issuer.issue(credential, { format: 'data-integrity' });
  createFileOnce(file, `${JSON.stringify({ verifiableCredential }, null, 2)}\n`, 0o644);
}

export async function seedAll(context: SeedContext): Promise<void> {
  await seedRegistry(context);
  await context.desk.resume();
  for (const city of SEED_CITIES) await seedCity(context, city);
  for (const city of SEED_CITIES) await seedCredential(context, city);
}
