/**
 * DID-Linked Resources through the driver (spec §6.8, docs/conformance.md): a DID URL naming a resource is
 * dereferenced by the library, which verifies the content against the anchored checksum. With
 * `Accept: application/did-url-dereferencing` the reply is the dereferencing result (JSON content inline, text as a
 * string, anything else base64, as the Universal Resolver reads it); otherwise the content itself with its own media
 * type (RFC 9110 negotiation against that type, 406 if the client accepts neither). Resource bytes are served so
 * that a browser never runs them on the driver's origin.
 */
import { type DIDDereferencingResult, type DIDResolutionOptions, isResourceUrl, parseDidUrl } from '@did-city/method';
import { MEDIA, parseAccept } from './accept.ts';
import type { Reply } from './reply.ts';
import { dereferencingReply, type ReplyStyle } from './results.ts';

/** Whether `identifier` (a DID URL as the path gave it) names linked resources. */
export function namesResource(identifier: string): boolean {
  try {
    return isResourceUrl(parseDidUrl(identifier));
  } catch {
    return false;
  }
}

/** Whether the client asked for the dereferencing result rather than the resource itself. */
export function wantsResult(accept: string | undefined): boolean {
  return parseAccept(accept).some((range) => range.type === MEDIA.dereferencing || range.type === MEDIA.resolution);
}

/** The accept option passed to the library: the client's header for the bytes, none for the wrapped result. */
export function resourceOptions(
  options: DIDResolutionOptions,
  accept: string | undefined,
  wrapped: boolean,
): DIDResolutionOptions {
  const { accept: _ignored, ...rest } = options;
  return wrapped || accept === undefined ? rest : { ...rest, accept };
}

function isJsonType(mediaType: string): boolean {
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

/** Bytes inside a JSON result: parsed JSON, UTF-8 text, or base64 (with the encoding named in contentMetadata). */
function inline(content: Uint8Array, mediaType: string): { value: unknown; base64: boolean } {
  const text = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  if (isJsonType(mediaType)) {
    try {
      return { value: JSON.parse(text.toString('utf8')), base64: false };
    } catch {
      // Not JSON after all: base64 below keeps the exact bytes.
    }
  }
  if (mediaType.startsWith('text/')) return { value: text.toString('utf8'), base64: false };
  return { value: text.toString('base64'), base64: true };
}

export function resourceReply(
  result: DIDDereferencingResult,
  wrapped: boolean,
  identifier: string,
  style: ReplyStyle,
): Reply {
  const { content } = result;
  if (!(content instanceof Uint8Array)) return dereferencingReply(result, { kind: 'dereferencing' }, identifier, style);
  const mediaType = result.dereferencingMetadata.contentType ?? 'application/octet-stream';
  if (!wrapped) return { status: 200, contentType: mediaType, raw: content, cacheable: true };
  const { value, base64 } = inline(content, mediaType);
  const contentMetadata = base64 ? { ...result.contentMetadata, contentEncoding: 'base64' } : result.contentMetadata;
  const body = {
    dereferencingMetadata: result.dereferencingMetadata,
    content: value,
    contentStream: value,
    contentMetadata,
  };
  return { status: 200, contentType: MEDIA.dereferencing, body, cacheable: true };
}
