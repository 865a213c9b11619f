/**
 * First-start state for a change of divisions (spec §2): Laiwu (371200), merged into Jinan (370100) in 2019, is
 * registered as it was before the merger and then merged, the way a registry enters a change from the official
 * record.
 *
 * 1. The registry states edition 2018 in its `CityDivisionEdition` service (R-DIV-1): the last edition listing
 *    Laiwu, since a ledger admits a create only for a code in force in the registry's edition (R-ALLOC-2).
 * 2. Laiwu is registered through the registration desk; Jinan too (it is in force in every edition).
 * 3. The registry states the newest bundled edition again, so no further DID is allocated from the old table.
 * 4. Jinan lists Laiwu in `alsoKnownAs` (its own key), and the registry quorum deactivates Laiwu naming Jinan as its
 *    successor (R-SUCC-1): resolving Laiwu then says where it went, and Jinan states the equivalence.
 *
 * Each step looks at the ledger first and does only what is missing; once Laiwu is deactivated nothing here runs
 * again, so a later edition chosen by the operator is never undone by a restart.
 */
import {
  allocatableIn,
  createSigner,
  currentContent,
  DIVISION_EDITION_SERVICE,
  type DidHistory,
  deactivateOperation,
  divisionEditionOf,
  divisionEditions,
  latestDivisionEdition,
  lookupDivision,
  signOperation,
  updateOperation,
} from '@did-city/method';
import { loadOrCreateKey } from './layout.ts';
import { REGISTRY_DID, REGISTRY_THRESHOLD, type SeedCity, type SeedContext, seedCity } from './seed.ts';

export const LAIWU: SeedCity = { code: '371200', nameEn: 'Laiwu', organisation: "Laiwu Municipal People's Government" };
export const JINAN: SeedCity = { code: '370100', nameEn: 'Jinan', organisation: "Jinan Municipal People's Government" };
export const LAIWU_DID = `${REGISTRY_DID}:${LAIWU.code}`;
export const JINAN_DID = `${REGISTRY_DID}:${JINAN.code}`;

/** The newest bundled edition in which Laiwu's code could still be allocated (2018 with the bundled record). */
export function laiwuEdition(): string {
  const edition = divisionEditions()
    .filter((candidate) => allocatableIn(LAIWU.code, candidate.edition))
    .at(-1);
  if (edition === undefined) throw new Error(`no bundled edition lists division ${LAIWU.code}`);
  return edition.edition;
}

async function history(context: SeedContext, did: string): Promise<DidHistory> {
  const state = await context.node.store.didState(did);
  if (state === undefined) throw new Error(`${did} is not on the ledger`);
  return state;
}

async function quorumSigned(context: SeedContext, unsigned: Parameters<typeof signOperation>[0]) {
  return signOperation(unsigned, context.keys.institutes.slice(0, REGISTRY_THRESHOLD).map(createSigner));
}

/** The registry's update stating `edition` in its one CityDivisionEdition service, unless it states it already. */
async function stateEdition(context: SeedContext, edition: string): Promise<void> {
  const registry = await history(context, REGISTRY_DID);
  const content = currentContent(registry) ?? {};
  if (divisionEditionOf(content) === edition) return;
  const others = (content.service ?? []).filter((service) => service.type !== DIVISION_EDITION_SERVICE);
  const service = [...others, { id: '#division-table', type: DIVISION_EDITION_SERVICE, serviceEndpoint: { edition } }];
  await context.node.submit(
    await quorumSigned(context, updateOperation(registry, { document: { ...content, service } })),
  );
  context.log(`${REGISTRY_DID} allocates from edition ${edition} of the division table`);
}

/** Jinan's own update listing Laiwu in alsoKnownAs (the successor side of the merger). */
async function listPredecessor(context: SeedContext): Promise<void> {
  const jinan = await history(context, JINAN_DID);
  const content = currentContent(jinan) ?? {};
  if (content.alsoKnownAs?.includes(LAIWU_DID) === true) return;
  const key = loadOrCreateKey(context.layout.cityKey(JINAN.code), 'update-1');
  const document = { ...content, alsoKnownAs: [...(content.alsoKnownAs ?? []), LAIWU_DID] };
  await context.node.submit(await signOperation(updateOperation(jinan, { document }), [createSigner(key)]));
  context.log(`${JINAN_DID} lists ${LAIWU_DID} in alsoKnownAs`);
}

export async function seedDivisionChange(context: SeedContext): Promise<void> {
  const laiwu = await context.node.store.didState(LAIWU_DID);
  if (laiwu?.deactivation !== undefined) return;
  if (laiwu === undefined) {
    await stateEdition(context, laiwuEdition());
    await seedCity(context, LAIWU);
  }
  await stateEdition(context, latestDivisionEdition());
  await seedCity(context, JINAN);
  await listPredecessor(context);
  const deactivate = deactivateOperation(await history(context, LAIWU_DID), { successor: JINAN_DID });
  await context.node.submit(await quorumSigned(context, deactivate));
  const retiredIn = lookupDivision(LAIWU.code)?.retired;
  context.log(
    `${LAIWU_DID} (Laiwu) deactivated by the registry quorum: merged into ${JINAN_DID} (Jinan), retired in edition ${retiredIn}`,
  );
}
