/**
 * How the Universal Resolver (decentralized-identity/universal-resolver, main branch as of 2026-08) reads a
 * driver: its parsing rules restated in TypeScript, so that a test can put our driver's real HTTP answers through
 * them. Nothing here is the Universal Resolver's code; each function names the Java file and lines whose rule it
 * follows (paths relative to that repository):
 *
 * - HttpDriver  = driver-http/src/main/java/uniresolver/driver/http/HttpDriver.java
 * - ClientUtil  = uni-resolver-core/src/main/java/uniresolver/util/HttpBindingClientUtil.java
 * - ServerUtil  = driver/src/main/java/uniresolver/driver/util/HttpBindingServerUtil.java
 * - Resolution  = uni-resolver-core/src/main/java/uniresolver/ResolutionException.java
 * - Local       = uni-resolver-local/src/main/java/uniresolver/local/LocalUniResolver.java
 * - LocalDeref  = uni-resolver-local/src/main/java/uniresolver/local/LocalUniDereferencer.java
 * - WebServlet  = uni-resolver-web/src/main/java/uniresolver/web/servlet/ResolveServlet.java
 */

/** The driver entry of application.yml, as HttpDriver is configured from it. */
export interface DriverEntry {
  url: string;
  supportsOptions: boolean;
  supportsDereference: boolean;
}

/** What uni-resolver-web finally answers its client. */
export interface WebAnswer {
  status: number;
  /** The error type the web servlet reports (a bare code such as `NOT_FOUND`), if any. */
  errorType?: string;
  /** resolve: the DID document; dereference: the content as the web body carries it (object, text or base64). */
  content: unknown;
  metadata: Record<string, unknown>;
  /** Dereferencing only: the driver's content was unusable and the DID was resolved instead (its content lost). */
  fellBack?: boolean;
}

const RESOLUTION = 'application/did-resolution';
const DEREFERENCING = 'application/did-url-dereferencing';
/** Representations.DEFAULT_MEDIA_TYPE of did-common-java, which ClientUtil falls back to. */
const DEFAULT_DOCUMENT_TYPE = 'application/did';

