/**
 * From W3C DID Resolution results to HTTP replies (docs/conformance.md, "Representations" and "Status codes"):
 * which status, which Content-Type, which body. Errors go through `problemReply`, the one place that picks an
 * error's status; `profile` picks the Universal Resolver's reading where it and the W3C binding differ.
 */
import type { DIDDereferencingResult, DIDDocument, DIDResolutionResult, ErrorCode } from '@did-city/method';
import { type DocumentMediaType, MEDIA, type Representation } from './accept.ts';
import {
  classifyError,
  type ErrorStyle,
  errorResult,
  type Profile,
  type ResultShape,
  styledProblem,
} from './problems.ts';
import type { Reply } from './reply.ts';

/** How one request's replies are written. */
export interface ReplyStyle {
  errorStyle: ErrorStyle;
  profile: Profile;
  /** The function the request called: errors are sent as its result. */
  shape: ResultShape;
}

export interface ProblemSource {
  /** A problem details object (or a bare code) as the library or the driver produced it. */
  error: unknown;
  /** Metadata that came with the error (resolution or dereferencing metadata; document or content metadata). */
  process?: object | undefined;
  content?: object | undefined;
}

/** Longest Retry-After passed on (a day): a larger value from the ledger is capped, not echoed. */
const MAX_RETRY_AFTER = 86_400;

/**
 * The problem's `retryAfter` extension member (the library sets it when the ledger answered 429 or 503 with a
 * Retry-After), as whole seconds; undefined when absent or not a non-negative number.
 */
function retryAfterOf(error: unknown): number | undefined {
  const value =
    typeof error === 'object' && error !== null ? (error as Record<string, unknown>)['retryAfter'] : undefined;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
    ? Math.min(Math.ceil(value), MAX_RETRY_AFTER)
    : undefined;
}

/**
 * Every error reply: the called function's result with the problem, status from the library's error table. A
 * failure the ledger says will pass (rate limited, with Retry-After) is 503 Service Unavailable with that
 * Retry-After (RFC 9110 §15.6.4), its code still the table's (INTERNAL_ERROR): the client may try again then.
 */
export function problemReply(source: ProblemSource, style: ReplyStyle): Reply {
  const classified = classifyError(source.error);
  const retryAfter = retryAfterOf(source.error);
  const problem = styledProblem(source.error, classified, style.errorStyle);
  // The problem's status is the answer's (RFC 9457 §3.1.4).
  if (retryAfter !== undefined) Object.assign(problem, { status: 503, retryAfter });
  const body = errorResult(problem, source, style.shape);
  const contentType = style.shape === 'dereferencing' ? MEDIA.dereferencing : MEDIA.resolution;
  if (retryAfter === undefined) return { status: classified.status, contentType, body, cacheable: false };
  return { status: 503, contentType, body, cacheable: false, retryAfter };
}

export function driverProblem(code: ErrorCode, detail: string, style: ReplyStyle): Reply {
  return problemReply({ error: { type: code, detail } }, style);
}

/** The document in a representation: `application/did+json` has no `@context`, the others keep it. */
function documentIn(content: unknown, mediaType: DocumentMediaType): unknown {
  if (mediaType !== MEDIA.didJson || typeof content !== 'object' || content === null || Array.isArray(content)) {
    return content;
  }
  const { '@context': _context, ...rest } = content as Record<string, unknown>;
  return rest;
}

/**
 * The library's `accept` option: the document type or URL list the reply is; for a full result, the `accept`
 * resolution option if one was given, else the type the Accept header lists after the result type.
 */
export function acceptOption(representation: Representation, requested: unknown, inner: string | undefined): unknown {
  if (representation.kind === 'document') return representation.mediaType;
  if (representation.kind === 'uri-list') return MEDIA.uriList;
  return requested ?? inner;
}

const DID_CONTEXT = 'https://www.w3.org/ns/did/v1';

/**
 * The Universal Resolver's `LocalUniResolver` counts a result without a document as incomplete and answers
 * NOT_FOUND; its profile gets a document with the DID and nothing else (no keys, no services), so the
 * deactivation still reaches the client as 410 and no revoked key can be used.
 */
function deactivatedDocument(did: string): DIDDocument {
  return { '@context': [DID_CONTEXT], id: did } as DIDDocument;
}

function deactivatedReply(result: DIDResolutionResult, did: string, style: ReplyStyle): Reply {
  const body = style.profile === 'universal-resolver' ? { ...result, didDocument: deactivatedDocument(did) } : result;
  return { status: 410, contentType: MEDIA.resolution, body, cacheable: true };
}

