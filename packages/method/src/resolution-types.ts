/**
 * The inputs and outputs of DID resolution and DID URL dereferencing, named as W3C DID Resolution names them.
 * Field names and optionality follow the spec; the did:city members are in spec/did-city.md §6.3.
 * @see https://www.w3.org/TR/did-resolution/
 */
import type { ProblemDetails } from './errors.ts';
import type { LinkedResourceMetadata } from './resource.ts';
import type { DIDDocument, LedgerHistory, Service, VerificationMethod } from './types.ts';

/**
 * Options of `resolve()`. Values may arrive as strings (a query string, an HTTP driver), hence the unions.
 * Unknown options are ignored (spec §6.1).
 * @see https://www.w3.org/TR/did-resolution/#did-resolution-options
 */
export interface DIDResolutionOptions {
  /** An HTTP `Accept` value (RFC 9110 §12.5.1): one media type or a list with q-values. */
  accept?: string;
  /** The decimal `seq` of a version. */
  versionId?: string;
  /** An XML datetime with a time zone; selects the latest version integrated at or before it. */
  versionTime?: string;
  /** `true` / `"true"` bypasses every cache; `false` / `"false"` is the default. */
  noCache?: boolean | string;
  /** Accepted for interoperability; did:city documents always carry absolute URLs. */
  expandRelativeUrls?: boolean | string;
  [option: string]: unknown;
}

/**
 * @see https://www.w3.org/TR/did-resolution/#did-resolution-metadata
 */
export interface DIDResolutionMetadata {
  contentType?: string;
  error?: ProblemDetails;
  /** The co-signed checkpoint the result was verified against (spec §6.3), when the reader verifies. */
  ledger?: NonNullable<LedgerHistory['ledger']>;
}

/**
 * did:city method metadata (spec §6.3). Members that do not apply are omitted: a country registry has no
 * division; a sub-identifier has no official name or level of its own; production has no network.
 */
export interface CityMetadata {
  /** The official name of the division (GB/T 2260 for `cn`). */
  name?: string;
  divisionCode?: string;
  level?: string;
  country: string;
  /** The parent division's code in the official table (e.g. the province of a prefecture-level city). */
  parent?: string;
  network?: string;
  /** Operation hash of the operation that produced the returned state. */
  operationHash: string;
  /** Leaf index of that operation in the log, as a decimal string (it may exceed 2^32 − 1). */
  leafIndex: string;
}

/**
 * @see https://www.w3.org/TR/did-resolution/#did-document-metadata
 */
export interface DIDDocumentMetadata {
  created?: string;
  updated?: string;
  deactivated?: boolean;
  versionId?: string;
  nextVersionId?: string;
  nextUpdate?: string;
  canonicalId?: string;
  equivalentId?: string[];
  /** The DID that succeeds a deactivated one (or the DIDs it was split into), when its `deactivate` named it (§6.3). */
  successor?: string | string[];
  city?: CityMetadata;
  /** The DID's linked resources (spec §3.9, W3C CCG DID-Linked Resources), when it has any. */
  linkedResourceMetadata?: LinkedResourceMetadata[];
}

/**
 * @see https://www.w3.org/TR/did-resolution/#did-resolution-result
 */
export interface DIDResolutionResult {
  didResolutionMetadata: DIDResolutionMetadata;
  didDocument: DIDDocument | null;
  didDocumentMetadata: DIDDocumentMetadata;
}

/**
 * Options of `dereference()`: the resolution options (passed through to resolution, as the spec requires) plus
 * `verificationRelationship`.
 * @see https://www.w3.org/TR/did-resolution/#did-url-dereferencing-options
 */
export interface DereferencingOptions extends DIDResolutionOptions {
  /** `text/uri-list` asks for service endpoint URLs instead of a (filtered) document. */
  accept?: string;
  /** The relationship the dereferenced verification method must be authorised for, e.g. `assertionMethod`. */
  verificationRelationship?: string;
}

/**
 * @see https://www.w3.org/TR/did-resolution/#did-url-dereferencing-metadata
 */
export interface DIDDereferencingMetadata {
  contentType?: string;
  error?: ProblemDetails;
  ledger?: NonNullable<LedgerHistory['ledger']>;
}

/** What a DID URL dereferences to: a document, one of its methods or services, or endpoint URLs. */
export type DereferencedContent =
  | DIDDocument
  /** A linked resource's bytes (spec §6.8), its metadata, or the metadata of every resource a query matched. */
  | Uint8Array
  | LinkedResourceMetadata
  | { linkedResourceMetadata: LinkedResourceMetadata[] }
  | (VerificationMethod & { '@context'?: string | string[] })
  | (Service & { '@context'?: string | string[] })
  | string[];

/**
 * @see https://www.w3.org/TR/did-resolution/#did-url-content-metadata
 */
export interface DIDContentMetadata extends DIDDocumentMetadata {
  /** Set for a `text/uri-list` result, as the spec's algorithm puts it here too. */
  contentType?: string;
}

/**
 * `content` is the current spec's name; `contentStream` carries the same value for older clients.
 * @see https://www.w3.org/TR/did-resolution/#dereferencing
 */
export interface DIDDereferencingResult {
  dereferencingMetadata: DIDDereferencingMetadata;
  content: DereferencedContent | null;
  contentStream: DereferencedContent | null;
  /** The document's metadata, or for a linked resource's content its LinkedResourceMetadata (spec §6.8). */
  contentMetadata: DIDContentMetadata | LinkedResourceMetadata;
}
