/**
 * Strict parsing of numbers in paths and queries: canonical decimal (no sign, no leading zeroes, no exponent,
 * no spaces), a safe integer, given once. `Number("0x10")`, `"1e3"` or `" 7"` are junk, not numbers.
 */
import { DidCityError } from '@did-city/method';

const DECIMAL = /^(?:0|[1-9][0-9]{0,15})$/;

/** The value of a query parameter or path segment as a non-negative safe integer; MALFORMED_REQUEST otherwise. */
export function parseIndex(value: unknown, name: string): number {
  if (value === undefined) throw new DidCityError('MALFORMED_REQUEST', `${name} is required`);
  if (typeof value !== 'string') throw new DidCityError('MALFORMED_REQUEST', `${name} must be given once`);
  const number = DECIMAL.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number)) {
    throw new DidCityError(
      'MALFORMED_REQUEST',
      `${name} must be a non-negative decimal integer, got ${JSON.stringify(value.slice(0, 40))}`,
    );
  }
  return number;
}