export function resolutionReply(
  result: DIDResolutionResult,
  representation: Representation,
  did: string,
  style: ReplyStyle,
): Reply {
  const { didResolutionMetadata, didDocument, didDocumentMetadata } = result;
  if (didResolutionMetadata.error !== undefined) {
    return problemReply(
      { error: didResolutionMetadata.error, process: didResolutionMetadata, content: didDocumentMetadata },
      style,
    );
  }
  if (didDocument === null) {
    if (didDocumentMetadata.deactivated === true) return deactivatedReply(result, did, style);
    return driverProblem('INTERNAL_ERROR', 'The resolver returned neither a DID document nor an error', style);
  }
  if (representation.kind === 'document') {
    const body = documentIn(didDocument, representation.mediaType);
    return { status: 200, contentType: representation.mediaType, body, cacheable: true };
  }
  return { status: 200, contentType: MEDIA.resolution, body: result, cacheable: true };
}

/** The URLs of a `text/uri-list` result: an array, or the list's text (RFC 2483: CRLF lines, `#` comments). */
function urlsOf(content: unknown): string[] {
  if (Array.isArray(content)) return content.filter((url): url is string => typeof url === 'string');
  if (typeof content !== 'string') return [];
  return content
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** 303 See Other to the first service endpoint URL (W3C DID Resolution, HTTP(S) binding). */
function redirectReply(result: DIDDereferencingResult, style: ReplyStyle): Reply {
  const [first] = urlsOf(result.content);
  if (first === undefined) return driverProblem('NOT_FOUND', 'The DID URL selects no service endpoint URL', style);
  if (!URL.canParse(first))
    return driverProblem('INVALID_DID_DOCUMENT', 'The service endpoint is not an absolute URL', style);
  const location = new URL(first);
  // A redirect only to http(s): a controller's `javascript:` or `file:` endpoint is returned as content, never as a
  // Location a browser would follow.
  if (location.protocol !== 'http:' && location.protocol !== 'https:') {
    return { status: 200, contentType: MEDIA.dereferencing, body: dereferencingBody(result), cacheable: true };
  }
  return { status: 303, location: location.href, cacheable: true };
}

function dereferencingBody(result: DIDDereferencingResult, content = result.content): DIDDereferencingResult {
  return {
    dereferencingMetadata: result.dereferencingMetadata,
    content,
    // Older clients read `contentStream`; it carries the same value as `content`.
    contentStream: content,
    contentMetadata: result.contentMetadata,
  };
}

/**
 * The Universal Resolver keeps only object or string `content` (an array is dropped): its profile sends a URL
 * list as the `text/uri-list` text (RFC 2483, CRLF-separated), which it passes on as text.
 */
function uriListText(result: DIDDereferencingResult): DIDDereferencingResult {
  return dereferencingBody(result, `${urlsOf(result.content).join('\r\n')}\r\n` as never);
}

function isUriList(result: DIDDereferencingResult): boolean {
  return result.dereferencingMetadata.contentType === MEDIA.uriList;
}

export function dereferencingReply(
  result: DIDDereferencingResult,
  representation: Representation,
  did: string,
  style: ReplyStyle,
): Reply {
  const { dereferencingMetadata, content, contentMetadata } = result;
  if (dereferencingMetadata.error !== undefined) {
    return problemReply(
      { error: dereferencingMetadata.error, process: dereferencingMetadata, content: contentMetadata },
      style,
    );
  }
  if (content === null || content === undefined) {
    if (!('deactivated' in contentMetadata) || contentMetadata.deactivated !== true) {
      return driverProblem('INTERNAL_ERROR', 'The dereferencer returned neither content nor an error', style);
    }
    const deactivated = style.profile === 'universal-resolver' && !/[/?#]/.test(did) ? deactivatedDocument(did) : null;
    return {
      status: 410,
      contentType: MEDIA.dereferencing,
      body: dereferencingBody(result, deactivated),
      cacheable: true,
    };
  }
  if (representation.kind === 'uri-list') return redirectReply(result, style);
  if (representation.kind === 'document') {
    const body = documentIn(content, representation.mediaType);
    return { status: 200, contentType: representation.mediaType, body, cacheable: true };
  }
  // A URL list inside a dereferencing result: the W3C binding answers 303; the Universal Resolver's HttpDriver
  // would follow a redirect to the endpoint itself, so its profile gets the list as text.
  if (isUriList(result)) {
    if (style.profile === 'w3c') return redirectReply(result, style);
    return { status: 200, contentType: MEDIA.dereferencing, body: uriListText(result), cacheable: true };
  }
  return { status: 200, contentType: MEDIA.dereferencing, body: dereferencingBody(result), cacheable: true };
}
