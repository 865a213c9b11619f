/**
 * Content negotiation for the driver: the HTTP `Accept` header (RFC 9110 §12.5.1, with lists and q-values) picks
 * one of the representations of docs/conformance.md. uni-resolver-web sends
 * `application/did-resolution,application/did` for a DID and `application/did-url-dereferencing,<type>` for a
 * DID URL, so the first listed of equal q wins.
 */

export const MEDIA = Object.freeze({
  resolution: 'application/did-resolution',
  dereferencing: 'application/did-url-dereferencing',
  did: 'application/did',
  didLdJson: 'application/did+ld+json',
  didJson: 'application/did+json',
  uriList: 'text/uri-list',
});

/** The media type of a DID document representation, and whether it keeps `@context`. */
export type DocumentMediaType = typeof MEDIA.did | typeof MEDIA.didLdJson | typeof MEDIA.didJson;

export type Representation =
  | { kind: 'resolution' }
  | { kind: 'dereferencing' }
  | { kind: 'document'; mediaType: DocumentMediaType }
  | { kind: 'uri-list' };

export type RequestKind = 'resolve' | 'dereference';

/** The legacy Universal Resolver media type of a resolution result. */
const RESOLUTION_PROFILE = 'https://w3id.org/did-resolution';

interface MediaRange {
  type: string;
  params: Map<string, string>;
  q: number;
}

/** Splits on `sep` outside double-quoted strings (a profile URI may contain commas or semicolons). */
function splitOutsideQuotes(value: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of value) {
    if (char === '"') quoted = !quoted;
    if (char === sep && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

function parseRange(text: string): MediaRange | undefined {
  const [rawType = '', ...rawParams] = splitOutsideQuotes(text, ';');
  const type = rawType.trim().toLowerCase();
  if (!/^[a-z0-9!#$%&'*+.^_`|~-]+\/[a-z0-9!#$%&'*+.^_`|~-]+$/.test(type)) return undefined;
  const params = new Map<string, string>();
  for (const param of rawParams) {
    const equals = param.indexOf('=');
    if (equals === -1) continue;
    params.set(param.slice(0, equals).trim().toLowerCase(), unquote(param.slice(equals + 1).trim()));
  }
  const q = params.has('q') ? Number(params.get('q')) : 1;
  return { type, params, q: Number.isFinite(q) ? Math.min(Math.max(q, 0), 1) : 0 };
}

/** Media ranges in preference order: highest q first, the header's order among equals; q=0 dropped. */
export function parseAccept(header: string | undefined): MediaRange[] {
  if (header === undefined || header.trim() === '') return [];
  const ranges = splitOutsideQuotes(header, ',')
    .map(parseRange)
    .filter((range): range is MediaRange => range !== undefined && range.q > 0);
  return ranges
    .map((range, order) => ({ range, order }))
    .sort((a, b) => b.range.q - a.range.q || a.order - b.order)
    .map(({ range }) => range);
}

/** The representation a client asking for everything gets: the full result of the function it called. */
function fullResult(kind: RequestKind): Representation {
  return kind === 'resolve' ? { kind: 'resolution' } : { kind: 'dereferencing' };
}

function isResolutionProfile(range: MediaRange): boolean {
  const profile = range.params.get('profile');
  return profile?.split(' ').includes(RESOLUTION_PROFILE) === true;
}

function representationOf(range: MediaRange, kind: RequestKind): Representation | undefined {
  switch (range.type) {
    case '*/*':
    case 'application/*':
      return fullResult(kind);
    case MEDIA.resolution:
      return fullResult(kind);
    case 'application/ld+json':
      return isResolutionProfile(range) ? fullResult(kind) : { kind: 'document', mediaType: MEDIA.didLdJson };
    case MEDIA.did:
    case MEDIA.didLdJson:
    case MEDIA.didJson:
      return { kind: 'document', mediaType: range.type };
    case 'application/json':
      return { kind: 'document', mediaType: MEDIA.didJson };
    case MEDIA.dereferencing:
      // A DID is a DID URL too: dereferencing it gives the document (DID Resolution §4.2, "no DID path and no
      // DID query"). The Universal Resolver asks this way for a DID URL whose fragment it keeps to itself.
      return { kind: 'dereferencing' };
    case MEDIA.uriList:
      return kind === 'dereference' ? { kind: 'uri-list' } : undefined;
    default:
      return undefined;
  }
}

/** The representation to send from parsed ranges, or `undefined` (406). */
function pick(ranges: MediaRange[], header: string | undefined, kind: RequestKind): Representation | undefined {
  if (ranges.length === 0) return header?.trim() ? undefined : fullResult(kind);
  for (const range of ranges) {
    const representation = representationOf(range, kind);
    if (representation) return representation;
  }
  return undefined;
}

/** The first document type (or, for a DID URL, `text/uri-list`) in parsed ranges. */
function innerOf(ranges: MediaRange[], kind: RequestKind): string | undefined {
  for (const range of ranges) {
    const representation = representationOf(range, kind);
    if (representation?.kind === 'document') return representation.mediaType;
    if (representation?.kind === 'uri-list') return MEDIA.uriList;
  }
  return undefined;
}

/**
 * The representation to send, or `undefined` when nothing acceptable is supported (406). A missing or empty
 * header accepts anything.
 */
export function negotiate(header: string | undefined, kind: RequestKind): Representation | undefined {
  return pick(parseAccept(header), header, kind);
}

/**
 * The representation of the content *inside* a resolution or dereferencing result: the first document type (or,
 * for a DID URL, `text/uri-list`) the header lists after the result type. The Universal Resolver asks this way:
 * `Accept: application/did-url-dereferencing,text/uri-list`.
 */
export function innerMediaType(header: string | undefined, kind: RequestKind): string | undefined {
  return innerOf(parseAccept(header), kind);
}

/** `negotiate` and `innerMediaType` from one parse of the header (every request needs both). */
export function negotiateAccept(
  header: string | undefined,
  kind: RequestKind,
): { representation: Representation | undefined; inner: string | undefined } {
  const ranges = parseAccept(header);
  return { representation: pick(ranges, header, kind), inner: innerOf(ranges, kind) };
}
