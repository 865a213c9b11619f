/**
 * Successor links (spec §2.3, R-SUCC-1): a division merged, renamed or re-coded is deactivated naming its successor,
 * and the successor lists it in `alsoKnownAs`. A resolver reports the link as `canonicalId` / `equivalentId` only
 * when both sides state it, each signed by its own controller (or the registry quorum), so neither side alone can
 * claim another city's identity.
 */
import { isCityDid } from './did.ts';
import type { DIDDocumentMetadata } from './resolution-types.ts';
import type { DIDDocument, DidHistory } from './types.ts';

/** Loads the verified history of another DID; undefined when it has none or it cannot be verified now. */
export type HistoryLoader = (did: string) => Promise<DidHistory | undefined>;

/** At most this many did:city entries of `alsoKnownAs` are followed per resolution (each costs a ledger read). */
export const MAX_PREDECESSORS = 10;

function currentDocument(history: DidHistory | undefined): DIDDocument | undefined {
  if (history === undefined || history.deactivation !== undefined) return undefined;
  return history.versions.at(-1)?.document;
}

function namesAsSuccessor(history: DidHistory | undefined, did: string): boolean {
  return history?.deactivation?.successor === did;
}

async function loadQuietly(load: HistoryLoader, did: string): Promise<DidHistory | undefined> {
  try {
    return await load(did);
  } catch {
    // A link that cannot be verified now is not reported; the resolution of this DID does not fail for it.
    return undefined;
  }
}

/**
 * `canonicalId` and `equivalentId` of a resolution (DID Core §7.1.3): for a DID deactivated naming one successor
 * that lists it in `alsoKnownAs` now, the successor is canonical and equivalent; for a DID whose `document` lists
 * did:city DIDs in `alsoKnownAs` that were deactivated naming it, those are equivalent. A split (several
 * successors) makes no DID equivalent.
 */
export async function successorLinks(
  history: DidHistory,
  document: DIDDocument | undefined,
  load: HistoryLoader,
): Promise<Pick<DIDDocumentMetadata, 'canonicalId' | 'equivalentId'>> {
  const successor = history.deactivation?.successor;
  if (typeof successor === 'string') {
    const next = currentDocument(await loadQuietly(load, successor));
    return next?.alsoKnownAs?.includes(history.did)
      ? { canonicalId: successor, equivalentId: [successor] }
      : { canonicalId: history.did };
  }
  const candidates = (document?.alsoKnownAs ?? [])
    .filter((uri) => uri !== history.did && isCityDid(uri))
    .slice(0, MAX_PREDECESSORS);
  const confirmed: string[] = [];
  for (const candidate of candidates) {
    if (namesAsSuccessor(await loadQuietly(load, candidate), history.did)) confirmed.push(candidate);
  }
  return confirmed.length === 0 ? { canonicalId: history.did } : { canonicalId: history.did, equivalentId: confirmed };
}
