/**
 * Edits of a DID's document content for the next `update` (spec §3.2, §3.8.3): add or remove a verification
 * method with its relationships, add or remove a service. Every edit returns a new DocumentContent; ids are
 * compared in absolute form, so `#key-1` and `did:city:cn:130100#key-1` name the same method. Writers (the CLI,
 * the Veramo provider) use these so that an edit means the same everywhere; the validator still checks the result.
 *
 * @example
 * const content = addVerificationMethod(currentContent(history), { did, publicKeyMultibase: key, relationships: ['assertionMethod'] });
 * const unsigned = updateOperation(history, { document: content });
 */
import { RELATIONSHIPS } from './document-content.ts';
import { DidCityError } from './errors.ts';
import type { DidHistory, DocumentContent, Service, VerificationMethod } from './types.ts';

/** The verification relationships of DID Core §5.3. */
export const VERIFICATION_RELATIONSHIPS = RELATIONSHIPS;
export type Relationship = (typeof RELATIONSHIPS)[number];

export function isRelationship(value: unknown): value is Relationship {
  return typeof value === 'string' && (RELATIONSHIPS as readonly string[]).includes(value);
}

/** `#x` made absolute against `did`; absolute ids are returned as they are. */
export function absoluteId(did: string, id: string): string {
  return id.startsWith('#') ? `${did}${id}` : id;
}

/** A fragment reference (`#x`) from `x`, `#x` or an absolute id of `did`. */
export function relativeId(did: string, id: string): string {
  if (id.startsWith(`${did}#`)) return id.slice(did.length);
  return id.startsWith('#') ? id : `#${id}`;
}

/** The document content of the latest version (undefined once the DID is deactivated). */
export function currentContent(history: DidHistory): DocumentContent | undefined {
  if (history.deactivation !== undefined) return undefined;
  const latest = history.versions.at(-1);
  if (latest === undefined) return undefined;
  const { '@context': _context, id: _id, ...content } = structuredClone(latest.document);
  return content;
}

/** The first `key-N` fragment no method or service of the content uses. */
export function nextKeyId(did: string, content: DocumentContent): string {
  const taken = new Set(
    [...(content.verificationMethod ?? []), ...(content.service ?? [])].map((e) => absoluteId(did, e.id)),
  );
  let n = 1;
  while (taken.has(`${did}#key-${n}`)) n++;
  return `#key-${n}`;
}

export interface NewVerificationMethod {
  did: string;
  publicKeyMultibase: string;
  /** Default: the next free `#key-N`. */
  id?: string;
  /** Default: authentication and assertionMethod. */
  relationships?: readonly Relationship[];
}

export function addVerificationMethod(content: DocumentContent, input: NewVerificationMethod): DocumentContent {
  const { did, publicKeyMultibase } = input;
  const id = input.id === undefined ? nextKeyId(did, content) : relativeId(did, input.id);
  const methods = content.verificationMethod ?? [];
  if (methods.some((m) => absoluteId(did, m.id) === absoluteId(did, id))) {
    throw new DidCityError('INVALID_OPERATION', `${did} already has a verification method ${id}`);
  }
  if (methods.some((m) => m.publicKeyMultibase === publicKeyMultibase)) {
    throw new DidCityError(
      'INVALID_OPERATION',
      `${did} already has a verification method with key ${publicKeyMultibase}`,
    );
  }
  const next: DocumentContent = {
    ...structuredClone(content),
    verificationMethod: [...methods, { id, type: 'Multikey', publicKeyMultibase }],
  };
  for (const relationship of input.relationships ?? ['authentication', 'assertionMethod']) {
    next[relationship] = [...(next[relationship] ?? []), id];
  }
  return next;
}

/** Removes the method with this id (or this key) and every relationship entry that references it. */
export function removeVerificationMethod(
  content: DocumentContent,
  input: { did: string; id?: string; publicKeyMultibase?: string },
): DocumentContent {
  const { did } = input;
  const matches = (m: VerificationMethod) =>
    (input.id !== undefined && absoluteId(did, m.id) === absoluteId(did, relativeId(did, input.id))) ||
    (input.publicKeyMultibase !== undefined && m.publicKeyMultibase === input.publicKeyMultibase);
  const removed = (content.verificationMethod ?? []).filter(matches).map((m) => absoluteId(did, m.id));
  if (removed.length === 0) {
    throw new DidCityError(
      'INVALID_OPERATION',
      `${did} has no verification method ${input.id ?? input.publicKeyMultibase}`,
    );
  }
  const next = structuredClone(content);
  next.verificationMethod = (content.verificationMethod ?? []).filter((m) => !matches(m));
  for (const relationship of RELATIONSHIPS) {
    const refs = next[relationship];
    if (refs === undefined) continue;
    const kept = refs.filter((ref) => !removed.includes(absoluteId(did, ref)));
    if (kept.length > 0) next[relationship] = kept;
    else delete next[relationship];
  }
  if (next.verificationMethod.length === 0) delete next.verificationMethod;
  return next;
}

export function addService(content: DocumentContent, input: { did: string; service: Service }): DocumentContent {
  const { did } = input;
  const service = { ...structuredClone(input.service), id: relativeId(did, input.service.id) };
  const services = content.service ?? [];
  if (services.some((s) => absoluteId(did, s.id) === absoluteId(did, service.id))) {
    throw new DidCityError('INVALID_OPERATION', `${did} already has a service ${service.id}`);
  }
  return { ...structuredClone(content), service: [...services, service] };
}

export function removeService(content: DocumentContent, input: { did: string; id: string }): DocumentContent {
  const target = absoluteId(input.did, relativeId(input.did, input.id));
  const services = content.service ?? [];
  const kept = services.filter((s) => absoluteId(input.did, s.id) !== target);
  if (kept.length === services.length)
    throw new DidCityError('INVALID_OPERATION', `${input.did} has no service ${input.id}`);
  const next = structuredClone(content);
  if (kept.length > 0) next.service = kept;
  else delete next.service;
  return next;
}