/** java.net.URLEncoder.encode(…, UTF_8): like encodeURIComponent, but `~!'()` escaped and a space as `+`. */
function urlEncoderEncode(text: string): string {
  return encodeURIComponent(text)
    .replace(/[~!'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll('%20', '+');
}

/** ClientUtil lines 194-229: options minus `accept` and `_…`, as a form when all are strings, else one JSON object. */
function queryFor(options: Record<string, unknown>): string | undefined {
  const entries = Object.entries(options).filter(([name]) => name !== 'accept' && !name.startsWith('_'));
  if (entries.length === 0) return undefined;
  if (entries.every(([, value]) => typeof value === 'string')) {
    return entries.map(([name, value]) => `${urlEncoderEncode(name)}=${urlEncoderEncode(value as string)}`).join('&');
  }
  return urlEncoderEncode(JSON.stringify(Object.fromEntries(entries)));
}

/** HttpDriver lines 100-119 (resolve) and 235-254 (dereference): the request URL. */
export function requestUrl(entry: DriverEntry, identifier: string, options: Record<string, unknown>): string {
  if (entry.url.includes('$1')) return entry.url.replace('$1', identifier);
  if (entry.url.includes('$2')) return entry.url.replace('$2', urlEncoderEncode(identifier));
  const base = entry.url.endsWith('/') ? entry.url : `${entry.url}/`;
  const query = entry.supportsOptions ? queryFor(options) : undefined;
  return query === undefined ? `${base}${identifier}` : `${base}${urlEncoderEncode(identifier)}?${query}`;
}

/** Resolution lines 123-130: a known code matched ignoring case and `_`, anything else kept as it is. */
function determineErrorType(type: unknown): string {
  const known = [
    'INVALID_DID',
    'INVALID_DID_URL',
    'INVALID_DID_DOCUMENT',
    'INVALID_OPTIONS',
    'NOT_FOUND',
    'METHOD_NOT_SUPPORTED',
    'REPRESENTATION_NOT_SUPPORTED',
    'INTERNAL_ERROR',
  ];
  if (typeof type !== 'string') return 'INTERNAL_ERROR';
  return (
    known.find(
      (code) =>
        code.toLowerCase() === type.toLowerCase() || code.replaceAll('_', '').toLowerCase() === type.toLowerCase(),
    ) ?? type
  );
}

/** ServerUtil lines 40-59: the web status of a result. */
function webStatus(errorType: string | undefined, contentMetadata: Record<string, unknown>): number {
  if (errorType === 'NOT_FOUND') return 404;
  if (errorType === 'INVALID_DID' || errorType === 'INVALID_DID_URL' || errorType === 'INVALID_OPTIONS') return 400;
  if (errorType === 'REPRESENTATION_NOT_SUPPORTED') return 406;
  if (errorType === 'METHOD_NOT_SUPPORTED') return 501;
  if (errorType !== undefined) return 500;
  return contentMetadata['deactivated'] === true ? 410 : 200;
}

function failure(errorType: string, metadata: Record<string, unknown> = {}): WebAnswer {
  return { status: webStatus(errorType, {}), errorType, content: null, metadata };
}

/** HttpDriver lines 168-178 and 303-313: a body that is no result, by status alone; anything but 404 and 406 is 500. */
function unparsedFailure(status: number): WebAnswer {
  if (status === 404) return failure('NOT_FOUND');
  return failure(status === 406 ? 'REPRESENTATION_NOT_SUPPORTED' : 'INTERNAL_ERROR');
}

function mimeOf(contentType: string | null): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase();
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const hasAny = (json: Record<string, unknown> | undefined, keys: string[]) =>
  json !== undefined && keys.some((key) => key in json);

/** ClientUtil lines 351-365: a string error becomes `{type, title}` with `errorMessage`/`message` as detail. */
function errorTypeOf(metadata: Record<string, unknown>): string | undefined {
  const error = metadata['error'];
  if (error === undefined) return undefined;
  if (typeof error === 'string') return determineErrorType(error);
  // Result lines 65-71 read `type` of the error object; Resolution lines 40-46 keep it through determineErrorType.
  return determineErrorType((error as Record<string, unknown>)['type']);
}

async function get(url: string, accept: string): Promise<{ status: number; contentType: string | null; text: string }> {
  // Apache HttpClient 5 follows redirects by default; the driver must not send one the UR would follow blindly.
  const res = await fetch(url, { headers: { accept }, redirect: 'manual' });
  return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
}

/**
 * uni-resolver-web resolving a DID through the driver: HttpDriver.resolve (lines 121-187), then Local lines
 * 106-125 (no document: NOT_FOUND) and the web status (ServerUtil lines 40-59).
 */
export async function urResolve(
  entry: DriverEntry,
  did: string,
  options: Record<string, unknown> = {},
): Promise<WebAnswer> {
  const accept = typeof options['accept'] === 'string' ? options['accept'] : '';
  const res = await get(requestUrl(entry, did, options), accept === '' ? RESOLUTION : `${RESOLUTION},${accept}`);
  const json = jsonObject(res.text);
  const parsed =
    mimeOf(res.contentType) === RESOLUTION ||
    hasAny(json, ['didResolutionMetadata', 'didDocumentMetadata', 'didDocument', 'didDocumentStream']);
  if (!parsed) {
    if (res.status !== 200) return unparsedFailure(res.status);
    // ClientUtil lines 143-165: the body is the document itself.
    return { status: 200, content: json ?? null, metadata: {} };
  }
  const metadata = { ...((json?.['didResolutionMetadata'] as object) ?? {}) } as Record<string, unknown>;
  const errorType = errorTypeOf(metadata);
  if (errorType !== undefined) return failure(errorType, metadata);
  const document = json?.['didDocument'] ?? json?.['didDocumentStream'] ?? null;
  // ResolveResult lines 102-104: complete only with a content type (always set, ClientUtil line 77) and a document.
  if (document === null || typeof document !== 'object') return failure('NOT_FOUND', metadata);
  const documentMetadata = (json?.['didDocumentMetadata'] ?? {}) as Record<string, unknown>;
  return { status: webStatus(undefined, documentMetadata), content: document, metadata: documentMetadata };
}

/**
 * ClientUtil lines 106-123: object content is kept (as JSON bytes), string content is base64-decoded when it
 * decodes, else kept as UTF-8; anything else (an array) is dropped.
 */
function contentBytes(content: unknown): Buffer | null {
  if (typeof content === 'object' && content !== null && !Array.isArray(content))
    return Buffer.from(JSON.stringify(content));
  if (typeof content !== 'string') return null;
  if (content === '') return Buffer.alloc(0);
  // java.util.Base64.getDecoder() refuses anything outside the alphabet and bad padding.
  return /^[A-Za-z0-9+/]*={0,2}$/.test(content) && content.length % 4 === 0
    ? Buffer.from(content, 'base64')
    : Buffer.from(content, 'utf8');
}

/** ServerUtil lines 65-99 and 161-169: the content as the web body writes it (JSON, text, else base64). */
function webContent(bytes: Buffer, contentType: string): unknown {
  if (bytes.length === 0) return null;
  const isJsonType =
    contentType === DEFAULT_DOCUMENT_TYPE || contentType.includes('+json') || contentType.includes('/json');
  if (isJsonType && (bytes[0] === 0x7b || bytes[0] === 0x5b)) return JSON.parse(bytes.toString('utf8'));
  if (contentType.startsWith('text/')) return bytes.toString('utf8');
  return bytes.toString('base64');
}

/**
 * uni-resolver-web dereferencing a DID URL through the driver: WebServlet lines 99-107 (the client's Accept becomes
 * the `accept` option: `*` for the result types), LocalDeref lines 94-126 (the fragment stays with the
 * Universal Resolver), HttpDriver.dereference lines 258-322, ClientUtil lines 93-141 and 306-318.
 */
export async function urDereference(entry: DriverEntry, didUrl: string, clientAccept: string): Promise<WebAnswer> {
  const first = clientAccept.split(',')[0]!.trim();
  const accept = first === RESOLUTION || first === DEREFERENCING ? '*/*' : first;
  const withoutFragment = didUrl.split('#')[0]!;
  const res = await get(requestUrl(entry, withoutFragment, {}), `${DEREFERENCING},${accept}`);
  const json = jsonObject(res.text);
  const parsed =
    mimeOf(res.contentType) === DEREFERENCING ||
    hasAny(json, ['dereferencingMetadata', 'contentMetadata', 'content', 'contentStream']);
  if (!parsed) {
    if (res.status !== 200) return unparsedFailure(res.status);
    // ClientUtil lines 167-188 and 341-349: the body is the content, typed by the HTTP Content-Type.
    const type = mimeOf(res.contentType) ?? 'application/octet-stream';
    return { status: 200, content: webContent(Buffer.from(res.text), type), metadata: {} };
  }
  const metadata = { ...((json?.['dereferencingMetadata'] as object) ?? {}) } as Record<string, unknown>;
  const errorType = errorTypeOf(metadata);
  if (errorType !== undefined) return failure(errorType, metadata);
  const bytes = contentBytes(json?.['content'] ?? json?.['contentStream'] ?? null);
  const declared = metadata['contentType'];
  const contentType = typeof declared === 'string' && declared !== DEREFERENCING ? declared : DEFAULT_DOCUMENT_TYPE;
  const contentMetadata = (json?.['contentMetadata'] ?? {}) as Record<string, unknown>;
  // DereferenceResult lines 103-105: without content LocalDeref lines 131-163 resolve the DID instead, and its
  // DIDDocumentExtension (dereferencePrimary) makes the whole document the content: what the driver sent is lost.
  if (bytes === null) {
    const resolved = await urResolve(entry, withoutFragment.split(/[/?]/)[0]!);
    return { ...resolved, fellBack: true };
  }
  return {
    status: webStatus(undefined, contentMetadata),
    content: webContent(bytes, contentType),
    metadata: contentMetadata,
  };
}
