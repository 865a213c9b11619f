/**
 * From the registrar's `didDocument` input (DID Registration §6 "didDocument", "didDocumentOperation") to the
 * document content of a did:city operation (spec §3.2): `@context` and `id` are dropped (the resolver adds both),
 * everything else is kept for the method library's validator to judge. Updates support the three operations the
 * specification defines: `setDidDocument` (the new document), `addToDidDocument` and `removeFromDidDocument` (an
 * incremental change applied to the current document with the method library's document edits).
 */
import {
  absoluteId,
  addService,
  addVerificationMethod,
  type DocumentContent,
  relativeId,
  removeService,
  removeVerificationMethod,
  type Service,
  VERIFICATION_RELATIONSHIPS,
} from '@did-city/method';
import { RegistrarError } from './errors.ts';

export const DOCUMENT_OPERATIONS = ['setDidDocument', 'addToDidDocument', 'removeFromDidDocument'] as const;
export type DocumentOperation = (typeof DOCUMENT_OPERATIONS)[number];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalidDocument(detail: string): never {
  throw new RegistrarError('INVALID_OPERATION', detail);
}

/** The content of a whole document for `did`; its `id`, when present, must be `did`. */
export function contentOf(did: string, document: unknown, where: string): DocumentContent {
  if (!isRecord(document)) invalidDocument(`${where} must be a DID document (a JSON object)`);
  const { '@context': _context, id, ...content } = document;
  if (id !== undefined && id !== did)
    invalidDocument(`${where}.id is ${JSON.stringify(String(id).slice(0, 100))}, not ${did}`);
  return content as DocumentContent;
}

function arrayOf(value: unknown, where: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) invalidDocument(`${where} must be an array`);
  return value;
}

function idOf(entry: unknown, where: string): string {
  const id = isRecord(entry) ? entry.id : entry;
  if (typeof id !== 'string' || id === '') invalidDocument(`${where} needs an id`);
  return id;
}

function added(did: string, current: DocumentContent, change: DocumentContent): DocumentContent {
  let next = current;
  for (const [index, method] of arrayOf(change.verificationMethod, 'verificationMethod').entries()) {
    const where = `didDocument.verificationMethod[${index}]`;
    const key = isRecord(method) ? method.publicKeyMultibase : undefined;
    if (typeof key !== 'string') invalidDocument(`${where} needs publicKeyMultibase (a Multikey)`);
    next = addVerificationMethod(next, { did, publicKeyMultibase: key, id: idOf(method, where), relationships: [] });
  }
  for (const relationship of VERIFICATION_RELATIONSHIPS) {
    const refs = arrayOf(change[relationship], relationship).map((ref, i) =>
      relativeId(did, idOf(ref, `${relationship}[${i}]`)),
    );
    if (refs.length > 0) next = { ...next, [relationship]: [...(next[relationship] ?? []), ...refs] };
  }
  for (const service of arrayOf(change.service, 'service'))
    next = addService(next, { did, service: service as Service });
  const aliases = arrayOf(change.alsoKnownAs, 'alsoKnownAs') as string[];
  if (aliases.length > 0) next = { ...next, alsoKnownAs: [...(next.alsoKnownAs ?? []), ...aliases] };
  if (change.controller !== undefined) next = { ...next, controller: change.controller };
  return next;
}

function removed(did: string, current: DocumentContent, change: DocumentContent): DocumentContent {
  let next = current;
  for (const [index, method] of arrayOf(change.verificationMethod, 'verificationMethod').entries()) {
    next = removeVerificationMethod(next, { did, id: idOf(method, `didDocument.verificationMethod[${index}]`) });
  }
  for (const [index, service] of arrayOf(change.service, 'service').entries()) {
    next = removeService(next, { did, id: idOf(service, `didDocument.service[${index}]`) });
  }
  for (const relationship of VERIFICATION_RELATIONSHIPS) {
    const gone = arrayOf(change[relationship], relationship).map((ref, i) =>
      absoluteId(did, relativeId(did, idOf(ref, `${relationship}[${i}]`))),
    );
    if (gone.length === 0) continue;
    const kept = (next[relationship] ?? []).filter((ref) => !gone.includes(absoluteId(did, ref)));
    next = { ...next, [relationship]: kept };
    if (kept.length === 0) delete next[relationship];
  }
  const aliases = arrayOf(change.alsoKnownAs, 'alsoKnownAs');
  if (aliases.length > 0) {
    const kept = (next.alsoKnownAs ?? []).filter((alias) => !aliases.includes(alias));
    next = { ...next, alsoKnownAs: kept };
    if (kept.length === 0) delete next.alsoKnownAs;
  }
  if (change.controller !== undefined) {
    next = { ...next };
    delete next.controller;
  }
  return next;
}

/** Applies each `didDocumentOperation[i]` with `didDocument[i]`, in order, to the current content. */
export function editedContent(
  did: string,
  current: DocumentContent,
  operations: DocumentOperation[],
  documents: unknown[],
): DocumentContent {
  let content = current;
  operations.forEach((operation, index) => {
    const change = contentOf(did, documents[index], `didDocument[${index}]`);
    if (operation === 'setDidDocument') content = change;
    else if (operation === 'addToDidDocument') content = added(did, content, change);
    else content = removed(did, content, change);
  });
  return content;
}
