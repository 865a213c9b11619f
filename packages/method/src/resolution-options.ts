/**
 * Validation of DID resolution options and content negotiation of the `accept` option (spec §6.1).
 * Checks throw DidCityError in the spec's precedence: feature not supported → invalid options →
 * representation not supported; the caller has checked the DID before.
 */
import { DidCityError } from './errors.ts';
import type { DIDResolutionOptions } from './resolution-types.ts';

/** How a DID document is serialised: with `@context` (JSON-LD) or without it (plain JSON). */
export interface Representation {
  contentType: string;
  withContext: boolean;
}

const DID = { contentType: 'application/did', withContext: true } as const;
const DID_LD_JSON = { contentType: 'application/did+ld+json', withContext: true } as const;
const DID_JSON = { contentType: 'application/did+json', withContext: false } as const;

/** Media types a client may ask for, mapped to what is returned (docs/conformance.md §1.2). */
export const DOCUMENT_REPRESENTATIONS: Readonly<Record<string, Representation>> = Object.freeze({
  'application/did': DID,
  'application/did+ld+json': DID_LD_JSON,
  'application/ld+json': DID_LD_JSON,
  'application/did+json': DID_JSON,
  'application/json': DID_JSON,
});

export const DEFAULT_REPRESENTATION: Representation = DID;

/**
 * Ranges that ask for "whatever the default is": wildcards, and the resolution-result media types a driver
 * (uni-resolver-web sends `application/did-resolution,application/did`) wraps around the document.
 */
const DEFAULT_RANGES = new Set([
  '*/*',
  'application/*',
  'application/did-resolution',
  'application/did-url-dereferencing',
]);
const RESOLUTION_PROFILE = 'https://w3id.org/did-resolution';

interface MediaRange {
  type: string;
  q: number;
  profile?: string;
}

function parseRange(text: string): MediaRange {
  const [type = '', ...params] = text.split(';').map((part) => part.trim());
  const range: MediaRange = { type: type.toLowerCase(), q: 1 };
  for (const param of params) {
    const [name = '', value = ''] = param.split('=').map((part) => part.trim());
    if (name.toLowerCase() === 'q') range.q = Number(value);
    if (name.toLowerCase() === 'profile') range.profile = value.replace(/^"|"$/g, '');
  }
  return range;
}

function isDefaultRange(range: MediaRange): boolean {
  if (DEFAULT_RANGES.has(range.type)) return true;
  return range.type === 'application/ld+json' && range.profile?.split(' ').includes(RESOLUTION_PROFILE) === true;
}

/**
 * Picks the first acceptable media type of an HTTP Accept value (RFC 9110 §12.5.1) by descending q, in order for
 * equal q. Returns `'default'` for a wildcard or a resolution-result type, undefined if nothing is acceptable.
 */
export function negotiate(accept: string, supported: ReadonlySet<string>): string | 'default' | undefined {
  const ranges = accept
    .split(',')
    .map(parseRange)
    .filter((range) => range.type !== '' && Number.isFinite(range.q) && range.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const range of ranges) {
    if (isDefaultRange(range)) return 'default';
    if (supported.has(range.type)) return range.type;
  }
  return undefined;
}

const DOCUMENT_TYPES: ReadonlySet<string> = new Set(Object.keys(DOCUMENT_REPRESENTATIONS));

/** The document representation an `accept` value asks for; throws REPRESENTATION_NOT_SUPPORTED. */
export function documentRepresentation(accept: string | undefined): Representation {
  if (accept === undefined || accept.trim() === '') return DEFAULT_REPRESENTATION;
  const chosen = negotiate(accept, DOCUMENT_TYPES);
  if (chosen === undefined) {
    throw new DidCityError(
      'REPRESENTATION_NOT_SUPPORTED',
      `No supported representation in accept "${accept}"; supported: ${[...DOCUMENT_TYPES].join(', ')}`,
    );
  }
  return chosen === 'default' ? DEFAULT_REPRESENTATION : DOCUMENT_REPRESENTATIONS[chosen]!;
}

