/**
 * Validity window checks (VC 2.0 §4.9 validFrom/validUntil; 1.1 issuanceDate/expirationDate; JWT nbf/exp).
 */
import { isXsdDateTime } from '@did-city/method';
import { issue, type VerificationIssue } from './errors.ts';

/**
 * Whether the date part names a day of the calendar. Date.parse rolls `2026-02-30` over to 2 March instead of
 * refusing it, and XML Schema's dateTime allows no such day.
 */
function isCalendarDate(value: string): boolean {
  const match = /^(-?\d{4,})-(\d\d)-(\d\d)T/.exec(value);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const days = [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day >= 1 && day <= days;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** XML Schema dateTimeStamp: a dateTime with a time zone, as VC 2.0 requires, on a real calendar day. */
export function parseDateTimeStamp(value: unknown): number | undefined {
  if (!isXsdDateTime(value) || !/(Z|[+-]\d\d:\d\d)$/.test(value) || !isCalendarDate(value)) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

export interface ValidityWindow {
  validFrom?: number;
  validUntil?: number;
}

export function checkValidity(window: ValidityWindow, now: number, skewMs: number): VerificationIssue[] {
  const issues: VerificationIssue[] = [];
  if (window.validFrom !== undefined && now + skewMs < window.validFrom) {
    issues.push(issue('NOT_YET_VALID', `valid from ${new Date(window.validFrom).toISOString()}`));
  }
  if (window.validUntil !== undefined && now - skewMs >= window.validUntil) {
    issues.push(issue('EXPIRED', `expired at ${new Date(window.validUntil).toISOString()}`));
  }
  return issues;
}

/** The window of a credential's members; a member that is present but not a dateTimeStamp is malformed. */
export function credentialWindow(credential: Record<string, unknown>): ValidityWindow | VerificationIssue {
  const window: ValidityWindow = {};
  const from = credential.validFrom ?? credential.issuanceDate;
  const until = credential.validUntil ?? credential.expirationDate;
  if (from !== undefined) {
    window.validFrom = parseDateTimeStamp(from);
    if (window.validFrom === undefined)
      return issue('MALFORMED_CREDENTIAL', 'validFrom/issuanceDate is not an XML Schema dateTimeStamp');
  }
  if (until !== undefined) {
    window.validUntil = parseDateTimeStamp(until);
    if (window.validUntil === undefined)
      return issue('MALFORMED_CREDENTIAL', 'validUntil/expirationDate is not an XML Schema dateTimeStamp');
  }
  return window;
}
