import { DomainError } from './errors.js';

/** ISO-8601 UTC instant string, e.g. "2025-01-01T00:00:00.000Z" or "2025-01-01T00:00:00Z". */
export type Instant = string;

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** The span of business instants the ledger records: a year 0 or 9999 is a typo, not a fact about cities. */
export const EARLIEST_INSTANT_MS = Date.UTC(1970, 0, 1);
export const LATEST_INSTANT_MS = Date.UTC(3000, 0, 1) - 1;

const DIGIT_0 = 48;
/** Days in each month of a common year; February gains one in leap years. */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The number written by the ASCII digits value[from, to), or -1 if any is not a digit. */
function digitsAt(value: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = value.charCodeAt(i) - DIGIT_0;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Milliseconds of an ISO-8601 UTC instant that names a real moment within the ledger's span; NaN otherwise. For
 * new input (the API's DTOs): `parseInstant` stays as lenient as the events already in the log that it replays.
 *
 * Read field by field rather than with Date.parse and a round trip (every command validates one or two instants):
 * `YYYY-MM-DDTHH:MM:SS` with an optional fraction of 1–3 digits, then `Z`; a day the month does not have (2025-02-30)
 * and hour 24 are refused, not rolled over. A property test holds it equal to the regex, Date.parse and round-trip
 * definition it replaced.
 */
export function instantMs(value: string): number {
  const length = value.length;
  if (length < 20 || length > 24 || length === 21 || value.charCodeAt(length - 1) !== 90 /* Z */) return Number.NaN;
  if (value[4] !== '-' || value[7] !== '-' || value[10] !== 'T' || value[13] !== ':' || value[16] !== ':') return Number.NaN;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 7);
  const day = digitsAt(value, 8, 10);
  const hour = digitsAt(value, 11, 13);
  const minute = digitsAt(value, 14, 16);
  const second = digitsAt(value, 17, 19);
  let millis = 0;
  if (length > 20) {
    if (value[19] !== '.') return Number.NaN;
    const fraction = digitsAt(value, 20, length - 1);
    if (fraction < 0) return Number.NaN;
    // ".5" is 500 ms, ".05" is 50 ms, ".005" is 5 ms.
    millis = fraction * 10 ** (24 - length);
  }
  // Below 1970 is outside the span anyway, and Date.UTC would read years 0–99 as 1900–1999.
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return Number.NaN;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : (MONTH_DAYS[month - 1] as number))) return Number.NaN;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  return ms >= EARLIEST_INSTANT_MS && ms <= LATEST_INSTANT_MS ? ms : Number.NaN;
}

export function parseInstant(value: string, field = 'instant'): number {
  const ms = ISO_UTC.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new DomainError('invalid_instant', `${field} must be an ISO-8601 UTC instant such as 2025-01-01T00:00:00Z`, { field, value });
  }
  return ms;
}

let lastMs = Number.NaN;
let lastInstant: Instant = '';

/**
 * Normalised form used in events: always milliseconds, always Z. The last answer is kept: a command writes its own
 * instant several times (its stamp, the checked occurredAt, the event), and commands arriving together share the
 * millisecond. A non-finite `ms` throws as toISOString does (NaN never equals the kept one).
 */
export function instant(ms: number): Instant {
  if (ms !== lastMs) {
    lastInstant = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastInstant;
}

export const SECOND_MS = 1000;
export const DAY_MS = 86_400_000;
