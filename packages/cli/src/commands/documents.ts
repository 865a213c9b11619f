/**
 * Document content the CLI writes when it creates or recovers a DID: one key, `#key-1`, for authentication and
 * credentials; a recovery keeps the services and `alsoKnownAs` and replaces every verification method.
 */
import { addVerificationMethod, type DocumentContent } from '@did-city/method';

export function singleKeyDocument(
  did: string,
  publicKeyMultibase: string,
  base: DocumentContent = {},
): DocumentContent {
  return addVerificationMethod(base, { did, publicKeyMultibase, id: '#key-1' });
}

/** The parts of a document that are not about keys. */
export function withoutKeys(content: DocumentContent): DocumentContent {
  const kept: DocumentContent = {};
  if (content.service !== undefined) kept.service = content.service;
  if (content.alsoKnownAs !== undefined) kept.alsoKnownAs = content.alsoKnownAs;
  if (content.controller !== undefined) kept.controller = content.controller;
  return kept;
}
