/**
 * The desk's settings from the environment, read the same way by `did-city ledger` and the all-in-one:
 *   DID_CITY_REGISTRATION_PENDING_TTL_S   seconds an application may stay pending (default 2592000, 30 days)
 *   DID_CITY_REGISTRATION_MAX_PENDING     applications pending at once, all DIDs together (default 10000)
 */
import type { RegistrationsOptions } from './registrations.ts';

export type DeskSettings = Pick<RegistrationsOptions, 'pendingTtlMs' | 'maxPending'>;

function positive(env: Readonly<Record<string, string | undefined>>, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const value = /^[1-9]\d{0,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name}="${text.slice(0, 20)}" must be a positive integer`);
  return value;
}

/** Throws RangeError naming the setting for a value that is not a positive integer. */
export function deskSettingsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): DeskSettings {
  const ttl = positive(env, 'DID_CITY_REGISTRATION_PENDING_TTL_S');
  const max = positive(env, 'DID_CITY_REGISTRATION_MAX_PENDING');
  return {
    ...(ttl !== undefined ? { pendingTtlMs: ttl * 1000 } : {}),
    ...(max !== undefined ? { maxPending: max } : {}),
  };
}
