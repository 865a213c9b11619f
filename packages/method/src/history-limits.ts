/**
 * Bounds on one DID's history (spec §9.7, R-LIM-1, R-LIM-2): how many operations it may have and how many bytes
 * its log entries may take together. Every resolution replays a DID's whole history and every ledger node keeps it,
 * so an unbounded history is a denial of service on both. A country registry may set other bounds for its network
 * in a `CityHistoryLimits` service, within the ceilings below; a ledger node refuses an operation that would take a
 * DID past the bounds in force with HISTORY_TOO_LARGE.
 */
import { parentDid } from './did.ts';
import { DidCityError } from './errors.ts';
import type { Service } from './types.ts';

export interface HistoryLimits {
  /** Operations of one DID, its create included. */
  maxOperations: number;
  /** Bytes of one DID's log entries together (each leaf: JCS of {integratedTime, operation}). */
  maxBytes: number;
}

/** The bounds when the registry sets none: room for about a thousand ordinary updates. */
export const DEFAULT_HISTORY_LIMITS: Readonly<HistoryLimits> = Object.freeze({
  maxOperations: 1000,
  maxBytes: 4 * 1024 * 1024,
});

/** What a registry may raise them to: a history past these would not fit a resolver's 16 MiB answer bound. */
export const HISTORY_LIMIT_CEILINGS: Readonly<HistoryLimits> = Object.freeze({
  maxOperations: 10_000,
  maxBytes: 12 * 1024 * 1024,
});

/** Service type under which a country registry sets its network's history bounds. */
export const HISTORY_LIMITS_SERVICE = 'CityHistoryLimits';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLimitsService(service: unknown): boolean {
  if (!isRecord(service)) return false;
  const types = service['type'];
  return Array.isArray(types) ? types.includes(HISTORY_LIMITS_SERVICE) : types === HISTORY_LIMITS_SERVICE;
}

function invalid(path: string, detail: string): never {
  throw new DidCityError('INVALID_OPERATION', `${path}: ${detail}`);
}

/**
 * R-LIM-2: only a country registry carries history bounds, in at most one service with the single type
 * `CityHistoryLimits`, whose endpoint is the map `{ "maxOperations": n, "maxBytes": n }` (either or both), each an
 * integer from 1 to its ceiling.
 */
export function checkHistoryLimitServices(did: string, services: readonly unknown[], path: string): void {
  let found = false;
  services.forEach((service, index) => {
    if (!isLimitsService(service)) return;
    const at = `${path}[${index}]`;
    if (parentDid(did) !== undefined)
      invalid(`${at}.type`, `only a country registry carries a ${HISTORY_LIMITS_SERVICE}`);
    if (found) invalid(at, `a second ${HISTORY_LIMITS_SERVICE} service`);
    found = true;
    if (Array.isArray((service as Record<string, unknown>)['type']))
      invalid(`${at}.type`, `must be the single type "${HISTORY_LIMITS_SERVICE}"`);
    const endpoint = (service as Record<string, unknown>)['serviceEndpoint'];
    const shape = 'must be the map { "maxOperations": n, "maxBytes": n } (either or both)';
    if (!isRecord(endpoint) || Object.keys(endpoint).length === 0) invalid(`${at}.serviceEndpoint`, shape);
    for (const [name, value] of Object.entries(endpoint)) {
      if (name !== 'maxOperations' && name !== 'maxBytes')
        invalid(`${at}.serviceEndpoint.${name}`, `unknown member; ${shape}`);
      const ceiling = HISTORY_LIMIT_CEILINGS[name];
      if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > ceiling) {
        invalid(`${at}.serviceEndpoint.${name}`, `must be an integer from 1 to ${ceiling}`);
      }
    }
  });
}

/** The bounds a registry document (or document content) sets, over the defaults. Assumes it passed validation. */
export function historyLimitsOf(content: { service?: readonly Service[] } | undefined): HistoryLimits {
  const endpoint = content?.service?.find(isLimitsService)?.serviceEndpoint;
  const limits = { ...DEFAULT_HISTORY_LIMITS };
  if (!isRecord(endpoint)) return limits;
  if (typeof endpoint['maxOperations'] === 'number') limits.maxOperations = endpoint['maxOperations'];
  if (typeof endpoint['maxBytes'] === 'number') limits.maxBytes = endpoint['maxBytes'];
  return limits;
}
