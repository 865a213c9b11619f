/**
 * Reads the DID or DID URL and the resolution options from `/1.0/identifiers/{…}` the way the Universal
 * Resolver's own driver library does (docs/conformance.md §1.1):
 *
 * - `did%3A…` (URL-encoded): decoded once; the query string carries the options, as `versionId=…&versionTime=…`
 *   or as one URL-encoded JSON object.
 * - anything else: the raw path, plus `?query`, *is* the DID or DID URL, not decoded. This is what uni-resolver-web
 *   sends (`/1.0/identifiers/did:city:cn:130100?versionId=1`).
 */
import type { ErrorCode } from '@did-city/method';
import type { RequestKind } from './accept.ts';

export interface IdentifierRequest {
  identifier: string;
  /** `resolve` when the identifier has no `/`, `?` or `#`; `dereference` otherwise. */
  kind: RequestKind;
  options: Record<string, unknown>;
}

export interface IdentifierProblem {
  code: Extract<ErrorCode, 'INVALID_DID' | 'INVALID_DID_URL' | 'INVALID_OPTIONS'>;
  detail: string;
  /** Best guess of what was asked, so that the error names a DID or a DID URL. */
  kind: RequestKind;
}

export type ParsedIdentifierPath = { ok: true; request: IdentifierRequest } | { ok: false; problem: IdentifierProblem };

export const IDENTIFIERS_PREFIX = '/1.0/identifiers/';
/** Longer requests are refused before any decoding (a did:city DID URL is at most 2048 characters). */
export const DEFAULT_MAX_PATH_BYTES = 4096;

const ENCODED_DID = /^did%3a/i;

function kindOf(identifier: string): RequestKind {
  return /[/?#]/.test(identifier) ? 'dereference' : 'resolve';
}

/** Classifies text that could not be decoded: encoded `/ ? #` make it a DID URL. */
function kindOfRaw(raw: string): RequestKind {
  return /[/?#]|%2f|%3f|%23/i.test(raw) ? 'dereference' : 'resolve';
}

function failure(code: IdentifierProblem['code'], detail: string, kind: RequestKind): ParsedIdentifierPath {
  return { ok: false, problem: { code, detail, kind } };
}

function invalidIdentifier(detail: string, kind: RequestKind): ParsedIdentifierPath {
  return failure(kind === 'resolve' ? 'INVALID_DID' : 'INVALID_DID_URL', detail, kind);
}

function decodeOnce(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** `a=1&b=2`, decoded as application/x-www-form-urlencoded; a repeated or undecodable option is an error. */
function parseFormOptions(query: string): Record<string, unknown> | string {
  const entries: Array<[string, string]> = [];
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = decodeOnce((equals === -1 ? pair : pair.slice(0, equals)).replaceAll('+', ' '));
    const value = decodeOnce((equals === -1 ? '' : pair.slice(equals + 1)).replaceAll('+', ' '));
    if (name === undefined || value === undefined) return `option "${pair}" is not valid percent-encoded UTF-8`;
    if (entries.some(([seen]) => seen === name)) return `option "${name}" is given more than once`;
    entries.push([name, value]);
  }
  // fromEntries defines own properties, so an option named "__proto__" cannot touch the prototype.
  return Object.fromEntries(entries);
}

/** One URL-encoded JSON object, e.g. `%7B%22versionId%22%3A%221%22%7D`. */
function parseJsonOptions(query: string): Record<string, unknown> | string {
  const text = decodeOnce(query);
  if (text === undefined) return 'the options are not valid percent-encoded UTF-8';
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  return 'the options are not one JSON object';
}

/** Options from a query string: JSON when it opens like JSON (`{`, or `[` to report an array), else a form. */
export function parseOptions(query: string): Record<string, unknown> | string {
  if (query === '') return {};
  return /^(?:\{|\[|%7b|%5b)/i.test(query) ? parseJsonOptions(query) : parseFormOptions(query);
}

function parseEncoded(path: string, query: string): ParsedIdentifierPath {
  const identifier = decodeOnce(path);
  if (identifier === undefined) {
    return invalidIdentifier(`"${path.slice(0, 80)}" is not valid percent-encoded UTF-8`, kindOfRaw(path));
  }
  const kind = kindOf(identifier);
  const options = parseOptions(query);
  if (typeof options === 'string') return failure('INVALID_OPTIONS', `Invalid resolution options: ${options}`, kind);
  return { ok: true, request: { identifier, kind, options } };
}

/**
 * Parses the part of the request URL after `/1.0/identifiers/` (path and query, still percent-encoded).
 */
export function parseIdentifierPath(rest: string, maxBytes = DEFAULT_MAX_PATH_BYTES): ParsedIdentifierPath {
  const question = rest.indexOf('?');
  const path = question === -1 ? rest : rest.slice(0, question);
  const query = question === -1 ? '' : rest.slice(question + 1);
  const encoded = ENCODED_DID.test(path);
  if (Buffer.byteLength(rest) > maxBytes) {
    // In the encoded form the query is options, so only the path tells a DID from a DID URL.
    return invalidIdentifier(`The request path is longer than ${maxBytes} bytes`, kindOfRaw(encoded ? path : rest));
  }
  if (path === '') return failure('INVALID_DID', 'No DID given after /1.0/identifiers/', 'resolve');
  if (encoded) return parseEncoded(path, query);
  const identifier = question === -1 ? path : rest;
  return { ok: true, request: { identifier, kind: kindOf(identifier), options: {} } };
}