/**
 * xsd:dateTime with a mandatory time zone (DID Resolution §3.1 refers to the VC Data Model's datetime, which
 * requires one: a time without a zone names no instant).
 */
const XML_DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/;

/** Milliseconds since the epoch of an XML datetime, or undefined if it is not one (incl. 2026-02-30). */
export function parseXmlDatetime(value: string): number | undefined {
  const match = XML_DATETIME.exec(value);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const zoneHour = Number(match[9] ?? 0);
  const zoneMinute = Number(match[10] ?? 0);
  if (hour > 23 || minute > 59 || second > 59 || zoneHour > 14 || zoneMinute > 59) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

/** A datetime as DID Resolution wants it in metadata: UTC, no fractional seconds. */
export function toUtcSeconds(datetime: string): string {
  return new Date(Date.parse(datetime)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The validated options of one resolution. */
export interface ResolutionRequest {
  representation: Representation;
  versionId?: string;
  /** Milliseconds since the epoch. */
  versionTime?: number;
  noCache: boolean;
}

function invalidOptions(detail: string): never {
  throw new DidCityError('INVALID_OPTIONS', detail);
}

/** Reads a boolean flag given as a boolean or "true"/"false"; undefined when absent. */
function readFlag(options: DIDResolutionOptions, name: string): boolean | undefined {
  const value = options[name];
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  return invalidOptions(`Option ${name} must be true or false (boolean or string), got ${JSON.stringify(value)}`);
}

function readString(options: DIDResolutionOptions, name: string): string | undefined {
  const value = options[name];
  if (value === undefined || typeof value === 'string') return value;
  // A version number from JavaScript is the obvious intent; anything else is a caller bug.
  if (name === 'versionId' && Number.isSafeInteger(value)) return String(value);
  return invalidOptions(`Option ${name} must be a string, got ${typeof value}`);
}

function requestsNoCache(options: DIDResolutionOptions): boolean {
  return options.noCache === true || options.noCache === 'true';
}

/**
 * Validates the options. `versionId` is not checked for form: DID Resolution lets a method choose its version
 * ids ("sequential, or a UUID, or method-specific"), so a well-formed option that names no did:city version
 * (`abc`, `01`) is a version that does not exist, NOT_FOUND, not INVALID_OPTIONS.
 */
export function readResolutionOptions(
  input: DIDResolutionOptions | undefined,
  policy: { refuseNoCache?: boolean } = {},
): ResolutionRequest {
  const options: DIDResolutionOptions = input ?? {};
  if (typeof options !== 'object' || Array.isArray(options)) invalidOptions('Resolution options must be an object');
  if (policy.refuseNoCache === true && requestsNoCache(options)) {
    throw new DidCityError('FEATURE_NOT_SUPPORTED', 'This resolver does not allow noCache resolutions');
  }
  const noCache = readFlag(options, 'noCache') ?? false;
  readFlag(options, 'expandRelativeUrls');
  const versionId = readString(options, 'versionId');
  const versionTimeText = readString(options, 'versionTime');
  const accept = readString(options, 'accept');
  if (versionId !== undefined && versionTimeText !== undefined) {
    invalidOptions('versionId and versionTime cannot be used together');
  }
  const request: ResolutionRequest = { representation: DEFAULT_REPRESENTATION, noCache };
  if (versionId !== undefined) request.versionId = versionId;
  if (versionTimeText !== undefined) {
    const versionTime = parseXmlDatetime(versionTimeText);
    if (versionTime === undefined) {
      invalidOptions(
        `versionTime "${versionTimeText}" is not an XML datetime with a time zone (e.g. 2026-11-21T08:00:00Z)`,
      );
    }
    request.versionTime = versionTime;
  }
  request.representation = documentRepresentation(accept);
  return request;
}
