/**
 * The desk's side of a bulk rejection (bulk.ts reads and verifies the request): one objection by the signing
 * institute to each pending application matching the filter, all in one transaction with the record that this
 * proof was used, so a crash leaves either every objection and the record or none of them.
 */
import { countryRegistryDid, DidCityError, type DidHistory } from '@did-city/method';
import { MAX_BULK_OBJECTIONS, readBulkRejection } from './bulk.ts';
import type { RegistrationStore } from './store.ts';
import type { Application, Objection } from './types.ts';
import { wholeSeconds } from './views.ts';

export interface BulkOutcome {
  /** Pending applications that matched (at most MAX_BULK_OBJECTIONS). */
  matched: number;
  /** Ids this objection rejected (the threshold of objections reached). */
  rejected: string[];
  /** Ids that now carry this institute's objection and stay pending (not those it had objected to before). */
  objected: string[];
  /** True when more applications matched than one request handles: sign another request. */
  more: boolean;
}

interface Desk {
  registryOf(did: string): Promise<DidHistory>;
  object(id: string, objection: Objection, registry: DidHistory): 'closed' | 'unchanged' | 'objected' | 'rejected';
}

export async function rejectMatching(
  desk: Desk,
  store: RegistrationStore,
  body: unknown,
  now: Date,
  keys?: readonly string[],
): Promise<BulkOutcome> {
  const request = readBulkRejection(body, now);
  if (keys !== undefined && !keys.includes(request.key)) {
    throw new DidCityError(
      'UNAUTHORIZED_OPERATION',
      `bulk rejection: signed by ${request.key}, not by a key of the institute whose token was given`,
    );
  }
  if (store.bulkSeen(request.digest)) {
    throw new DidCityError(
      'STALE_OPERATION',
      'this bulk rejection was already applied; sign a new request to object again',
    );
  }
  const candidates = store.matching({ ...request.filter, status: 'pending' }, MAX_BULK_OBJECTIONS + 1);
  const more = candidates.length > MAX_BULK_OBJECTIONS;
  const registries = await registriesOf(desk, candidates.slice(0, MAX_BULK_OBJECTIONS));
  // Only applications to registries the signer is a current update key of; none at all is a refusal.
  const batch = candidates
    .slice(0, MAX_BULK_OBJECTIONS)
    .filter((a) => isKeyOf(request.key, registries.get(countryRegistryDid(a.did))!));
  if (candidates.length > 0 && batch.length === 0) {
    throw new DidCityError(
      'UNAUTHORIZED_OPERATION',
      `bulk rejection: ${request.key} is not a current update key of the registries of the matching applications`,
    );
  }
  const created = wholeSeconds(now);
  const objection = { key: request.key, reason: request.reason, created };
  const outcome: BulkOutcome = { matched: batch.length, rejected: [], objected: [], more };
  store.transaction(() => {
    for (const application of batch) {
      const done = desk.object(application.id, objection, registries.get(countryRegistryDid(application.did))!);
      if (done === 'objected' || done === 'rejected') outcome[done].push(application.id);
    }
    store.addBulk({
      proofDigest: request.digest,
      key: request.key,
      filter: request.filter,
      reason: request.reason,
      created,
      matched: batch.length,
    });
  });
  return outcome;
}

async function registriesOf(desk: Desk, applications: Application[]): Promise<Map<string, DidHistory>> {
  const registries = new Map<string, DidHistory>();
  for (const { did } of applications) {
    const registry = countryRegistryDid(did);
    if (!registries.has(registry)) registries.set(registry, await desk.registryOf(did));
  }
  return registries;
}

function isKeyOf(key: string, registry: DidHistory): boolean {
  return registry.keyState.updateKeys.includes(key);
}
