/**
 * Veramo's document shapes → did:city document content (spec §3.2). Only the members an operation may carry are
 * taken; the ledger's validator (the same one resolvers run) judges the result, so nothing is checked twice here.
 */
import {
  type DocumentContent,
  relativeId,
  type Service,
  type VerificationMethod,
  VERIFICATION_RELATIONSHIPS,
} from '@did-city/method';
import type { DIDDocument as VeramoDidDocument, IService } from '@veramo/core-types';

/** A Veramo service as a did:city service: a relative id (`#data`), its description kept as an extra member. */
export function toCityService(did: string, service: IService): Service {
  const { id, type, serviceEndpoint, description } = service;
  const city: Service = {
    id: relativeId(did, id),
    type,
    serviceEndpoint: serviceEndpoint as Service['serviceEndpoint'],
  };
  return description === undefined ? city : { ...city, description };
}

function methodOf(did: string, method: Record<string, unknown>): VerificationMethod {
  const { id, type, controller, publicKeyMultibase } = method;
  const result = { id: relativeId(did, String(id)), type, publicKeyMultibase } as VerificationMethod;
  return controller === undefined ? result : { ...result, controller: controller as string };
}

/** The content of a full Veramo document (for `didManagerUpdate`): `id` and `@context` are the resolver's to add. */
export function contentFromVeramoDocument(did: string, document: Partial<VeramoDidDocument>): DocumentContent {
  const source = document as Record<string, unknown>;
  const content: DocumentContent = {};
  if (Array.isArray(source.verificationMethod)) {
    content.verificationMethod = source.verificationMethod.map((m) => methodOf(did, m as Record<string, unknown>));
  }
  for (const relationship of VERIFICATION_RELATIONSHIPS) {
    const refs = source[relationship];
    if (Array.isArray(refs)) content[relationship] = refs.map((ref) => relativeId(did, String(ref)));
  }
  if (Array.isArray(source.service))
    content.service = (source.service as IService[]).map((service) => toCityService(did, service));
  if (Array.isArray(source.alsoKnownAs)) content.alsoKnownAs = source.alsoKnownAs.map(String);
  if (source.controller !== undefined) content.controller = source.controller as string | string[];
  return content;
}
