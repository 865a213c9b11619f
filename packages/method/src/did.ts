/**
 * did:city DID syntax (spec/did-city.md §1). Only the canonical form is accepted: nothing is normalised, every
 * rejection says which segment is wrong and why.
 */
import { lookupDivision } from './divisions.ts';
import { DidCityError } from './errors.ts';
import { LruCache } from './lru-cache.ts';
import type { CityDid } from './types.ts';

export const MAX_DID_LENGTH = 256;
export const MAX_SUB_IDS = 4;

/** W3C DID Core §3.1: `did:` method-name `:` method-specific-id. */
const DID_CORE = /^did:([a-z0-9]+):((?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})*(?::(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})*)*)$/;
const COUNTRY = /^[a-z]{2}$/;
const NETWORK = /^[a-z][a-z0-9]{2,15}$/;
const DIVISION = /^[0-9]{6}$/;
const SUB_ID = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const PRODUCTION = 'prod';

function invalid(did: string, reason: string): never {
  throw new DidCityError('INVALID_DID', `Invalid DID "${did}": ${reason}`);
}

/** Checks DID Core syntax and the method; returns the method-specific id. */
function cityMethodSpecificId(did: string): string {
  const match = DID_CORE.exec(did);
  const msid = match?.[2];
  if (match === null || msid === undefined || msid === '' || msid.endsWith(':')) {
    return invalid(did, 'not a DID (W3C DID Core: "did:" method-name ":" method-specific-id)');
  }
  if (match[1] !== 'city') {
    throw new DidCityError(
      'METHOD_NOT_SUPPORTED',
      `DID method "${match[1]}" is not supported; this resolver handles did:city`,
    );
  }
  return msid;
}

function checkCharacters(did: string, segments: string[]): void {
  if (did.length > MAX_DID_LENGTH) invalid(did, `longer than ${MAX_DID_LENGTH} characters (${did.length})`);
  segments.forEach((segment, index) => {
    const name = `segment ${index + 1} of the method-specific id`;
    if (segment === '') invalid(did, `${name} is empty`);
    if (segment.includes('%'))
      invalid(did, `${name} ("${segment}") is percent-encoded; did:city ids never contain "%"`);
    if (/[A-Z]/.test(segment)) invalid(did, `${name} ("${segment}") has upper case; the canonical form is lower case`);
  });
}

/** Splits off the optional network segment (2 letters = country, 3 to 16 = network). */
function splitNetwork(did: string, segments: string[]): { network?: string; rest: string[] } {
  const [first = '', ...rest] = segments;
  if (COUNTRY.test(first)) return { rest: segments };
  if (!NETWORK.test(first)) {
    return invalid(
      did,
      `"${first}" is neither a country code (2 letters, ISO 3166-1 alpha-2) nor a network name (3 to 16 lower-case letters and digits, starting with a letter)`,
    );
  }
  if (first === PRODUCTION)
    invalid(did, `"${PRODUCTION}" must not be written as a network; production DIDs have no network segment`);
  if (rest[0] === undefined || !COUNTRY.test(rest[0])) {
    invalid(did, `network "${first}" must be followed by a 2-letter country code, got ${describe(rest[0])}`);
  }
  return { network: first, rest };
}

function describe(segment: string | undefined): string {
  return segment === undefined ? 'nothing' : `"${segment}"`;
}

function checkDivision(did: string, country: string, division: string): void {
  if (!DIVISION.test(division)) invalid(did, `division "${division}" must be exactly 6 digits`);
  if (country === 'cn' && lookupDivision(division) === undefined) {
    invalid(did, `division "${division}" is not a code in the bundled GB/T 2260 table`);
  }
}

function subIdProblem(subId: string): string {
  if (subId.length > 63) return `is ${subId.length} characters long (at most 63)`;
  if (subId.startsWith('-') || subId.endsWith('-')) return 'starts or ends with "-"';
  return 'contains a character other than a-z, 0-9 and "-"';
}

function checkSubIds(did: string, subIds: string[]): void {
  if (subIds.length > MAX_SUB_IDS) invalid(did, `${subIds.length} sub-identifiers (at most ${MAX_SUB_IDS})`);
  for (const subId of subIds) {
    if (!SUB_ID.test(subId)) invalid(did, `sub-identifier "${subId}" is not an LDH label: it ${subIdProblem(subId)}`);
  }
}

/** Parses a did:city DID in canonical form; throws DidCityError INVALID_DID or METHOD_NOT_SUPPORTED. */
export function parseDid(did: string): CityDid {
  if (typeof did !== 'string') throw new DidCityError('INVALID_DID', `A DID must be a string, got ${typeof did}`);
  const segments = cityMethodSpecificId(did).split(':');
  checkCharacters(did, segments);
  const { network, rest } = splitNetwork(did, segments);
  const [country = '', division, ...subIds] = rest;
  if (division !== undefined) checkDivision(did, country, division);
  checkSubIds(did, subIds);
  const parsed: CityDid = { did, country, subIds };
  if (network !== undefined) parsed.network = network;
  if (division !== undefined) parsed.division = division;
  return parsed;
}

/**
 * DIDs that parsed: validity depends on the string and the bundled division table only, and every operation's `did`
 * is checked (the same few DIDs over and over on a resolver). Only valid DIDs are kept.
 */
const validDids = new LruCache<string, true>(1024);

/** True for a string that is a canonical did:city DID; never throws. */
export function isCityDid(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  if (validDids.get(value) === true) return true;
  try {
    parseDid(value);
  } catch {
    return false;
  }
  validDids.set(value, true);
  return true;
}

/** Builds the DID of its parts, validating the result (throws DidCityError INVALID_DID). */
export function formatDid(parts: Omit<CityDid, 'did'>): string {
  const segments = ['did', 'city'];
  if (parts.network !== undefined) segments.push(parts.network);
  segments.push(parts.country);
  if (parts.division !== undefined) segments.push(parts.division);
  else if (parts.subIds.length > 0) {
    throw new DidCityError('INVALID_DID', 'Sub-identifiers need a division: a country registry DID has none');
  }
  segments.push(...parts.subIds);
  return parseDid(segments.join(':')).did;
}

/** The DID that authorises this one (spec §1.3); undefined for a country registry DID. */
export function parentDid(did: string): string | undefined {
  const { network, country, division, subIds } = parseDid(did);
  if (division === undefined) return undefined;
  if (subIds.length === 0) return formatDid({ network, country, subIds: [] });
  return formatDid({ network, country, division, subIds: subIds.slice(0, -1) });
}

/** The country registry DID (`did:city[:net]:cc`) a DID belongs to. */
export function countryRegistryDid(did: string): string {
  const { network, country } = parseDid(did);
  return formatDid({ network, country, subIds: [] });
}
