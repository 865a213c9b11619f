/**
 * Log entries as leaves (spec §4): leaf bytes = JCS({"integratedTime": T, "operation": op}), T an RFC 3339 UTC
 * datetime without fractional seconds.
 */
import { canonicalBytes, type LogEntry, type Operation } from '@did-city/method';

const INTEGRATED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

export function encodeLeaf(entry: { integratedTime: string; operation: Operation }): Uint8Array {
  return canonicalBytes({ integratedTime: entry.integratedTime, operation: entry.operation });
}

/** Parses stored leaf bytes back into the entry they encode; throws TypeError on anything else. */
export function decodeLeaf(leaf: Uint8Array, index: number): LogEntry {
  const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(leaf));
  if (typeof value !== 'object' || value === null) throw new TypeError(`leaf ${index} is not a JSON object`);
  const { integratedTime, operation } = value as Record<string, unknown>;
  if (typeof integratedTime !== 'string' || typeof operation !== 'object' || operation === null) {
    throw new TypeError(`leaf ${index} is not {integratedTime, operation}`);
  }
  return { index, integratedTime, operation: operation as Operation };
}

/** RFC 3339 UTC with whole seconds: 2026-11-21T08:00:00Z. */
export function formatIntegratedTime(date: Date): string {
  const text = date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (!INTEGRATED_TIME.test(text)) throw new RangeError(`time ${text} is outside the RFC 3339 range`);
  return text;
}

/**
 * The integration time of a new batch: the clock, but never before the previous entry, so that versionTime
 * selection (which assumes time grows with the log) stays meaningful if the system clock steps back.
 */
export function nextIntegratedTime(now: Date, previous: string | undefined): string {
  const time = formatIntegratedTime(now);
  return previous !== undefined && previous > time ? previous : time;
}
